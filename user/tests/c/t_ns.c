/* t_ns: namespaces in general, UTS, network and time namespaces — /proc/PID/ns links and their
 * nsfs files, unshare(2) and its flag rules, setns(2) on an ns file and on a pidfd, the nsfs
 * ioctls, the UTS namespace's names (sethostname, setdomainname, uname), and how
 * time_for_children becomes a child's time namespace.
 *
 * Everything that changes a namespace runs in a child, so the test itself stays in the initial
 * ones.  Linux 6.1 (the reference has every namespace type) and MenuOS (mount, UTS, IPC, pid,
 * network, time and user namespaces) agree on every check here; cgroup namespaces, which MenuOS
 * does not have, are looked at only where a Linux without them answers the same (unshare). */
#include "mtest.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define NSIO 0xb7
#define NS_GET_USERNS _IO(NSIO, 0x1)
#define NS_GET_PARENT _IO(NSIO, 0x2)
#define NS_GET_NSTYPE _IO(NSIO, 0x3)
#define NS_GET_OWNER_UID _IO(NSIO, 0x4)

#define PROC_IPC_INIT_INO 0xEFFFFFFFU
#define PROC_UTS_INIT_INO 0xEFFFFFFEU
#define PROC_USER_INIT_INO 0xEFFFFFFDU
#define PROC_PID_INIT_INO 0xEFFFFFFCU
#define PROC_TIME_INIT_INO 0xEFFFFFFAU
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static int link_is(const char *path, const char *want)
{
	char buf[128];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return !strcmp(buf, want);
}

static unsigned long ino_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static unsigned long fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* A child that unshares `flags`, sets its host name to `name` (if any), then waits on a pipe
 * until the parent closes it.  Returns the pid; *wfd is the pipe's write end. */
static pid_t ns_child(int flags, const char *name, int *wfd)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		close(q[0]);
		if (unshare(flags) != 0)
			_exit(10);
		if (name && sethostname(name, strlen(name)) != 0)
			_exit(11);
		(void)!write(q[1], "x", 1);
		char c;
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	char c;
	(void)!read(q[0], &c, 1);
	close(q[0]);
	*wfd = p[1];
	return pid;
}

static int pause_fn(void *arg);
static void *sleeper(void *arg);

/* The inode number a /proc/PID/ns link names ("net:[N]" -> N; 0 if it is not of `type`). */
static unsigned long link_ino(const char *path, const char *type)
{
	char buf[128];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	size_t tl = strlen(type);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (strncmp(buf, type, tl) || buf[tl] != ':' || buf[tl + 1] != '[' || buf[n - 1] != ']')
		return 0;
	return strtoul(buf + tl + 2, NULL, 10);
}

/* Network and time namespaces: the links, unshare, clone, setns by file and by pidfd, the
 * capability checks, and time_for_children at fork. */
static void net_time_ns(void)
{
	char path[128];
	unsigned long net0 = link_ino("/proc/self/ns/net", "net");
	CHECK("net-link", net0 != 0);
	CHECK_EQ("net-link-is-ino", ino_of("/proc/self/ns/net"), net0);
	CHECK("time-link", link_is("/proc/self/ns/time", "time:[4026531834]"));
	CHECK("time_for_children-link", link_is("/proc/self/ns/time_for_children", "time:[4026531834]"));
	CHECK_EQ("time-ino", ino_of("/proc/self/ns/time"), PROC_TIME_INIT_INO);
	{
		int seen = 0;
		DIR *d = opendir("/proc/self/ns");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			const char *want[] = { "net", "time", "time_for_children" };
			for (int i = 0; i < 3; i++)
				if (!strcmp(de->d_name, want[i]) && de->d_type == DT_LNK)
					seen |= 1 << i;
		}
		if (d)
			closedir(d);
		CHECK_EQ("readdir-ns-net-time", seen, 7);
	}
	int netfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK_EQ("ioctl-nstype-net", ioctl(netfd, NS_GET_NSTYPE), CLONE_NEWNET);
	{
		int u = ioctl(netfd, NS_GET_USERNS);
		CHECK("ioctl-userns-net", u >= 0 && fd_ino(u) == PROC_USER_INIT_INO);
		close(u);
		int t = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		CHECK_EQ("ioctl-nstype-time", ioctl(t, NS_GET_NSTYPE), CLONE_NEWTIME);
		CHECK_ERR("ioctl-parent-time", ioctl(t, NS_GET_PARENT), EINVAL);
		close(t);
	}

	/* unshare(CLONE_NEWNET): a new namespace for the caller alone */
	int wfd;
	pid_t a = ns_child(CLONE_NEWNET, NULL, &wfd);
	snprintf(path, sizeof path, "/proc/%d/ns/net", a);
	unsigned long net_a = link_ino(path, "net");
	CHECK("unshare-newnet", net_a != 0 && net_a != net0);
	CHECK_EQ("unshare-newnet-link-is-ino", ino_of(path), net_a);
	snprintf(path, sizeof path, "/proc/%d/ns/uts", a);
	CHECK_EQ("unshare-newnet-same-uts", ino_of(path), PROC_UTS_INIT_INO);
	CHECK_EQ("unshare-newnet-parent-unchanged", link_ino("/proc/self/ns/net", "net"), net0);
	snprintf(path, sizeof path, "/proc/%d/ns/net", a);
	int anetfd = open(path, O_RDONLY | O_CLOEXEC);
	int apidfd = pidfd_open(a, 0);
	pid_t c = fork();
	if (c == 0) {
		int bad = 0;
		if (setns(anetfd, CLONE_NEWUTS) != -1 || errno != EINVAL)
			bad |= 1;
		if (setns(anetfd, CLONE_NEWNET) != 0 || ino_of("/proc/self/ns/net") != net_a)
			bad |= 2;
		if (setns(netfd, 0) != 0 || ino_of("/proc/self/ns/net") != net0)
			bad |= 4;
		if (setns(apidfd, CLONE_NEWNET) != 0 || ino_of("/proc/self/ns/net") != net_a)
			bad |= 8;
		if (ino_of("/proc/self/ns/uts") != PROC_UTS_INIT_INO)
			bad |= 16;
		/* a child made now is in the namespace too */
		pid_t g = fork();
		if (g == 0)
			_exit(ino_of("/proc/self/ns/net") == net_a ? 0 : 1);
		int ws;
		waitpid(g, &ws, 0);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws))
			bad |= 32;
		_exit(bad);
	}
	CHECK_EQ("setns-net", WEXITSTATUS(mt_reap(c)), 0);
	close(wfd);
	CHECK_EQ("newnet-child-exit", WEXITSTATUS(mt_reap(a)), 0);
	/* the namespace outlives its last task while an fd holds it */
	c = fork();
	if (c == 0)
		_exit(setns(anetfd, CLONE_NEWNET) == 0 && ino_of("/proc/self/ns/net") == net_a ? 0 : 1);
	CHECK_EQ("setns-net-after-exit", WEXITSTATUS(mt_reap(c)), 0);
	close(anetfd);
	close(apidfd);

	/* clone(CLONE_NEWNET) */
	c = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		unsigned long n = ino_of("/proc/self/ns/net");
		_exit(n != 0 && n != net0 && ino_of("/proc/self/ns/ipc") == PROC_IPC_INIT_INO ? 0 : 1);
	}
	CHECK_EQ("clone-newnet", WEXITSTATUS(mt_reap(c)), 0);

	/* a network namespace owned by a new user namespace */
	c = fork();
	if (c == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
			_exit(1);
		int n = open("/proc/self/ns/net", O_RDONLY);
		int u = ioctl(n, NS_GET_USERNS);
		_exit(u >= 0 && fd_ino(u) == ino_of("/proc/self/ns/user") && fd_ino(u) != PROC_USER_INIT_INO ? 0 : 2);
	}
	CHECK_EQ("newnet-owned-by-new-userns", WEXITSTATUS(mt_reap(c)), 0);

	/* unshare(CLONE_NEWTIME): only the children's namespace changes; they enter it at fork */
	c = fork();
	if (c == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWTIME) != 0)
			_exit(1);
		unsigned long tc = ino_of("/proc/self/ns/time_for_children");
		if (ino_of("/proc/self/ns/time") != PROC_TIME_INIT_INO)
			bad |= 2;
		if (tc == 0 || tc == PROC_TIME_INIT_INO || link_ino("/proc/self/ns/time_for_children", "time") != tc)
			bad |= 4;
		int p[2];
		pipe(p);
		pid_t g = fork();
		if (g == 0) {
			int r = 0;
			if (ino_of("/proc/self/ns/time") != tc || ino_of("/proc/self/ns/time_for_children") != tc)
				r = 1;
			(void)!write(p[1], "x", 1);
			pause();
			_exit(r);
		}
		char ch;
		(void)!read(p[0], &ch, 1);
		/* a child that would share the VM (or be a thread) cannot be in another time
		 * namespace */
		static char stack[16384];
		if (clone(pause_fn, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL) != -1 || errno != EINVAL)
			bad |= 8;
		pthread_t th0;
		if (pthread_create(&th0, NULL, sleeper, NULL) != EINVAL)
			bad |= 128;
		/* setns() to the grandchild's time namespace (by pidfd) moves this task too */
		int pfd = pidfd_open(g, 0);
		int back = open("/proc/self/ns/time", O_RDONLY);
		if (setns(pfd, CLONE_NEWTIME) != 0 || ino_of("/proc/self/ns/time") != tc ||
		    ino_of("/proc/self/ns/time_for_children") != tc)
			bad |= 16;
		if (setns(back, CLONE_NEWTIME) != 0 || ino_of("/proc/self/ns/time") != PROC_TIME_INIT_INO ||
		    ino_of("/proc/self/ns/time_for_children") != PROC_TIME_INIT_INO)
			bad |= 32;
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
		/* not with a second thread: EUSERS */
		pthread_t th;
		pthread_create(&th, NULL, sleeper, NULL);
		if (setns(back, CLONE_NEWTIME) != -1 || errno != EUSERS)
			bad |= 64;
		_exit(bad);
	}
	CHECK_EQ("unshare-newtime", WEXITSTATUS(mt_reap(c)), 0);

	/* without CAP_SYS_ADMIN: EPERM; cgroup namespaces too (a Linux without cgroups asks the
	 * same capability and makes none) */
	c = fork();
	if (c == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWCGROUP) != 0)
			bad |= 1;
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(99);
		if (unshare(CLONE_NEWNET) != -1 || errno != EPERM)
			bad |= 2;
		if (unshare(CLONE_NEWTIME) != -1 || errno != EPERM)
			bad |= 4;
		if (unshare(CLONE_NEWCGROUP) != -1 || errno != EPERM)
			bad |= 8;
		if (setns(netfd, CLONE_NEWNET) != -1 || errno != EPERM)
			bad |= 16;
		if (syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) != -1 || errno != EPERM)
			bad |= 32;
		_exit(bad);
	}
	CHECK_EQ("newnet-newtime-eperm", WEXITSTATUS(mt_reap(c)), 0);

	/* /proc/net is self/net: the AF_UNIX sockets of the reader's network namespace */
	{
		char buf[64];
		ssize_t n = readlink("/proc/net", buf, sizeof buf - 1);
		CHECK("proc-net-link", n == 8 && !memcmp(buf, "self/net", 8));
	}
	c = fork();
	if (c == 0) {
		static const char hdr[] = "Num       RefCount Protocol Flags    Type St Inode Path\n";
		static char text[4096];
		int bad = 0;
		int old = open("/proc/net/unix", O_RDONLY);
		if (unshare(CLONE_NEWNET) != 0)
			_exit(99);
		int f = open("/proc/net/unix", O_RDONLY);
		ssize_t n = read(f, text, sizeof text - 1);
		if (n != (ssize_t)strlen(hdr) || memcmp(text, hdr, n))
			bad |= 1;
		/* an open file keeps its namespace; a new open sees the socket made since */
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		char name[64], want[96];
		ssize_t m = readlink((snprintf(path, sizeof path, "/proc/self/fd/%d", s), path), name, sizeof name - 1);
		name[m > 0 ? m : 0] = 0;
		if (strncmp(name, "socket:[", 8))
			bad |= 32;
		unsigned long ino = strtoul(name + 8, NULL, 10); /* socket:[N] */
		int g = open("/proc/self/net/unix", O_RDONLY);
		n = read(g, text, sizeof text - 1);
		text[n > 0 ? n : 0] = 0;
		snprintf(want, sizeof want, ": 00000002 00000000 00000000 0001 01 %5lu\n", ino);
		char *line = strchr(text, '\n');
		if (!line || strlen(line + 1) < strlen(want) || strcmp(line + 1 + strlen(line + 1) - strlen(want), want))
			bad |= 2;
		if (strncmp(text, hdr, strlen(hdr)))
			bad |= 4;
		/* the file opened before unshare still shows the first namespace: not this socket */
		n = read(old, text, sizeof text - 1);
		text[n > 0 ? n : 0] = 0;
		if (n <= 0 || strstr(text, want))
			bad |= 8;
		/* the socket is gone with its fd */
		close(s);
		lseek(g, 0, SEEK_SET);
		n = read(g, text, sizeof text - 1);
		if (n != (ssize_t)strlen(hdr))
			bad |= 16;
		_exit(bad);
	}
	CHECK_EQ("proc-net-unix-per-netns", WEXITSTATUS(mt_reap(c)), 0);
	/* a socketpair of this namespace is listed here, connected (St 03), not in a new one */
	{
		int sv[2];
		socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
		static char text[16384];
		int f = open("/proc/net/unix", O_RDONLY);
		ssize_t n = read(f, text, sizeof text - 1);
		text[n > 0 ? n : 0] = 0;
		close(f);
		char name[64], want[64];
		ssize_t m = readlink((snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]), path), name, sizeof name - 1);
		name[m > 0 ? m : 0] = 0;
		snprintf(want, sizeof want, " 0002 03 %5lu\n", strtoul(name + 8, NULL, 10));
		CHECK("proc-net-unix-pair", strstr(text, want) != NULL);
		char refs[96];
		snprintf(refs, sizeof refs, " 00000003 00000000 00000000%s", want);
		CHECK("proc-net-unix-pair-refs", strstr(text, refs) != NULL);
		c = fork();
		if (c == 0) {
			if (unshare(CLONE_NEWNET) != 0)
				_exit(99);
			f = open("/proc/net/unix", O_RDONLY);
			n = read(f, text, sizeof text - 1);
			text[n > 0 ? n : 0] = 0;
			_exit(strstr(text, want) ? 1 : 0);
		}
		CHECK_EQ("proc-net-unix-pair-not-in-new-ns", WEXITSTATUS(mt_reap(c)), 0);
		/* its peer closed, an end is one reference less (the peer held it) */
		close(sv[1]);
		f = open("/proc/net/unix", O_RDONLY);
		n = read(f, text, sizeof text - 1);
		text[n > 0 ? n : 0] = 0;
		close(f);
		snprintf(refs, sizeof refs, " 00000002 00000000 00000000%s", want);
		CHECK("proc-net-unix-peer-closed", strstr(text, refs) != NULL);
		close(sv[0]);
	}
	close(netfd);
}

static int pause_fn(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static void *sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(void)
{
	mt_begin("t_ns");
	/* Linux boots rdinit= without /proc mounted */
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	char path[128];
	struct utsname u0, u;
	uname(&u0);

	/* ---- the initial namespaces' links ---- */
	CHECK("link-uts", link_is("/proc/self/ns/uts", "uts:[4026531838]"));
	CHECK("link-ipc", link_is("/proc/self/ns/ipc", "ipc:[4026531839]"));
	CHECK("link-user", link_is("/proc/self/ns/user", "user:[4026531837]"));
	CHECK("link-pid", link_is("/proc/self/ns/pid", "pid:[4026531836]"));
	CHECK("link-pid_for_children", link_is("/proc/self/ns/pid_for_children", "pid:[4026531836]"));
	{
		char buf[64];
		ssize_t n = readlink("/proc/self/ns/mnt", buf, sizeof buf - 1);
		CHECK("link-mnt", n > 6 && !strncmp(buf, "mnt:[", 5) && buf[n - 1] == ']');
	}
	CHECK_ERR("link-nosuch", readlink("/proc/self/ns/nosuch", path, sizeof path), ENOENT);
	{
		int seen = 0;
		DIR *d = opendir("/proc/self/ns");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			const char *want[] = { "uts", "ipc", "pid", "pid_for_children", "user", "mnt" };
			for (int i = 0; i < 6; i++)
				if (!strcmp(de->d_name, want[i]) && de->d_type == DT_LNK)
					seen |= 1 << i;
		}
		if (d)
			closedir(d);
		CHECK_EQ("readdir-ns", seen, 0x3f);
	}
	struct stat st;
	CHECK("lstat-is-link", lstat("/proc/self/ns/uts", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK("stat-ino-uts", stat("/proc/self/ns/uts", &st) == 0 && st.st_ino == PROC_UTS_INIT_INO &&
				      S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444);
	CHECK_EQ("stat-ino-pid", ino_of("/proc/self/ns/pid"), PROC_PID_INIT_INO);
	CHECK_EQ("stat-ino-ipc", ino_of("/proc/self/ns/ipc"), PROC_IPC_INIT_INO);
	CHECK_EQ("stat-ino-user", ino_of("/proc/self/ns/user"), PROC_USER_INIT_INO);
	snprintf(path, sizeof path, "/proc/%d/ns/uts", getpid());
	CHECK_EQ("stat-ino-bypid", ino_of(path), PROC_UTS_INIT_INO);
	int utsfd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	CHECK("open-ns", utsfd >= 0);
	CHECK_EQ("fstat-ns", fd_ino(utsfd), PROC_UTS_INIT_INO);
	{
		struct stat a, b;
		int ok = stat("/proc/self/ns/uts", &a) == 0 && stat("/proc/self/ns/ipc", &b) == 0;
		CHECK("same-nsfs-dev", ok && a.st_dev == b.st_dev);
		char c;
		CHECK_ERR("read-nsfile", read(utsfd, &c, 1), EINVAL);
	}

	/* ---- nsfs ioctls ---- */
	CHECK_EQ("ioctl-nstype-uts", ioctl(utsfd, NS_GET_NSTYPE), CLONE_NEWUTS);
	{
		int u = ioctl(utsfd, NS_GET_USERNS);
		CHECK("ioctl-userns", u >= 0 && fd_ino(u) == PROC_USER_INIT_INO);
		CHECK_EQ("ioctl-userns-cloexec", u >= 0 ? fcntl(u, F_GETFD) : -1, FD_CLOEXEC);
		CHECK_EQ("ioctl-nstype-user", ioctl(u, NS_GET_NSTYPE), CLONE_NEWUSER);
		uid_t owner = 1234;
		CHECK_EQ("ioctl-owner-uid", ioctl(u, NS_GET_OWNER_UID, &owner), 0);
		CHECK_EQ("ioctl-owner-uid-value", owner, 0);
		CHECK_ERR("ioctl-userns-of-init-user", ioctl(u, NS_GET_USERNS), EPERM);
		CHECK_ERR("ioctl-parent-of-init-user", ioctl(u, NS_GET_PARENT), EPERM);
		close(u);
	}
	CHECK_ERR("ioctl-parent-uts", ioctl(utsfd, NS_GET_PARENT), EINVAL);
	CHECK_ERR("ioctl-owner-uid-uts", ioctl(utsfd, NS_GET_OWNER_UID, &st), EINVAL);
	CHECK_ERR("ioctl-bogus", ioctl(utsfd, _IO(NSIO, 0x7f)), ENOTTY);
	{
		int p = open("/proc/self/ns/pid", O_RDONLY);
		CHECK_ERR("ioctl-parent-init-pid", ioctl(p, NS_GET_PARENT), EPERM);
		close(p);
	}

	/* ---- sethostname / setdomainname argument checks (restored afterwards) ---- */
	{
		char name65[66];
		memset(name65, 'a', 65);
		name65[65] = 0;
		CHECK_ERR("sethostname-65", sethostname(name65, 65), EINVAL);
		CHECK_ERR("sethostname-neg", syscall(SYS_sethostname, "x", -1), EINVAL);
		CHECK_ERR("sethostname-efault", syscall(SYS_sethostname, (void *)8, 4), EFAULT);
		CHECK_ERR("setdomainname-65", setdomainname(name65, 65), EINVAL);
		CHECK_ERR("setdomainname-efault", syscall(SYS_setdomainname, (void *)8, 4), EFAULT);
		int r = sethostname(name65, 64);
		uname(&u);
		CHECK("sethostname-64", r == 0 && strlen(u.nodename) == 64);
		r = sethostname("ab\0cd", 5);
		uname(&u);
		CHECK("sethostname-nul-inside", r == 0 && !strcmp(u.nodename, "ab"));
		CHECK_EQ("sethostname-0", sethostname("", 0), 0);
		uname(&u);
		CHECK_EQ("sethostname-0-empty", u.nodename[0], 0);
		CHECK_EQ("setdomainname", setdomainname("dom", 3), 0);
		uname(&u);
		CHECK("setdomainname-seen", !strcmp(u.domainname, "dom"));
		sethostname(u0.nodename, strlen(u0.nodename));
		setdomainname(u0.domainname, strlen(u0.domainname));
		uname(&u);
		CHECK("names-restored", !strcmp(u.nodename, u0.nodename) && !strcmp(u.domainname, u0.domainname));
	}

	/* ---- unshare(CLONE_NEWUTS): a copy of the names, changed alone ---- */
	{
		int wfd;
		pid_t a = ns_child(CLONE_NEWUTS, "nsA", &wfd);
		CHECK("uts-child-alive", a > 0 && kill(a, 0) == 0);
		snprintf(path, sizeof path, "/proc/%d/ns/uts", a);
		unsigned long ino_a = ino_of(path);
		CHECK("uts-child-new-ns", ino_a != 0 && ino_a != PROC_UTS_INIT_INO);
		snprintf(path, sizeof path, "/proc/%d/ns/ipc", a);
		CHECK_EQ("uts-child-same-ipc", ino_of(path), PROC_IPC_INIT_INO);
		uname(&u);
		CHECK("uts-parent-unchanged", !strcmp(u.nodename, u0.nodename));

		/* setns() to it through the ns file, in a child */
		snprintf(path, sizeof path, "/proc/%d/ns/uts", a);
		int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		int pidfd = pidfd_open(a, 0);
		pid_t c = fork();
		if (c == 0) {
			int bad = 0;
			if (setns(nsfd, CLONE_NEWIPC) != -1 || errno != EINVAL)
				bad |= 1;
			if (setns(nsfd, CLONE_NEWUTS) != 0)
				bad |= 2;
			uname(&u);
			if (strcmp(u.nodename, "nsA"))
				bad |= 4;
			if (ino_of("/proc/self/ns/uts") != ino_a)
				bad |= 8;
			if (setns(utsfd, 0) != 0) /* back: 0 takes the file's type */
				bad |= 16;
			uname(&u);
			if (strcmp(u.nodename, u0.nodename))
				bad |= 32;
			_exit(bad);
		}
		CHECK_EQ("setns-nsfile", WEXITSTATUS(mt_reap(c)), 0);
		/* setns() through a pidfd: the flags pick the types */
		c = fork();
		if (c == 0) {
			int bad = 0;
			if (setns(pidfd, 0) != -1 || errno != EINVAL)
				bad |= 1;
			if (setns(pidfd, -1) != -1 || errno != EINVAL)
				bad |= 2;
			if (setns(pidfd, CLONE_VM) != -1 || errno != EINVAL)
				bad |= 4;
			if (setns(pidfd, CLONE_NEWUTS | CLONE_VM) != -1 || errno != EINVAL)
				bad |= 8;
			if (setns(pidfd, CLONE_NEWUTS | CLONE_NEWIPC) != 0)
				bad |= 16;
			uname(&u);
			if (strcmp(u.nodename, "nsA"))
				bad |= 32;
			_exit(bad);
		}
		CHECK_EQ("setns-pidfd", WEXITSTATUS(mt_reap(c)), 0);
		close(pidfd);
		/* the namespace outlives its last task while an fd holds it */
		close(wfd);
		CHECK_EQ("uts-child-exit", WEXITSTATUS(mt_reap(a)), 0);
		c = fork();
		if (c == 0) {
			if (setns(nsfd, CLONE_NEWUTS) != 0)
				_exit(1);
			uname(&u);
			_exit(strcmp(u.nodename, "nsA") ? 2 : 0);
		}
		CHECK_EQ("setns-after-exit", WEXITSTATUS(mt_reap(c)), 0);
		close(nsfd);
	}
	/* a pidfd of a process that has exited */
	{
		int p[2];
		pipe(p);
		pid_t z = fork();
		if (z == 0)
			_exit(0);
		int pidfd = pidfd_open(z, 0);
		siginfo_t si;
		waitid(P_PID, z, &si, WEXITED | WNOWAIT);
		CHECK_ERR("setns-pidfd-exited", setns(pidfd, CLONE_NEWUTS), ESRCH);
		mt_reap(z);
		close(pidfd);
		close(p[0]);
		close(p[1]);
	}
	/* setns() on what is neither */
	{
		int p[2];
		pipe(p);
		CHECK_ERR("setns-pipe", setns(p[0], 0), EINVAL);
		CHECK_ERR("setns-badfd", setns(999, 0), EBADF);
		int f = open("/proc/self/status", O_RDONLY);
		CHECK_ERR("setns-procfile", setns(f, CLONE_NEWUTS), EINVAL);
		close(f);
		close(p[0]);
		close(p[1]);
	}

	/* ---- clone() with namespace flags ---- */
	{
		pid_t c = syscall(SYS_clone, CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
		if (c == 0) {
			int bad = 0;
			if (ino_of("/proc/self/ns/uts") == PROC_UTS_INIT_INO)
				bad |= 1;
			if (ino_of("/proc/self/ns/ipc") == PROC_IPC_INIT_INO)
				bad |= 2;
			if (ino_of("/proc/self/ns/user") != PROC_USER_INIT_INO)
				bad |= 4;
			uname(&u);
			if (strcmp(u.nodename, u0.nodename))
				bad |= 8;
			_exit(bad);
		}
		CHECK_EQ("clone-newuts-newipc", WEXITSTATUS(mt_reap(c)), 0);
		CHECK_ERR("clone-newipc-sysvsem", syscall(SYS_clone, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, 0, 0, 0, 0),
			  EINVAL);
	}

	/* ---- unshare()'s flag rules ---- */
	{
		pid_t c = fork();
		if (c == 0) {
			int bad = 0;
			if (unshare(0) != 0)
				bad |= 1;
			if (unshare(CLONE_PIDFD) != -1 || errno != EINVAL)
				bad |= 2;
			if (unshare(CLONE_SETTLS) != -1 || errno != EINVAL)
				bad |= 4;
			/* nothing to unshare: they "work" */
			if (unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM) != 0)
				bad |= 8;
			if (unshare(CLONE_NEWIPC) != 0 || ino_of("/proc/self/ns/ipc") == PROC_IPC_INIT_INO)
				bad |= 16;
			char before[64], after[64];
			ssize_t n1 = readlink("/proc/self/ns/mnt", before, sizeof before);
			if (unshare(CLONE_NEWNS) != 0)
				bad |= 32;
			ssize_t n2 = readlink("/proc/self/ns/mnt", after, sizeof after);
			if (n1 <= 0 || n2 <= 0 || (n1 == n2 && !memcmp(before, after, n1)))
				bad |= 64;
			_exit(bad);
		}
		CHECK_EQ("unshare-flags", WEXITSTATUS(mt_reap(c)), 0);
		/* with a second thread: thread, sighand and vm (and user, which implies thread) */
		c = fork();
		if (c == 0) {
			int bad = 0;
			pthread_t th;
			pthread_create(&th, NULL, sleeper, NULL);
			if (unshare(CLONE_THREAD) != -1 || errno != EINVAL)
				bad |= 1;
			if (unshare(CLONE_SIGHAND) != -1 || errno != EINVAL)
				bad |= 2;
			if (unshare(CLONE_VM) != -1 || errno != EINVAL)
				bad |= 4;
			if (unshare(CLONE_NEWUSER) != -1 || errno != EINVAL)
				bad |= 8;
			if (unshare(CLONE_NEWUTS | CLONE_FILES) != 0)
				bad |= 16;
			_exit(bad);
		}
		CHECK_EQ("unshare-threaded", WEXITSTATUS(mt_reap(c)), 0);
		/* CLONE_FS with a shared fs_struct: the caller gets its own root and cwd */
		c = fork();
		if (c == 0) {
			/* a CLONE_FS sibling shares our cwd until we unshare it */
			static char stack[16384];
			pid_t s = clone(pause_fn, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
			int bad = 0;
			if (unshare(CLONE_FS) != 0)
				bad |= 1;
			if (chdir("/proc") != 0)
				bad |= 2;
			char buf[64];
			snprintf(buf, sizeof buf, "/proc/%d/cwd", s);
			char t[64];
			ssize_t n = readlink(buf, t, sizeof t - 1);
			if (n != 1 || t[0] != '/')
				bad |= 4;
			kill(s, SIGKILL);
			waitpid(s, NULL, 0);
			_exit(bad);
		}
		CHECK_EQ("unshare-fs", WEXITSTATUS(mt_reap(c)), 0);
	}

	net_time_ns();

	close(utsfd);
	mt_end();
}
