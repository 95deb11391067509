/* t_signalfd: signalfd4 as Linux's fs/signalfd.c — its checks (sigset size, flags, an fd that
 * is no signalfd), the mask of an existing signalfd replaced, struct signalfd_siginfo filled
 * as Linux does for kill, tgkill, sigqueue, SIGCHLD and POSIX timers, records read several at a
 * time, signals from the thread's and the process's pending sets, blocking reads, poll and
 * epoll. */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, 0) == 1;
}

int main(void)
{
	mt_begin("t_signalfd");
	struct signalfd_siginfo si[4];
	sigset_t m, usr1, all;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGCHLD);
	sigaddset(&all, SIGRTMIN + 1);
	sigaddset(&all, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &all, NULL);

	/* --- checks --- */
	CHECK_ERR("sizemask-4-einval", syscall(SYS_signalfd4, -1, &usr1, 4, 0), EINVAL);
	CHECK_ERR("bad-flags-einval", syscall(SYS_signalfd4, -1, &usr1, 8, O_APPEND), EINVAL);
	CHECK_ERR("mask-efault", syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
	CHECK_ERR("bad-fd-ebadf", signalfd(99, &usr1, 0), EBADF);
	int p[2];
	pipe(p);
	CHECK_ERR("not-signalfd-einval", signalfd(p[0], &usr1, 0), EINVAL);
	close(p[0]);
	close(p[1]);
	int fd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK("create", fd >= 0);
	CHECK_EQ("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("nonblock-rdwr", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	CHECK_ERR("nothing-eagain", read(fd, si, sizeof si), EAGAIN);
	CHECK("nothing-not-readable", !readable(fd));

	/* --- tgkill (raise): the thread's pending set, SI_TKILL with pid and uid --- */
	raise(SIGUSR1);
	CHECK("raise-readable", readable(fd));
	CHECK_ERR("read-short-buffer-einval", read(fd, si, 100), EINVAL);
	memset(si, 0xff, sizeof si);
	CHECK_EQ("read-one", read(fd, si, sizeof si), sizeof si[0]);
	CHECK_EQ("tkill-signo", si[0].ssi_signo, SIGUSR1);
	CHECK_EQ("tkill-code", si[0].ssi_code, SI_TKILL);
	CHECK_EQ("tkill-pid", si[0].ssi_pid, getpid());
	CHECK_EQ("tkill-uid", si[0].ssi_uid, getuid());
	CHECK_EQ("tkill-errno", si[0].ssi_errno, 0);
	CHECK_EQ("tkill-unused-zero", si[0].ssi_int | si[0].ssi_tid | si[0].ssi_status, 0);
	sigpending(&m);
	CHECK("read-dequeues", !sigismember(&m, SIGUSR1));

	/* --- kill: the process's set, SI_USER --- */
	kill(getpid(), SIGUSR1);
	read(fd, si, sizeof si);
	CHECK_EQ("kill-code", si[0].ssi_code, SI_USER);
	CHECK_EQ("kill-pid", si[0].ssi_pid, getpid());

	/* --- the mask of an existing signalfd is replaced --- */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	kill(getpid(), SIGUSR1);
	CHECK_EQ("update-mask-same-fd", signalfd(fd, &usr2, 0), fd);
	CHECK_ERR("update-mask-old-signal-not-read", read(fd, si, sizeof si), EAGAIN);
	kill(getpid(), SIGUSR2);
	CHECK_EQ("update-mask-new-signal", read(fd, si, sizeof si), sizeof si[0]);
	CHECK_EQ("update-mask-new-signo", si[0].ssi_signo, SIGUSR2);
	sigpending(&m);
	CHECK("update-mask-old-still-pending", sigismember(&m, SIGUSR1));
	signalfd(fd, &all, 0);
	read(fd, si, sizeof si);
	CHECK_EQ("mask-all-reads-usr1", si[0].ssi_signo, SIGUSR1);

	/* --- sigqueue: SI_QUEUE with the value; real-time signals queued, several per read --- */
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 40 + i });
	CHECK_EQ("read-three-records", read(fd, si, sizeof si), 3 * sizeof si[0]);
	CHECK("rt-queued-in-order", si[0].ssi_int == 41 && si[1].ssi_int == 42 && si[2].ssi_int == 43);
	CHECK_EQ("rt-code", si[0].ssi_code, SI_QUEUE);
	CHECK_EQ("rt-pid", si[2].ssi_pid, getpid());
	CHECK_EQ("rt-ptr", (uint32_t)si[1].ssi_ptr, 42);

	/* --- SIGCHLD: CLD_EXITED with the status --- */
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK_EQ("sigchld-poll", poll(&pf, 1, 5000), 1);
	read(fd, si, sizeof si);
	CHECK_EQ("sigchld-signo", si[0].ssi_signo, SIGCHLD);
	CHECK_EQ("sigchld-code", si[0].ssi_code, CLD_EXITED);
	CHECK_EQ("sigchld-pid", si[0].ssi_pid, pid);
	CHECK_EQ("sigchld-status", si[0].ssi_status, 7);
	mt_reap(pid);

	/* --- a POSIX timer: SI_TIMER with its id and value --- */
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 2 };
	sev.sigev_value.sival_int = 99;
	timer_t tid;
	timer_create(CLOCK_MONOTONIC, &sev, &tid);
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	timer_settime(tid, 0, &its, NULL);
	CHECK_EQ("timer-poll", poll(&pf, 1, 5000), 1);
	read(fd, si, sizeof si);
	CHECK_EQ("timer-signo", si[0].ssi_signo, SIGRTMIN + 2);
	CHECK_EQ("timer-code", si[0].ssi_code, SI_TIMER);
	CHECK_EQ("timer-tid", si[0].ssi_tid, (uint32_t)(uintptr_t)tid);
	CHECK_EQ("timer-int", si[0].ssi_int, 99);
	CHECK_EQ("timer-overrun", si[0].ssi_overrun, 0);
	timer_delete(tid);

	/* --- a blocking read, woken by another process's signal --- */
	int bfd = signalfd(-1, &usr1, 0);
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	double t0 = mt_now();
	CHECK_EQ("blocking-read", read(bfd, si, sizeof si), sizeof si[0]);
	CHECK("blocking-read-waited", mt_now() - t0 > 0.03);
	CHECK_EQ("blocking-read-pid", si[0].ssi_pid, pid);
	mt_reap(pid);
	close(bfd);

	/* --- epoll (the blocking-read child's SIGCHLD read first) --- */
	while (read(fd, si, sizeof si) > 0)
		;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 5 };
	CHECK_EQ("epoll-add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	CHECK_EQ("epoll-not-ready", epoll_wait(ep, &ev, 1, 0), 0);
	kill(getpid(), SIGUSR2);
	CHECK_EQ("epoll-ready", epoll_wait(ep, &ev, 1, 0), 1);
	read(fd, si, sizeof si);
	CHECK_EQ("epoll-drained", epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);

	/* --- SIGKILL and SIGSTOP in the mask are dropped, not refused --- */
	sigset_t ks;
	sigemptyset(&ks);
	sigaddset(&ks, SIGKILL);
	sigaddset(&ks, SIGSTOP);
	int kfd = signalfd(-1, &ks, 0);
	CHECK("kill-stop-mask-accepted", kfd >= 0);
	close(kfd);
	close(fd);
	mt_end();
}
