/* t_futex - futex(2), futex_waitv(2) and the robust lists, as Linux 6.1 keeps them.
 *
 * Boot: rdinit=/tests/t_futex (PID 1, -m 512M).  Needs a writable /tmp for the shared file.
 *
 * What Linux does, and this test expects:
 *  - errors: a value mismatch is EAGAIN; a misaligned word EINVAL; a private WAIT on NULL
 *    EFAULT; a private WAKE on an unmapped word 0 (no waiters) but a shared one EFAULT (the
 *    page behind it must exist); an unknown op ENOSYS; FUTEX_CLOCK_REALTIME with FUTEX_WAIT or
 *    FUTEX_LOCK_PI ENOSYS; a bitset of 0 EINVAL; tv_nsec >= 1e9 EINVAL; negative requeue
 *    counts EINVAL.
 *  - timeouts: FUTEX_WAIT's is relative, WAIT_BITSET's absolute on CLOCK_MONOTONIC or, with
 *    FUTEX_CLOCK_REALTIME, CLOCK_REALTIME; each ends in ETIMEDOUT no earlier than asked, an
 *    absolute one in the past at once.
 *  - FUTEX_WAKE wakes exactly val waiters, oldest first (five threads queued in turn come out in
 *    that order), and returns how many; WAKE_BITSET wakes only waiters sharing a bit.
 *  - CMP_REQUEUE: EAGAIN when *uaddr1 is not val3; otherwise wakes nr_wake, moves up to
 *    nr_requeue onto uaddr2 (a WAKE there then finds them), returns both; FUTEX_REQUEUE too.
 *  - WAKE_OP: SET/ADD/OR/ANDN/XOR on *uaddr2 (with FUTEX_OP_OPARG_SHIFT), waking uaddr1's waiter
 *    and, when the comparison of the old value holds, uaddr2's; an unknown op is ENOSYS with
 *    *uaddr2 untouched, an unknown comparison ENOSYS after the op; a read-only uaddr2 EFAULT.
 *  - shared futexes: a MAP_SHARED|MAP_ANONYMOUS word is one futex in parent and child (a
 *    shared WAKE reaches the child's waiter, a private one does not); a MAP_SHARED file word
 *    mapped separately in two processes is one futex; a private anonymous word after fork is
 *    two (the parent's WAKE finds nobody).
 *  - futex_waitv: returns the index of the futex woken; EAGAIN on a value mismatch; ETIMEDOUT
 *    on its absolute deadline; EINVAL for flags, 0 or 129 futexes, a waiter without
 *    FUTEX2_SIZE_U32, a non-zero __reserved, or a clock other than MONOTONIC/REALTIME.
 *  - robust lists: set_robust_list with a wrong len is EINVAL; get_robust_list gives back the
 *    head and 24; of a missing thread ESRCH.  A thread that dies holding a robust futex leaves
 *    FUTEX_OWNER_DIED | FUTEX_WAITERS (TID cleared) and its waiter is woken; a process that dies
 *    holding one in shared memory likewise wakes the other process's waiter.
 *  - PI: LOCK_PI takes a free word (it becomes our TID), EDEADLK when we own it; UNLOCK_PI
 *    frees it, EPERM when not ours; TRYLOCK_PI of an owned word EAGAIN; a word naming no task
 *    ESRCH; a contended LOCK_PI sleeps until the owner's UNLOCK_PI hands it over (the word is
 *    our TID | FUTEX_WAITERS); FUTEX_WAKE on a futex with a PI waiter is EINVAL; LOCK_PI's
 *    timeout (absolute, CLOCK_REALTIME) and LOCK_PI2's (CLOCK_MONOTONIC) end in ETIMEDOUT; an
 *    owner that exits hands the futex to its waiter with FUTEX_OWNER_DIED; requeue-PI
 *    misuse (one address, nr_wake != 1, a plain waiter) is EINVAL.
 *  - signals: a FUTEX_WAIT without timeout interrupted by a handler is EINTR, and restarted
 *    (then woken: 0) with SA_RESTART; with a timeout it is EINTR even with SA_RESTART.
 */
#include "mtest.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

static long futex(volatile void *uaddr, int op, long val, const struct timespec *to, volatile void *uaddr2,
		  int val3)
{
	return syscall(SYS_futex, uaddr, op, val, to, uaddr2, val3);
}

/* futex(2) with val2 (the requeue count) in the timeout slot. */
static long futex2(volatile void *uaddr, int op, long val, long val2, volatile void *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, (void *)val2, uaddr2, val3);
}

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static double since(double t0)
{
	return mt_now() - t0;
}

static struct timespec abs_in(clockid_t clk, long ms)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

/* ---- waiters ---------------------------------------------------------------------------- */

struct waiter {
	volatile uint32_t *word;
	int op;
	uint32_t val;
	uint32_t bitset;
	int id;
	long ret;
	int err;
	pthread_t th;
};

static atomic_int woke_order[16];
static atomic_int nwoke;

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct timespec to = { 5, 0 };
	errno = 0;
	if (w->op == FUTEX_WAIT_BITSET_PRIVATE) {
		struct timespec abs = abs_in(CLOCK_MONOTONIC, 5000);
		w->ret = futex(w->word, w->op, w->val, &abs, NULL, w->bitset);
	} else {
		w->ret = futex(w->word, w->op, w->val, &to, NULL, 0);
	}
	w->err = errno;
	woke_order[atomic_fetch_add(&nwoke, 1)] = w->id;
	return NULL;
}

static void start_waiter(struct waiter *w, volatile uint32_t *word, int op, uint32_t val, uint32_t bitset, int id)
{
	w->word = word;
	w->op = op;
	w->val = val;
	w->bitset = bitset;
	w->id = id;
	w->ret = -2;
	pthread_create(&w->th, NULL, waiter_fn, w);
	mt_msleep(30); /* let it block (and queue in this order) */
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_errors(void)
{
	uint32_t f = 5;
	struct timespec bad = { 0, 1000000000L };
	CHECK_ERR("wait-mismatch", futex(&f, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0), EAGAIN);
	CHECK_ERR("wait-misaligned", futex((char *)&f + 1, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0), EINVAL);
	CHECK_ERR("wait-null", futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EFAULT);
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 4096);
	CHECK_EQ("wake-private-unmapped", futex(hole, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
	CHECK_ERR("wake-shared-unmapped", futex(hole, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	CHECK_ERR("unknown-op", futex(&f, 14, 0, NULL, NULL, 0), ENOSYS);
	CHECK_ERR("futex-fd-gone", futex(&f, 2, 0, NULL, NULL, 0), ENOSYS);
	CHECK_ERR("wait-clock-realtime", futex(&f, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, NULL, NULL, 0), ENOSYS);
	CHECK_ERR("lock-pi-clock-realtime", futex(&f, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0),
		  ENOSYS);
	CHECK_ERR("wait-bitset-0", futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0), EINVAL);
	CHECK_ERR("wake-bitset-0", futex(&f, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL);
	CHECK_ERR("wait-bad-timespec", futex(&f, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0), EINVAL);
	CHECK_ERR("wait-bad-timeout-ptr", futex(&f, FUTEX_WAIT_PRIVATE, 5, (void *)8, NULL, 0), EFAULT);
	CHECK_ERR("requeue-negative", futex2(&f, FUTEX_CMP_REQUEUE_PRIVATE, -1, 1, &bad, 5), EINVAL);
	CHECK_EQ("wake-nobody", futex(&f, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 0);
}

static void test_timeouts(void)
{
	uint32_t f = 0;
	struct timespec rel = { 0, 50000000L };
	double t0 = mt_now();
	CHECK_ERR("wait-relative-timedout", futex(&f, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0), ETIMEDOUT);
	CHECK("wait-relative-took-50ms", since(t0) >= 0.049);

	/* t0 before the deadline is computed: a deadline is absolute, so time spent between
	 * computing it and taking t0 would shorten the measured wait. */
	t0 = mt_now();
	struct timespec abs = abs_in(CLOCK_MONOTONIC, 50);
	CHECK_ERR("bitset-monotonic-timedout",
		  futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
	CHECK("bitset-monotonic-took-50ms", since(t0) >= 0.049);

	t0 = mt_now();
	abs = abs_in(CLOCK_REALTIME, 50);
	CHECK_ERR("bitset-realtime-timedout",
		  futex(&f, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT);
	CHECK("bitset-realtime-took-50ms", since(t0) >= 0.045);

	struct timespec past = { 0, 1 };
	t0 = mt_now();
	CHECK_ERR("bitset-past-deadline",
		  futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
	CHECK("bitset-past-at-once", since(t0) < 0.5);
}

static void test_wake_count_and_order(void)
{
	static volatile uint32_t f = 0;
	struct waiter w[5];
	atomic_store(&nwoke, 0);
	for (int i = 0; i < 5; i++)
		start_waiter(&w[i], &f, FUTEX_WAIT_PRIVATE, 0, 0, i);
	CHECK_EQ("wake-2-returns-2", futex(&f, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0), 2);
	mt_msleep(30);
	CHECK_EQ("wake-2-woke-2", atomic_load(&nwoke), 2);
	CHECK_EQ("wake-1-returns-1", futex(&f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	mt_msleep(30);
	CHECK_EQ("wake-1-woke-1", atomic_load(&nwoke), 3);
	CHECK_EQ("wake-1-was-oldest", woke_order[2], 2);
	CHECK_EQ("wake-all-returns-rest", futex(&f, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2);
	for (int i = 0; i < 5; i++)
		pthread_join(w[i].th, NULL);
	CHECK("woken-waiters-return-0", w[0].ret == 0 && w[4].ret == 0);

	/* One at a time: they come out in the order they queued. */
	atomic_store(&nwoke, 0);
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &f, FUTEX_WAIT_PRIVATE, 0, 0, i);
	for (int i = 0; i < 4; i++) {
		futex(&f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		mt_msleep(20);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(w[i].th, NULL);
	int fifo = atomic_load(&nwoke) == 4;
	for (int i = 0; i < 4; i++)
		fifo &= woke_order[i] == i;
	CHECK("wake-fifo-order", fifo);
}

static void test_bitset(void)
{
	static volatile uint32_t f = 0;
	struct waiter a, b;
	atomic_store(&nwoke, 0);
	start_waiter(&a, &f, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x1, 0);
	start_waiter(&b, &f, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x2, 1);
	CHECK_EQ("wake-bitset-2-wakes-b", futex(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2), 1);
	mt_msleep(30);
	CHECK("bitset-b-first", atomic_load(&nwoke) == 1 && woke_order[0] == 1);
	CHECK_EQ("wake-bitset-4-nobody", futex(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x4), 0);
	CHECK_EQ("wake-bitset-1-wakes-a", futex(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x1), 1);
	pthread_join(a.th, NULL);
	pthread_join(b.th, NULL);
	CHECK("bitset-waiters-0", a.ret == 0 && b.ret == 0);
}

static void test_requeue(void)
{
	static volatile uint32_t f1 = 0, f2 = 0;
	struct waiter w[3];
	atomic_store(&nwoke, 0);
	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &f1, FUTEX_WAIT_PRIVATE, 0, 0, i);
	CHECK_ERR("cmp-requeue-mismatch", futex2(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f2, 7), EAGAIN);
	CHECK_EQ("cmp-requeue-1-1", futex2(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f2, 0), 2);
	mt_msleep(30);
	CHECK("cmp-requeue-woke-oldest", atomic_load(&nwoke) == 1 && woke_order[0] == 0);
	CHECK_EQ("requeued-found-on-f2", futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
	mt_msleep(30);
	CHECK_EQ("requeued-one-woken", woke_order[1], 1);
	CHECK_EQ("requeue-0-1-moves", futex2(&f1, FUTEX_REQUEUE_PRIVATE, 0, 1, &f2, 0), 1);
	CHECK_EQ("f1-now-empty", futex(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ("f2-has-it", futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i].th, NULL);
	CHECK("requeue-waiters-0", w[0].ret == 0 && w[1].ret == 0 && w[2].ret == 0);
}

#define OP(op, oparg, cmp, cmparg) FUTEX_OP(op, oparg, cmp, cmparg)

static void test_wake_op(void)
{
	static volatile uint32_t f1 = 0, f2 = 0;
	struct waiter a, b;
	atomic_store(&nwoke, 0);
	start_waiter(&a, &f1, FUTEX_WAIT_PRIVATE, 0, 0, 0);
	start_waiter(&b, &f2, FUTEX_WAIT_PRIVATE, 0, 0, 1);
	/* *f2 = 1; old 0 == 0 holds: both woken. */
	CHECK_EQ("wake-op-set-eq", futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
		 2);
	CHECK_EQ("wake-op-set-stored", f2, 1);
	pthread_join(a.th, NULL);
	pthread_join(b.th, NULL);
	/* No waiters: the op still applies; comparisons false. */
	CHECK_EQ("wake-op-add", futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_GT, 10)),
		 0);
	CHECK_EQ("wake-op-add-stored", f2, 6);
	futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_NE, 0));
	CHECK_EQ("wake-op-or", f2, 0x36);
	futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_ANDN, 0x6, FUTEX_OP_CMP_LT, 0));
	CHECK_EQ("wake-op-andn", f2, 0x30);
	futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_LE, 0));
	CHECK_EQ("wake-op-xor", f2, 0xcf);
	futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP((FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_GE, 0));
	CHECK_EQ("wake-op-oparg-shift", f2, 16);
	f2 = 3;
	CHECK_ERR("wake-op-bad-op", futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(7, 1, FUTEX_OP_CMP_EQ, 0)), ENOSYS);
	CHECK_EQ("wake-op-bad-op-untouched", f2, 3);
	CHECK_ERR("wake-op-bad-cmp", futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, OP(FUTEX_OP_SET, 9, 6, 0)), ENOSYS);
	CHECK_EQ("wake-op-bad-cmp-applied", f2, 9);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_ERR("wake-op-readonly", futex2(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, ro, OP(FUTEX_OP_SET, 1, 0, 0)), EFAULT);
	munmap(ro, 4096);
}

/* A child waits on *word for up to ms; exit status 0 woken, 1 timed out, 2 other. */
static pid_t child_waits(volatile uint32_t *word, int op, long ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec to = { ms / 1000, (ms % 1000) * 1000000L };
		long r = futex(word, op, 0, &to, NULL, 0);
		_exit(r == 0 ? 0 : errno == ETIMEDOUT ? 1 : 2);
	}
	mt_msleep(50);
	return pid;
}

static void test_shared(void)
{
	volatile uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*sh = 0;
	pid_t c = child_waits(sh, FUTEX_WAIT, 2000);
	CHECK_EQ("shared-anon-private-wake-misses", futex(sh, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
	CHECK_EQ("shared-anon-wake", futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	int st = mt_reap(c);
	CHECK("shared-anon-child-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Private anonymous memory after fork: each process has its own word. */
	static volatile uint32_t priv = 0;
	c = child_waits(&priv, FUTEX_WAIT, 300);
	CHECK_EQ("private-anon-after-fork-is-two", futex(&priv, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	st = mt_reap(c);
	CHECK("private-anon-child-timed-out", WIFEXITED(st) && WEXITSTATUS(st) == 1);

	int fd = open("/tmp/t_futex_shm", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK("tmp-file", fd >= 0 && ftruncate(fd, 8192) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open("/tmp/t_futex_shm", O_RDWR);
		volatile uint32_t *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		struct timespec to = { 2, 0 };
		long r = futex(m + 1024 + 3, FUTEX_WAIT, 0, &to, NULL, 0); /* page 1, word 3 */
		_exit(r == 0 ? 0 : 1);
	}
	mt_msleep(50);
	/* The parent maps only page 1, at another address. */
	volatile uint32_t *pm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	CHECK_EQ("shared-file-other-word-misses", futex(pm + 4, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	CHECK_EQ("shared-file-wake", futex(pm + 3, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	st = mt_reap(pid);
	CHECK("shared-file-child-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	munmap((void *)pm, 4096);
	close(fd);
	unlink("/tmp/t_futex_shm");
	munmap((void *)sh, 4096);
}

struct futex_waitv_ {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

static long waitv(struct futex_waitv_ *w, unsigned n, unsigned flags, struct timespec *to, clockid_t clk)
{
	return syscall(SYS_futex_waitv, w, n, flags, to, clk);
}

static volatile uint32_t wv[3];
static struct futex_waitv_ wvs[3];
static long waitv_ret;

static void *waitv_fn(void *arg)
{
	(void)arg;
	struct timespec to = abs_in(CLOCK_MONOTONIC, 5000);
	waitv_ret = waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC);
	return NULL;
}

static void test_waitv(void)
{
	for (int i = 0; i < 3; i++)
		wvs[i] = (struct futex_waitv_){ 0, (uintptr_t)&wv[i], FUTEX_32 | FUTEX_PRIVATE_FLAG, 0 };
	pthread_t th;
	pthread_create(&th, NULL, waitv_fn, NULL);
	mt_msleep(50);
	CHECK_EQ("waitv-wake-2", futex(&wv[2], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	pthread_join(th, NULL);
	CHECK_EQ("waitv-returns-index", waitv_ret, 2);

	struct timespec to = abs_in(CLOCK_MONOTONIC, 50);
	double t0 = mt_now();
	CHECK_ERR("waitv-timeout", waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC), ETIMEDOUT);
	CHECK("waitv-timeout-50ms", since(t0) >= 0.049);
	to = abs_in(CLOCK_REALTIME, 20);
	CHECK_ERR("waitv-timeout-realtime", waitv(wvs, 3, 0, &to, CLOCK_REALTIME), ETIMEDOUT);
	wv[1] = 7;
	CHECK_ERR("waitv-mismatch", waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC), EAGAIN);
	wv[1] = 0;
	CHECK_ERR("waitv-flags", waitv(wvs, 3, 1, &to, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR("waitv-zero", waitv(wvs, 0, 0, &to, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR("waitv-129", waitv(wvs, 129, 0, &to, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR("waitv-null", waitv(NULL, 1, 0, &to, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR("waitv-clock", waitv(wvs, 3, 0, &to, CLOCK_TAI), EINVAL);
	wvs[1].flags = FUTEX_PRIVATE_FLAG;
	CHECK_ERR("waitv-no-size", waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC), EINVAL);
	wvs[1].flags = FUTEX_32 | FUTEX_PRIVATE_FLAG;
	wvs[1].reserved = 1;
	CHECK_ERR("waitv-reserved", waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC), EINVAL);
	wvs[1].reserved = 0;
	wvs[1].uaddr = (uintptr_t)&wv[1] + 1;
	CHECK_ERR("waitv-misaligned", waitv(wvs, 3, 0, &to, CLOCK_MONOTONIC), EINVAL);
	wvs[1].uaddr = (uintptr_t)&wv[1];
}

/* ---- robust lists ------------------------------------------------------------------------ */

struct robust_entry {
	struct robust_list list;
	uint32_t word;
};

static struct robust_list_head rhead;
static struct robust_entry rent;
static atomic_int robust_ready;

static void *robust_owner(void *arg)
{
	int pi = arg != NULL;
	rent.word = gettid_() | FUTEX_WAITERS;
	rhead.list.next = (struct robust_list *)((uintptr_t)&rent.list | (pi ? 1 : 0));
	rent.list.next = &rhead.list;
	rhead.futex_offset = offsetof(struct robust_entry, word);
	rhead.list_op_pending = NULL;
	syscall(SYS_set_robust_list, &rhead, sizeof rhead);
	atomic_store(&robust_ready, 1);
	mt_msleep(100);
	syscall(SYS_exit, 0); /* dies holding the futex */
	return NULL;
}

static void test_robust(void)
{
	struct robust_list_head h = { { &h.list }, 0, NULL };
	CHECK_ERR("set-robust-bad-len", syscall(SYS_set_robust_list, &h, sizeof h - 1), EINVAL);
	void *head = NULL;
	size_t len = 0;
	CHECK_EQ("get-robust-self", syscall(SYS_get_robust_list, 0, &head, &len), 0);
	CHECK("get-robust-glibc-head", head != NULL && len == sizeof(struct robust_list_head));
	CHECK_ERR("get-robust-esrch", syscall(SYS_get_robust_list, 30000, &head, &len), ESRCH);

	/* A thread dies holding a robust futex we wait on. */
	atomic_store(&robust_ready, 0);
	pthread_t th;
	pthread_create(&th, NULL, robust_owner, NULL);
	while (!atomic_load(&robust_ready))
		mt_msleep(1);
	uint32_t v = rent.word;
	struct timespec to = { 3, 0 };
	long r = futex(&rent.word, FUTEX_WAIT, v, &to, NULL, 0);
	CHECK("robust-waiter-woken", r == 0 || errno == EAGAIN);
	mt_msleep(50);
	CHECK_EQ("robust-owner-died", rent.word, FUTEX_OWNER_DIED | FUTEX_WAITERS);

	/* A process dies holding a robust futex in shared memory. */
	volatile struct robust_entry *se = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *go = (volatile int *)(se + 1);
	pid_t pid = fork();
	if (pid == 0) {
		static struct robust_list_head ch;
		se->word = gettid_() | FUTEX_WAITERS;
		ch.list.next = (struct robust_list *)&se->list;
		se->list.next = &ch.list;
		ch.futex_offset = offsetof(struct robust_entry, word);
		ch.list_op_pending = NULL;
		syscall(SYS_set_robust_list, &ch, sizeof ch);
		*go = 1;
		mt_msleep(100);
		_exit(0);
	}
	while (!*go)
		mt_msleep(1);
	v = se->word;
	r = futex(&se->word, FUTEX_WAIT, v, &to, NULL, 0);
	CHECK("robust-shared-waiter-woken", r == 0 || errno == EAGAIN);
	mt_reap(pid);
	CHECK_EQ("robust-shared-owner-died", se->word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
	munmap((void *)se, 4096);
}

/* ---- PI ---------------------------------------------------------------------------------- */

static volatile uint32_t pif;
static atomic_int pi_state;

static void *pi_holder(void *arg)
{
	long hold_ms = (long)arg;
	futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	atomic_store(&pi_state, 1);
	mt_msleep(hold_ms);
	futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	atomic_store(&pi_state, 2);
	return NULL;
}

static void *pi_dier(void *arg)
{
	(void)arg;
	futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	atomic_store(&pi_state, 1);
	mt_msleep(80);
	syscall(SYS_exit, 0); /* dies holding it, no robust list */
	return NULL;
}

static void test_pi(void)
{
	pid_t me = gettid_();
	pif = 0;
	CHECK_EQ("lock-pi-free", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	CHECK_EQ("lock-pi-word-is-tid", pif, (uint32_t)me);
	CHECK_ERR("lock-pi-self-edeadlk", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK);
	CHECK_EQ("unlock-pi", futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	CHECK_EQ("unlock-pi-word-0", pif, 0);
	CHECK_ERR("unlock-pi-not-owner", futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EPERM);
	CHECK_EQ("trylock-pi-free", futex(&pif, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pif = 30000; /* no such task */
	CHECK_ERR("lock-pi-no-owner-esrch", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH);
	pif = 0;

	/* Contended: the holder's unlock hands it to us. */
	atomic_store(&pi_state, 0);
	pthread_t th;
	pthread_create(&th, NULL, pi_holder, (void *)300L);
	while (atomic_load(&pi_state) != 1)
		mt_msleep(1);
	CHECK_ERR("trylock-pi-owned", futex(&pif, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EAGAIN);
	struct timespec rt = abs_in(CLOCK_REALTIME, 30);
	CHECK_ERR("lock-pi-timeout-realtime", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, &rt, NULL, 0), ETIMEDOUT);
	struct timespec mono = abs_in(CLOCK_MONOTONIC, 30);
	CHECK_ERR("lock-pi2-timeout-monotonic", futex(&pif, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0, &mono, NULL, 0),
		  ETIMEDOUT);
	CHECK_EQ("lock-pi-contended", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	CHECK_EQ("lock-pi-handed-over", pif, (uint32_t)me | FUTEX_WAITERS);
	CHECK_EQ("unlock-after-handover", futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	CHECK_EQ("unlock-after-handover-0", pif, 0);
	pthread_join(th, NULL);

	/* FUTEX_WAKE on a futex with a PI waiter is EINVAL. */
	atomic_store(&pi_state, 0);
	pthread_create(&th, NULL, pi_holder, (void *)100L);
	while (atomic_load(&pi_state) != 1)
		mt_msleep(1);
	/* a second thread blocks in LOCK_PI behind the holder */
	pthread_t w2;
	pthread_create(&w2, NULL, pi_holder, (void *)1L);
	mt_msleep(30);
	errno = 0;
	int wake_einval = futex(&pif, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EINVAL;
	CHECK("wake-on-pi-waiter-einval", wake_einval);
	pthread_join(th, NULL);
	pthread_join(w2, NULL);
	CHECK_EQ("pi-chain-released", pif, 0);

	/* The owner exits holding it: the waiter gets it with FUTEX_OWNER_DIED. */
	atomic_store(&pi_state, 0);
	pthread_create(&th, NULL, pi_dier, NULL);
	while (atomic_load(&pi_state) != 1)
		mt_msleep(1);
	CHECK_EQ("lock-pi-owner-dies", futex(&pif, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	CHECK_EQ("lock-pi-owner-died-word", pif, (uint32_t)me | FUTEX_WAITERS | FUTEX_OWNER_DIED);
	pthread_join(th, NULL);
	CHECK_EQ("unlock-owner-died", futex(&pif, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);

	/* Requeue-PI misuse. */
	static volatile uint32_t c1 = 0, c2 = 0;
	CHECK_ERR("wait-requeue-pi-same", futex(&c1, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &c1, 0), EINVAL);
	CHECK_ERR("cmp-requeue-pi-nr-wake", futex2(&c1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, 0, &c2, 0), EINVAL);
	struct waiter pw;
	start_waiter(&pw, &c1, FUTEX_WAIT_PRIVATE, 0, 0, 0);
	CHECK_ERR("cmp-requeue-pi-plain-waiter", futex2(&c1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &c2, 0), EINVAL);
	CHECK_EQ("plain-waiter-still-there", futex(&c1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	pthread_join(pw.th, NULL);
	struct timespec to = abs_in(CLOCK_MONOTONIC, 20);
	CHECK_ERR("wait-requeue-pi-timeout", futex(&c1, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, &to, &c2, 0), ETIMEDOUT);
}

/* ---- signals ----------------------------------------------------------------------------- */

static void on_usr1(int s)
{
	(void)s;
}

static volatile uint32_t sigf;
static long sig_ret;
static int sig_err;
static int sig_timeout;

static void *sig_waiter(void *arg)
{
	(void)arg;
	struct timespec to = { 3, 0 };
	errno = 0;
	sig_ret = futex(&sigf, FUTEX_WAIT_PRIVATE, 0, sig_timeout ? &to : NULL, NULL, 0);
	sig_err = errno;
	return NULL;
}

static void signal_case(int sa_flags, int with_timeout, int wake_after, long want_ret, int want_err, const char *name)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sa.sa_flags = sa_flags;
	sigaction(SIGUSR1, &sa, NULL);
	sig_timeout = with_timeout;
	sigf = 0;
	pthread_t th;
	pthread_create(&th, NULL, sig_waiter, NULL);
	mt_msleep(30);
	pthread_kill(th, SIGUSR1);
	mt_msleep(30);
	if (wake_after)
		futex(&sigf, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(th, NULL);
	mt_report(sig_ret == want_ret && (want_ret == 0 || sig_err == want_err), name, "ret %ld errno %d", sig_ret,
		  sig_err);
}

static void test_signals(void)
{
	signal_case(0, 0, 0, -1, EINTR, "signal-no-restart-eintr");
	signal_case(SA_RESTART, 0, 1, 0, 0, "signal-restart-then-woken");
	signal_case(SA_RESTART, 1, 0, -1, EINTR, "signal-timeout-eintr-despite-restart");
}

int main(void)
{
	mt_begin("t_futex");
	test_errors();
	test_timeouts();
	test_wake_count_and_order();
	test_bitset();
	test_requeue();
	test_wake_op();
	test_shared();
	test_waitv();
	test_robust();
	test_pi();
	test_signals();
	mt_end();
}
