/* t_sched - scheduling policy, priority, nice, affinity and getcpu, as Linux 6.1 keeps and
 * honours them on one CPU.
 *
 * Boot: rdinit=/tests/t_sched (PID 1, root, -smp 1).  Mounts /proc when it is not there.
 *
 * What Linux does, and this test expects:
 *  - a new task is SCHED_OTHER, priority 0, nice 0 (raw getpriority: 20); priority ranges are
 *    1..99 for FIFO/RR and 0..0 for OTHER/BATCH/IDLE/DEADLINE, EINVAL for another policy.
 *  - sched_setscheduler: EINVAL for an unknown policy, an RT priority of 0 or 100, a non-RT
 *    priority of 1, a negative pid or a NULL param; ESRCH for no such task; EFAULT for a bad
 *    param.  FIFO 10 shows in getscheduler/getparam and /proc/PID/stat (priority -11,
 *    rt_priority 10, policy 1); sched_rr_get_interval is 0 for FIFO and 100 ms for RR;
 *    sched_setparam changes the priority and keeps the policy.
 *  - SCHED_RESET_ON_FORK reads back in getscheduler, and the child of an RT (nice -5) parent
 *    starts SCHED_OTHER at nice 0 without the flag; without the flag a child inherits nice.
 *  - sched_setattr/getattr: the kernel's struct is 56 bytes; size 0 means 48; 47 or a longer
 *    struct with a non-zero tail is E2BIG with 56 written back; flags are EINVAL; KEEP_POLICY
 *    keeps the policy; utilisation clamps are EOPNOTSUPP (no CONFIG_UCLAMP_TASK).
 *  - setpriority clamps nice to -20..19, getpriority reports 20 - nice, PRIO_PGRP and PRIO_USER
 *    with 0 name the caller's group and user, an unknown `which` is EINVAL, no such pid ESRCH;
 *    /proc/PID/stat shows priority 20 + nice and nice.
 *  - affinity: getaffinity returns 8 (bytes of the mask) with CPU 0 set; a length not a
 *    multiple of 8 is EINVAL; a mask without CPU 0 is EINVAL; {0,1} is accepted and reads back
 *    {0}; a 4-byte mask is zero-extended.  getcpu says CPU 0, node 0.
 *  - honoured: a FIFO task woken by a normal one runs before the waker continues, and a
 *    spinning FIFO task keeps the CPU from the normal one; two FIFO spinners of one priority
 *    run one after the other, two RR spinners take turns; a nice-0 spinner gets several times
 *    the CPU of a nice-10 one, and far more than a SCHED_IDLE one; a normal task owning a PI
 *    futex a FIFO task waits for runs at that task's priority (/proc priority -11).
 */
#include "mtest.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#define SCHED_DEADLINE_ 6

struct sched_attr_ {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

static long setsched(pid_t pid, int policy, int prio)
{
	struct sched_param p = { .sched_priority = prio };
	return syscall(SYS_sched_setscheduler, pid, policy, &p);
}

static long rawprio(int which, int who)
{
	return syscall(SYS_getpriority, which, who);
}

/* Field n (1-based) of /proc/PID/stat, or -9999. */
static long stat_field(pid_t pid, int n)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -9999;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return -9999;
	buf[r] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -9999;
	p += 2; /* field 3 */
	for (int f = 3; f < n; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -9999;
		p++;
	}
	return strtol(p, NULL, 10);
}

static void test_defaults_and_ranges(void)
{
	struct sched_param p = { 7 };
	CHECK_EQ("default-policy-other", sched_getscheduler(0), SCHED_OTHER);
	CHECK("default-param-0", sched_getparam(0, &p) == 0 && p.sched_priority == 0);
	CHECK_EQ("default-raw-getpriority-20", rawprio(PRIO_PROCESS, 0), 20);
	CHECK_EQ("max-fifo", sched_get_priority_max(SCHED_FIFO), 99);
	CHECK_EQ("min-fifo", sched_get_priority_min(SCHED_FIFO), 1);
	CHECK_EQ("max-rr", sched_get_priority_max(SCHED_RR), 99);
	CHECK_EQ("min-rr", sched_get_priority_min(SCHED_RR), 1);
	CHECK_EQ("max-other", sched_get_priority_max(SCHED_OTHER), 0);
	CHECK_EQ("min-batch", sched_get_priority_min(SCHED_BATCH), 0);
	CHECK_EQ("max-idle", sched_get_priority_max(SCHED_IDLE), 0);
	CHECK_EQ("max-deadline", sched_get_priority_max(SCHED_DEADLINE_), 0);
	CHECK_ERR("max-bad-policy", sched_get_priority_max(7), EINVAL);
	CHECK_ERR("min-negative-policy", sched_get_priority_min(-1), EINVAL);
	CHECK_EQ("stat-priority-20", stat_field(getpid(), 18), 20);
	CHECK_EQ("stat-nice-0", stat_field(getpid(), 19), 0);
	CHECK_EQ("stat-policy-0", stat_field(getpid(), 41), 0);
}

static void test_setscheduler(void)
{
	struct sched_param p = { 0 };
	CHECK_ERR("set-bad-policy", setsched(0, 7, 0), EINVAL);
	CHECK_ERR("set-fifo-prio-0", setsched(0, SCHED_FIFO, 0), EINVAL);
	CHECK_ERR("set-fifo-prio-100", setsched(0, SCHED_FIFO, 100), EINVAL);
	CHECK_ERR("set-fifo-prio-negative", setsched(0, SCHED_FIFO, -1), EINVAL);
	CHECK_ERR("set-other-prio-1", setsched(0, SCHED_OTHER, 1), EINVAL);
	CHECK_ERR("set-negative-pid", setsched(-1, SCHED_OTHER, 0), EINVAL);
	CHECK_ERR("set-negative-policy", setsched(0, -1, 0), EINVAL);
	CHECK_ERR("set-null-param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL);
	CHECK_ERR("set-bad-param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8), EFAULT);
	CHECK_ERR("set-no-such-pid", setsched(30000, SCHED_OTHER, 0), ESRCH);
	CHECK_ERR("get-no-such-pid", sched_getscheduler(30000), ESRCH);
	CHECK_ERR("get-negative-pid", sched_getscheduler(-1), EINVAL);
	CHECK_ERR("getparam-null", syscall(SYS_sched_getparam, 0, NULL), EINVAL);

	CHECK_EQ("set-fifo-10", setsched(0, SCHED_FIFO, 10), 0);
	CHECK_EQ("get-fifo", sched_getscheduler(0), SCHED_FIFO);
	CHECK("getparam-10", sched_getparam(0, &p) == 0 && p.sched_priority == 10);
	CHECK_EQ("stat-priority-fifo-10", stat_field(getpid(), 18), -11);
	CHECK_EQ("stat-rt-priority-10", stat_field(getpid(), 40), 10);
	CHECK_EQ("stat-policy-fifo", stat_field(getpid(), 41), SCHED_FIFO);
	struct timespec ts = { 9, 9 };
	CHECK("rr-interval-fifo-0", sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0);
	p.sched_priority = 20;
	CHECK_EQ("setparam-20", sched_setparam(0, &p), 0);
	CHECK_EQ("setparam-keeps-policy", sched_getscheduler(0), SCHED_FIFO);
	CHECK("getparam-20", sched_getparam(0, &p) == 0 && p.sched_priority == 20);
	p.sched_priority = 0;
	CHECK_ERR("setparam-fifo-0", sched_setparam(0, &p), EINVAL);
	CHECK_EQ("set-rr-5", setsched(0, SCHED_RR, 5), 0);
	CHECK("rr-interval-100ms", sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 100000000);
	CHECK_EQ("set-batch", setsched(0, SCHED_BATCH, 0), 0);
	CHECK_EQ("get-batch", sched_getscheduler(0), SCHED_BATCH);
	CHECK_EQ("set-idle", setsched(0, SCHED_IDLE, 0), 0);
	CHECK_EQ("get-idle", sched_getscheduler(0), SCHED_IDLE);
	CHECK_EQ("set-other", setsched(0, SCHED_OTHER, 0), 0);
	CHECK_ERR("rr-interval-negative-pid", sched_rr_get_interval(-1, &ts), EINVAL);
	CHECK_ERR("rr-interval-no-such-pid", sched_rr_get_interval(30000, &ts), ESRCH);
}

static void test_reset_on_fork(void)
{
	CHECK_EQ("nice-minus-5", setpriority(PRIO_PROCESS, 0, -5), 0);
	CHECK_EQ("set-fifo-reset-on-fork", setsched(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 5), 0);
	CHECK_EQ("get-reset-on-fork-flag", sched_getscheduler(0), SCHED_FIFO | SCHED_RESET_ON_FORK);
	pid_t pid = fork();
	if (pid == 0) {
		int ok = sched_getscheduler(0) == SCHED_OTHER && rawprio(PRIO_PROCESS, 0) == 20;
		_exit(ok ? 0 : 1);
	}
	int st = mt_reap(pid);
	CHECK("reset-on-fork-child-other-nice-0", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("set-other-again", setsched(0, SCHED_OTHER, 0), 0);
	CHECK_EQ("setscheduler-clears-reset-flag", sched_getscheduler(0), SCHED_OTHER);
	CHECK_EQ("nice-plus-5", setpriority(PRIO_PROCESS, 0, 5), 0);
	pid = fork();
	if (pid == 0)
		_exit(rawprio(PRIO_PROCESS, 0) == 15 ? 0 : 1);
	st = mt_reap(pid);
	CHECK("child-inherits-nice", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	setpriority(PRIO_PROCESS, 0, 0);
}

static void test_attr(void)
{
	struct sched_attr_ a;
	memset(&a, 0, sizeof a);
	CHECK_EQ("getattr", syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0);
	CHECK("getattr-size-56-other", a.size == 56 && a.sched_policy == SCHED_OTHER && a.sched_nice == 0);
	memset(&a, 0xff, sizeof a);
	CHECK_EQ("getattr-48", syscall(SYS_sched_getattr, 0, &a, 48, 0), 0);
	CHECK("getattr-48-size", a.size == 48 && a.sched_util_min == 0xffffffff);
	CHECK_ERR("getattr-47", syscall(SYS_sched_getattr, 0, &a, 47, 0), EINVAL);
	CHECK_ERR("getattr-flags", syscall(SYS_sched_getattr, 0, &a, 56, 1), EINVAL);
	CHECK_ERR("getattr-null", syscall(SYS_sched_getattr, 0, NULL, 56, 0), EINVAL);

	memset(&a, 0, sizeof a);
	a.size = 48;
	a.sched_policy = SCHED_OTHER;
	a.sched_nice = 7;
	CHECK_EQ("setattr-nice-7", syscall(SYS_sched_setattr, 0, &a, 0), 0);
	CHECK_EQ("setattr-nice-reads-13", rawprio(PRIO_PROCESS, 0), 13);
	a.sched_nice = 50; /* clamped to 19 */
	CHECK_EQ("setattr-nice-clamped", syscall(SYS_sched_setattr, 0, &a, 0), 0);
	CHECK_EQ("setattr-nice-19", rawprio(PRIO_PROCESS, 0), 1);
	a.size = 0; /* means SCHED_ATTR_SIZE_VER0 */
	a.sched_nice = 0;
	CHECK_EQ("setattr-size-0", syscall(SYS_sched_setattr, 0, &a, 0), 0);
	CHECK_EQ("setattr-size-0-applied", rawprio(PRIO_PROCESS, 0), 20);
	a.size = 47;
	CHECK_ERR("setattr-size-47", syscall(SYS_sched_setattr, 0, &a, 0), E2BIG);
	CHECK_EQ("setattr-e2big-writes-size", a.size, 56);
	unsigned char big[64];
	memset(big, 0, sizeof big);
	memcpy(big, &a, sizeof a);
	((struct sched_attr_ *)big)->size = 64;
	big[60] = 1;
	CHECK_ERR("setattr-nonzero-tail", syscall(SYS_sched_setattr, 0, big, 0), E2BIG);
	big[60] = 0;
	CHECK_EQ("setattr-zero-tail", syscall(SYS_sched_setattr, 0, big, 0), 0);
	a.size = 56;
	CHECK_ERR("setattr-flags-arg", syscall(SYS_sched_setattr, 0, &a, 1), EINVAL);
	a.sched_flags = 0x10000; /* unknown */
	CHECK_ERR("setattr-unknown-flag", syscall(SYS_sched_setattr, 0, &a, 0), EINVAL);
	a.sched_flags = 0x20; /* SCHED_FLAG_UTIL_CLAMP_MIN */
	CHECK_ERR("setattr-util-clamp", syscall(SYS_sched_setattr, 0, &a, 0), EOPNOTSUPP);
	a.sched_flags = 0x8; /* SCHED_FLAG_KEEP_POLICY */
	a.sched_policy = SCHED_FIFO;
	a.sched_nice = 3;
	CHECK_EQ("setattr-keep-policy", syscall(SYS_sched_setattr, 0, &a, 0), 0);
	CHECK("keep-policy-kept-other", sched_getscheduler(0) == SCHED_OTHER && rawprio(PRIO_PROCESS, 0) == 17);
	a.sched_flags = 0;
	a.sched_policy = SCHED_RR;
	a.sched_priority = 3;
	CHECK_EQ("setattr-rr-3", syscall(SYS_sched_setattr, 0, &a, 0), 0);
	memset(&a, 0, sizeof a);
	syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
	CHECK("getattr-rr-3", a.sched_policy == SCHED_RR && a.sched_priority == 3);
	CHECK_ERR("setattr-negative-pid", syscall(SYS_sched_setattr, -1, &a, 0), EINVAL);
	setsched(0, SCHED_OTHER, 0);
	setpriority(PRIO_PROCESS, 0, 0);
}

static void test_priority(void)
{
	CHECK_EQ("setpriority-10", setpriority(PRIO_PROCESS, 0, 10), 0);
	CHECK_EQ("getpriority-raw-10", rawprio(PRIO_PROCESS, 0), 10);
	CHECK_EQ("stat-priority-30", stat_field(getpid(), 18), 30);
	CHECK_EQ("stat-nice-10", stat_field(getpid(), 19), 10);
	CHECK_EQ("setpriority-clamp-high", setpriority(PRIO_PROCESS, 0, 100), 0);
	CHECK_EQ("getpriority-19", getpriority(PRIO_PROCESS, 0), 19);
	CHECK_EQ("setpriority-clamp-low", setpriority(PRIO_PROCESS, 0, -100), 0);
	CHECK_EQ("getpriority-minus-20", rawprio(PRIO_PROCESS, 0), 40);
	CHECK_EQ("setpriority-pgrp", setpriority(PRIO_PGRP, 0, 2), 0);
	CHECK_EQ("getpriority-pgrp", rawprio(PRIO_PGRP, 0), 18);
	CHECK_EQ("setpriority-user", setpriority(PRIO_USER, 0, 0), 0);
	CHECK_EQ("getpriority-user", rawprio(PRIO_USER, 0), 20);
	CHECK_ERR("setpriority-bad-which", setpriority(3, 0, 0), EINVAL);
	CHECK_ERR("getpriority-bad-which", rawprio(-1, 0), EINVAL);
	CHECK_ERR("setpriority-no-such-pid", setpriority(PRIO_PROCESS, 30000, 0), ESRCH);
	CHECK_ERR("getpriority-no-such-pid", rawprio(PRIO_PROCESS, 30000), ESRCH);
	CHECK_ERR("getpriority-no-such-pgrp", rawprio(PRIO_PGRP, 30000), ESRCH);
	CHECK_ERR("getpriority-no-such-user", rawprio(PRIO_USER, 4321), ESRCH);
	CHECK_EQ("sched-yield", sched_yield(), 0);
}

static void test_affinity(void)
{
	unsigned long m[16];
	memset(m, 0, sizeof m);
	CHECK_EQ("getaffinity-8", syscall(SYS_sched_getaffinity, 0, 8, m), 8);
	CHECK_EQ("getaffinity-cpu0", m[0], 1);
	CHECK_EQ("getaffinity-big-len", syscall(SYS_sched_getaffinity, 0, sizeof m, m), 8);
	CHECK_ERR("getaffinity-len-4", syscall(SYS_sched_getaffinity, 0, 4, m), EINVAL);
	CHECK_ERR("getaffinity-len-12", syscall(SYS_sched_getaffinity, 0, 12, m), EINVAL);
	CHECK_ERR("getaffinity-no-such-pid", syscall(SYS_sched_getaffinity, 30000, 8, m), ESRCH);
	CHECK_ERR("getaffinity-bad-ptr", syscall(SYS_sched_getaffinity, 0, 8, (void *)8), EFAULT);
	m[0] = 2;
	CHECK_ERR("setaffinity-cpu1-only", syscall(SYS_sched_setaffinity, 0, sizeof m, m), EINVAL);
	m[0] = 0;
	CHECK_ERR("setaffinity-empty", syscall(SYS_sched_setaffinity, 0, sizeof m, m), EINVAL);
	m[0] = 3;
	CHECK_EQ("setaffinity-cpu0-1", syscall(SYS_sched_setaffinity, 0, sizeof m, m), 0);
	m[0] = 0;
	syscall(SYS_sched_getaffinity, 0, 8, m);
	CHECK_EQ("setaffinity-keeps-existing", m[0], 1);
	unsigned int small = 1;
	CHECK_EQ("setaffinity-4-bytes", syscall(SYS_sched_setaffinity, 0, 4, &small), 0);
	m[0] = 1;
	CHECK_ERR("setaffinity-no-such-pid", syscall(SYS_sched_setaffinity, 30000, 8, m), ESRCH);
	CHECK_ERR("setaffinity-bad-ptr", syscall(SYS_sched_setaffinity, 0, 8, (void *)8), EFAULT);
	cpu_set_t set;
	CPU_ZERO(&set);
	CHECK("glibc-getaffinity", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1 &&
					    CPU_ISSET(0, &set));
	unsigned cpu = 9, node = 9;
	CHECK("getcpu-0-0", syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu == 0 && node == 0);
	CHECK_EQ("getcpu-nulls", syscall(SYS_getcpu, NULL, NULL, NULL), 0);
	CHECK_ERR("getcpu-bad-ptr", syscall(SYS_getcpu, (void *)8, NULL, NULL), EFAULT);
	CHECK_EQ("sched-getcpu", sched_getcpu(), 0);
}

/* ---- honoured by the scheduler ------------------------------------------------------------ */

struct shared {
	atomic_long seq;
	atomic_long child_seq, parent_seq;
	atomic_long parent_progress;
	atomic_long seen_parent_progress;
	atomic_long count[2];
	atomic_int stop, ready, go;
	double start[2], end[2];
};

static struct shared *sh;

static void test_fifo_preempts(void)
{
	int p[2];
	pipe(p);
	sh->seq = 0;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1);
		sh->child_seq = ++sh->seq;
		/* Spin 100 ms: the normal parent must not run meanwhile. */
		long before = sh->parent_progress;
		double t0 = mt_now();
		while (mt_now() - t0 < 0.1)
			;
		sh->seen_parent_progress = sh->parent_progress - before;
		_exit(0);
	}
	mt_msleep(30);
	CHECK_EQ("set-child-fifo", setsched(pid, SCHED_FIFO, 10), 0);
	CHECK_EQ("child-is-fifo", sched_getscheduler(pid), SCHED_FIFO);
	write(p[1], "x", 1);
	sh->parent_seq = ++sh->seq;
	for (int i = 0; i < 1000; i++)
		sh->parent_progress++;
	mt_reap(pid);
	CHECK("fifo-woken-runs-first", sh->child_seq == 1 && sh->parent_seq == 2);
	CHECK_EQ("fifo-spin-starves-normal", sh->seen_parent_progress, 0);
	close(p[0]);
	close(p[1]);
}

/* Two children of one RT policy and priority spin 300 ms each. */
static void rt_pair(int policy, double *a_start, double *a_end, double *b_start)
{
	int go[2];
	pipe(go);
	setsched(0, SCHED_FIFO, 50); /* the parent outranks them while it starts them */
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			char c;
			setsched(0, policy, 10);
			read(go[0], &c, 1);
			sh->start[k] = mt_now();
			while (mt_now() - sh->start[k] < 0.3)
				;
			sh->end[k] = mt_now();
			_exit(0);
		}
	}
	mt_msleep(20);
	write(go[1], "xx", 2);
	setsched(0, SCHED_OTHER, 0);
	mt_reap(kids[0]);
	mt_reap(kids[1]);
	int first = sh->start[0] <= sh->start[1] ? 0 : 1;
	*a_start = sh->start[first];
	*a_end = sh->end[first];
	*b_start = sh->start[1 - first];
	close(go[0]);
	close(go[1]);
}

static void test_fifo_rr(void)
{
	double as, ae, bs;
	rt_pair(SCHED_FIFO, &as, &ae, &bs);
	mt_report(bs >= ae - 0.001, "fifo-same-prio-one-after-other", "a %.3f-%.3f b starts %.3f", as, ae, bs);
	rt_pair(SCHED_RR, &as, &ae, &bs);
	mt_report(bs < ae - 0.05, "rr-same-prio-take-turns", "a %.3f-%.3f b starts %.3f", as, ae, bs);
}

/* Two CPU-bound children (k = 0, 1) with the given setup; returns their progress ratio 0/1. */
static double spin_pair(int policy1, int nice1)
{
	sh->count[0] = sh->count[1] = 0;
	sh->stop = sh->ready = sh->go = 0;
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			if (k == 1) {
				setsched(0, policy1, 0);
				setpriority(PRIO_PROCESS, 0, nice1);
			}
			/* count only once both run with their final policy: the time kid 1 spent
			 * before its setsched is no measure of its share */
			sh->ready++;
			while (!sh->go)
				sched_yield();
			while (!sh->stop)
				sh->count[k]++;
			_exit(0);
		}
	}
	while (sh->ready < 2)
		mt_msleep(1);
	sh->go = 1;
	mt_msleep(600);
	sh->stop = 1;
	mt_reap(kids[0]);
	mt_reap(kids[1]);
	return (double)sh->count[0] / (double)(sh->count[1] ? sh->count[1] : 1);
}

static void test_weights(void)
{
	double r = spin_pair(SCHED_OTHER, 10);
	mt_report(r > 3.0, "nice-0-beats-nice-10", "ratio %.2f (%ld vs %ld)", r, (long)sh->count[0], (long)sh->count[1]);
	r = spin_pair(SCHED_OTHER, 0);
	mt_report(r > 0.5 && r < 2.0, "nice-equal-share", "ratio %.2f", r);
	r = spin_pair(SCHED_IDLE, 0);
	printf("SCHED_OTHER beside SCHED_IDLE: ratio %.2f\n", r);
	mt_report(r > 20.0, "normal-beats-sched-idle", "ratio %.2f (%ld vs %ld)", r, (long)sh->count[0],
		  (long)sh->count[1]);
}

/* PI: a normal owner of a PI futex a FIFO waiter blocks on runs at the waiter's priority. */
static volatile uint32_t pi_word;
static int pi_pipe[2];
static atomic_int owner_tid, owner_locked;
static atomic_long boosted_prio = -9999, after_prio = -9999;

static void *pi_owner_fn(void *arg)
{
	(void)arg;
	owner_tid = syscall(SYS_gettid);
	syscall(SYS_futex, &pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	owner_locked = 1;
	char c;
	read(pi_pipe[0], &c, 1);
	syscall(SYS_futex, &pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	mt_msleep(20);
	after_prio = stat_field(owner_tid, 18);
	return NULL;
}

static void *pi_observer_fn(void *arg)
{
	(void)arg;
	mt_msleep(50); /* the FIFO main thread is blocked on the futex by now */
	boosted_prio = stat_field(owner_tid, 18);
	write(pi_pipe[1], "x", 1);
	return NULL;
}

static void test_pi_boost(void)
{
	pipe(pi_pipe);
	pthread_t owner, observer;
	pthread_create(&owner, NULL, pi_owner_fn, NULL);
	while (!owner_locked)
		mt_msleep(1);
	CHECK_EQ("pi-owner-normal", stat_field(owner_tid, 18), 20);
	pthread_create(&observer, NULL, pi_observer_fn, NULL);
	struct sched_param p = { 10 };
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
	long r = syscall(SYS_futex, &pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	CHECK_EQ("pi-lock-after-boosted-owner", r, 0);
	syscall(SYS_futex, &pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	p.sched_priority = 0;
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &p);
	pthread_join(owner, NULL);
	pthread_join(observer, NULL);
	CHECK_EQ("pi-owner-boosted-to-fifo-10", boosted_prio, -11);
	CHECK_EQ("pi-owner-deboosted", after_prio, 20);
}

int main(void)
{
	mt_begin("t_sched");
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	test_defaults_and_ranges();
	test_setscheduler();
	test_reset_on_fork();
	test_attr();
	test_priority();
	test_affinity();
	test_fifo_preempts();
	test_fifo_rr();
	test_weights();
	test_pi_boost();
	mt_end();
}
