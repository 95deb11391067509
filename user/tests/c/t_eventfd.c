/* t_eventfd: eventfd2 as Linux's fs/eventfd.c — flags (EFD_CLOEXEC, EFD_NONBLOCK,
 * EFD_SEMAPHORE, EINVAL for others), the counter's read and write rules (8 bytes, the
 * 0xfffffffffffffffe maximum, EAGAIN, blocking both ways), poll, and signals. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static volatile sig_atomic_t got;
static void on_sig(int sig) { got++; }

static short revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	mt_begin("t_eventfd");
	uint64_t v, big[2];
	mount("proc", "/proc", "proc", 0, NULL);

	CHECK_ERR("bad-flags-einval", syscall(SYS_eventfd2, 0, O_APPEND), EINVAL);
	CHECK_ERR("bad-flags-rdwr-einval", syscall(SYS_eventfd2, 0, O_RDWR), EINVAL);
	int fd = eventfd(5, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK("create", fd >= 0);
	CHECK_EQ("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("nonblock-rdwr", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	struct stat st;
	CHECK_EQ("fstat", fstat(fd, &st), 0);
	CHECK_EQ("fstat-mode-0600", st.st_mode, 0600);
	char path[64], link[64] = "";
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof link - 1);
	CHECK("proc-fd-link", strcmp(link, "anon_inode:[eventfd]") == 0);

	CHECK_EQ("read-initial-count", read(fd, &v, 8), 8);
	CHECK_EQ("initial-count-5", v, 5);
	CHECK_ERR("read-zero-eagain", read(fd, &v, 8), EAGAIN);
	CHECK_EQ("zero-pollout-only", revents(fd), POLLOUT);
	v = 3;
	write(fd, &v, 8);
	v = 4;
	CHECK_EQ("write-8", write(fd, &v, 8), 8);
	CHECK_EQ("count-pollin-pollout", revents(fd), POLLIN | POLLOUT);
	big[0] = 0;
	CHECK_EQ("read-sum", read(fd, big, 16), 8);
	CHECK_EQ("sum-7", big[0], 7);
	CHECK_ERR("read-4-bytes-einval", read(fd, &v, 4), EINVAL);
	CHECK_ERR("write-4-bytes-einval", write(fd, &v, 4), EINVAL);
	v = UINT64_MAX;
	CHECK_ERR("write-max-einval", write(fd, &v, 8), EINVAL);
	v = UINT64_MAX - 1;
	CHECK_EQ("write-max-minus-1", write(fd, &v, 8), 8);
	CHECK_EQ("full-pollin-no-pollout", revents(fd), POLLIN);
	v = 1;
	CHECK_ERR("write-past-max-eagain", write(fd, &v, 8), EAGAIN);
	v = 0;
	CHECK_EQ("write-zero-when-full", write(fd, &v, 8), 8);
	read(fd, &v, 8);
	CHECK_EQ("read-max", v, UINT64_MAX - 1);
	void *volatile bad = (void *)8;
	CHECK_ERR("write-bad-buffer-efault", write(fd, bad, 8), EFAULT);
	close(fd);

	/* EFD_SEMAPHORE: one at a time */
	fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	int ones = 0;
	for (int i = 0; i < 3; i++)
		if (read(fd, &v, 8) == 8 && v == 1)
			ones++;
	CHECK_EQ("semaphore-reads-one", ones, 3);
	CHECK_ERR("semaphore-empty-eagain", read(fd, &v, 8), EAGAIN);
	close(fd);

	/* blocking read, woken by another process's write */
	fd = eventfd(0, 0);
	pid_t pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		uint64_t w = 42;
		write(fd, &w, 8);
		_exit(0);
	}
	double t0 = mt_now();
	v = 0;
	CHECK_EQ("blocking-read", read(fd, &v, 8), 8);
	CHECK_EQ("blocking-read-value", v, 42);
	CHECK("blocking-read-waited", mt_now() - t0 > 0.03);
	mt_reap(pid);
	/* blocking write, woken by a read */
	v = UINT64_MAX - 1;
	write(fd, &v, 8);
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		uint64_t r;
		read(fd, &r, 8);
		_exit(r == UINT64_MAX - 1 ? 0 : 1);
	}
	v = 9;
	CHECK_EQ("blocking-write", write(fd, &v, 8), 8);
	int ws = mt_reap(pid);
	CHECK("blocking-write-reader", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	read(fd, &v, 8);
	CHECK_EQ("blocking-write-value", v, 9);

	/* a signal: EINTR without SA_RESTART, a restarted read with it */
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERR("read-eintr", read(fd, &v, 8), EINTR);
	CHECK_EQ("read-eintr-handler", got, 1);
	mt_reap(pid);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		mt_msleep(50);
		uint64_t w = 7;
		write(fd, &w, 8);
		_exit(0);
	}
	v = 0;
	CHECK_EQ("read-sa-restart", read(fd, &v, 8), 8);
	CHECK_EQ("read-sa-restart-value", v, 7);
	CHECK_EQ("read-sa-restart-handler", got, 2);
	mt_reap(pid);
	close(fd);
	mt_end();
}
