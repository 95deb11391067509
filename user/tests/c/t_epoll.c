/* t_epoll: epoll as Linux's fs/eventpoll.c — epoll_create1's flags, epoll_ctl's errors
 * (EBADF, EPERM for files without poll, EINVAL, EEXIST, ENOENT, the EPOLLEXCLUSIVE rules,
 * ELOOP), level- and edge-triggered and one-shot items, EPOLLHUP/EPOLLERR always reported,
 * items gone with their file's last close (and kept while a dup lives), maxevents and the
 * ready list's order, timeouts, signals and the temporary mask, epoll_pwait2, nested epoll and
 * an epoll file polled. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

static volatile sig_atomic_t got;
static void on_sig(int sig) { got++; }

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, op, fd, &e);
}

static long pwait2(int ep, struct epoll_event *ev, int n, struct timespec *ts, sigset_t *m)
{
	return syscall(SYS_epoll_pwait2, ep, ev, n, ts, m, 8);
}

static int blocked(int sig)
{
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	return sigismember(&m, sig);
}

int main(void)
{
	mt_begin("t_epoll");
	struct epoll_event ev[8];
	int p[2];
	char c = 'x';

	/* --- create --- */
	CHECK_ERR("create1-bad-flags-einval", epoll_create1(O_NONBLOCK), EINVAL);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK("create1", ep >= 0);
	CHECK_EQ("create1-cloexec", fcntl(ep, F_GETFD), FD_CLOEXEC);
	int ep2 = epoll_create1(0);
	CHECK_EQ("create1-no-cloexec", fcntl(ep2, F_GETFD), 0);

	/* --- epoll_ctl errors --- */
	pipe(p);
	int reg = open("/tmp/t_epoll.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int null = open("/dev/null", O_RDWR);
	CHECK_ERR("ctl-regular-file-eperm", ctl(ep, EPOLL_CTL_ADD, reg, EPOLLIN, 0), EPERM);
	CHECK_ERR("ctl-dev-null-eperm", ctl(ep, EPOLL_CTL_ADD, null, EPOLLIN, 0), EPERM);
	CHECK_ERR("ctl-bad-epfd-ebadf", ctl(99, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF);
	CHECK_ERR("ctl-bad-fd-ebadf", ctl(ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0), EBADF);
	CHECK_ERR("ctl-not-epoll-einval", ctl(p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EINVAL);
	CHECK_ERR("ctl-self-einval", ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL);
	CHECK_ERR("ctl-bad-op-einval", ctl(ep, 7, p[0], EPOLLIN, 0), EINVAL);
	CHECK_ERR("ctl-null-event-efault", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	CHECK_ERR("ctl-mod-missing-enoent", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), ENOENT);
	CHECK_ERR("ctl-del-missing-enoent", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK_EQ("ctl-add", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 11), 0);
	CHECK_ERR("ctl-add-twice-eexist", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EEXIST);
	CHECK_EQ("ctl-del-null-event", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	CHECK_ERR("ctl-del-again-enoent", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK_EQ("ctl-add-epollwakeup-ignored", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLWAKEUP, 11), 0);
	CHECK_ERR("exclusive-mod-einval", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	CHECK_ERR("exclusive-oneshot-einval", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0),
		  EINVAL);
	CHECK_ERR("exclusive-epoll-target-einval", ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	CHECK_EQ("exclusive-add", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), 0);
	CHECK_ERR("exclusive-item-mod-einval", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), EINVAL);
	CHECK_EQ("exclusive-del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	close(reg);
	unlink("/tmp/t_epoll.file");
	close(null);

	/* --- epoll_wait errors --- */
	CHECK_ERR("wait-maxevents-0-einval", epoll_wait(ep, ev, 0, 0), EINVAL);
	volatile int minus1 = -1;
	CHECK_ERR("wait-maxevents-negative-einval", epoll_wait(ep, ev, minus1, 0), EINVAL);
	/* the array is checked against user space before anything else */
	struct epoll_event *volatile kaddr = (struct epoll_event *)0xffffffc000000000ul;
	CHECK_ERR("wait-events-kernel-efault", epoll_wait(ep, kaddr, 1, 0), EFAULT);
	CHECK_ERR("wait-not-epoll-einval", epoll_wait(p[0], ev, 1, 0), EINVAL);
	CHECK_ERR("wait-bad-fd-ebadf", epoll_wait(99, ev, 1, 0), EBADF);
	CHECK_EQ("wait-empty", epoll_wait(ep, ev, 8, 0), 0);

	/* --- level triggered --- */
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1122334455667788ull);
	CHECK_EQ("lt-not-ready", epoll_wait(ep, ev, 8, 0), 0);
	write(p[1], &c, 1);
	CHECK_EQ("lt-ready", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("lt-events", ev[0].events, EPOLLIN);
	CHECK("lt-data", ev[0].data.u64 == 0x1122334455667788ull);
	CHECK_EQ("lt-still-ready", epoll_wait(ep, ev, 8, 0), 1);
	read(p[0], &c, 1);
	CHECK_EQ("lt-drained", epoll_wait(ep, ev, 8, 0), 0);
	/* --- edge triggered --- */
	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2);
	write(p[1], &c, 1);
	CHECK_EQ("et-ready", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("et-once", epoll_wait(ep, ev, 8, 0), 0);
	write(p[1], &c, 1);
	CHECK_EQ("et-new-write-again", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("et-new-write-data", ev[0].data.u64, 2);
	read(p[0], &c, 1);
	read(p[0], &c, 1);
	/* --- one-shot --- */
	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 3);
	write(p[1], &c, 1);
	CHECK_EQ("oneshot-ready", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("oneshot-disabled", epoll_wait(ep, ev, 8, 0), 0);
	write(p[1], &c, 1);
	CHECK_EQ("oneshot-disabled-after-write", epoll_wait(ep, ev, 8, 0), 0);
	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 4);
	CHECK_EQ("oneshot-rearmed-by-mod", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("oneshot-rearmed-data", ev[0].data.u64, 4);
	read(p[0], &c, 1);
	read(p[0], &c, 1);
	/* --- EPOLLHUP and EPOLLERR whatever was asked --- */
	ctl(ep, EPOLL_CTL_MOD, p[0], 0, 5);
	CHECK_EQ("no-events-not-ready", epoll_wait(ep, ev, 8, 0), 0);
	int wdup = dup(p[1]);
	ctl(ep, EPOLL_CTL_ADD, wdup, EPOLLOUT, 6);
	CHECK_EQ("pollout", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("pollout-events", ev[0].events, EPOLLOUT);
	epoll_ctl(ep, EPOLL_CTL_DEL, wdup, NULL);
	close(wdup);
	close(p[1]);
	CHECK_EQ("hup-without-asking", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("hup-events", ev[0].events, EPOLLHUP);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	close(p[0]);
	pipe(p);
	close(p[0]);
	ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 7);
	CHECK_EQ("err-reader-gone", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("err-events", ev[0].events, EPOLLOUT | EPOLLERR);
	close(p[1]);
	CHECK_EQ("closed-file-item-gone", epoll_wait(ep, ev, 8, 0), 0);

	/* --- an item lives while its file does, under the fd it was added as --- */
	int efd = eventfd(1, 0);
	ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 8);
	int edup = dup(efd);
	close(efd);
	CHECK_EQ("dup-keeps-item", epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ("dup-keeps-item-data", ev[0].data.u64, 8);
	CHECK_ERR("dup-del-by-closed-fd-ebadf", epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), EBADF);
	CHECK_ERR("dup-del-by-other-fd-enoent", epoll_ctl(ep, EPOLL_CTL_DEL, edup, NULL), ENOENT);
	close(edup);
	CHECK_EQ("last-close-removes-item", epoll_wait(ep, ev, 8, 0), 0);
	efd = eventfd(1, 0);
	CHECK_EQ("fd-number-reused-no-eexist", ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 9), 0);
	close(efd);

	/* --- maxevents: the rest stays ready, first in line next time --- */
	int e3[3];
	for (int i = 0; i < 3; i++) {
		e3[i] = eventfd(1, 0);
		ctl(ep, EPOLL_CTL_ADD, e3[i], EPOLLIN, 100 + i);
	}
	CHECK_EQ("maxevents-2", epoll_wait(ep, ev, 2, 0), 2);
	CHECK("maxevents-first-two", ev[0].data.u64 == 100 && ev[1].data.u64 == 101);
	CHECK_EQ("maxevents-next", epoll_wait(ep, ev, 2, 0), 2);
	CHECK("maxevents-rest-first", ev[0].data.u64 == 102 && ev[1].data.u64 == 100);
	CHECK_EQ("maxevents-all", epoll_wait(ep, ev, 8, 0), 3);
	for (int i = 0; i < 3; i++)
		close(e3[i]);

	/* --- sleeping: timeout, wake-up, signals --- */
	efd = eventfd(0, 0);
	ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 10);
	double t0 = mt_now();
	CHECK_EQ("timeout", epoll_wait(ep, ev, 8, 50), 0);
	CHECK("timeout-waited", mt_now() - t0 >= 0.049);
	pid_t pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		uint64_t one = 1;
		write(efd, &one, 8);
		_exit(0);
	}
	CHECK_EQ("woken-by-write", epoll_wait(ep, ev, 8, 5000), 1);
	CHECK_EQ("woken-by-write-data", ev[0].data.u64, 10);
	mt_reap(pid);
	uint64_t v;
	read(efd, &v, 8);
	struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERR("eintr-even-with-sa-restart", epoll_wait(ep, ev, 8, 5000), EINTR);
	CHECK_EQ("eintr-handler", got, 1);
	mt_reap(pid);
	sigset_t usr1, none;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERR("pwait-mask-eintr", epoll_pwait(ep, ev, 8, 5000, &none), EINTR);
	CHECK_EQ("pwait-mask-handler", got, 2);
	CHECK("pwait-mask-restored", blocked(SIGUSR1));
	mt_reap(pid);
	CHECK_ERR("pwait-sigsetsize-einval", syscall(SYS_epoll_pwait, ep, ev, 8, 0, &none, 4), EINVAL);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	struct timespec ts = { 0, 50000000 };
	t0 = mt_now();
	CHECK_EQ("pwait2-timeout", pwait2(ep, ev, 8, &ts, NULL), 0);
	CHECK("pwait2-timeout-waited", mt_now() - t0 >= 0.049);
	CHECK("pwait2-timeout-not-updated", ts.tv_sec == 0 && ts.tv_nsec == 50000000);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("pwait2-bad-timespec-einval", pwait2(ep, ev, 8, &ts, NULL), EINVAL);
	v = 1;
	write(efd, &v, 8);
	CHECK_EQ("pwait2-null-timeout-ready", pwait2(ep, ev, 8, NULL, NULL), 1);
	read(efd, &v, 8);

	/* --- nested: an epoll watching an epoll --- */
	int outer = epoll_create1(0);
	CHECK_EQ("nested-add", ctl(outer, EPOLL_CTL_ADD, ep, EPOLLIN, 20), 0);
	CHECK_EQ("nested-not-ready", epoll_wait(outer, ev, 8, 0), 0);
	struct pollfd pf = { ep, POLLIN, 0 };
	CHECK_EQ("epoll-polled-not-ready", poll(&pf, 1, 0), 0);
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		uint64_t one = 1;
		write(efd, &one, 8);
		_exit(0);
	}
	CHECK_EQ("nested-woken", epoll_wait(outer, ev, 8, 5000), 1);
	CHECK_EQ("nested-data", ev[0].data.u64, 20);
	CHECK_EQ("nested-events", ev[0].events, EPOLLIN);
	mt_reap(pid);
	CHECK_EQ("epoll-polled-ready", poll(&pf, 1, 0), 1);
	CHECK_EQ("epoll-polled-pollin", pf.revents, POLLIN);
	CHECK_EQ("nested-inner-event", epoll_wait(ep, ev, 8, 0), 1);
	read(efd, &v, 8);
	CHECK_EQ("epoll-polled-drained", poll(&pf, 1, 0), 0);
	CHECK_ERR("loop-eloop", ctl(ep, EPOLL_CTL_ADD, outer, EPOLLIN, 0), ELOOP);
	/* a chain of epoll files: EP_MAX_NESTS (4) epoll files may watch each other in a row */
	int chain[7];
	chain[0] = epoll_create1(0);
	int depth_ok = 0;
	for (int i = 1; i < 7; i++) {
		chain[i] = epoll_create1(0);
		if (ctl(chain[i], EPOLL_CTL_ADD, chain[i - 1], EPOLLIN, 0) == 0)
			depth_ok = i;
		else {
			CHECK_EQ("chain-too-deep-eloop", errno, ELOOP);
			break;
		}
	}
	CHECK_EQ("chain-depth", depth_ok, 4);
	for (int i = 0; i < 7; i++)
		close(chain[i]);
	close(outer);
	close(efd);
	close(ep);
	close(ep2);
	mt_end();
}
