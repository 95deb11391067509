/* t_rtsig: signal queueing and the signal syscalls as Linux's kernel/signal.c — real-time
 * signals queued once per send with their siginfo (standard ones coalesce), in order, bounded
 * by RLIMIT_SIGPENDING (EAGAIN for sigqueue only); rt_sigqueueinfo/rt_tgsigqueueinfo's
 * checks (EPERM for forged si_codes to others, E2BIG, ESRCH, EINVAL); rt_sigtimedwait
 * (timeout, EAGAIN, EINTR, siginfo); pidfd_send_signal's siginfo; and the regressions of the
 * signal review: rt_sigsuspend's mask comes back when no handler runs, nanosleep and
 * clock_nanosleep go on through restart_syscall after a stop, clock_nanosleep refuses the
 * thread CPU clock, clock_getres per clock, setitimer(NULL) disarms, tgkill pid <= 0 EINVAL,
 * rt_sigreturn restores the alternate stack, nested signals on it go below each other and one
 * that overflows it dies of SIGSEGV. */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#define RT1 (SIGRTMIN + 1)
#define RT3 (SIGRTMIN + 3)

static volatile int nrec;
static volatile int rec_sig[64], rec_val[64], rec_code[64], rec_pid[64];

static void rec(int sig, siginfo_t *si, void *uc)
{
	if (nrec < 64) {
		rec_sig[nrec] = sig;
		rec_val[nrec] = si->si_value.sival_int;
		rec_code[nrec] = si->si_code;
		rec_pid[nrec] = si->si_pid;
	}
	nrec++;
}

static void on(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = { .sa_sigaction = h, .sa_flags = SA_SIGINFO | flags };
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static int blocked(int sig)
{
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	return sigismember(&m, sig);
}

static long sigqueueinfo(pid_t pid, int sig, int code, int val)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_value.sival_int = val;
	return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

/* --- the alternate stack --- */
static char *alt;
static volatile uintptr_t depth_sp[64];
static volatile int depth;
static volatile int max_depth = 2;
static void nest(int sig)
{
	volatile char here;
	int d = depth++;
	if (d < 64)
		depth_sp[d] = (uintptr_t)&here;
	if (depth < max_depth)
		raise(SIGUSR1);
}

static volatile int autodisarm_flags = -1;
static void check_disarmed(int sig)
{
	stack_t o;
	sigaltstack(NULL, &o);
	autodisarm_flags = o.ss_flags;
}

static void *new_uc_stack;
static void change_uc_stack(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_stack.ss_sp = new_uc_stack;
	uc->uc_stack.ss_size = 65536;
	uc->uc_stack.ss_flags = 0;
}

static volatile int alarms;
static void on_alarm(int sig) { alarms++; }

int main(int argc, char **argv)
{
	mt_begin("t_rtsig");
	sigset_t m;

	/* --- real-time signals are queued, standard ones coalesce --- */
	on(RT1, rec, 0);
	on(RT3, rec, 0);
	on(SIGUSR1, rec, 0);
	block(RT1, SIG_BLOCK);
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), RT1, (union sigval){ .sival_int = i });
	sigpending(&m);
	CHECK("rt-pending", sigismember(&m, RT1));
	nrec = 0;
	block(RT1, SIG_UNBLOCK);
	CHECK_EQ("rt-each-delivered", nrec, 3);
	CHECK("rt-in-order", rec_val[0] == 1 && rec_val[1] == 2 && rec_val[2] == 3);
	CHECK("rt-si-code-queue", rec_code[0] == SI_QUEUE && rec_pid[0] == getpid());
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	nrec = 0;
	block(SIGUSR1, SIG_UNBLOCK);
	CHECK_EQ("standard-coalesce", nrec, 1);
	/* the lowest real-time signal is taken first */
	sigemptyset(&m);
	sigaddset(&m, RT1);
	sigaddset(&m, RT3);
	sigprocmask(SIG_BLOCK, &m, NULL);
	sigqueue(getpid(), RT3, (union sigval){ .sival_int = 30 });
	sigqueue(getpid(), RT1, (union sigval){ .sival_int = 10 });
	siginfo_t w1, w2;
	int s1 = sigwaitinfo(&m, &w1), s2 = sigwaitinfo(&m, &w2);
	CHECK("lowest-rt-first", s1 == RT1 && w1.si_value.sival_int == 10 && s2 == RT3 && w2.si_value.sival_int == 30);
	sigprocmask(SIG_UNBLOCK, &m, NULL);

	/* --- RLIMIT_SIGPENDING: sigqueue gets EAGAIN, kill still sends (without siginfo) --- */
	struct rlimit rl, small;
	getrlimit(RLIMIT_SIGPENDING, &rl);
	small = (struct rlimit){ 5, rl.rlim_max };
	setrlimit(RLIMIT_SIGPENDING, &small);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int ok = 0, eagain = 0;
	for (int i = 0; i < 8; i++) {
		if (sigqueue(getpid(), RT3, (union sigval){ .sival_int = 100 + i }) == 0)
			ok++;
		else if (errno == EAGAIN)
			eagain++;
	}
	CHECK_EQ("sigpending-limit-queued", ok, 5);
	CHECK_EQ("sigpending-limit-eagain", eagain, 3);
	CHECK_EQ("sigpending-limit-kill-sends", kill(getpid(), RT1), 0);
	signal(SIGUSR2, SIG_IGN);
	CHECK_EQ("sigpending-limit-standard-kill", kill(getpid(), SIGUSR2), 0);
	nrec = 0;
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	CHECK_EQ("sigpending-limit-delivered", nrec, 6);
	int lost = -1;
	for (int i = 0; i < 6 && i < nrec; i++)
		if (rec_sig[i] == RT1)
			lost = i;
	CHECK("sigpending-limit-lost-info", lost >= 0 && rec_code[lost] == SI_USER && rec_pid[lost] == 0);
	setrlimit(RLIMIT_SIGPENDING, &rl);

	/* --- rt_sigqueueinfo / rt_tgsigqueueinfo --- */
	block(RT1, SIG_BLOCK);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK_ERR("sigqueueinfo-si-user-to-other-eperm", sigqueueinfo(child, RT1, SI_USER, 1), EPERM);
	CHECK_ERR("sigqueueinfo-si-kernel-to-other-eperm", sigqueueinfo(child, RT1, SI_KERNEL, 1), EPERM);
	CHECK_ERR("sigqueueinfo-positive-to-other-eperm", sigqueueinfo(child, RT1, 5, 1), EPERM);
	CHECK_ERR("sigqueueinfo-si-tkill-to-other-eperm", sigqueueinfo(child, RT1, SI_TKILL, 1), EPERM);
	CHECK_EQ("sigqueueinfo-si-queue-to-other", sigqueueinfo(child, 0, SI_QUEUE, 1), 0);
	CHECK_ERR("sigqueueinfo-esrch", sigqueueinfo(30000, RT1, SI_QUEUE, 1), ESRCH);
	CHECK_ERR("sigqueueinfo-pid-0-esrch", sigqueueinfo(0, RT1, SI_QUEUE, 1), ESRCH);
	CHECK_ERR("sigqueueinfo-bad-sig-einval", sigqueueinfo(getpid(), 65, SI_QUEUE, 1), EINVAL);
	CHECK_ERR("sigqueueinfo-efault", syscall(SYS_rt_sigqueueinfo, getpid(), RT1, (void *)8), EFAULT);
	kill(child, SIGKILL);
	mt_reap(child);
	nrec = 0;
	CHECK_EQ("sigqueueinfo-si-user-to-self", sigqueueinfo(getpid(), RT1, SI_USER, 7), 0);
	CHECK_EQ("sigqueueinfo-mesgq-to-self", sigqueueinfo(getpid(), RT1, SI_MESGQ, 8), 0);
	block(RT1, SIG_UNBLOCK);
	CHECK("sigqueueinfo-delivered-as-given",
	      nrec == 2 && rec_code[0] == SI_USER && rec_val[0] == 7 && rec_code[1] == SI_MESGQ && rec_val[1] == 8);
	siginfo_t big;
	memset(&big, 0, sizeof big);
	big.si_code = -100;
	((char *)&big)[100] = 1;
	CHECK_ERR("sigqueueinfo-unknown-code-e2big", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &big), E2BIG);
	((char *)&big)[100] = 0;
	CHECK_EQ("sigqueueinfo-unknown-code-zeros", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &big), 0);
	siginfo_t q;
	memset(&q, 0, sizeof q);
	q.si_code = SI_QUEUE;
	CHECK_ERR("tgsigqueueinfo-pid-0-einval", syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, RT1, &q), EINVAL);
	CHECK_ERR("tgsigqueueinfo-tgid-0-einval", syscall(SYS_rt_tgsigqueueinfo, 0, getpid(), RT1, &q), EINVAL);
	CHECK_ERR("tgsigqueueinfo-wrong-tgid-esrch", syscall(SYS_rt_tgsigqueueinfo, 30000, getpid(), 0, &q), ESRCH);
	nrec = 0;
	q.si_value.sival_int = 9;
	CHECK_EQ("tgsigqueueinfo-self", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), RT1, &q), 0);
	CHECK("tgsigqueueinfo-delivered", nrec == 1 && rec_val[0] == 9);

	/* --- rt_sigtimedwait --- */
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR1);
	sigaddset(&w, SIGUSR2);
	sigaddset(&w, SIGCHLD);
	sigaddset(&w, RT1);
	sigprocmask(SIG_BLOCK, &w, NULL);
	struct timespec ts = { 0, 0 };
	siginfo_t si;
	CHECK_ERR("sigtimedwait-sigsetsize-einval", syscall(SYS_rt_sigtimedwait, &w, &si, &ts, 4), EINVAL);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("sigtimedwait-bad-timespec-einval", sigtimedwait(&w, &si, &ts), EINVAL);
	ts.tv_nsec = 0;
	CHECK_ERR("sigtimedwait-zero-eagain", sigtimedwait(&w, &si, &ts), EAGAIN);
	ts.tv_nsec = 50000000;
	double t0 = mt_now();
	CHECK_ERR("sigtimedwait-timeout-eagain", sigtimedwait(&w, &si, &ts), EAGAIN);
	CHECK("sigtimedwait-timeout-waited", mt_now() - t0 >= 0.049);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	memset(&si, 0, sizeof si);
	/* (the syscall: glibc's sigtimedwait turns SI_TKILL into SI_USER) */
	CHECK_EQ("sigtimedwait-pending", syscall(SYS_rt_sigtimedwait, &w, &si, &ts, 8), SIGUSR1);
	CHECK("sigtimedwait-info", si.si_signo == SIGUSR1 && si.si_code == SI_TKILL && si.si_pid == getpid());
	sigpending(&m);
	CHECK("sigtimedwait-dequeued", !sigismember(&m, SIGUSR1));
	sigqueue(getpid(), RT1, (union sigval){ .sival_int = 1 });
	sigqueue(getpid(), RT1, (union sigval){ .sival_int = 2 });
	int v1 = sigwaitinfo(&w, &si) == RT1 ? si.si_value.sival_int : -1;
	int v2 = sigwaitinfo(&w, &si) == RT1 ? si.si_value.sival_int : -1;
	CHECK("sigwaitinfo-rt-in-order", v1 == 1 && v2 == 2);
	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		mt_msleep(50);
		kill(parent, SIGUSR2);
		_exit(3);
	}
	memset(&si, 0, sizeof si);
	CHECK_EQ("sigwaitinfo-waits", sigwaitinfo(&w, &si), SIGUSR2);
	CHECK_EQ("sigwaitinfo-pid", si.si_pid, child);
	/* the child's SIGCHLD: blocked, default-ignored, still waited for */
	memset(&si, 0, sizeof si);
	ts = (struct timespec){ 5, 0 };
	CHECK_EQ("sigtimedwait-sigchld", sigtimedwait(&w, &si, &ts), SIGCHLD);
	CHECK("sigtimedwait-sigchld-info", si.si_code == CLD_EXITED && si.si_status == 3 && si.si_pid == child);
	mt_reap(child);
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	t0 = mt_now();
	CHECK_ERR("sigtimedwait-other-signal-eintr", sigtimedwait(&w, &si, &ts), EINTR);
	CHECK("sigtimedwait-eintr-handler", alarms == 1 && mt_now() - t0 < 4);

	/* --- pidfd_send_signal's siginfo --- */
	child = fork();
	if (child == 0) {
		sigset_t c;
		sigemptyset(&c);
		sigaddset(&c, RT1);
		siginfo_t ci;
		struct timespec cts = { 5, 0 };
		int s = sigtimedwait(&c, &ci, &cts);
		_exit(s == RT1 && ci.si_code == SI_QUEUE && ci.si_value.sival_int == 55 ? 0 : 1);
	}
	int pfd = syscall(SYS_pidfd_open, child, 0);
	siginfo_t pi;
	memset(&pi, 0, sizeof pi);
	pi.si_signo = SIGUSR2;
	pi.si_code = SI_QUEUE;
	CHECK_ERR("pidfd-info-signo-mismatch-einval", syscall(SYS_pidfd_send_signal, pfd, RT1, &pi, 0), EINVAL);
	pi.si_signo = RT1;
	pi.si_code = SI_USER;
	CHECK_ERR("pidfd-info-si-user-eperm", syscall(SYS_pidfd_send_signal, pfd, RT1, &pi, 0), EPERM);
	pi.si_code = SI_QUEUE;
	pi.si_value.sival_int = 55;
	CHECK_EQ("pidfd-info-si-queue", syscall(SYS_pidfd_send_signal, pfd, RT1, &pi, 0), 0);
	int st = mt_reap(child);
	CHECK("pidfd-info-delivered", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(pfd);
	sigprocmask(SIG_UNBLOCK, &w, NULL);

	/* --- rt_sigsuspend: the mask comes back even when no handler runs (a blocked SIGCHLD
	 * let in and ignored restarts it; the handled SIGUSR1 then ends it).  In a child: init
	 * is not sent signals it has no handler for. --- */
	child = fork();
	if (child == 0) {
		pid_t me = getpid();
		sigemptyset(&m);
		sigaddset(&m, SIGCHLD);
		sigaddset(&m, SIGUSR1);
		sigprocmask(SIG_BLOCK, &m, NULL);
		pid_t c1 = fork();
		if (c1 == 0)
			_exit(0);
		mt_msleep(30); /* SIGCHLD pending, blocked */
		pid_t c2 = fork();
		if (c2 == 0) {
			mt_msleep(100);
			kill(me, SIGUSR1);
			_exit(0);
		}
		sigset_t none;
		sigemptyset(&none);
		nrec = 0;
		int r = sigsuspend(&none);
		int e = errno;
		mt_reap(c1);
		mt_reap(c2);
		_exit(r != -1 || e != EINTR ? 1 : nrec != 1 ? 2 : !blocked(SIGCHLD) || !blocked(SIGUSR1) ? 3 : 0);
	}
	st = mt_reap(child);
	CHECK_EQ("sigsuspend-mask-back", WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0);

	/* --- nanosleep and clock_nanosleep: a stop in the middle does not end the sleep --- */
	for (int which = 0; which < 3; which++) {
		child = fork();
		if (child == 0) {
			struct timespec r = { 0, 500000000 }, rem = { 9, 9 };
			double s = mt_now();
			int rc;
			if (which == 0)
				rc = syscall(SYS_nanosleep, &r, &rem);
			else if (which == 1)
				rc = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &r, &rem);
			else {
				struct timespec a;
				clock_gettime(CLOCK_MONOTONIC, &a);
				a.tv_nsec += 500000000;
				if (a.tv_nsec >= 1000000000) {
					a.tv_sec++;
					a.tv_nsec -= 1000000000;
				}
				rc = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL);
			}
			double e = mt_now() - s;
			_exit(rc != 0 ? 1 : e < 0.49 ? 2 : e > 0.75 ? 3 : 0);
		}
		mt_msleep(100);
		kill(child, SIGSTOP);
		mt_msleep(100);
		kill(child, SIGCONT);
		st = mt_reap(child);
		CHECK_EQ(which == 0 ? "nanosleep-stop-cont" : which == 1 ? "clock-nanosleep-stop-cont"
									: "clock-nanosleep-abs-stop-cont",
			 WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0);
	}
	sa = (struct sigaction){ .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec req = { 1, 0 }, rem = { 0, 0 };
	CHECK_ERR("nanosleep-handler-eintr", nanosleep(&req, &rem), EINTR);
	CHECK("nanosleep-rem", rem.tv_sec == 0 && rem.tv_nsec > 800000000);
	CHECK_ERR("restart-syscall-direct-eintr", syscall(SYS_restart_syscall), EINTR);
	req.tv_nsec = -1;
	CHECK_ERR("nanosleep-bad-nsec-einval", nanosleep(&req, NULL), EINVAL);
	req = (struct timespec){ 0, 1000 };
	/* the static thread clock has no sleep (EOPNOTSUPP; glibc says EINVAL itself); the
	 * caller's own thread clock by its id is EINVAL */
	CHECK_ERR("clock-nanosleep-thread-cputime-eopnotsupp",
		  syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EOPNOTSUPP);
	CHECK_EQ("clock-nanosleep-thread-cputime-glibc", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
		 EINVAL);
	clockid_t own = ((~(clockid_t)gettid()) << 3) | 4 | 2;
	CHECK_ERR("clock-nanosleep-own-thread-clock-einval", syscall(SYS_clock_nanosleep, own, 0, &req, NULL), EINVAL);
	CHECK_ERR("clock-nanosleep-raw-eopnotsupp", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req, NULL),
		  EOPNOTSUPP);
	CHECK_ERR("clock-nanosleep-bad-clock-einval", syscall(SYS_clock_nanosleep, 99, 0, &req, NULL), EINVAL);

	/* --- clock_getres: the hrtimer clocks fine, the coarse ones a tick --- */
	struct timespec res;
	clock_getres(CLOCK_MONOTONIC, &res);
	CHECK("getres-monotonic-fine", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000);
	clock_getres(CLOCK_REALTIME, &res);
	CHECK("getres-realtime-fine", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000);
	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	CHECK("getres-coarse-tick", res.tv_sec == 0 && res.tv_nsec >= 1000000 && res.tv_nsec <= 10000000);
	clock_getres(CLOCK_REALTIME_COARSE, &res);
	CHECK("getres-realtime-coarse-tick", res.tv_sec == 0 && res.tv_nsec >= 1000000 && res.tv_nsec <= 10000000);
	clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
	CHECK("getres-cputime", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	CHECK_ERR("getres-bad-clock-einval", clock_getres(99, &res), EINVAL);
	CHECK_ERR("getres-alarm-einval", clock_getres(CLOCK_REALTIME_ALARM, &res), EINVAL);
	CHECK_EQ("getres-null", clock_getres(CLOCK_BOOTTIME, NULL), 0);

	/* --- setitimer(NULL) disarms (Linux 6.1 still takes it as zeros) --- */
	it = (struct itimerval){ { 0, 0 }, { 10, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct itimerval old;
	CHECK_EQ("setitimer-null", syscall(SYS_setitimer, ITIMER_REAL, NULL, &old), 0);
	CHECK("setitimer-null-old-value", old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10);
	getitimer(ITIMER_REAL, &old);
	CHECK("setitimer-null-disarmed", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
	it.it_value.tv_usec = 1000000;
	CHECK_ERR("setitimer-bad-usec-einval", setitimer(ITIMER_REAL, &it, NULL), EINVAL);
	CHECK_ERR("setitimer-bad-which-einval", syscall(SYS_setitimer, 5, NULL, NULL), EINVAL);

	/* --- tgkill / tkill --- */
	CHECK_ERR("tgkill-pid-0-einval", syscall(SYS_tgkill, getpid(), 0, 0), EINVAL);
	CHECK_ERR("tgkill-pid-negative-einval", syscall(SYS_tgkill, getpid(), -1, 0), EINVAL);
	CHECK_ERR("tgkill-tgid-0-einval", syscall(SYS_tgkill, 0, getpid(), 0), EINVAL);
	CHECK_EQ("tgkill-null-signal", syscall(SYS_tgkill, getpid(), gettid(), 0), 0);
	CHECK_ERR("tgkill-wrong-tgid-esrch", syscall(SYS_tgkill, 30000, gettid(), 0), ESRCH);
	CHECK_ERR("tgkill-bad-sig-einval", syscall(SYS_tgkill, getpid(), gettid(), 65), EINVAL);
	CHECK_ERR("tkill-0-einval", syscall(SYS_tkill, 0, 0), EINVAL);

	/* --- the alternate signal stack --- */
	alt = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack_t ss = { .ss_sp = alt + 49152, .ss_size = 16384, .ss_flags = SS_ONSTACK }, os;
	CHECK_EQ("sigaltstack-ss-onstack-mode", sigaltstack(&ss, NULL), 0);
	sigaltstack(NULL, &os);
	CHECK("sigaltstack-reports-not-on-it", os.ss_flags == 0 && os.ss_sp == alt + 49152 && os.ss_size == 16384);
	ss.ss_flags = 3;
	CHECK_ERR("sigaltstack-bad-mode-einval", sigaltstack(&ss, NULL), EINVAL);
	sa = (struct sigaction){ .sa_handler = nest, .sa_flags = SA_ONSTACK | SA_NODEFER };
	sigaction(SIGUSR1, &sa, NULL);
	depth = 0;
	max_depth = 2;
	raise(SIGUSR1);
	CHECK_EQ("nested-on-altstack-depth", depth, 2);
	uintptr_t lo = (uintptr_t)alt + 49152, hi = lo + 16384;
	CHECK("nested-both-on-altstack", depth_sp[0] > lo && depth_sp[0] < hi && depth_sp[1] > lo && depth_sp[1] < hi);
	CHECK("nested-goes-below", depth_sp[1] < depth_sp[0]);
	/* SS_AUTODISARM: given up while the handler runs, back after rt_sigreturn */
	ss = (stack_t){ .ss_sp = alt + 49152, .ss_size = 16384, .ss_flags = SS_AUTODISARM };
	sigaltstack(&ss, NULL);
	sa = (struct sigaction){ .sa_handler = check_disarmed, .sa_flags = SA_ONSTACK };
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	CHECK_EQ("autodisarm-in-handler", autodisarm_flags, SS_DISABLE);
	sigaltstack(NULL, &os);
	CHECK("autodisarm-restored", os.ss_sp == alt + 49152 && os.ss_size == 16384 && (os.ss_flags & SS_AUTODISARM));
	/* rt_sigreturn takes the frame's uc_stack */
	new_uc_stack = alt;
	on(SIGUSR2, change_uc_stack, 0);
	raise(SIGUSR2);
	sigaltstack(NULL, &os);
	CHECK("sigreturn-restores-uc-stack", os.ss_sp == alt && os.ss_size == 65536 && os.ss_flags == 0);
	/* a frame that would not fit below the last one on the alternate stack: SIGSEGV, even
	 * with writable memory below it */
	child = fork();
	if (child == 0) {
		stack_t cs = { .ss_sp = alt + 49152, .ss_size = 16384, .ss_flags = 0 };
		sigaltstack(&cs, NULL);
		struct sigaction ca = { .sa_handler = nest, .sa_flags = SA_ONSTACK | SA_NODEFER };
		sigaction(SIGUSR1, &ca, NULL);
		depth = 0;
		max_depth = 40;
		raise(SIGUSR1);
		_exit(depth);
	}
	st = mt_reap(child);
	/* (40 frames of ~1.2 KiB fit in the 64 KiB mapping: only the check stops them) */
	CHECK("altstack-overflow-sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV))
		printf("altstack overflow child: status %#x\n", st);
	mt_end();
}
