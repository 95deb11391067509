/* t_poll: ppoll and pselect6 as Linux's fs/select.c — the masks each kind of file reports
 * (pipes with POLLHUP/POLLERR, regular files, /dev/null, the tty, closed and negative fds),
 * nfds against RLIMIT_NOFILE, the sigset size, timeouts updated with the time left, select's
 * fd_set rules (EBADF, n clamped to the fd table), the temporary signal mask and its
 * restoration, restarts after a stop that keep the original deadline, and the wait-queue
 * wake-up: a poller wakes well within a tick of the write, and hundreds of sleeping pollers
 * cost no CPU. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { got_usr1++; }

static long sys_ppoll(struct pollfd *fds, unsigned long n, struct timespec *ts, sigset_t *m, size_t sz)
{
	return syscall(SYS_ppoll, fds, n, ts, m, sz);
}

struct argpack {
	const sigset_t *p;
	size_t size;
};

static long sys_pselect6(int n, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts, struct argpack *a)
{
	return syscall(SYS_pselect6, n, r, w, e, ts, a);
}

static double ts_s(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

/* The blocked mask as the kernel has it. */
static int blocked(int sig)
{
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	return sigismember(&m, sig);
}

int main(void)
{
	mt_begin("t_poll");
	int p[2];
	char c = 'x';
	struct pollfd pf[3];

	/* --- masks --- */
	pipe(p);
	pf[0] = (struct pollfd){ p[0], POLLIN | POLLOUT, 0 };
	pf[1] = (struct pollfd){ p[1], POLLIN | POLLOUT, 0 };
	CHECK_EQ("pipe-empty-count", poll(pf, 2, 0), 1);
	CHECK_EQ("pipe-empty-read-end", pf[0].revents, 0);
	CHECK_EQ("pipe-write-end-pollout", pf[1].revents, POLLOUT);
	write(p[1], &c, 1);
	CHECK_EQ("pipe-data-count", poll(pf, 2, 0), 2);
	CHECK_EQ("pipe-data-pollin", pf[0].revents, POLLIN);
	pf[0].events = POLLIN | POLLRDNORM;
	poll(pf, 1, 0);
	CHECK_EQ("pipe-data-pollrdnorm", pf[0].revents, POLLIN | POLLRDNORM);
	pf[0].events = 0;
	CHECK_EQ("pipe-no-events-asked", poll(pf, 1, 0), 0);
	close(p[1]);
	pf[0].events = POLLIN;
	CHECK_EQ("pipe-writer-gone-count", poll(pf, 1, 0), 1);
	CHECK_EQ("pipe-data-and-hup", pf[0].revents, POLLIN | POLLHUP);
	pf[0].events = 0;
	poll(pf, 1, 0);
	CHECK_EQ("pipe-hup-unasked", pf[0].revents, POLLHUP);
	read(p[0], &c, 1);
	pf[0].events = POLLIN;
	poll(pf, 1, 0);
	CHECK_EQ("pipe-hup-only", pf[0].revents, POLLHUP);
	close(p[0]);
	pipe(p);
	close(p[0]);
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK_EQ("pipe-reader-gone-count", poll(pf, 1, 0), 1);
	CHECK_EQ("pipe-reader-gone-pollerr", pf[0].revents, POLLOUT | POLLERR);
	close(p[1]);

	pf[0] = (struct pollfd){ -1, POLLIN, 0x77 };
	pf[1] = (struct pollfd){ 200, POLLIN, 0 };
	CHECK_EQ("negative-and-closed-count", poll(pf, 2, 0), 1);
	CHECK_EQ("negative-fd-revents-0", pf[0].revents, 0);
	CHECK_EQ("closed-fd-pollnval", pf[1].revents, POLLNVAL);

	int fd = open("/tmp/t_poll.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT | POLLPRI, 0 };
	CHECK_EQ("regular-file-ready", poll(pf, 1, 0), 1);
	CHECK_EQ("regular-file-in-out", pf[0].revents, POLLIN | POLLOUT);
	close(fd);
	unlink("/tmp/t_poll.file");
	fd = open("/dev/null", O_RDWR);
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	poll(pf, 1, 0);
	CHECK_EQ("dev-null-in-out", pf[0].revents, POLLIN | POLLOUT);
	close(fd);
	pf[0] = (struct pollfd){ 1, POLLOUT, 0 };
	poll(pf, 1, 0);
	CHECK_EQ("tty-pollout", pf[0].revents, POLLOUT);

	/* --- arguments --- */
	struct rlimit rl, small = { 8, 8 };
	getrlimit(RLIMIT_NOFILE, &rl);
	setrlimit(RLIMIT_NOFILE, &small);
	struct pollfd many[9];
	for (int i = 0; i < 9; i++)
		many[i] = (struct pollfd){ -1, POLLIN, 0 };
	CHECK_EQ("nfds-at-rlimit", poll(many, 8, 0), 0);
	CHECK_ERR("nfds-over-rlimit-einval", poll(many, 9, 0), EINVAL);
	CHECK_ERR("nfds-over-rlimit-before-efault", sys_ppoll((void *)8, 9, NULL, NULL, 8), EINVAL);
	setrlimit(RLIMIT_NOFILE, &rl);
	CHECK_ERR("bad-ufds-efault", sys_ppoll((void *)8, 1, NULL, NULL, 8), EFAULT);
	sigset_t none;
	sigemptyset(&none);
	struct timespec ts = { 0, 0 };
	CHECK_ERR("sigsetsize-4-einval", sys_ppoll(many, 1, &ts, &none, 4), EINVAL);
	CHECK_EQ("sigsetsize-ignored-without-mask", sys_ppoll(many, 1, &ts, NULL, 4), 0);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("timeout-nsec-einval", sys_ppoll(many, 1, &ts, NULL, 8), EINVAL);
	ts = (struct timespec){ -1, 0 };
	CHECK_ERR("timeout-negative-einval", sys_ppoll(many, 1, &ts, NULL, 8), EINVAL);

	/* --- timeouts: the timespec gets the time left --- */
	pipe(p);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	ts = (struct timespec){ 0, 50000000 };
	double t0 = mt_now();
	CHECK_EQ("ppoll-times-out", sys_ppoll(pf, 1, &ts, NULL, 8), 0);
	double el = mt_now() - t0;
	CHECK("ppoll-slept-the-timeout", el >= 0.049 && el < 1.0);
	CHECK("ppoll-timeout-left-zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	pid_t pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		write(p[1], &c, 1);
		_exit(0);
	}
	ts = (struct timespec){ 5, 0 };
	CHECK_EQ("ppoll-woken-by-write", sys_ppoll(pf, 1, &ts, NULL, 8), 1);
	CHECK("ppoll-timeout-left", ts_s(ts) > 3.0 && ts_s(ts) < 4.96);
	mt_reap(pid);
	read(p[0], &c, 1);
	ts = (struct timespec){ 0, 0 };
	CHECK_EQ("ppoll-zero-timeout", sys_ppoll(pf, 1, &ts, NULL, 8), 0);

	/* --- a writer's write wakes the poller at once (no polling on the tick) --- */
	volatile double *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double lat[7];
	for (int i = 0; i < 7; i++) {
		pid = fork();
		if (pid == 0) {
			mt_msleep(20 + 3 * i);
			shared[0] = mt_now();
			write(p[1], &c, 1);
			_exit(0);
		}
		pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
		poll(pf, 1, 5000);
		lat[i] = mt_now() - shared[0];
		read(p[0], &c, 1);
		mt_reap(pid);
	}
	int quick = 0;
	for (int i = 0; i < 7; i++)
		quick += lat[i] < 0.002;
	CHECK("wakeup-within-2ms-of-write", quick >= 5);
	if (quick < 5)
		printf("latencies: %.4f %.4f %.4f %.4f %.4f %.4f %.4f\n", lat[0], lat[1], lat[2], lat[3], lat[4],
		       lat[5], lat[6]);

	/* --- select --- */
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	ts = (struct timespec){ 0, 0 };
	CHECK_EQ("select-writable-only", sys_pselect6(p[1] + 1, &r, &w, &e, &ts, NULL), 1);
	CHECK("select-result-sets", !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &e));
	write(p[1], &c, 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_EQ("select-counts-each-set", sys_pselect6(p[1] + 1, &r, &w, NULL, &ts, NULL), 2);
	read(p[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(60, &r);
	CHECK_ERR("select-closed-fd-ebadf", sys_pselect6(61, &r, NULL, NULL, &ts, NULL), EBADF);
	CHECK_ERR("select-negative-n-einval", sys_pselect6(-1, NULL, NULL, NULL, &ts, NULL), EINVAL);
	/* n above the fd table's size is clamped to it (64 here): fd 1000 is not looked at, and
	 * the part of the set above the table is left as it was */
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	FD_SET(1000, &w);
	CHECK_EQ("select-n-clamped", sys_pselect6(1024, NULL, &w, NULL, &ts, NULL), 1);
	CHECK("select-n-clamped-high-bits-kept", FD_ISSET(1000, &w) && FD_ISSET(p[1], &w));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){ 0, 50000000 };
	CHECK_EQ("pselect-times-out", sys_pselect6(p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
	CHECK("pselect-timeout-left-zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	CHECK("pselect-timeout-clears-set", !FD_ISSET(p[0], &r));
	struct argpack ap = { &none, 4 };
	ts = (struct timespec){ 0, 0 };
	CHECK_ERR("pselect-sigsetsize-einval", sys_pselect6(1, NULL, NULL, NULL, &ts, &ap), EINVAL);
	CHECK_ERR("pselect-argpack-efault", sys_pselect6(1, NULL, NULL, NULL, &ts, (void *)8), EFAULT);
	CHECK_EQ("select-nothing-sleeps", sys_pselect6(0, NULL, NULL, NULL, &ts, NULL), 0);

	/* --- the temporary signal mask --- */
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){ 5, 0 };
	ap = (struct argpack){ &none, 8 };
	CHECK_ERR("pselect-mask-lets-signal-in-eintr", sys_pselect6(p[0] + 1, &r, NULL, NULL, &ts, &ap), EINTR);
	CHECK_EQ("pselect-mask-handler-ran", got_usr1, 1);
	CHECK("pselect-mask-restored", blocked(SIGUSR1));
	CHECK("pselect-eintr-timeout-left", ts_s(ts) > 3.0 && ts_s(ts) < 4.96);
	mt_reap(pid);
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_ERR("ppoll-mask-lets-signal-in-eintr", sys_ppoll(pf, 1, NULL, &none, 8), EINTR);
	CHECK_EQ("ppoll-mask-handler-ran", got_usr1, 2);
	CHECK("ppoll-mask-restored", blocked(SIGUSR1));
	mt_reap(pid);
	/* a blocked signal pending before the call is delivered inside it */
	raise(SIGUSR1);
	ts = (struct timespec){ 1, 0 };
	CHECK_ERR("ppoll-pending-unblocked-eintr", sys_ppoll(pf, 1, &ts, &none, 8), EINTR);
	CHECK_EQ("ppoll-pending-handler-ran", got_usr1, 3);
	CHECK("ppoll-pending-mask-restored", blocked(SIGUSR1));
	/* a signal the temporary mask lets in but nobody handles (SIGCHLD, ignored): the call is
	 * restarted with the time left and the caller's mask comes back (restore_saved_sigmask) */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	mt_msleep(30);
	ts = (struct timespec){ 0, 200000000 };
	t0 = mt_now();
	CHECK_EQ("ppoll-ignored-signal-restarts", sys_ppoll(pf, 1, &ts, &none, 8), 0);
	el = mt_now() - t0;
	CHECK("ppoll-ignored-signal-one-timeout", el >= 0.19 && el < 0.35);
	CHECK("ppoll-ignored-signal-mask-back", blocked(SIGCHLD) && blocked(SIGUSR1));
	mt_reap(pid);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);

	/* --- a stop in the middle: restarted with the time that was left when it stopped
	 * (300 + 100 stopped + 300 ms), not with the whole timeout again (1000 ms) --- */
	pid = fork();
	if (pid == 0) {
		struct pollfd q = { p[0], POLLIN, 0 };
		struct timespec t = { 0, 600000000 };
		double s = mt_now();
		long r = sys_ppoll(&q, 1, &t, NULL, 8);
		double e = mt_now() - s;
		_exit(r != 0 ? 1 : e > 0.9 ? 2 : e < 0.65 ? 3 : 0);
	}
	mt_msleep(300);
	kill(pid, SIGSTOP);
	mt_msleep(100);
	kill(pid, SIGCONT);
	int st = mt_reap(pid);
	CHECK_EQ("ppoll-stop-cont-keeps-deadline", WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0);

	/* --- pollers asleep cost nothing: 300 children in pause() (ppoll without fds on
	 * riscv64 glibc) are not woken until they are killed — each has a voluntary context
	 * switch or two (fork, the sleep, exit), not one per tick --- */
	static pid_t kids[300];
	int nk = 0;
	for (int i = 0; i < 300; i++) {
		kids[nk] = fork();
		if (kids[nk] == 0) {
			pause();
			_exit(0);
		}
		if (kids[nk] > 0)
			nk++;
	}
	mt_msleep(300);
	CHECK_EQ("sleeping-pollers-forked", nk, 300);
	for (int i = 0; i < nk; i++)
		kill(kids[i], SIGKILL);
	long nvcsw = 0;
	for (int i = 0; i < nk; i++) {
		struct rusage ru;
		int s;
		if (wait4(kids[i], &s, 0, &ru) == kids[i])
			nvcsw += ru.ru_nvcsw;
	}
	CHECK("sleeping-pollers-not-woken", nvcsw <= 4 * nk);
	if (nvcsw > 4 * nk)
		printf("%d sleeping pollers: %ld voluntary context switches\n", nk, nvcsw);
	mt_end();
}
