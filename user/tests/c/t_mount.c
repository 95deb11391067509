/* t_mount: the mount table — mount(2) of tmpfs, ramfs and proc instances, bind mounts,
 * remount (read-only: EROFS), per-mount flags (noexec), propagation (shared/private/slave),
 * MS_MOVE, umount2(2) (EBUSY, EINVAL, MNT_DETACH, MNT_EXPIRE), st_dev per instance, EXDEV,
 * /proc/PID/mounts and mountinfo, mount namespaces (unshare(CLONE_NEWNS): a mount made there is
 * not seen outside), and the new mount API (fsopen, fsconfig, fsmount, move_mount).
 *
 * Everything happens below /tmp/mt, in the test's own namespace (cleaned up as it goes) or in
 * children that unshare one. */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static int my_fsopen(const char *name, unsigned flags)
{
	return syscall(SYS_fsopen, name, flags);
}
static int my_fsconfig(int fd, unsigned cmd, const char *key, const void *val, int aux)
{
	return syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}
static int my_fsmount(int fd, unsigned flags, unsigned attr)
{
	return syscall(SYS_fsmount, fd, flags, attr);
}
static int my_move_mount(int fd, const char *from, int tfd, const char *to, unsigned flags)
{
	return syscall(SYS_move_mount, fd, from, tfd, to, flags);
}

static dev_t dev_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_dev : (dev_t)-1;
}

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static int touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static char text[16384];

/* The text of a /proc file (into `text`), its length or -1. */
static int slurp(const char *p)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	int n = 0, r;
	while ((r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	return n;
}

/* The mountinfo line whose mount point is `mp` (into `line`), 1 if found. */
static char line[512];
static int mountinfo_line(const char *mp)
{
	if (slurp("/proc/self/mountinfo") < 0)
		return 0;
	for (char *l = text; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = 0;
		char f5[256];
		if (sscanf(l, "%*s %*s %*s %*s %255s", f5) == 1 && !strcmp(f5, mp)) {
			snprintf(line, sizeof line, "%.500s", l);
			return 1;
		}
		l = e ? e + 1 : NULL;
	}
	return 0;
}

int main(void)
{
	mt_begin("t_mount");
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	mkdir("/tmp", 01777);
	mkdir("/tmp/mt", 0755);
	const char *M = "/tmp/mt/a";
	mkdir(M, 0755);
	dev_t rootdev = dev_of("/tmp/mt");

	/* ---- a tmpfs instance ---- */
	CHECK_EQ("tmpfs-mount", mount("none", M, "tmpfs", 0, NULL), 0);
	CHECK("tmpfs-new-dev", dev_of(M) != rootdev && dev_of(M) != (dev_t)-1);
	{
		struct stat st;
		CHECK("tmpfs-root-mode", stat(M, &st) == 0 && (st.st_mode & 07777) == 01777 && S_ISDIR(st.st_mode));
	}
	CHECK_EQ("tmpfs-creat", touch("/tmp/mt/a/f"), 0);
	CHECK("tmpfs-file-dev", dev_of("/tmp/mt/a/f") == dev_of(M));
	CHECK_EQ("tmpfs-mkdir", mkdir("/tmp/mt/a/d", 0700), 0);
	{
		char cwd[64];
		int ok = chdir("/tmp/mt/a/d") == 0 && getcwd(cwd, sizeof cwd) && !strcmp(cwd, "/tmp/mt/a/d");
		CHECK("tmpfs-getcwd", ok);
		CHECK("tmpfs-dotdot", chdir("../..") == 0 && getcwd(cwd, sizeof cwd) && !strcmp(cwd, "/tmp/mt"));
		chdir("/");
	}
	CHECK("mountinfo-tmpfs", mountinfo_line(M) && strstr(line, " - tmpfs none rw") && strstr(line, " rw,relatime"));
	{
		char want[128];
		snprintf(want, sizeof want, "none %s tmpfs rw,relatime 0 0\n", M);
		CHECK("mounts-tmpfs", slurp("/proc/self/mounts") > 0 && strstr(text, want));
		/* the parent field is the id of the mount below */
		int id, parent, rid = -1;
		mountinfo_line(M);
		sscanf(line, "%d %d", &id, &parent);
		if (mountinfo_line("/"))
			sscanf(line, "%d", &rid);
		CHECK("mountinfo-parent", parent == rid && id != rid);
	}
	CHECK_ERR("rename-exdev", rename("/tmp/mt/a/f", "/tmp/mt/f"), EXDEV);
	CHECK_ERR("link-exdev", link("/tmp/mt/a/f", "/tmp/mt/lnk"), EXDEV);
	CHECK_EQ("rename-same-mount", rename("/tmp/mt/a/f", "/tmp/mt/a/g"), 0);

	/* ---- remount read-only ---- */
	{
		int wfd = open("/tmp/mt/a/g", O_WRONLY);
		CHECK_ERR("remount-ro-busy", mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
		close(wfd);
	}
	CHECK_EQ("remount-ro", mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK_ERR("ro-creat", open("/tmp/mt/a/h", O_CREAT | O_WRONLY, 0644), EROFS);
	CHECK_ERR("ro-open-write", open("/tmp/mt/a/g", O_WRONLY), EROFS);
	CHECK_ERR("ro-mkdir", mkdir("/tmp/mt/a/e", 0755), EROFS);
	CHECK_ERR("ro-mkdir-exists", mkdir("/tmp/mt/a/d", 0755), EEXIST);
	CHECK_ERR("ro-unlink", unlink("/tmp/mt/a/g"), EROFS);
	CHECK_ERR("ro-symlink", symlink("x", "/tmp/mt/a/s"), EROFS);
	{
		int fd = open("/tmp/mt/a/g", O_RDONLY);
		CHECK("ro-open-read", fd >= 0);
		close(fd);
	}
	CHECK("mountinfo-ro", mountinfo_line(M) && strstr(line, " ro,relatime") && strstr(line, " - tmpfs none ro"));
	CHECK_EQ("remount-rw", mount(NULL, M, NULL, MS_REMOUNT, NULL), 0);
	CHECK_EQ("rw-creat", touch("/tmp/mt/a/h"), 0);

	/* ---- umount2 ---- */
	CHECK_ERR("umount-not-mountpoint", umount("/tmp/mt"), EINVAL);
	CHECK_ERR("umount-inside", umount("/tmp/mt/a/d"), EINVAL);
	CHECK_ERR("umount-enoent", umount("/tmp/mt/nosuch"), ENOENT);
	CHECK_ERR("umount-badflag", umount2(M, 0x100), EINVAL);
	CHECK_ERR("umount-expire-detach", umount2(M, MNT_EXPIRE | MNT_DETACH), EINVAL);
	{
		int fd = open("/tmp/mt/a/h", O_RDONLY);
		CHECK_ERR("umount-busy-file", umount(M), EBUSY);
		close(fd);
		chdir("/tmp/mt/a/d");
		CHECK_ERR("umount-busy-cwd", umount(M), EBUSY);
		chdir("/");
	}
	CHECK_ERR("umount-expire-first", umount2(M, MNT_EXPIRE), EAGAIN);
	CHECK_EQ("umount-expire-second", umount2(M, MNT_EXPIRE), 0);
	CHECK("umount-gone", !exists("/tmp/mt/a/h") && dev_of(M) == rootdev && !mountinfo_line(M));
	/* lazy: the tree stays reachable through an open fd */
	mount("none", M, "tmpfs", 0, NULL);
	touch("/tmp/mt/a/x");
	{
		int dfd = open(M, O_RDONLY | O_DIRECTORY);
		CHECK_EQ("umount-detach", umount2(M, MNT_DETACH), 0);
		CHECK("detach-gone", !exists("/tmp/mt/a/x"));
		CHECK("detach-fd-still-works", faccessat(dfd, "x", F_OK, 0) == 0);
		close(dfd);
	}
	/* a mount with a mount below it is busy; MNT_DETACH takes both */
	mount("none", M, "tmpfs", 0, NULL);
	mkdir("/tmp/mt/a/sub", 0755);
	CHECK_EQ("mount-nested", mount("none", "/tmp/mt/a/sub", "tmpfs", 0, NULL), 0);
	CHECK_ERR("umount-busy-submount", umount(M), EBUSY);
	CHECK_EQ("umount-detach-tree", umount2(M, MNT_DETACH), 0);
	CHECK("detach-tree-gone", !mountinfo_line("/tmp/mt/a/sub") && !mountinfo_line(M));
	/* stacked mounts: the top one goes first */
	mount("none", M, "tmpfs", 0, NULL);
	touch("/tmp/mt/a/lower");
	mount("none", M, "tmpfs", 0, NULL);
	CHECK("stacked-top", !exists("/tmp/mt/a/lower"));
	umount(M);
	CHECK("stacked-lower-again", exists("/tmp/mt/a/lower"));
	umount(M);

	/* ---- mount's argument checks ---- */
	CHECK_ERR("mount-nodev", mount("none", M, "nosuchfs", 0, NULL), ENODEV);
	CHECK_ERR("mount-notype", mount("none", M, NULL, 0, NULL), EINVAL);
	CHECK_ERR("mount-enoent", mount("none", "/tmp/mt/nosuch", "tmpfs", 0, NULL), ENOENT);
	CHECK_ERR("mount-efault", mount("none", (char *)8, "tmpfs", 0, NULL), EFAULT);
	CHECK_ERR("tmpfs-bad-option", mount("none", M, "tmpfs", 0, "bogus=1"), EINVAL);
	CHECK_EQ("ramfs-ignores-options", mount("none", M, "ramfs", 0, "bogus=1"), 0);
	umount(M);
	CHECK_EQ("tmpfs-mode", mount("none", M, "tmpfs", 0, "mode=0700"), 0);
	{
		struct stat st;
		CHECK("tmpfs-mode-applied", stat(M, &st) == 0 && (st.st_mode & 07777) == 0700);
	}
	umount(M);

	/* ---- noexec ---- */
	mount("none", M, "tmpfs", MS_NOEXEC, NULL);
	{
		int fd = open("/tmp/mt/a/run.sh", O_CREAT | O_WRONLY, 0755);
		(void)!write(fd, "#!/bin/true\n", 12);
		close(fd);
		char *argv[] = { "run.sh", NULL };
		CHECK_ERR("noexec", execve("/tmp/mt/a/run.sh", argv, NULL), EACCES);
		CHECK("mountinfo-noexec", mountinfo_line(M) && strstr(line, " rw,noexec,relatime"));
	}
	umount(M);

	/* ---- bind mounts ---- */
	mkdir("/tmp/mt/src", 0755);
	mkdir("/tmp/mt/dst", 0755);
	touch("/tmp/mt/src/x");
	CHECK_ERR("bind-nosrc", mount(NULL, "/tmp/mt/dst", NULL, MS_BIND, NULL), EINVAL);
	CHECK_ERR("bind-enoent", mount("/tmp/mt/nosuch", "/tmp/mt/dst", NULL, MS_BIND, NULL), ENOENT);
	CHECK_EQ("bind", mount("/tmp/mt/src", "/tmp/mt/dst", NULL, MS_BIND, NULL), 0);
	{
		struct stat a, b;
		CHECK("bind-same-file", stat("/tmp/mt/src/x", &a) == 0 && stat("/tmp/mt/dst/x", &b) == 0 &&
						  a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		CHECK("mountinfo-bind-root", mountinfo_line("/tmp/mt/dst") && strstr(line, " /tmp/mt/src /tmp/mt/dst "));
	}
	CHECK_EQ("bind-remount-ro", mount(NULL, "/tmp/mt/dst", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	CHECK_ERR("bind-ro-creat", open("/tmp/mt/dst/y", O_CREAT | O_WRONLY, 0644), EROFS);
	CHECK_EQ("bind-src-still-rw", touch("/tmp/mt/src/y"), 0);
	CHECK("bind-sees-new-file", exists("/tmp/mt/dst/y"));
	CHECK_EQ("bind-umount", umount("/tmp/mt/dst"), 0);
	CHECK("bind-gone", !exists("/tmp/mt/dst/x"));

	/* ---- propagation ---- */
	mount("none", M, "tmpfs", 0, NULL);
	CHECK_ERR("prop-two-types", mount(NULL, M, NULL, MS_SHARED | MS_PRIVATE, NULL), EINVAL);
	CHECK_ERR("prop-not-mountpoint", mount(NULL, "/tmp/mt/src", NULL, MS_SHARED, NULL), EINVAL);
	CHECK_EQ("prop-shared", mount(NULL, M, NULL, MS_SHARED, NULL), 0);
	CHECK("mountinfo-shared", mountinfo_line(M) && strstr(line, " shared:"));
	mkdir("/tmp/mt/a/p", 0755);
	CHECK_EQ("prop-bind-peer", mount(M, "/tmp/mt/dst", NULL, MS_BIND, NULL), 0);
	CHECK_EQ("prop-mount-under-peer", mount("none", "/tmp/mt/a/p", "tmpfs", 0, NULL), 0);
	touch("/tmp/mt/a/p/seen");
	CHECK("prop-propagated", exists("/tmp/mt/dst/p/seen"));
	CHECK_EQ("prop-umount-under-peer", umount("/tmp/mt/a/p"), 0);
	CHECK("prop-umount-propagated", !exists("/tmp/mt/dst/p/seen"));
	CHECK_EQ("prop-private", mount(NULL, "/tmp/mt/dst", NULL, MS_PRIVATE, NULL), 0);
	mount("none", "/tmp/mt/a/p", "tmpfs", 0, NULL);
	touch("/tmp/mt/a/p/seen");
	CHECK("prop-private-not-propagated", !exists("/tmp/mt/dst/p/seen"));
	umount("/tmp/mt/a/p");
	umount("/tmp/mt/dst");
	CHECK_EQ("prop-unbindable", mount(NULL, M, NULL, MS_UNBINDABLE, NULL), 0);
	CHECK_ERR("bind-unbindable", mount(M, "/tmp/mt/dst", NULL, MS_BIND, NULL), EINVAL);
	CHECK("mountinfo-unbindable", mountinfo_line(M) && strstr(line, " unbindable"));

	/* ---- MS_MOVE ---- */
	touch("/tmp/mt/a/moved");
	CHECK_EQ("move", mount(M, "/tmp/mt/dst", NULL, MS_MOVE, NULL), 0);
	CHECK("move-there", exists("/tmp/mt/dst/moved") && !exists("/tmp/mt/a/moved"));
	CHECK_ERR("move-not-mount", mount("/tmp/mt/src", M, NULL, MS_MOVE, NULL), EINVAL);
	umount("/tmp/mt/dst");

	/* ---- proc instances ---- */
	mkdir("/tmp/mt/p1", 0555);
	mkdir("/tmp/mt/p2", 0555);
	CHECK_EQ("proc-mount", mount("proc", "/tmp/mt/p1", "proc", 0, "hidepid=2"), 0);
	CHECK_EQ("proc-mount-2", mount("proc", "/tmp/mt/p2", "proc", 0, "subset=pid"), 0);
	CHECK("proc-own-dev", dev_of("/tmp/mt/p1/meminfo") != dev_of("/proc/meminfo") &&
				      dev_of("/tmp/mt/p1/meminfo") != (dev_t)-1);
	CHECK("proc-self", exists("/tmp/mt/p1/self/status"));
	CHECK("proc-subset-self", exists("/tmp/mt/p2/self"));
	CHECK_ERR("proc-subset-no-meminfo", open("/tmp/mt/p2/meminfo", O_RDONLY), ENOENT);
	CHECK("mountinfo-hidepid", mountinfo_line("/tmp/mt/p1") && strstr(line, " - proc proc rw,hidepid=invisible"));
	CHECK("mountinfo-subset", mountinfo_line("/tmp/mt/p2") && strstr(line, ",subset=pid"));
	CHECK_ERR("proc-bad-hidepid", mount("proc", "/tmp/mt/src", "proc", 0, "hidepid=3"), EINVAL);
	CHECK_ERR("proc-bad-subset", mount("proc", "/tmp/mt/src", "proc", 0, "subset=sys"), EINVAL);
	CHECK_ERR("proc-bad-option", mount("proc", "/tmp/mt/src", "proc", 0, "bogus"), EINVAL);
	CHECK_EQ("proc-remount-hidepid", mount(NULL, "/tmp/mt/p1", NULL, MS_REMOUNT, "hidepid=0"), 0);
	CHECK("mountinfo-hidepid-off", mountinfo_line("/tmp/mt/p1") && !strstr(line, "hidepid"));
	umount("/tmp/mt/p1");
	umount("/tmp/mt/p2");

	/* ---- the new mount API ---- */
	{
		CHECK_ERR("fsopen-nodev", my_fsopen("nosuchfs", 0), ENODEV);
		CHECK_ERR("fsopen-flags", my_fsopen("proc", 2), EINVAL);
		int fs = my_fsopen("proc", 0);
		CHECK("fsopen", fs >= 0);
		int hp = 2;
		CHECK_ERR("fsconfig-binary", my_fsconfig(fs, FSCONFIG_SET_BINARY, "hidepid", &hp, 0), EINVAL);
		CHECK_ERR("fsconfig-binary-type", my_fsconfig(fs, FSCONFIG_SET_BINARY, "hidepid", &hp, 4), EINVAL);
		CHECK_EQ("fsconfig-string", my_fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0), 0);
		CHECK_ERR("fsconfig-bad-value", my_fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "bogus", 0), EINVAL);
		CHECK_ERR("fsconfig-unknown", my_fsconfig(fs, FSCONFIG_SET_FLAG, "bogus", NULL, 0), EINVAL);
		CHECK_ERR("fsconfig-badcmd", my_fsconfig(fs, 99, NULL, NULL, 0), EOPNOTSUPP);
		CHECK_ERR("fsconfig-negfd", my_fsconfig(-1, FSCONFIG_CMD_CREATE, NULL, NULL, 0), EINVAL);
		CHECK_ERR("fsconfig-notctx", my_fsconfig(0, FSCONFIG_CMD_CREATE, NULL, NULL, 0), EINVAL);
		CHECK_ERR("fsmount-early", my_fsmount(fs, 0, 0), EINVAL);
		CHECK_EQ("fsconfig-create", my_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0), 0);
		CHECK_ERR("fsconfig-after-create", my_fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "2", 0), EBUSY);
		CHECK_ERR("fsmount-flags", my_fsmount(fs, 2, 0), EINVAL);
		int mfd = my_fsmount(fs, 0, 0);
		CHECK("fsmount", mfd >= 0);
		CHECK_ERR("fsmount-again", my_fsmount(fs, 0, 0), EBUSY);
		CHECK("fsmount-fd-usable", faccessat(mfd, "self", F_OK, 0) == 0);
		CHECK_EQ("move_mount", my_move_mount(mfd, "", AT_FDCWD, "/tmp/mt/p1", MOVE_MOUNT_F_EMPTY_PATH), 0);
		CHECK("move_mount-there", exists("/tmp/mt/p1/self/status"));
		CHECK("move_mount-mountinfo", mountinfo_line("/tmp/mt/p1") && strstr(line, "hidepid=invisible"));
		umount("/tmp/mt/p1");
		close(mfd);
		close(fs);
	}

	/* ---- mount namespaces ---- */
	{
		int p[2];
		pipe(p);
		pid_t c = fork();
		if (c == 0) {
			close(p[0]);
			int bad = 0;
			if (unshare(CLONE_NEWNS) != 0)
				bad |= 1;
			if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) != 0)
				bad |= 2;
			if (mount("none", M, "tmpfs", 0, NULL) != 0)
				bad |= 4;
			if (touch("/tmp/mt/a/private") != 0)
				bad |= 8;
			if (!mountinfo_line(M))
				bad |= 16;
			(void)!write(p[1], &bad, sizeof bad);
			pause();
			_exit(0);
		}
		close(p[1]);
		int bad = -1;
		(void)!read(p[0], &bad, sizeof bad);
		CHECK_EQ("newns-child", bad, 0);
		CHECK("newns-not-seen", !exists("/tmp/mt/a/private") && !mountinfo_line(M));
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/mountinfo", c);
		char want[64];
		snprintf(want, sizeof want, " %s ", M);
		CHECK("newns-its-mountinfo", slurp(path) > 0 && strstr(text, want));
		/* setns() into it: the mount is there, root and cwd at its root */
		snprintf(path, sizeof path, "/proc/%d/ns/mnt", c);
		int nsfd = open(path, O_RDONLY);
		pid_t s = fork();
		if (s == 0) {
			chdir("/tmp");
			if (setns(nsfd, CLONE_NEWNS) != 0)
				_exit(1);
			char cwd[32];
			if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/"))
				_exit(2);
			_exit(exists("/tmp/mt/a/private") ? 0 : 3);
		}
		CHECK_EQ("newns-setns", WEXITSTATUS(mt_reap(s)), 0);
		close(nsfd);
		kill(c, SIGKILL);
		mt_reap(c);
		close(p[0]);
	}

	rmdir("/tmp/mt/p1");
	rmdir("/tmp/mt/p2");
	mt_end();
}
