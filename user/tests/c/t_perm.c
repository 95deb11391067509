/* t_perm: Linux's file permission checks, seen by an ordinary user — search permission on
 * every directory of a path, open's access mode, O_CREAT, unlink, rmdir, rename, link and
 * symlink in a directory (write + search; the sticky bit; fs.protected_symlinks and
 * protected_hardlinks), access/faccessat2 with the real or effective ids, chmod and chown
 * (ownership, CAP_CHOWN, S_ISGID for non-members, set-id bits cleared), utimensat, writes that
 * clear set-id bits, chdir/chroot, the owner of new files (and in set-group-ID directories),
 * and the /proc files of another user's process.
 *
 * The test runs as root (PID 1) and makes the files; every refusal is checked in a forked
 * child that dropped its privileges, with Linux's errno.  Linux: fs/namei.c, fs/open.c,
 * fs/attr.c, fs/inode.c, fs/utimes.c, fs/proc/base.c.
 */
#include "mtest.h"
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define U 1000 /* the ordinary user */
#define G 1000
#define OTHER 2000

static void mkfile(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	unlink(path);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		printf("FAIL %s/setup: %s: %s\n", mt_test_name, path, strerror(errno));
		return;
	}
	write(fd, "data", 4);
	fchown(fd, uid, gid);
	fchmod(fd, mode);
	close(fd);
}

static void mkdirp(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	mkdir(path, 0700);
	chown(path, uid, gid);
	chmod(path, mode);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static uid_t uid_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

static gid_t gid_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_gid : (gid_t)-1;
}

/* open() that closes what it opened: its result is 0 or -1 with errno. */
static int try_open(const char *path, int flags)
{
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Runs fn in a child that became uid/gid (real, effective, saved) with the given
 * supplementary groups; its checks print their own lines. */
static void as_user(const char *name, uid_t uid, gid_t gid, int ngroups, const gid_t *groups, void (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		mt_nfail = 0;
		if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
			printf("FAIL %s/%s-drop: %s\n", mt_test_name, name, strerror(errno));
			_exit(1);
		}
		fn();
		_exit(mt_nfail ? 1 : 0);
	}
	int st = mt_reap(p);
	mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, name, "child status %#x", st);
}

static void setup(void)
{
	umask(022);
	mkdirp("/tmp/p", 0755, 0, 0);
	mkfile("/tmp/p/secret", 0600, 0, 0);
	mkfile("/tmp/p/ro", 0644, 0, 0);
	mkfile("/tmp/p/rw", 0666, 0, 0);
	mkfile("/tmp/p/none", 0000, 0, 0);
	mkfile("/tmp/p/grp", 0640, 0, 100);
	mkfile("/tmp/p/ownerdenied", 0077, U, G);
	mkdirp("/tmp/p/closed", 0700, 0, 0);
	mkfile("/tmp/p/closed/f", 0644, 0, 0);
	mkdirp("/tmp/p/xonly", 0711, 0, 0);
	mkfile("/tmp/p/xonly/f", 0644, 0, 0);
	mkdirp("/tmp/p/ronly", 0744, 0, 0);
	mkfile("/tmp/p/ronly/f", 0644, 0, 0);
	mkdirp("/tmp/p/nodir", 0000, 0, 0);
	mkfile("/tmp/rootfile", 0666, 0, 0);
	mkfile("/tmp/usg", 0644, U, 50);
	mkfile("/tmp/suid", 04777, 0, 0);
	mkfile("/tmp/sgid", 02777, 0, 0);
	mkfile("/tmp/sgidnox", 02767, 0, 0);
	mkfile("/tmp/suidtrunc", 04666, 0, 0);
	mkfile("/tmp/suidftrunc", 04666, 0, 0);
	mkfile("/tmp/rootsuid", 04777, 0, 0);
	mkdirp("/tmp/sg", 02777, 0, 50);
	unlink("/tmp/lnk2000");
	symlink("/tmp/p/rw", "/tmp/lnk2000");
	lchown("/tmp/lnk2000", OTHER, OTHER);
	unlink("/tmp/lnkroot");
	symlink("/tmp/p/rw", "/tmp/lnkroot");
}

static void reading(void)
{
	CHECK_ERR("open-0600-eacces", try_open("/tmp/p/secret", O_RDONLY), EACCES);
	struct stat st;
	CHECK_EQ("stat-0600-ok", stat("/tmp/p/secret", &st), 0);
	CHECK_EQ("access-f-ok", access("/tmp/p/secret", F_OK), 0);
	CHECK_ERR("access-r-eacces", access("/tmp/p/secret", R_OK), EACCES);
	CHECK_EQ("open-0644-rdonly", try_open("/tmp/p/ro", O_RDONLY), 0);
	CHECK_ERR("open-0644-wronly-eacces", try_open("/tmp/p/ro", O_WRONLY), EACCES);
	CHECK_ERR("open-0644-rdwr-eacces", try_open("/tmp/p/ro", O_RDWR), EACCES);
	CHECK_ERR("open-0644-trunc-eacces", try_open("/tmp/p/ro", O_RDONLY | O_TRUNC), EACCES);
	CHECK_ERR("open-0644-append-eacces", try_open("/tmp/p/ro", O_WRONLY | O_APPEND), EACCES);
	CHECK_EQ("open-0666-rdwr", try_open("/tmp/p/rw", O_RDWR), 0);
	CHECK_EQ("open-path-0600", try_open("/tmp/p/secret", O_PATH), 0);
	/* the owner's bits decide for the owner, even when others may */
	CHECK_ERR("owner-bits-decide-eacces", try_open("/tmp/p/ownerdenied", O_RDONLY), EACCES);
	CHECK_ERR("group-other-eacces", try_open("/tmp/p/grp", O_RDONLY), EACCES);
	/* search permission on every directory of the path */
	CHECK_ERR("search-stat-eacces", stat("/tmp/p/closed/f", &st), EACCES);
	CHECK_ERR("search-open-eacces", try_open("/tmp/p/closed/f", O_RDONLY), EACCES);
	CHECK_ERR("search-dotdot-eacces", stat("/tmp/p/closed/../ro", &st), EACCES);
	CHECK_ERR("opendir-0700-eacces", try_open("/tmp/p/closed", O_RDONLY | O_DIRECTORY), EACCES);
	CHECK_ERR("chdir-0700-eacces", chdir("/tmp/p/closed"), EACCES);
	CHECK_EQ("xonly-file-open", try_open("/tmp/p/xonly/f", O_RDONLY), 0);
	CHECK_ERR("xonly-opendir-eacces", try_open("/tmp/p/xonly", O_RDONLY | O_DIRECTORY), EACCES);
	CHECK_EQ("ronly-opendir", try_open("/tmp/p/ronly", O_RDONLY | O_DIRECTORY), 0);
	CHECK_ERR("ronly-stat-inside-eacces", stat("/tmp/p/ronly/f", &st), EACCES);
	CHECK_ERR("chroot-eperm", chroot("/tmp"), EPERM);
	CHECK_ERR("chroot-search-first-eacces", chroot("/tmp/p/closed"), EACCES);
	CHECK_ERR("fchdir-eacces", ({
			  int d = open("/tmp/p/closed", O_PATH);
			  int r = fchdir(d);
			  int e = errno;
			  close(d);
			  errno = e;
			  r;
		  }),
		  EACCES);
}

static void in_group_checks(void)
{
	CHECK_EQ("group-member-read", try_open("/tmp/p/grp", O_RDONLY), 0);
	CHECK_ERR("group-member-write-eacces", try_open("/tmp/p/grp", O_WRONLY), EACCES);
}

static void creating(void)
{
	CHECK_ERR("creat-unwritable-dir-eacces", try_open("/tmp/p/new", O_CREAT | O_WRONLY), EACCES);
	CHECK_ERR("mkdir-unwritable-dir-eacces", mkdir("/tmp/p/newdir", 0755), EACCES);
	CHECK_ERR("mkdir-existing-eexist", mkdir("/tmp/p/closed", 0755), EEXIST);
	CHECK_ERR("symlink-unwritable-dir-eacces", symlink("x", "/tmp/p/newlink"), EACCES);
	CHECK_ERR("unlink-unwritable-dir-eacces", unlink("/tmp/p/ro"), EACCES);
	CHECK_ERR("unlink-missing-enoent", unlink("/tmp/p/missing"), ENOENT);
	CHECK_ERR("rmdir-unwritable-dir-eacces", rmdir("/tmp/p/ronly"), EACCES);
	CHECK_ERR("rename-unwritable-dir-eacces", rename("/tmp/p/ro", "/tmp/p/ro2"), EACCES);
	CHECK_EQ("creat-existing-ok", try_open("/tmp/p/rw", O_CREAT | O_RDWR), 0);
	CHECK_ERR("creat-excl-existing-eexist", try_open("/tmp/p/rw", O_CREAT | O_EXCL | O_RDWR), EEXIST);
	/* a file this open creates is opened whatever its mode */
	unlink("/tmp/u1");
	int fd = open("/tmp/u1", O_CREAT | O_WRONLY | O_EXCL, 0444);
	CHECK("creat-readonly-mode-opens", fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_EQ("new-file-uid", uid_of("/tmp/u1"), U);
	CHECK_EQ("new-file-gid", gid_of("/tmp/u1"), G);
	CHECK_EQ("new-file-mode", mode_of("/tmp/u1"), 0444);
	CHECK_ERR("reopen-readonly-eacces", try_open("/tmp/u1", O_WRONLY), EACCES);
	/* set-group-ID directory: the group is the directory's; a subdirectory is set-group-ID;
	 * a set-group-ID file made there by a non-member loses the bit */
	CHECK_EQ("sgid-dir-creat", try_open("/tmp/sg/f", O_CREAT | O_WRONLY), 0);
	CHECK_EQ("sgid-dir-file-gid", gid_of("/tmp/sg/f"), 50);
	CHECK_EQ("sgid-dir-mkdir", mkdir("/tmp/sg/d", 0755), 0);
	CHECK_EQ("sgid-dir-subdir-gid", gid_of("/tmp/sg/d"), 50);
	CHECK_EQ("sgid-dir-subdir-mode", mode_of("/tmp/sg/d"), 02755);
	fd = open("/tmp/sg/s", O_CREAT | O_WRONLY, 02755);
	close(fd);
	CHECK_EQ("sgid-dir-strip-sgid", mode_of("/tmp/sg/s"), 0755);
	/* symlink owner */
	unlink("/tmp/ulnk");
	CHECK_EQ("symlink-in-tmp", symlink("/tmp/u1", "/tmp/ulnk"), 0);
	CHECK_EQ("symlink-owner", uid_of("/tmp/ulnk"), U);
}

static void sticky(void)
{
	CHECK_ERR("sticky-unlink-eperm", unlink("/tmp/rootfile"), EPERM);
	CHECK_ERR("sticky-rename-eperm", rename("/tmp/rootfile", "/tmp/mine"), EPERM);
	CHECK_EQ("sticky-own-file", try_open("/tmp/u2", O_CREAT | O_WRONLY), 0);
	CHECK_ERR("sticky-rename-over-eperm", rename("/tmp/u2", "/tmp/rootfile"), EPERM);
	CHECK_EQ("sticky-own-rename", rename("/tmp/u2", "/tmp/u3"), 0);
	CHECK_EQ("sticky-own-unlink", unlink("/tmp/u3"), 0);
	/* links: a hard link to a file the user may not read and write is EPERM
	 * (protected_hardlinks); where it may not create, EACCES */
	CHECK_ERR("link-protected-eperm", link("/tmp/p/ro", "/tmp/l1"), EPERM);
	CHECK_ERR("link-unwritable-dir-eacces", link("/tmp/u1", "/tmp/p/l"), EACCES);
	unlink("/tmp/l2");
	CHECK_EQ("link-own-file", link("/tmp/u1", "/tmp/l2"), 0);
	unlink("/tmp/l3");
	CHECK_EQ("link-safe-source", link("/tmp/p/rw", "/tmp/l3"), 0);
	unlink("/tmp/l2");
	unlink("/tmp/l3");
	/* symlinks in a sticky world-writable directory (protected_symlinks): only the
	 * follower's own or the directory owner's are followed */
	struct stat st;
	CHECK_ERR("follow-other-users-link-eacces", try_open("/tmp/lnk2000", O_RDONLY), EACCES);
	CHECK_EQ("lstat-other-users-link", lstat("/tmp/lnk2000", &st), 0);
	CHECK_EQ("follow-dir-owners-link", try_open("/tmp/lnkroot", O_RDONLY), 0);
	CHECK_EQ("follow-own-link", try_open("/tmp/ulnk", O_RDONLY), 0);
	/* a directory that moves to another parent needs write permission itself ("..") */
	mkdir("/tmp/ud", 0755);
	mkdir("/tmp/ud2", 0755);
	mkdir("/tmp/ud/sub", 0755);
	chmod("/tmp/ud/sub", 0555);
	CHECK_ERR("rename-dir-other-parent-eacces", rename("/tmp/ud/sub", "/tmp/ud2/sub"), EACCES);
	CHECK_EQ("rename-dir-same-parent", rename("/tmp/ud/sub", "/tmp/ud/sub2"), 0);
	CHECK_EQ("rmdir-own", rmdir("/tmp/ud/sub2"), 0);
	CHECK_EQ("rmdir-own-2", rmdir("/tmp/ud2"), 0);
	CHECK_EQ("rmdir-own-3", rmdir("/tmp/ud"), 0);
}

static void other_user_sticky(void)
{
	CHECK_ERR("sticky-other-user-eperm", unlink("/tmp/u1"), EPERM);
}

static void attrs(void)
{
	CHECK_ERR("chmod-not-owner-eperm", chmod("/tmp/p/rw", 0777), EPERM);
	CHECK_EQ("chmod-own", chmod("/tmp/u1", 0600), 0);
	CHECK_EQ("chmod-own-mode", mode_of("/tmp/u1"), 0600);
	int fd = open("/tmp/u1", O_RDONLY);
	CHECK_EQ("fchmod-own", fchmod(fd, 0640), 0);
	CHECK_ERR("fchown-other-uid-eperm", fchown(fd, OTHER, -1), EPERM);
	close(fd);
	/* S_ISGID only for members of the file's group */
	CHECK_EQ("chmod-sgid-non-member", chmod("/tmp/usg", 02755), 0);
	CHECK_EQ("chmod-sgid-dropped", mode_of("/tmp/usg"), 0755);
	CHECK_ERR("chown-give-away-eperm", chown("/tmp/u1", OTHER, -1), EPERM);
	CHECK_EQ("chown-to-self", chown("/tmp/u1", U, -1), 0);
	CHECK_EQ("chown-nothing", chown("/tmp/u1", -1, -1), 0);
	CHECK_ERR("chgrp-non-member-eperm", chown("/tmp/u1", -1, 50), EPERM);
	CHECK_EQ("chgrp-own-group", chown("/tmp/u1", -1, G), 0);
	CHECK_ERR("chown-root-file-eperm", chown("/tmp/p/rw", U, G), EPERM);
	CHECK_ERR("lchown-root-link-eperm", lchown("/tmp/lnkroot", U, G), EPERM);
	CHECK_ERR("fchownat-bad-flag-einval", fchownat(AT_FDCWD, "/tmp/u1", U, G, 0x8000), EINVAL);
	/* utimensat: "now" needs write permission or ownership, explicit times ownership */
	struct timespec now2[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}}, omit2[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	struct timespec set2[2] = {{1000, 0}, {2000, 0}};
	CHECK_EQ("utimens-null-writable", utimensat(AT_FDCWD, "/tmp/p/rw", NULL, 0), 0);
	CHECK_EQ("utimens-now-writable", utimensat(AT_FDCWD, "/tmp/p/rw", now2, 0), 0);
	CHECK_ERR("utimens-set-not-owner-eperm", utimensat(AT_FDCWD, "/tmp/p/rw", set2, 0), EPERM);
	CHECK_ERR("utimens-null-readonly-eacces", utimensat(AT_FDCWD, "/tmp/p/ro", NULL, 0), EACCES);
	CHECK_ERR("utimens-set-readonly-eperm", utimensat(AT_FDCWD, "/tmp/p/ro", set2, 0), EPERM);
	CHECK_EQ("utimens-omit-anything", utimensat(AT_FDCWD, "/tmp/p/ro", omit2, 0), 0);
	CHECK_EQ("utimens-set-own", utimensat(AT_FDCWD, "/tmp/u1", set2, 0), 0);
	CHECK_ERR("utimens-bad-flag-einval", utimensat(AT_FDCWD, "/tmp/u1", NULL, 0x8000), EINVAL);
	/* writes by a user clear the set-id bits */
	fd = open("/tmp/suid", O_WRONLY);
	CHECK("write-suid-file", fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_EQ("write-clears-suid", mode_of("/tmp/suid"), 0777);
	fd = open("/tmp/sgid", O_WRONLY);
	write(fd, "x", 1);
	close(fd);
	CHECK_EQ("write-clears-sgid", mode_of("/tmp/sgid"), 0777);
	fd = open("/tmp/sgidnox", O_WRONLY);
	write(fd, "x", 1);
	close(fd);
	CHECK_EQ("write-sgid-nox-non-member", mode_of("/tmp/sgidnox"), 0767);
	CHECK_EQ("otrunc-suid", try_open("/tmp/suidtrunc", O_WRONLY | O_TRUNC), 0);
	CHECK_EQ("otrunc-clears-suid", mode_of("/tmp/suidtrunc"), 0666);
	fd = open("/tmp/suidftrunc", O_WRONLY);
	CHECK_EQ("ftruncate-suid", ftruncate(fd, 1), 0);
	close(fd);
	CHECK_EQ("ftruncate-clears-suid", mode_of("/tmp/suidftrunc"), 0666);
}

static void group_chown(void)
{
	CHECK_EQ("chgrp-supplementary", chown("/tmp/u1", -1, 50), 0);
	CHECK_EQ("chgrp-supplementary-gid", gid_of("/tmp/u1"), 50);
	CHECK_EQ("chmod-sgid-member", chmod("/tmp/u1", 02640), 0);
	CHECK_EQ("chmod-sgid-kept", mode_of("/tmp/u1"), 02640);
}

/* access with the real ids, faccessat2(AT_EACCESS) with the effective ones */
static void access_real_user(void)
{
	CHECK_EQ("setresuid-real-user", setresuid(U, 0, 0), 0);
	CHECK_ERR("access-real-user-eacces", access("/tmp/p/secret", R_OK), EACCES);
	CHECK_EQ("faccessat-eaccess-root", faccessat(AT_FDCWD, "/tmp/p/secret", R_OK, AT_EACCESS), 0);
	CHECK_ERR("faccessat2-bad-flag-einval", syscall(SYS_faccessat2, AT_FDCWD, "/tmp/p/secret", R_OK, 0x8000), EINVAL);
	CHECK_ERR("access-bad-mode-einval", access("/tmp/p/secret", 8), EINVAL);
}

static void access_effective_user(void)
{
	CHECK_EQ("setresuid-effective-user", setresuid(0, U, 0), 0);
	CHECK_EQ("access-real-root", access("/tmp/p/secret", R_OK), 0);
	CHECK_ERR("faccessat-eaccess-user-eacces", faccessat(AT_FDCWD, "/tmp/p/secret", R_OK, AT_EACCESS), EACCES);
	CHECK_ERR("open-effective-user-eacces", try_open("/tmp/p/secret", O_RDONLY), EACCES);
}

static void root_rules(void)
{
	CHECK_EQ("root-open-0000", try_open("/tmp/p/none", O_RDWR), 0);
	CHECK_EQ("root-search-0000-dir", access("/tmp/p/nodir", R_OK | W_OK | X_OK), 0);
	CHECK_ERR("root-access-x-no-x-bit-eacces", access("/tmp/p/ro", X_OK), EACCES);
	CHECK_EQ("root-access-x-any-x-bit", access("/bin/exit-code", X_OK), 0);
	/* protected_symlinks holds for root too */
	CHECK_ERR("root-follow-other-users-link-eacces", try_open("/tmp/lnk2000", O_RDONLY), EACCES);
	/* chown by root clears S_ISUID (and S_ISGID with group execute) of a regular file, even to
	 * the same owner */
	CHECK_EQ("root-chown-suid", chown("/tmp/rootsuid", 0, 0), 0);
	CHECK_EQ("root-chown-clears-suid", mode_of("/tmp/rootsuid"), 0777);
	mkfile("/tmp/rootsgid", 02755, 0, 0);
	chown("/tmp/rootsgid", -1, -1);
	CHECK_EQ("root-chown-clears-sgid-gx", mode_of("/tmp/rootsgid"), 0755);
	mkfile("/tmp/rootsgidnox", 02745, 0, 0);
	chown("/tmp/rootsgidnox", 0, 0);
	CHECK_EQ("root-chown-keeps-sgid-nox", mode_of("/tmp/rootsgidnox"), 02745);
	/* root writing keeps the bits (CAP_FSETID) */
	mkfile("/tmp/rootsuid", 04755, 0, 0);
	int fd = open("/tmp/rootsuid", O_WRONLY);
	write(fd, "x", 1);
	close(fd);
	CHECK_EQ("root-write-keeps-suid", mode_of("/tmp/rootsuid"), 04755);
	CHECK_EQ("root-sticky-unlink", unlink("/tmp/u1"), 0);
}

static void proc_of_others(void)
{
	char buf[256];
	CHECK_ERR("proc-environ-other-eacces", try_open("/proc/1/environ", O_RDONLY), EACCES);
	CHECK_ERR("proc-maps-other-eacces", try_open("/proc/1/maps", O_RDONLY), EACCES);
	CHECK_ERR("proc-cwd-link-other-eacces", readlink("/proc/1/cwd", buf, sizeof buf), EACCES);
	CHECK_ERR("proc-exe-link-other-eacces", readlink("/proc/1/exe", buf, sizeof buf), EACCES);
	CHECK_ERR("proc-fd-dir-other-eacces", try_open("/proc/1/fd", O_RDONLY | O_DIRECTORY), EACCES);
	CHECK_EQ("proc-status-other", try_open("/proc/1/status", O_RDONLY), 0);
	CHECK_EQ("proc-self-fd", try_open("/proc/self/fd", O_RDONLY | O_DIRECTORY), 0);
	/* a process whose ids changed is not dumpable: its own files belong to root */
	CHECK_EQ("proc-self-dir-owner", uid_of("/proc/self/"), U);
	struct stat st;
	CHECK("proc-self-status-root-owned", stat("/proc/self/status", &st) == 0 && st.st_uid == 0);
	CHECK_ERR("proc-self-environ-nondumpable-eacces", try_open("/proc/self/environ", O_RDONLY), EACCES);
	CHECK_EQ("set-dumpable", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	CHECK("proc-self-status-own", stat("/proc/self/status", &st) == 0 && st.st_uid == U);
	CHECK_EQ("proc-self-environ-dumpable", try_open("/proc/self/environ", O_RDONLY), 0);
}

/* The deepest walks: 40 symlinks, each followed as a middle component of the next (every
 * link in the chain is walked with its permission checks), through open, stat, exec and
 * rename; the 41st is ELOOP.  As a user, in /tmp (sticky: protected_symlinks applies). */
static void symlink_chain(void)
{
	char a[64], b[64];
	mkdir("/tmp/chain", 0755);
	mkdir("/tmp/chain/d", 0755);
	symlink("/bin", "/tmp/chain/d/bin");
	/* l0 -> d, lN -> l(N-1)/. : resolving l40 follows 41 links */
	symlink("d", "/tmp/chain/l0");
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof a, "l%d/.", i - 1);
		snprintf(b, sizeof b, "/tmp/chain/l%d", i);
		symlink(a, b);
	}
	struct stat st;
	CHECK_EQ("chain-40-links-stat", stat("/tmp/chain/l39", &st), 0);
	CHECK_ERR("chain-41-links-eloop", stat("/tmp/chain/l40", &st), ELOOP);
	CHECK_ERR("chain-41-links-middle-eloop", stat("/tmp/chain/l39/bin", &st), ELOOP);
	CHECK_EQ("chain-40-links-middle", stat("/tmp/chain/l38/bin/exit-code", &st), 0);
	pid_t p = fork();
	if (p == 0) {
		char *av[] = {"exit-code", "3", NULL};
		execve("/tmp/chain/l38/bin/exit-code", av, NULL);
		_exit(99);
	}
	int ws = mt_reap(p);
	mt_report(ws >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 3, "chain-40-links-exec", "status %#x", ws);
	CHECK_ERR("chain-open-eloop", try_open("/tmp/chain/l40/bin/exit-code", O_RDONLY), ELOOP);
	char *argv[] = {"exit-code", NULL};
	CHECK_ERR("chain-exec-eloop", execve("/tmp/chain/l40/bin/exit-code", argv, NULL), ELOOP);
	CHECK_ERR("chain-rename-eloop", rename("/tmp/chain/l40/x", "/tmp/chain/l40/y"), ELOOP);
	CHECK_EQ("chain-38-open", try_open("/tmp/chain/l38", O_RDONLY | O_DIRECTORY), 0);
}

int main(void)
{
	mt_begin("t_perm");
	mt_mount_proc();
	setup();
	gid_t g100 = 100, g50 = 50;
	as_user("reading", U, G, 0, NULL, reading);
	as_user("group-by-gid", U, 100, 0, NULL, in_group_checks);
	as_user("group-supplementary", U, G, 1, &g100, in_group_checks);
	as_user("creating", U, G, 0, NULL, creating);
	as_user("sticky", U, G, 0, NULL, sticky);
	as_user("other-user-sticky", OTHER, OTHER, 0, NULL, other_user_sticky);
	as_user("attrs", U, G, 0, NULL, attrs);
	as_user("group-chown", U, G, 1, &g50, group_chown);
	pid_t p = fork();
	if (p == 0) {
		access_real_user();
		_exit(0);
	}
	mt_reap(p);
	p = fork();
	if (p == 0) {
		access_effective_user();
		_exit(0);
	}
	mt_reap(p);
	as_user("proc-of-others", U, G, 0, NULL, proc_of_others);
	as_user("symlink-chain", U, G, 0, NULL, symlink_chain);
	root_rules();
	mt_end();
}
