/* t_userns: user namespaces — unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER), the overflow id
 * (65534) before a map exists, /proc/PID/uid_map, gid_map and setgroups (written once, their
 * format and permission rules, how each side reads them), the capabilities a user namespace
 * gives (its own new namespaces and mounts, not the ones its parent owns), setns() rules, the
 * nsfs ioctls on user namespaces, the nesting limit, and chroot's EPERM; and an ordinary user
 * (uid 1000, no capabilities) in a namespace of its own: EPERM for the namespaces and mounts it
 * does not own, every capability over the ones it made, its ids mapped by itself, files of
 * unmapped owners seen as 65534.
 *
 * Each scenario runs in a child; a child that must be mapped from outside waits on a pipe while
 * the test writes its maps. */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NS_GET_PARENT _IO(0xb7, 0x2)
#define NS_GET_OWNER_UID _IO(0xb7, 0x4)
#define PROC_USER_INIT_INO 0xEFFFFFFDU

static unsigned long fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static unsigned long ino_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* write(2) of `s` to a new open of `path`: the write's result (or -1 for the open), errno kept. */
static long put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static char got[256];
static const char *get(const char *path)
{
	int fd = open(path, O_RDONLY);
	got[0] = 0;
	if (fd < 0)
		return "(open failed)";
	ssize_t n = read(fd, got, sizeof got - 1);
	close(fd);
	got[n > 0 ? n : 0] = 0;
	return got;
}

/* A child in a new user namespace that reports its ids, waits for the test to map it, then
 * reports again and runs `after` (whose result is its exit status). */
struct report {
	int uid, gid, euid;
};
static pid_t userns_child(int (*after)(void), int *to_child, int *from_child)
{
	int a[2], b[2];
	pipe(a);
	pipe(b);
	pid_t c = fork();
	if (c == 0) {
		close(a[1]);
		close(b[0]);
		if (unshare(CLONE_NEWUSER) != 0)
			_exit(99);
		struct report r = { getuid(), getgid(), geteuid() };
		(void)!write(b[1], &r, sizeof r);
		char x;
		(void)!read(a[0], &x, 1);
		struct report r2 = { getuid(), getgid(), geteuid() };
		(void)!write(b[1], &r2, sizeof r2);
		_exit(after ? after() : 0);
	}
	close(a[0]);
	close(b[1]);
	*to_child = a[1];
	*from_child = b[0];
	return c;
}

static int init_userns_fd = -1;

/* Inside a user namespace mapped to root: what its capabilities allow. */
static int inside_caps(void)
{
	int bad = 0;
	/* the UTS and mount namespaces are the parent namespace's: no capability there */
	if (sethostname("x", 1) != -1 || errno != EPERM)
		bad |= 1;
	mkdir("/tmp/un", 0755);
	if (mount("none", "/tmp/un", "tmpfs", 0, NULL) != -1 || errno != EPERM)
		bad |= 2;
	/* new ones of its own: every capability */
	if (unshare(CLONE_NEWUTS) != 0 || sethostname("inner", 5) != 0)
		bad |= 4;
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/tmp/un", "tmpfs", 0, NULL) != 0)
		bad |= 8;
	/* proc needs the pid namespace's owner: not this user namespace */
	if (mount("proc", "/tmp/un", "proc", 0, NULL) != -1 || errno != EPERM)
		bad |= 16;
	/* setns() back into the parent user namespace: no capability there (the fd was opened
	 * before: /proc/1/ns/user is not ours to open from here) */
	if (init_userns_fd < 0 || setns(init_userns_fd, CLONE_NEWUSER) != -1 || errno != EPERM)
		bad |= 32;
	/* nor into its own */
	int me = open("/proc/self/ns/user", O_RDONLY);
	if (setns(me, CLONE_NEWUSER) != -1 || errno != EINVAL)
		bad |= 64;
	return bad;
}


/* An ordinary user (uid and gid 1000, no supplementary groups): what it may not do, then what
 * it may do in a user namespace of its own.  Bit i of the exit status is USER_CHECKS[i]'s
 * failure. */
static const char *USER_CHECKS[] = {
	"user-unshare-uts-eperm",   "user-sethostname-eperm",  "user-mount-eperm",
	"user-unshare-newuser",	    "user-unmapped-65534",     "user-map-own-uid",
	"user-mapped-root",	    "user-gid_map-needs-deny", "user-map-own-gid",
	"user-full-caps-inside",    "user-own-uts",	       "user-own-mount",
	"user-file-owner-inside",   "user-unmapped-owner",     "user-chown-unmapped-einval",
	"user-kill-init-eperm",	    "user-map-other-uid-eperm",
};
static int ordinary_user(void)
{
	int bad = 0, bit = 0;
#define UCHECK(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			bad |= 1 << bit;                                                           \
		bit++;                                                                             \
	} while (0)
	mkdir("/tmp/uu", 0777);
	if (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0)
		return -1;
	/* (a changed uid makes the process non-dumpable: its /proc files would be root's) */
	prctl(PR_SET_DUMPABLE, 1);
	UCHECK(unshare(CLONE_NEWUTS) == -1 && errno == EPERM);
	UCHECK(sethostname("x", 1) == -1 && errno == EPERM);
	UCHECK(mount("none", "/tmp/uu", "tmpfs", 0, NULL) == -1 && errno == EPERM);
	/* a user namespace, and a UTS and a mount namespace it owns */
	UCHECK(unshare(CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWNS) == 0);
	UCHECK(getuid() == 65534 && geteuid() == 65534 && getgid() == 65534);
	UCHECK(put("/proc/self/uid_map", "0 1000 1") == 8);
	UCHECK(getuid() == 0 && geteuid() == 0);
	UCHECK(put("/proc/self/gid_map", "0 1000 1") == -1 && errno == EPERM);
	UCHECK(put("/proc/self/setgroups", "deny") == 4 && put("/proc/self/gid_map", "0 1000 1") == 8 &&
	       getgid() == 0);
	struct __user_cap_header_struct ch = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];
	UCHECK(syscall(SYS_capget, &ch, cd) == 0 && cd[0].effective == 0xffffffff && cd[1].effective == 0x1ff);
	UCHECK(sethostname("inner", 5) == 0);
	UCHECK(mount("none", "/tmp/uu", "tmpfs", 0, NULL) == 0);
	struct stat st;
	int fd = open("/tmp/uu/f", O_CREAT | O_WRONLY, 0644);
	UCHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
	UCHECK(stat("/", &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534);
	UCHECK(fchown(fd, 5, -1) == -1 && errno == EINVAL);
	UCHECK(kill(1, 0) == -1 && errno == EPERM);
	/* (a second write of a map is EPERM whatever it says) */
	UCHECK(put("/proc/self/uid_map", "0 0 1") == -1 && errno == EPERM);
#undef UCHECK
	return bad;
}

int main(void)
{
	mt_begin("t_userns");
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	mkdir("/tmp", 01777);
	char path[64];
	CHECK_EQ("init-uid", getuid(), 0);
	CHECK_EQ("init-ns-ino", ino_of("/proc/self/ns/user"), PROC_USER_INIT_INO);
	CHECK("init-uid_map", !strcmp(get("/proc/self/uid_map"), "         0          0 4294967295\n"));
	CHECK("init-setgroups", !strcmp(get("/proc/self/setgroups"), "allow\n"));
	CHECK_ERR("init-uid_map-write", put("/proc/self/uid_map", "0 0 1\n"), EPERM);
	init_userns_fd = open("/proc/self/ns/user", O_RDONLY);

	/* ---- a new user namespace, mapped from outside ---- */
	{
		int to, from;
		pid_t c = userns_child(inside_caps, &to, &from);
		struct report r = { -1, -1, -1 };
		(void)!read(from, &r, sizeof r);
		CHECK("unmapped-overflow-ids", r.uid == 65534 && r.gid == 65534 && r.euid == 65534);
		snprintf(path, sizeof path, "/proc/%d/ns/user", c);
		unsigned long ino = ino_of(path);
		CHECK("new-user-ns", ino != 0 && ino != PROC_USER_INIT_INO);
		int nsfd = open(path, O_RDONLY);
		uid_t owner = 1;
		CHECK("owner-uid", ioctl(nsfd, NS_GET_OWNER_UID, &owner) == 0 && owner == 0);
		int par = ioctl(nsfd, NS_GET_PARENT);
		CHECK("parent-is-init", par >= 0 && fd_ino(par) == PROC_USER_INIT_INO);
		close(par);
		snprintf(path, sizeof path, "/proc/%d/uid_map", c);
		CHECK("empty-uid_map", !strcmp(get(path), ""));
		/* bad maps, then a good one, then no second */
		CHECK_ERR("map-short", put(path, "0 0\n"), EINVAL);
		CHECK_ERR("map-junk", put(path, "0 0 1 x\n"), EINVAL);
		CHECK_ERR("map-zero-count", put(path, "0 0 0\n"), EINVAL);
		CHECK_ERR("map-overlap", put(path, "0 0 10\n5 100 1\n"), EINVAL);
		CHECK_ERR("map-empty", put(path, "\n"), EINVAL);
		CHECK_EQ("map-write", put(path, "0 0 1\n"), 6);
		CHECK_ERR("map-second-write", put(path, "1 1 1\n"), EPERM);
		CHECK("map-read", !strcmp(get(path), "         0          0          1\n"));
		snprintf(path, sizeof path, "/proc/%d/setgroups", c);
		CHECK_ERR("setgroups-bad", put(path, "maybe"), EINVAL);
		CHECK_EQ("setgroups-deny", put(path, "deny"), 4);
		CHECK("setgroups-read", !strcmp(get(path), "deny\n"));
		CHECK_ERR("setgroups-allow-again", put(path, "allow"), EPERM);
		snprintf(path, sizeof path, "/proc/%d/gid_map", c);
		CHECK_EQ("gid-map-write", put(path, "0 0 1"), 5);
		(void)!write(to, "x", 1);
		struct report r2 = { -1, -1, -1 };
		(void)!read(from, &r2, sizeof r2);
		CHECK("mapped-root", r2.uid == 0 && r2.gid == 0 && r2.euid == 0);
		CHECK_EQ("inside-caps", WEXITSTATUS(mt_reap(c)), 0);
		close(nsfd);
		close(to);
		close(from);
	}

	/* ---- a namespace maps its own creator, and reads its map from inside ---- */
	{
		pid_t c = fork();
		if (c == 0) {
			int bad = 0;
			if (unshare(CLONE_NEWUSER) != 0)
				_exit(1);
			if (put("/proc/self/uid_map", "0 0 1") != 5)
				bad |= 2;
			if (getuid() != 0)
				bad |= 4;
			/* the lower id, read from inside, is the parent's name for it */
			if (strcmp(get("/proc/self/uid_map"), "         0          0          1\n"))
				bad |= 8;
			/* gid_map needs setgroups denied first for an unprivileged writer; we have
			 * CAP_SETGID over the parent?  No: we are in the child namespace now */
			if (put("/proc/self/gid_map", "0 0 1") != -1 || errno != EPERM)
				bad |= 16;
			if (put("/proc/self/setgroups", "deny") != 4 || put("/proc/self/gid_map", "0 0 1") != 5)
				bad |= 32;
			if (getgid() != 0)
				bad |= 64;
			_exit(bad);
		}
		CHECK_EQ("self-map", WEXITSTATUS(mt_reap(c)), 0);
	}

	/* ---- clone(CLONE_NEWUSER) ---- */
	{
		pid_t c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (c == 0)
			_exit(getuid() == 65534 && ino_of("/proc/self/ns/user") != PROC_USER_INIT_INO ? 0 : 1);
		CHECK_EQ("clone-newuser", WEXITSTATUS(mt_reap(c)), 0);
		CHECK_ERR("clone-newuser-fs", syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EINVAL);
	}

	/* ---- nesting: 33 levels below the initial namespace, then ENOSPC; a level whose
	 * creator has no mapped ids cannot have a child (EPERM) ---- */
	{
		pid_t c = fork();
		if (c == 0) {
			/* each level maps its creator, whose ids the next level must find mapped */
			int n = 0;
			while (n < 40 && unshare(CLONE_NEWUSER) == 0) {
				n++;
				if (put("/proc/self/uid_map", "0 0 1") != 5 || put("/proc/self/setgroups", "deny") != 4 ||
				    put("/proc/self/gid_map", "0 0 1") != 5)
					_exit(2);
			}
			_exit(n == 33 && errno == ENOSPC ? 0 : 1);
		}
		CHECK_EQ("nesting-limit", WEXITSTATUS(mt_reap(c)), 0);
		c = fork();
		if (c == 0)
			_exit(unshare(CLONE_NEWUSER) == 0 && unshare(CLONE_NEWUSER) == -1 && errno == EPERM ? 0 : 1);
		CHECK_EQ("unmapped-creator-eperm", WEXITSTATUS(mt_reap(c)), 0);
	}

	/* ---- a chrooted process cannot make one ---- */
	{
		pid_t c = fork();
		if (c == 0) {
			if (chroot("/tmp") != 0)
				_exit(2);
			_exit(unshare(CLONE_NEWUSER) == -1 && errno == EPERM ? 0 : 1);
		}
		CHECK_EQ("chroot-eperm", WEXITSTATUS(mt_reap(c)), 0);
	}
	/* ---- an ordinary user ---- */
	{
		int p[2];
		pipe(p);
		pid_t c = fork();
		if (c == 0) {
			int r = ordinary_user();
			(void)!write(p[1], &r, sizeof r);
			_exit(0);
		}
		int r = -1;
		(void)!read(p[0], &r, sizeof r);
		mt_reap(c);
		CHECK("user-became-1000", r != -1);
		for (unsigned i = 0; i < sizeof USER_CHECKS / sizeof USER_CHECKS[0]; i++)
			mt_report(r != -1 && !(r & (1 << i)), USER_CHECKS[i], "result %#x", r);
		close(p[0]);
		close(p[1]);
	}
	mt_end();
}
