/* t_timers: POSIX timers and interval timers as Linux's kernel/time/ — timer_create's clocks,
 * sigevents and default (SIGALRM with the id), relative/absolute/periodic timers, the old
 * value, timer_gettime, overruns (counted while the signal waits, reported in si_overrun and
 * by timer_getoverrun), SIGEV_NONE, SIGEV_THREAD_ID, deletion (and at exec), the timer count
 * bounded by RLIMIT_SIGPENDING, CPU-time clocks; ITIMER_VIRTUAL and ITIMER_PROF counting CPU
 * time; and timers with a 2 µs interval that do not starve another process. */
#include "mtest.h"
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define RT1 (SIGRTMIN + 1)

static volatile int hits, last_code, last_val, last_overrun, last_tid;
static void on_rt(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_code = si->si_code;
	last_val = si->si_value.sival_int;
	last_overrun = si->si_overrun;
	last_tid = si->si_timerid;
}
static volatile int alrm, vtalrm, prof;
static void on_sig(int sig)
{
	if (sig == SIGALRM)
		alrm++;
	else if (sig == SIGVTALRM)
		vtalrm++;
	else if (sig == SIGPROF)
		prof++;
}

static long sys_timer_create(clockid_t c, struct sigevent *ev, int *id)
{
	return syscall(SYS_timer_create, c, ev, id);
}

static struct itimerspec its(long v_ns, long i_ns)
{
	return (struct itimerspec){ { i_ns / 1000000000, i_ns % 1000000000 }, { v_ns / 1000000000, v_ns % 1000000000 } };
}

static double ts_s(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

/* Uses `secs` of CPU time, nearly all of it in user mode. */
static void spin_cpu(double secs)
{
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do {
		for (volatile int i = 0; i < 200000; i++)
			;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	} while (ts_s(b) - ts_s(a) < secs);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-check")) {
		/* after exec: the timer made before is gone */
		struct itimerspec v;
		int r = syscall(SYS_timer_gettime, 0, &v);
		_exit(r == -1 && errno == EINVAL ? 0 : 1);
	}
	mt_begin("t_timers");
	struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
	sigaction(RT1, &sa, NULL);
	struct sigaction sb = { .sa_handler = on_sig };
	sigaction(SIGALRM, &sb, NULL);
	sigaction(SIGVTALRM, &sb, NULL);
	sigaction(SIGPROF, &sb, NULL);
	int id;
	struct sigevent ev;

	/* --- timer_create's checks --- */
	ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = RT1 };
	CHECK_ERR("create-bad-clock-einval", sys_timer_create(99, &ev, &id), EINVAL);
	CHECK_ERR("create-raw-clock-eopnotsupp", sys_timer_create(CLOCK_MONOTONIC_RAW, &ev, &id), EOPNOTSUPP);
	CHECK_ERR("create-coarse-clock-eopnotsupp", sys_timer_create(CLOCK_REALTIME_COARSE, &ev, &id), EOPNOTSUPP);
	CHECK_ERR("create-alarm-clock-eopnotsupp", sys_timer_create(CLOCK_REALTIME_ALARM, &ev, &id), EOPNOTSUPP);
	ev.sigev_notify = 99;
	CHECK_ERR("create-bad-notify-einval", sys_timer_create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0 };
	CHECK_ERR("create-signo-0-einval", sys_timer_create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	ev.sigev_signo = 65;
	CHECK_ERR("create-signo-65-einval", sys_timer_create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	ev = (struct sigevent){ .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = RT1 };
	ev._sigev_un._tid = child;
	CHECK_ERR("create-thread-id-other-process-einval", sys_timer_create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	kill(child, SIGKILL);
	mt_reap(child);
	CHECK_ERR("create-efault", sys_timer_create(CLOCK_MONOTONIC, (void *)8, &id), EFAULT);

	/* --- the default sigevent: SIGALRM, the id as its value.  Ids count from 0 and each
	 * create that got as far as an id used one (the alarm clock's, the bad sigevents': 5) --- */
	id = -1;
	CHECK_EQ("create-default", sys_timer_create(CLOCK_MONOTONIC, NULL, &id), 0);
	CHECK_EQ("ids-used-by-failed-creates", id, 5);
	struct itimerspec v = its(20000000, 0), o;
	CHECK_EQ("settime-relative", syscall(SYS_timer_settime, id, 0, &v, NULL), 0);
	mt_msleep(60);
	CHECK_EQ("default-sigalrm", alrm, 1);
	syscall(SYS_timer_gettime, id, &o);
	CHECK("one-shot-done", ts_s(o.it_value) == 0 && ts_s(o.it_interval) == 0);
	CHECK_EQ("delete", syscall(SYS_timer_delete, id), 0);
	CHECK_ERR("delete-again-einval", syscall(SYS_timer_delete, id), EINVAL);
	CHECK_ERR("gettime-deleted-einval", syscall(SYS_timer_gettime, id, &o), EINVAL);
	CHECK_ERR("settime-bad-id-einval", syscall(SYS_timer_settime, 1234, 0, &v, NULL), EINVAL);
	CHECK_ERR("getoverrun-bad-id-einval", syscall(SYS_timer_getoverrun, 1234), EINVAL);

	/* --- SIGEV_SIGNAL with a value; SI_TIMER; absolute; old value --- */
	timer_t t;
	ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = RT1 };
	ev.sigev_value.sival_int = 42;
	CHECK_EQ("create-signal", timer_create(CLOCK_REALTIME, &ev, &t), 0);
	v = its(0, 0);
	v.it_value.tv_nsec = 1000000000;
	CHECK_ERR("settime-bad-nsec-einval", timer_settime(t, 0, &v, NULL), EINVAL);
	struct timespec now;
	double ta = mt_now();
	clock_gettime(CLOCK_REALTIME, &now);
	v = (struct itimerspec){ { 0, 0 }, { now.tv_sec, now.tv_nsec } };
	v.it_value.tv_nsec += 30000000;
	if (v.it_value.tv_nsec >= 1000000000) {
		v.it_value.tv_sec++;
		v.it_value.tv_nsec -= 1000000000;
	}
	hits = 0;
	CHECK_EQ("settime-absolute", timer_settime(t, TIMER_ABSTIME, &v, NULL), 0);
	timer_gettime(t, &o);
	/* (0 left is right too when a loaded host took the 30 ms before the gettime) */
	CHECK("gettime-absolute-left",
	      ts_s(o.it_value) <= 0.03 && (ts_s(o.it_value) > 0 || mt_now() - ta >= 0.03));
	mt_msleep(80);
	CHECK_EQ("absolute-fired", hits, 1);
	CHECK("si-timer", last_code == SI_TIMER && last_val == 42 && last_tid == (int)(intptr_t)t);
	v = its(5000000000, 1000000000);
	timer_settime(t, 0, &v, NULL);
	v = its(0, 0);
	CHECK_EQ("settime-disarm-old", timer_settime(t, 0, &v, &o), 0);
	CHECK("settime-old-value", ts_s(o.it_value) > 4.9 && ts_s(o.it_value) <= 5.0 && ts_s(o.it_interval) == 1.0);
	timer_gettime(t, &o);
	CHECK("disarmed", ts_s(o.it_value) == 0 && ts_s(o.it_interval) == 0);

	/* --- periodic --- */
	hits = 0;
	v = its(20000000, 20000000);
	timer_settime(t, 0, &v, NULL);
	double t0 = mt_now();
	while (mt_now() - t0 < 0.21)
		mt_msleep(5);
	v = its(0, 0);
	timer_settime(t, 0, &v, NULL);
	/* (at most one hit per 20 ms that really passed: a loaded host can stretch the loop) */
	double el = mt_now() - t0;
	CHECK("periodic-hits", hits >= 8 && hits <= el / 0.02 + 1);

	/* --- overruns: the signal blocked, the expiries counted --- */
	sigset_t rt1;
	sigemptyset(&rt1);
	sigaddset(&rt1, RT1);
	sigprocmask(SIG_BLOCK, &rt1, NULL);
	hits = 0;
	v = its(10000000, 10000000);
	t0 = mt_now();
	timer_settime(t, 0, &v, NULL);
	mt_msleep(105);
	timer_gettime(t, &o);
	el = mt_now() - t0;
	CHECK("overrun-gettime-moves-on", ts_s(o.it_value) > 0 && ts_s(o.it_value) <= 0.01);
	sigprocmask(SIG_UNBLOCK, &rt1, NULL);
	CHECK_EQ("overrun-one-signal", hits, 1);
	CHECK("overrun-si-overrun", last_overrun >= 7 && last_overrun <= el / 0.01);
	int gor = timer_getoverrun(t);
	CHECK("overrun-getoverrun", gor == last_overrun);
	v = its(0, 0);
	timer_settime(t, 0, &v, NULL);
	CHECK_EQ("overrun-reset-by-settime", timer_getoverrun(t), 0);
	timer_delete(t);

	/* --- SIGEV_NONE: no signal, the time left still told --- */
	ev = (struct sigevent){ .sigev_notify = SIGEV_NONE };
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	hits = 0;
	v = its(30000000, 0);
	timer_settime(t, 0, &v, NULL);
	timer_gettime(t, &o);
	CHECK("sigev-none-left", ts_s(o.it_value) > 0.02 && ts_s(o.it_value) <= 0.03);
	mt_msleep(50);
	timer_gettime(t, &o);
	CHECK("sigev-none-expired-zero", ts_s(o.it_value) == 0);
	v = its(10000000, 10000000);
	timer_settime(t, 0, &v, NULL);
	mt_msleep(35);
	timer_gettime(t, &o);
	CHECK("sigev-none-periodic-moves-on", ts_s(o.it_value) > 0 && ts_s(o.it_value) <= 0.01);
	CHECK_EQ("sigev-none-no-signal", hits, 0);
	timer_delete(t);

	/* --- SIGEV_THREAD_ID to the caller (the only thread) --- */
	ev = (struct sigevent){ .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = RT1 };
	ev._sigev_un._tid = gettid();
	CHECK_EQ("thread-id-create", sys_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	hits = 0;
	v = its(10000000, 0);
	syscall(SYS_timer_settime, id, 0, &v, NULL);
	mt_msleep(40);
	CHECK_EQ("thread-id-fired", hits, 1);
	syscall(SYS_timer_delete, id);

	/* --- CPU-time clocks --- */
	ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = RT1 };
	CHECK_EQ("cputime-create", timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t), 0);
	hits = 0;
	v = its(50000000, 0);
	timer_settime(t, 0, &v, NULL);
	mt_msleep(100);
	CHECK_EQ("cputime-asleep-no-signal", hits, 0);
	spin_cpu(0.1);
	CHECK_EQ("cputime-fired-after-cpu", hits, 1);
	timer_delete(t);
	CHECK_EQ("thread-cputime-create", timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t), 0);
	hits = 0;
	v = its(30000000, 0);
	timer_settime(t, 0, &v, NULL);
	spin_cpu(0.08);
	CHECK_EQ("thread-cputime-fired", hits, 1);
	timer_delete(t);

	/* --- ITIMER_VIRTUAL and ITIMER_PROF count CPU time --- */
	struct itimerval iv = { { 0, 0 }, { 0, 50000 } }, oiv;
	CHECK_EQ("itimer-virtual", setitimer(ITIMER_VIRTUAL, &iv, NULL), 0);
	getitimer(ITIMER_VIRTUAL, &oiv);
	CHECK("itimer-virtual-get", oiv.it_value.tv_usec > 0 && oiv.it_value.tv_usec <= 60000);
	mt_msleep(100);
	CHECK_EQ("itimer-virtual-not-asleep", vtalrm, 0);
	spin_cpu(0.15);
	CHECK_EQ("itimer-virtual-fired", vtalrm, 1);
	iv = (struct itimerval){ { 0, 20000 }, { 0, 20000 } };
	setitimer(ITIMER_PROF, &iv, NULL);
	spin_cpu(0.2);
	iv = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &iv, &oiv);
	CHECK("itimer-prof-periodic", prof >= 5 && prof <= 11);
	if (!(prof >= 5 && prof <= 11))
		printf("ITIMER_PROF of 20 ms over 0.2 s of CPU: %d signals\n", prof);
	CHECK("itimer-prof-old-interval", oiv.it_interval.tv_usec == 20000);

	/* --- RLIMIT_SIGPENDING bounds the timers (each has a queued-signal slot) --- */
	struct rlimit rl, small;
	getrlimit(RLIMIT_SIGPENDING, &rl);
	small = (struct rlimit){ 4, rl.rlim_max };
	setrlimit(RLIMIT_SIGPENDING, &small);
	timer_t many[6];
	int made = 0;
	for (int i = 0; i < 6; i++)
		if (timer_create(CLOCK_MONOTONIC, NULL, &many[made]) == 0)
			made++;
		else
			CHECK_EQ("timer-limit-eagain", errno, EAGAIN);
	CHECK_EQ("timer-limit", made, 4);
	for (int i = 0; i < made; i++)
		timer_delete(many[i]);
	setrlimit(RLIMIT_SIGPENDING, &rl);

	/* --- exec deletes the timers --- */
	child = fork();
	if (child == 0) {
		int cid;
		sys_timer_create(CLOCK_MONOTONIC, NULL, &cid);
		execl(argv[0], argv[0], "exec-check", (char *)NULL);
		_exit(2);
	}
	int st = mt_reap(child);
	CHECK("exec-deletes-timers", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* --- 2 µs intervals (ITIMER_REAL, a POSIX timer) do not starve another process: each
	 * is rearmed only when its signal is taken --- */
	int p[2];
	pipe(p);
	volatile long *spins = (volatile long *)&hits; /* unused in the child */
	(void)spins;
	for (int round = 0; round < 2; round++) {
		child = fork();
		if (child == 0) {
			long n = 0;
			double s = mt_now();
			while (mt_now() - s < 0.3)
				n++;
			write(p[1], &n, sizeof n);
			_exit(0);
		}
		if (round == 1) {
			struct itimerval storm = { { 0, 2 }, { 0, 2 } };
			setitimer(ITIMER_REAL, &storm, NULL);
			ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = RT1 };
			timer_create(CLOCK_MONOTONIC, &ev, &t);
			v = its(2000, 2000);
			timer_settime(t, 0, &v, NULL);
		}
		alrm = 0;
		hits = 0;
		mt_reap(child);
		if (round == 1) {
			/* The child's 0.3 s is wall time: on a loaded host QEMU may be descheduled for
			 * most of it, so keep the storm on (up to 10 s) until both signals have been
			 * taken often; a kernel that does not rearm them still fails. */
			double s = mt_now();
			while ((alrm <= 10 || hits <= 10) && mt_now() - s < 10)
				mt_msleep(1);
			struct itimerval off = { { 0, 0 }, { 0, 0 } };
			setitimer(ITIMER_REAL, &off, NULL);
			timer_delete(t);
		}
	}
	long base = 0, stormed = 0;
	read(p[0], &base, sizeof base);
	read(p[0], &stormed, sizeof stormed);
	CHECK("tiny-interval-other-process-runs", stormed > base / 5);
	CHECK("tiny-interval-signals-came", alrm > 10 && hits > 10);
	printf("2 us timers: %d SIGALRM, %d timer signals; loops alone %ld, beside them %ld\n", alrm, hits, base, stormed);
	mt_end();
}
