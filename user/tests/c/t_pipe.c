/* t_pipe: pipe2 across fork — data, blocking reads, EOF, EPIPE/SIGPIPE, O_CLOEXEC,
 * O_NONBLOCK, capacity, poll; and O_DIRECT packet mode as Linux 6.1 (pipe(7)): each write
 * is a packet (a page at most, in a slot of its own: 16 packets fill a default pipe), a read
 * returns at most one packet and drops what of it did not fit, plain data read before a
 * packet runs on into it; F_GETFL shows O_DIRECT on the write end only. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef F_GETPIPE_SZ
#define F_GETPIPE_SZ 1032
#endif

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) { got_sigpipe++; }

int main(void)
{
	mt_begin("t_pipe");
	int p[2];
	int st;
	char buf[256];

	CHECK_ERR("pipe2-bad-flags-einval", pipe2(p, O_WRONLY), EINVAL);
	CHECK_ERR("pipe2-bad-flags2-einval", pipe2(p, O_APPEND), EINVAL);
	int *volatile badp = (int *)16;
	CHECK_ERR("pipe2-bad-pointer-efault", pipe2(badp, 0), EFAULT);

	/* data crosses fork; fds are the two lowest free */
	CHECK_EQ("pipe2", pipe2(p, 0), 0);
	CHECK("pipe-fds-distinct", p[0] >= 3 && p[1] >= 3 && p[0] != p[1]);
	CHECK_EQ("pipe-read-end-rdonly", fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ("pipe-write-end-wronly", fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_ERR("write-to-read-end-ebadf", write(p[0], "x", 1), EBADF);
	CHECK_ERR("read-from-write-end-ebadf", read(p[1], buf, 1), EBADF);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], "hello pipe", 10) == 10 ? 0 : 1);
	}
	close(p[1]);
	memset(buf, 0, sizeof buf);
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	CHECK_EQ("child-to-parent-bytes", n, 10);
	CHECK("child-to-parent-data", memcmp(buf, "hello pipe", 10) == 0);
	CHECK_EQ("eof-after-writer-exit", read(p[0], buf, 1), 0);
	st = mt_reap(pid);
	CHECK("writer-child-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);

	/* a blocking read waits for the writer */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		mt_msleep(150);
		write(p[1], "late", 4);
		mt_msleep(50);
		_exit(0);
	}
	close(p[1]);
	double t0 = mt_now();
	r = read(p[0], buf, sizeof buf);
	double dt = mt_now() - t0;
	CHECK_EQ("blocking-read-got-data", r, 4);
	mt_report(dt >= 0.1, "blocking-read-blocked", "returned after %.3f s", dt);
	CHECK_EQ("blocking-read-eof", read(p[0], buf, sizeof buf), 0);
	mt_reap(pid);
	close(p[0]);

	/* EOF only after all writers close: a second writer (the child) keeps it open */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		mt_msleep(100);
		write(p[1], "Z", 1);
		_exit(0);
	}
	close(p[1]);
	r = read(p[0], buf, sizeof buf);
	CHECK_EQ("read-from-second-writer", r, 1);
	CHECK_EQ("eof-after-last-writer", read(p[0], buf, sizeof buf), 0);
	mt_reap(pid);
	close(p[0]);

	/* parent to child, and data left in the pipe after the writer closes is still read */
	pipe(p);
	write(p[1], "abc", 3);
	close(p[1]);
	pid = fork();
	if (pid == 0) {
		char b[8];
		ssize_t k = read(p[0], b, 8);
		ssize_t e = read(p[0], b + 4, 4);
		_exit(k == 3 && memcmp(b, "abc", 3) == 0 && e == 0 ? 0 : 1);
	}
	st = mt_reap(pid);
	CHECK("buffered-data-after-close-then-eof", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);

	/* no readers: EPIPE and SIGPIPE */
	pid = fork();
	if (pid == 0) {
		int q[2];
		pipe(q);
		close(q[0]);
		write(q[1], "x", 1);
		_exit(0);
	}
	st = mt_reap(pid);
	CHECK("sigpipe-kills-writer", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	pid = fork();
	if (pid == 0) {
		int q[2];
		signal(SIGPIPE, SIG_IGN);
		pipe(q);
		close(q[0]);
		errno = 0;
		ssize_t k = write(q[1], "x", 1);
		_exit(k == -1 && errno == EPIPE ? 0 : 1);
	}
	st = mt_reap(pid);
	CHECK("sigpipe-ignored-epipe", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigpipe;
		sigaction(SIGPIPE, &sa, NULL);
		pipe(p);
		close(p[0]);
		got_sigpipe = 0;
		CHECK_ERR("sigpipe-handled-epipe", write(p[1], "x", 1), EPIPE);
		CHECK_EQ("sigpipe-handler-ran", got_sigpipe, 1);
		struct pollfd pf = { p[1], POLLOUT, 0 };
		CHECK_EQ("poll-write-end-no-readers", poll(&pf, 1, 0), 1);
		CHECK("poll-pollerr", pf.revents & POLLERR);
		close(p[1]);
		signal(SIGPIPE, SIG_DFL);
	}
	/* the reader exiting (closing its end) turns a blocked writer's state into EPIPE */
	{
		pipe(p);
		pid = fork();
		if (pid == 0) {
			close(p[1]);
			mt_msleep(100);
			_exit(0); /* closes the last read end */
		}
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		static char big[200000];
		errno = 0;
		r = write(p[1], big, sizeof big); /* fills 64 KiB, blocks, then EPIPE or short */
		int e = errno;
		CHECK("blocked-writer-after-reader-exit",
		      (r == -1 && e == EPIPE) || (r > 0 && r < (ssize_t)sizeof big));
		signal(SIGPIPE, SIG_DFL);
		mt_reap(pid);
		close(p[1]);
	}

	/* O_CLOEXEC and O_NONBLOCK */
	CHECK_EQ("pipe2-cloexec", pipe2(p, O_CLOEXEC), 0);
	CHECK_EQ("cloexec-read-end", fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ("cloexec-write-end", fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ("cloexec-not-nonblock", fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
	CHECK_EQ("pipe2-nonblock", pipe2(p, O_NONBLOCK), 0);
	CHECK_EQ("nonblock-not-cloexec", fcntl(p[0], F_GETFD), 0);
	CHECK("nonblock-flag-read-end", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK("nonblock-flag-write-end", fcntl(p[1], F_GETFL) & O_NONBLOCK);
	CHECK_ERR("nonblock-empty-read-eagain", read(p[0], buf, sizeof buf), EAGAIN);
	CHECK_EQ("pipe-size-64k", fcntl(p[0], F_GETPIPE_SZ), 65536);
	{
		static char chunk[4096];
		long total = 0;
		for (int i = 0; i < 100; i++) {
			r = write(p[1], chunk, sizeof chunk);
			if (r < 0)
				break;
			total += r;
		}
		CHECK_EQ("nonblock-full-capacity", total, 65536);
		CHECK_ERR("nonblock-full-write-eagain", write(p[1], chunk, 1), EAGAIN);
		struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
		CHECK_EQ("poll-full-pipe", poll(pf, 2, 0), 1);
		CHECK("poll-full-read-end-pollin", pf[0].revents == POLLIN);
		CHECK("poll-full-write-end-not-writable", pf[1].revents == 0);
	}
	close(p[1]);
	{
		long total = 0;
		while ((r = read(p[0], buf, sizeof buf)) > 0)
			total += r;
		CHECK_EQ("drained-all", total, 65536);
		CHECK_EQ("nonblock-eof-is-0-not-eagain", r, 0);
		struct pollfd pf = { p[0], POLLIN, 0 };
		CHECK_EQ("poll-writer-closed", poll(&pf, 1, 0), 1);
		CHECK("poll-pollhup", pf.revents == POLLHUP);
	}
	close(p[0]);

	/* O_NONBLOCK set later with F_SETFL; writes up to PIPE_BUF are atomic */
	pipe(p);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK_ERR("setfl-nonblock-eagain", read(p[0], buf, 1), EAGAIN);
	{
		pid_t kids[4];
		for (int k = 0; k < 4; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				char msg[512];
				memset(msg, 'A' + k, sizeof msg);
				for (int i = 0; i < 20; i++)
					write(p[1], msg, sizeof msg);
				_exit(0);
			}
		}
		for (int k = 0; k < 4; k++)
			mt_reap(kids[k]);
		fcntl(p[0], F_SETFL, 0);
		close(p[1]);
		char msg[512];
		int bad = 0, count = 0;
		while ((r = read(p[0], msg, sizeof msg)) == (ssize_t)sizeof msg) {
			count++;
			for (int i = 1; i < 512; i++)
				if (msg[i] != msg[0])
					bad++;
		}
		CHECK_EQ("atomic-writes-count", count, 80);
		CHECK_EQ("atomic-writes-not-interleaved", bad, 0);
	}
	close(p[0]);

	/* packet mode */
	{
		int pk[2];
		char b[8192];
		CHECK_EQ("packet-pipe2", pipe2(pk, O_DIRECT | O_NONBLOCK), 0);
		CHECK("packet-getfl-w", (fcntl(pk[1], F_GETFL) & O_DIRECT) != 0);
		CHECK("packet-getfl-r", (fcntl(pk[0], F_GETFL) & O_DIRECT) == 0);
		CHECK_EQ("packet-write1", write(pk[1], "abc", 3), 3);
		CHECK_EQ("packet-write2", write(pk[1], "defgh", 5), 5);
		CHECK_EQ("packet-fionread", ({ int q = -1; ioctl(pk[0], FIONREAD, &q); q; }), 8);
		CHECK_EQ("packet-read1", read(pk[0], b, sizeof b), 3);
		CHECK("packet-read1-data", memcmp(b, "abc", 3) == 0);
		CHECK_EQ("packet-read2-short", read(pk[0], b, 2), 2);
		CHECK("packet-read2-data", memcmp(b, "de", 2) == 0);
		CHECK_ERR("packet-rest-dropped", read(pk[0], b, sizeof b), EAGAIN);
		/* a write of more than a page is a packet per page */
		static char big[6000];
		memset(big, 'x', sizeof big);
		CHECK_EQ("packet-big-write", write(pk[1], big, sizeof big), 6000);
		CHECK_EQ("packet-big-read1", read(pk[0], b, sizeof b), 4096);
		CHECK_EQ("packet-big-read2", read(pk[0], b, sizeof b), 6000 - 4096);
		/* one slot per packet: 16 one-byte packets fill the default pipe */
		int n = 0;
		while (n < 100 && write(pk[1], "z", 1) == 1)
			n++;
		CHECK_EQ("packet-slots", n, 16);
		CHECK_ERR("packet-full-eagain", write(pk[1], "z", 1), EAGAIN);
		int got = 0;
		while (read(pk[0], b, sizeof b) == 1)
			got++;
		CHECK_EQ("packet-slots-read", got, 16);
		close(pk[0]);
		close(pk[1]);
		/* plain data before a packet: the read runs on into the packet, and ends there;
		 * a packet write's head that fits in the last plain page merges into it (Linux's
		 * pipe_write merges before it looks at packet mode) */
		int pl[2];
		CHECK_EQ("mixed-pipe", pipe2(pl, O_NONBLOCK), 0);
		CHECK_EQ("mixed-plain", write(pl[1], "12", 2), 2);
		int fl = fcntl(pl[1], F_GETFL);
		CHECK_EQ("mixed-setfl-direct", fcntl(pl[1], F_SETFL, fl | O_DIRECT), 0);
		CHECK("mixed-getfl-direct", (fcntl(pl[1], F_GETFL) & O_DIRECT) != 0);
		static char page[4096];
		memset(page, 'p', sizeof page);
		CHECK_EQ("mixed-packet-page", write(pl[1], page, sizeof page), 4096);
		CHECK_EQ("mixed-packet", write(pl[1], "67", 2), 2);
		CHECK_EQ("mixed-read", read(pl[0], b, sizeof b), 4098);
		CHECK("mixed-read-data", memcmp(b, "12pp", 4) == 0);
		CHECK_EQ("mixed-read2", read(pl[0], b, sizeof b), 2);
		/* packets after packets never merge: a short read drops the rest of one */
		CHECK_EQ("packet-ab", write(pl[1], "ab", 2), 2);
		CHECK_EQ("packet-cde", write(pl[1], "cde", 3), 3);
		CHECK_EQ("packet-short-read", read(pl[0], b, 1), 1);
		CHECK_EQ("packet-next", read(pl[0], b, sizeof b), 3);
		CHECK("packet-next-data", memcmp(b, "cde", 3) == 0);
		/* plain, then a packet write that fits in the plain page: one plain run */
		CHECK_EQ("plain-again", fcntl(pl[1], F_SETFL, fl), 0);
		CHECK_EQ("merge-plain", write(pl[1], "ab", 2), 2);
		CHECK_EQ("merge-direct", fcntl(pl[1], F_SETFL, fl | O_DIRECT), 0);
		CHECK_EQ("merge-packet-head", write(pl[1], "cde", 3), 3);
		CHECK_EQ("merge-read", read(pl[0], b, 1), 1);
		CHECK_EQ("merge-read-rest", read(pl[0], b, sizeof b), 4);
		CHECK("merge-read-data", memcmp(b, "bcde", 4) == 0);
		close(pl[0]);
		close(pl[1]);
	}

	mt_end();
}
