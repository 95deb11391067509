/* t_fd: the fd table — dup (lowest free), dup2/dup3, fcntl F_GETFD/F_SETFD/F_GETFL/F_SETFL/
 * F_DUPFD/F_DUPFD_CLOEXEC, close errors, shared offsets, close-on-exec through execve. */
#include "mtest.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(void)
{
	mt_begin("t_fd");
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);

	/* as init, fds 0-2 are the console; the next free fd is 3 */
	CHECK("stdio-open", fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0);
	int a = open("/dev/null", O_RDWR);
	int b = open("/dev/null", O_RDONLY);
	CHECK_EQ("open-lowest-free", b, a + 1);
	close(a);
	int d = dup(b);
	CHECK_EQ("dup-lowest-free", d, a);
	CHECK_EQ("dup-no-cloexec", fcntl(d, F_GETFD), 0);
	close(d);
	CHECK_ERR("dup-bad-fd-ebadf", dup(999), EBADF);
	CHECK_ERR("dup-negative-ebadf", dup(-1), EBADF);

	/* dup2 / dup3 */
	CHECK_EQ("dup2-same-fd-returns-it", dup2(b, b), b);
	CHECK_ERR("dup2-same-bad-fd-ebadf", dup2(999, 999), EBADF);
	CHECK_ERR("dup3-same-fd-einval", dup3(b, b, 0), EINVAL);
	CHECK_ERR("dup3-bad-flags-einval", dup3(b, 20, O_NONBLOCK), EINVAL);
	CHECK_ERR("dup2-bad-old-ebadf", dup2(999, 20), EBADF);
	CHECK_ERR("dup2-newfd-over-rlimit-ebadf", dup2(b, (int)rl.rlim_cur), EBADF);
	CHECK_ERR("dup2-negative-newfd-ebadf", dup2(b, -1), EBADF);
	CHECK_EQ("dup2-high", dup2(b, 20), 20);
	CHECK_EQ("dup2-clears-cloexec-target", fcntl(20, F_GETFD), 0);
	CHECK_EQ("dup3-cloexec", dup3(b, 21, O_CLOEXEC), 21);
	CHECK_EQ("dup3-cloexec-set", fcntl(21, F_GETFD), FD_CLOEXEC);
	/* dup2 over an open fd closes it silently and the new fd gets no close-on-exec */
	CHECK_EQ("dup2-over-open", dup2(a = open("/dev/null", O_WRONLY), 21), 21);
	CHECK_EQ("dup2-over-open-cloexec-cleared", fcntl(21, F_GETFD), 0);
	CHECK_EQ("dup2-over-open-is-new-file", fcntl(21, F_GETFL) & O_ACCMODE, O_WRONLY);
	close(a);
	close(20);
	close(21);

	/* F_GETFD / F_SETFD */
	CHECK_EQ("setfd-cloexec", fcntl(b, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ("getfd-cloexec", fcntl(b, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("setfd-other-bits-ignored", fcntl(b, F_SETFD, 0xfe), 0);
	CHECK_EQ("getfd-cleared", fcntl(b, F_GETFD), 0);
	int c = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_EQ("open-o-cloexec", fcntl(c, F_GETFD), FD_CLOEXEC);
	close(c);

	/* F_GETFL / F_SETFL */
	int f = open("/tmp/t_fd.dat", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	int fl = fcntl(f, F_GETFL);
	CHECK_EQ("getfl-accmode", fl & O_ACCMODE, O_RDWR);
	CHECK("getfl-append", fl & O_APPEND);
	CHECK("getfl-no-creat-trunc", !(fl & (O_CREAT | O_TRUNC)));
	CHECK("getfl-o-largefile-forced-on-64bit", fl & 0100000);
	CHECK_EQ("setfl-nonblock", fcntl(f, F_SETFL, O_NONBLOCK), 0);
	fl = fcntl(f, F_GETFL);
	CHECK("getfl-nonblock-set", fl & O_NONBLOCK);
	CHECK("setfl-cleared-append", !(fl & O_APPEND));
	CHECK_EQ("setfl-cannot-change-accmode", fcntl(f, F_SETFL, O_RDONLY), 0);
	CHECK_EQ("accmode-unchanged", fcntl(f, F_GETFL) & O_ACCMODE, O_RDWR);
	/* file status flags belong to the open file description: shared by dup */
	int f2 = dup(f);
	fcntl(f, F_SETFL, O_NONBLOCK);
	CHECK("dup-shares-status-flags", fcntl(f2, F_GETFL) & O_NONBLOCK);
	fcntl(f2, F_SETFD, FD_CLOEXEC);
	CHECK_EQ("fd-flags-not-shared", fcntl(f, F_GETFD), 0);
	/* and the file offset */
	write(f, "0123456789", 10);
	CHECK_EQ("dup-shares-offset", lseek(f2, 0, SEEK_CUR), 10);
	lseek(f2, 3, SEEK_SET);
	CHECK_EQ("dup-shares-offset-back", lseek(f, 0, SEEK_CUR), 3);
	/* across fork too */
	pid_t pid = fork();
	if (pid == 0)
		_exit(lseek(f, 7, SEEK_SET) == 7 ? 0 : 1);
	mt_reap(pid);
	CHECK_EQ("fork-shares-offset", lseek(f, 0, SEEK_CUR), 7);
	/* a second open() is a separate description */
	int g = open("/tmp/t_fd.dat", O_RDONLY);
	CHECK_EQ("separate-open-own-offset", lseek(g, 0, SEEK_CUR), 0);
	close(g);

	/* F_DUPFD / F_DUPFD_CLOEXEC */
	int h = fcntl(f, F_DUPFD, 10);
	CHECK_EQ("dupfd-min-10", h, 10);
	CHECK_EQ("dupfd-no-cloexec", fcntl(h, F_GETFD), 0);
	int h2 = fcntl(f, F_DUPFD, 10);
	CHECK_EQ("dupfd-next-free", h2, 11);
	int hc = fcntl(f, F_DUPFD_CLOEXEC, 10);
	CHECK_EQ("dupfd-cloexec-next", hc, 12);
	CHECK_EQ("dupfd-cloexec-set", fcntl(hc, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("dupfd-over-rlimit-einval", fcntl(f, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	CHECK_ERR("dupfd-negative-einval", fcntl(f, F_DUPFD, -1), EINVAL);
	close(h2);
	CHECK_EQ("dupfd-reuses-hole", fcntl(f, F_DUPFD, 10), 11);
	close(11);

	/* errors */
	CHECK_ERR("fcntl-bad-fd-ebadf", fcntl(999, F_GETFD), EBADF);
	CHECK_ERR("fcntl-bad-cmd-einval", fcntl(f, 12345), EINVAL);
	CHECK_ERR("close-bad-fd-ebadf", close(999), EBADF);
	CHECK_ERR("close-negative-ebadf", close(-1), EBADF);
	CHECK_ERR("close-huge-ebadf", close(1 << 30), EBADF);
	int e = dup(f);
	CHECK_EQ("close-ok", close(e), 0);
	CHECK_ERR("double-close-ebadf", close(e), EBADF);
	CHECK_ERR("read-closed-ebadf", read(e, &fl, 1), EBADF);

	/* close-on-exec through execve: /bin/fd-open reports which fds are open */
	{
		char s1[12], s2[12], s3[12], s4[12];
		snprintf(s1, sizeof s1, "%d", h);  /* F_DUPFD: stays */
		snprintf(s2, sizeof s2, "%d", hc); /* F_DUPFD_CLOEXEC: closed */
		snprintf(s3, sizeof s3, "%d", f2); /* F_SETFD FD_CLOEXEC: closed */
		int d3 = dup3(f, 30, O_CLOEXEC);
		snprintf(s4, sizeof s4, "%d", d3); /* dup3 O_CLOEXEC: closed */
		pid = fork();
		if (pid == 0) {
			char *argv[] = { "fd-open", s1, s2, s3, s4, "0", NULL };
			char *envp[] = { NULL };
			execve("/bin/fd-open", argv, envp);
			_exit(255);
		}
		int st = mt_reap(pid);
		CHECK("fd-open-ran", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 255);
		CHECK_EQ("exec-closes-cloexec-fds", WEXITSTATUS(st), 1 | 16);
		CHECK_EQ("exec-in-child-leaves-parent-fds", fcntl(hc, F_GETFD), FD_CLOEXEC);
		close(d3);
	}

	close(h);
	close(hc);
	close(f2);
	close(f);
	close(b);
	unlink("/tmp/t_fd.dat");

	/* close_range (Linux >= 5.9) */
	{
		int base = 40;
		for (int i = 0; i < 6; i++)
			dup2(0, base + i);
		CHECK_ERR("close-range-first-gt-last-einval", syscall(SYS_close_range, 45, 40, 0), EINVAL);
		CHECK_ERR("close-range-bad-flags-einval", syscall(SYS_close_range, 40, 45, 0x1), EINVAL);
		CHECK_EQ("close-range-cloexec", syscall(SYS_close_range, 40, 41, 1U << 2), 0);
		CHECK_EQ("close-range-cloexec-set", fcntl(40, F_GETFD) & fcntl(41, F_GETFD), FD_CLOEXEC);
		CHECK_EQ("close-range-cloexec-not-beyond", fcntl(42, F_GETFD), 0);
		CHECK_EQ("close-range", syscall(SYS_close_range, 42, 43, 0), 0);
		CHECK_ERR("close-range-closed", fcntl(42, F_GETFD), EBADF);
		CHECK("close-range-not-beyond", fcntl(44, F_GETFD) >= 0 && fcntl(41, F_GETFD) >= 0);
		CHECK_EQ("close-range-to-max", syscall(SYS_close_range, 40, ~0U, 0), 0);
		CHECK_ERR("close-range-to-max-closed", fcntl(45, F_GETFD), EBADF);
		CHECK_EQ("close-range-empty-ok", syscall(SYS_close_range, 500, 600, 0), 0);
		for (int i = 0; i < 6; i++)
			close(base + i); /* in case close_range did not */
	}

	/* fds are allocated lowest-first even after many opens and closes */
	{
		int fds[50];
		for (int i = 0; i < 50; i++)
			fds[i] = open("/dev/null", O_RDONLY);
		CHECK_EQ("fifty-open-last", fds[49], fds[0] + 49);
		close(fds[10]);
		close(fds[5]);
		CHECK_EQ("lowest-hole-first", open("/dev/null", O_RDONLY), fds[5]);
		CHECK_EQ("next-hole", open("/dev/null", O_RDONLY), fds[10]);
		for (int i = 0; i < 50; i++)
			close(fds[i]);
		CHECK_EQ("all-closed-back-to-3", open("/dev/null", O_RDONLY), 3);
		close(3);
	}
	mt_end();
}
