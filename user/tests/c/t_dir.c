/* t_dir: getdents64, chdir/fchdir/getcwd, ENOTDIR/ENOENT, and the cwd shared by CLONE_FS
 * (or not, without it) across clone. */
#include "mtest.h"
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct ldirent {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* lists dir into names ("name/type;" ...); returns the entry count or -1 */
static int list_dir(const char *path, char *names, size_t cap, int bufsize)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	char buf[4096];
	int count = 0;
	size_t used = 0;
	names[0] = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, bufsize);
		if (n < 0) {
			count = -1;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct ldirent *d = (struct ldirent *)(buf + off);
			if (d->d_reclen == 0 || d->d_reclen % 8) {
				close(fd);
				return -2;
			}
			used += snprintf(names + used, used < cap ? cap - used : 0, "%s/%d;", d->d_name,
					 d->d_type);
			count++;
			off += d->d_reclen;
		}
	}
	close(fd);
	return count;
}

static int has(const char *names, const char *ent)
{
	char pat[128];
	snprintf(pat, sizeof pat, ";%s;", ent);
	char *tmp = malloc(strlen(names) + 2);
	tmp[0] = ';';
	strcpy(tmp + 1, names);
	int r = strstr(tmp, pat) != NULL;
	free(tmp);
	return r;
}

static char cwd[256];
static const char *getcwd_s(void)
{
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "<error %d>", errno);
	return cwd;
}

int main(void)
{
	mt_begin("t_dir");
	static char names[16384];
	char want[64];

	/* getdents64 on / */
	chdir("/");
	int n = list_dir("/", names, sizeof names, 4096);
	CHECK("getdents-root", n >= 5);
	snprintf(want, sizeof want, "./%d", DT_DIR);
	CHECK("root-has-dot", has(names, want));
	snprintf(want, sizeof want, "../%d", DT_DIR);
	CHECK("root-has-dotdot", has(names, want));
	snprintf(want, sizeof want, "tests/%d", DT_DIR);
	mt_report(has(names, want), "root-has-tests", "root lists %s", names);
	snprintf(want, sizeof want, "dev/%d", DT_DIR);
	CHECK("root-has-dev", has(names, want));
	snprintf(want, sizeof want, "tmp/%d", DT_DIR);
	CHECK("root-has-tmp", has(names, want));
	snprintf(want, sizeof want, "bin/%d", DT_DIR);
	CHECK("root-has-bin", has(names, want));
	/* a tiny buffer returns the same entries, a few at a time */
	static char names2[16384];
	int n2 = list_dir("/", names2, sizeof names2, 64);
	CHECK_EQ("small-buffer-same-count", n2, n);
	CHECK("small-buffer-same-entries", strcmp(names, names2) == 0);
	n = list_dir("/dev", names, sizeof names, 4096);
	snprintf(want, sizeof want, "console/%d", DT_CHR);
	CHECK("dev-has-console-chr", has(names, want));
	snprintf(want, sizeof want, "null/%d", DT_CHR);
	CHECK("dev-has-null-chr", has(names, want));
	n = list_dir("/tests", names, sizeof names, 4096);
	snprintf(want, sizeof want, "t_dir/%d", DT_REG);
	CHECK("tests-has-t_dir-reg", has(names, want));

	/* getdents64 errors; rewinding with lseek */
	{
		char buf[512];
		int fd = open("/", O_RDONLY | O_DIRECTORY);
		CHECK_ERR("getdents-buffer-too-small-einval", syscall(SYS_getdents64, fd, buf, 8), EINVAL);
		long first = syscall(SYS_getdents64, fd, buf, sizeof buf);
		CHECK("getdents-first", first > 0);
		while (syscall(SYS_getdents64, fd, buf, sizeof buf) > 0)
			;
		CHECK_EQ("getdents-end-0", syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
		CHECK_EQ("lseek-rewind", lseek(fd, 0, SEEK_SET), 0);
		CHECK_EQ("getdents-after-rewind", syscall(SYS_getdents64, fd, buf, sizeof buf), first);
		char *volatile bad = (char *)16;
		lseek(fd, 0, SEEK_SET);
		CHECK_ERR("getdents-bad-buffer-efault", syscall(SYS_getdents64, fd, bad, 512), EFAULT);
		close(fd);
		CHECK_ERR("getdents-bad-fd-ebadf", syscall(SYS_getdents64, 999, buf, sizeof buf), EBADF);
		fd = open("/dev/null", O_RDONLY);
		CHECK_ERR("getdents-not-dir-enotdir", syscall(SYS_getdents64, fd, buf, sizeof buf),
			  ENOTDIR);
		close(fd);
		CHECK_ERR("open-o-directory-file-enotdir", open("/dev/null", O_RDONLY | O_DIRECTORY),
			  ENOTDIR);
	}

	/* a new directory lists its new entries */
	mkdir("/tmp/dtest", 0755);
	close(open("/tmp/dtest/file1", O_CREAT | O_WRONLY, 0644));
	mkdir("/tmp/dtest/sub", 0755);
	n = list_dir("/tmp/dtest", names, sizeof names, 4096);
	CHECK_EQ("new-dir-count", n, 4);
	snprintf(want, sizeof want, "file1/%d", DT_REG);
	CHECK("new-dir-has-file", has(names, want));
	snprintf(want, sizeof want, "sub/%d", DT_DIR);
	CHECK("new-dir-has-sub", has(names, want));

	/* chdir / getcwd / fchdir */
	CHECK_EQ("getcwd-root", strcmp(getcwd_s(), "/"), 0);
	CHECK_EQ("chdir-abs", chdir("/tmp/dtest"), 0);
	mt_report(strcmp(getcwd_s(), "/tmp/dtest") == 0, "getcwd-after-chdir", "cwd %s", cwd);
	CHECK_EQ("chdir-relative", chdir("sub"), 0);
	mt_report(strcmp(getcwd_s(), "/tmp/dtest/sub") == 0, "getcwd-relative", "cwd %s", cwd);
	CHECK_EQ("chdir-dotdot", chdir("../.."), 0);
	mt_report(strcmp(getcwd_s(), "/tmp") == 0, "getcwd-dotdot", "cwd %s", cwd);
	CHECK_EQ("relative-open-uses-cwd", access("dtest/file1", F_OK), 0);
	CHECK_EQ("chdir-root-dotdot", chdir("/.."), 0);
	mt_report(strcmp(getcwd_s(), "/") == 0, "root-dotdot-is-root", "cwd %s", cwd);
	CHECK_ERR("chdir-enoent", chdir("/no/such/dir"), ENOENT);
	CHECK_ERR("chdir-enotdir", chdir("/dev/null"), ENOTDIR);
	CHECK_ERR("chdir-enotdir-component", chdir("/dev/null/x"), ENOTDIR);
	CHECK_ERR("chdir-empty-enoent", chdir(""), ENOENT);
	mt_report(strcmp(getcwd_s(), "/") == 0, "failed-chdir-keeps-cwd", "cwd %s", cwd);
	{
		int dfd = open("/dev", O_RDONLY | O_DIRECTORY);
		CHECK_EQ("fchdir", fchdir(dfd), 0);
		mt_report(strcmp(getcwd_s(), "/dev") == 0, "getcwd-after-fchdir", "cwd %s", cwd);
		close(dfd);
		int ffd = open("/dev/null", O_RDONLY);
		CHECK_ERR("fchdir-file-enotdir", fchdir(ffd), ENOTDIR);
		close(ffd);
		CHECK_ERR("fchdir-bad-fd-ebadf", fchdir(999), EBADF);
		/* fchdir through an O_PATH directory fd works */
		dfd = open("/tmp", O_PATH | O_DIRECTORY);
		CHECK_EQ("fchdir-o-path", fchdir(dfd), 0);
		mt_report(strcmp(getcwd_s(), "/tmp") == 0, "getcwd-after-fchdir-o-path", "cwd %s", cwd);
		close(dfd);
	}
	{
		char small[4];
		CHECK_ERR("getcwd-erange", syscall(SYS_getcwd, small, sizeof small), ERANGE);
		char b[64];
		/* the raw syscall returns the length including the NUL */
		CHECK_EQ("getcwd-syscall-length", syscall(SYS_getcwd, b, sizeof b), 5);
		CHECK_ERR("getcwd-size-0-erange", syscall(SYS_getcwd, b, 0), ERANGE);
		char *volatile bad = (char *)16;
		CHECK_ERR("getcwd-bad-buf-efault", syscall(SYS_getcwd, bad, 64), EFAULT);
	}
	chdir("/");

	/* the cwd is inherited by fork children, and their chdir is their own */
	{
		chdir("/tmp");
		pid_t pid = fork();
		if (pid == 0) {
			char b[64];
			int ok = getcwd(b, sizeof b) && strcmp(b, "/tmp") == 0;
			chdir("/dev");
			_exit(ok ? 0 : 1);
		}
		int st = mt_reap(pid);
		CHECK("fork-child-inherits-cwd", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		mt_report(strcmp(getcwd_s(), "/tmp") == 0, "fork-child-chdir-private", "cwd %s", cwd);
	}

	/* CLONE_FS: the child's chdir changes our cwd; without it, it does not */
	{
		chdir("/");
		long r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(chdir("/tmp/dtest") == 0 ? 0 : 1);
		int st = mt_reap(r);
		CHECK("clone-fs-child-ok", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		mt_report(strcmp(getcwd_s(), "/tmp/dtest") == 0, "clone-fs-chdir-shared", "cwd %s", cwd);
		CHECK_EQ("clone-fs-relative-open", access("file1", F_OK), 0);
		/* fchdir in a CLONE_FS child too */
		int dfd = open("/dev", O_RDONLY | O_DIRECTORY);
		r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(fchdir(dfd) == 0 ? 0 : 1);
		mt_reap(r);
		close(dfd);
		mt_report(strcmp(getcwd_s(), "/dev") == 0, "clone-fs-fchdir-shared", "cwd %s", cwd);
		/* the other direction: our chdir is seen by a CLONE_FS child that is still running */
		int p[2], q[2];
		pipe(p);
		pipe(q);
		r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		if (r == 0) {
			char c, b[64];
			read(p[0], &c, 1);
			int ok = getcwd(b, sizeof b) && strcmp(b, "/tmp") == 0;
			_exit(ok ? 0 : 1);
		}
		chdir("/tmp");
		write(p[1], "x", 1);
		st = mt_reap(r);
		CHECK("clone-fs-parent-chdir-seen", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		close(p[0]);
		close(p[1]);
		close(q[0]);
		close(q[1]);

		chdir("/");
		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(chdir("/tmp/dtest") == 0 ? 0 : 1);
		st = mt_reap(r);
		CHECK("no-clone-fs-child-ok", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		mt_report(strcmp(getcwd_s(), "/") == 0, "no-clone-fs-chdir-private", "cwd %s", cwd);
	}

	/* rmdir of the cwd of nobody, then chdir into it fails */
	unlink("/tmp/dtest/file1");
	rmdir("/tmp/dtest/sub");
	CHECK_EQ("rmdir", rmdir("/tmp/dtest"), 0);
	CHECK_ERR("chdir-removed-enoent", chdir("/tmp/dtest"), ENOENT);
	mt_end();
}
