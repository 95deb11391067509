/* bench - process-creation cost, in guest time (static glibc; runs as PID 1).
 *
 * Boot: -append "console=ttyS0 rdinit=/bench/bench norandmaps", with QEMU's
 * -icount shift=0,sleep=off: guest time is then the guest instruction count (1 ns = 1 instruction,
 * 100-instruction granularity), and two boots print identical figures.
 *
 * As PID 1 (the supervisor) it prints boot facts first:
 *     BENCH-INFO <key> <value>
 * then runs every benchmark in its own freshly exec'd process (`/bench/bench --run NAME`), so that
 * one benchmark crashing or hanging does not take the others down, and prints one line each:
 *     BENCH-START <name>
 *     BENCH <name> <median ns>                  (median over the rounds, after a warm-up)
 *     BENCH-DETAIL <name> rounds=N min=.. max=..
 *     BENCH <name> unsupported (<reason>)
 * and finally "BENCH-DONE", then powers the machine off (reboot(2)).  The environment variable
 * benchskip=a,b (a "benchskip=a,b" word on the kernel command line) skips benchmarks; tools/bench.py
 * uses it to boot again past a benchmark that hung or crashed the kernel.  benchmode=inproc runs
 * every benchmark in PID 1 itself, one after the other (no isolation; each then sees what the
 * earlier ones left behind, e.g. glibc's cached thread stack).
 *
 * Benchmarks (one round):
 *     fork_exit_wait        fork(); child _exit(0); parent waitpid()
 *     vfork_exit_wait       vfork(); child _exit(0); parent waitpid()
 *     fork_exec_tiny_wait   fork(); child execve("/bin/true-tiny") (no libc, ~700 bytes); waitpid()
 *     fork_exec_glibc_wait  fork(); child execve("/bin/true") (static glibc); waitpid()
 *     posix_spawn_wait      posix_spawn("/bin/true-tiny"); waitpid()
 *     posix_spawn_glibc_wait posix_spawn("/bin/true"); waitpid()
 *     fork_exec_dyn_wait    fork(); child execve("/bin/true-dyn") (dynamically linked: ld.so maps
 *                           libc.so.6 from /lib and relocates); waitpid()
 *     posix_spawn_dyn_wait  posix_spawn("/bin/true-dyn"); waitpid()
 *     pthread_create_join   pthread_create(empty function); pthread_join()
 *     fork_exit_wait_<N>m   fork_exit_wait with N MiB of private anonymous memory touched (written,
 *                           one store per page) in the parent, N = 1, 16, 64, 256
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SELF "/bench/bench"
#define TRUE_TINY "/bin/true-tiny"
#define TRUE_GLIBC "/bin/true"
#define TRUE_DYN "/bin/true-dyn"

static long long now_ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mono(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- the benchmarks (runner side) */

static char reason[256]; /* why a round failed; empty when it did not */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	if (reason[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
}

static void check_status(pid_t got, pid_t want, int st, const char *what)
{
	if (got < 0)
		fail("waitpid after %s: %s", what, strerror(errno));
	else if (got != want)
		fail("waitpid after %s returned %d, want %d", what, got, want);
	else if (!WIFEXITED(st))
		fail("%s child: %s %d", what, WIFSIGNALED(st) ? "killed by signal" : "status",
		     WIFSIGNALED(st) ? WTERMSIG(st) : st);
	else if (WEXITSTATUS(st) != 0)
		fail("%s child exited with status %d", what, WEXITSTATUS(st));
}

static long long r_fork(void)
{
	int st;
	long long t0 = mono();
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	if (p < 0) {
		fail("fork: %s", strerror(errno));
		return 0;
	}
	pid_t w = waitpid(p, &st, 0);
	long long t1 = mono();
	check_status(w, p, st, "fork");
	return t1 - t0;
}

static long long r_vfork(void)
{
	int st;
	long long t0 = mono();
	pid_t p = vfork();
	if (p == 0)
		_exit(0);
	if (p < 0) {
		fail("vfork: %s", strerror(errno));
		return 0;
	}
	pid_t w = waitpid(p, &st, 0);
	long long t1 = mono();
	check_status(w, p, st, "vfork");
	return t1 - t0;
}

static long long fork_exec(const char *path)
{
	char *argv[] = {(char *)path, NULL};
	int st;
	long long t0 = mono();
	pid_t p = fork();
	if (p == 0) {
		execve(path, argv, environ);
		int e = errno;
		dprintf(2, "bench: execve %s: %s\n", path, strerror(e));
		_exit(100 + (e & 0x7f));
	}
	if (p < 0) {
		fail("fork: %s", strerror(errno));
		return 0;
	}
	pid_t w = waitpid(p, &st, 0);
	long long t1 = mono();
	if (w == p && WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		fail("execve %s: %s", path, strerror(WEXITSTATUS(st) - 100));
	check_status(w, p, st, "fork+execve");
	return t1 - t0;
}

static long long r_exec_tiny(void)
{
	return fork_exec(TRUE_TINY);
}

static long long r_exec_glibc(void)
{
	return fork_exec(TRUE_GLIBC);
}

static long long r_exec_dyn(void)
{
	return fork_exec(TRUE_DYN);
}

static long long spawn(const char *path)
{
	char *argv[] = {(char *)path, NULL};
	int st;
	pid_t p;
	long long t0 = mono();
	int rc = posix_spawn(&p, path, NULL, NULL, argv, environ);
	if (rc != 0) {
		fail("posix_spawn %s: %s", path, strerror(rc));
		return 0;
	}
	pid_t w = waitpid(p, &st, 0);
	long long t1 = mono();
	check_status(w, p, st, "posix_spawn");
	return t1 - t0;
}

static long long r_spawn(void)
{
	return spawn(TRUE_TINY);
}

static long long r_spawn_glibc(void)
{
	return spawn(TRUE_GLIBC);
}

static long long r_spawn_dyn(void)
{
	return spawn(TRUE_DYN);
}

static volatile int thread_ran;

static void *thread_fn(void *arg)
{
	thread_ran = 1;
	return arg;
}

static long long r_pthread(void)
{
	pthread_t t;
	void *ret = NULL;
	thread_ran = 0;
	long long t0 = mono();
	int rc = pthread_create(&t, NULL, thread_fn, (void *)0x1234);
	if (rc != 0) {
		fail("pthread_create: %s", strerror(rc));
		return 0;
	}
	rc = pthread_join(t, &ret);
	long long t1 = mono();
	if (rc != 0)
		fail("pthread_join: %s", strerror(rc));
	else if (!thread_ran || ret != (void *)0x1234)
		fail("thread did not run (ran=%d ret=%p)", thread_ran, ret);
	return t1 - t0;
}

struct bench {
	const char *name;
	long long (*round)(void);
	int mib;       /* memory touched in the parent first (fork_exit_wait_<N>m) */
	int rounds;    /* measured rounds */
	int warmup;    /* rounds run first and not counted */
	int timeout_s; /* guest seconds the supervisor allows the runner */
};

static const struct bench benches[] = {
	{"fork_exit_wait", r_fork, 0, 200, 20, 20},
	{"vfork_exit_wait", r_vfork, 0, 200, 20, 20},
	{"fork_exec_tiny_wait", r_exec_tiny, 0, 200, 20, 20},
	{"fork_exec_glibc_wait", r_exec_glibc, 0, 200, 20, 30},
	{"posix_spawn_wait", r_spawn, 0, 200, 20, 20},
	{"posix_spawn_glibc_wait", r_spawn_glibc, 0, 200, 20, 30},
	{"fork_exec_dyn_wait", r_exec_dyn, 0, 100, 10, 60},
	{"posix_spawn_dyn_wait", r_spawn_dyn, 0, 100, 10, 60},
	{"pthread_create_join", r_pthread, 0, 200, 20, 20},
	{"fork_exit_wait_1m", r_fork, 1, 200, 20, 30},
	{"fork_exit_wait_16m", r_fork, 16, 50, 5, 60},
	{"fork_exit_wait_64m", r_fork, 64, 20, 3, 90},
	{"fork_exit_wait_256m", r_fork, 256, 10, 2, 180},
};
#define NBENCH ((int)(sizeof benches / sizeof benches[0]))

/* benchtest=hang:NAME (the runner of NAME blocks forever: the supervisor's timeout) or
 * benchtest=spin:NAME (the supervisor spins silently before NAME: tools/bench.py's stall timeout
 * and reboot past it) or benchtest=exit:NAME (PID 1 exits before NAME: a kernel panic).  For
 * testing the harness only. */
static int test_hook(const char *kind, const char *name)
{
	const char *s = getenv("benchtest");
	size_t k = strlen(kind);
	return s && !strncmp(s, kind, k) && s[k] == ':' && !strcmp(s + k + 1, name);
}

static void __attribute__((noinline)) measure(const struct bench *b, long long *v, struct rusage *s0,
					     struct rusage *c0, struct rusage *s1, struct rusage *c1)
{
	for (int i = 0; i < b->warmup && !reason[0]; i++)
		b->round();
	getrusage(RUSAGE_SELF, s0);
	getrusage(RUSAGE_CHILDREN, c0);
	for (int i = 0; i < b->rounds && !reason[0]; i++)
		v[i] = b->round();
	getrusage(RUSAGE_SELF, s1);
	getrusage(RUSAGE_CHILDREN, c1);
	__asm__ volatile("" ::: "memory");
}

static int run_one(const struct bench *b)
{
	if (test_hook("hang", b->name))
		for (;;)
			pause();
	setvbuf(stdout, NULL, _IONBF, 0);
	reason[0] = 0;
	char *m = NULL;
	size_t len = (size_t)b->mib << 20;
	if (b->mib) {
		long long t0 = mono();
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			printf("BENCH %s unsupported (mmap %d MiB: %s)\n", b->name, b->mib, strerror(errno));
			return 1;
		}
		for (size_t off = 0; off < len; off += 4096)
			m[off] = 1;
		long long t1 = mono();
		printf("BENCH-DETAIL %s touch_ns=%lld pages=%zu\n", b->name, t1 - t0, len / 4096);
	}
	long long *v = calloc(b->rounds, sizeof *v);
	struct rusage s0, c0, s1, c1;
	/* The rounds run on a stack that starts just below a page boundary, so that the frames the
	 * parent writes between fork and waitpid (each page it writes then costs a copy-on-write
	 * fault) stay on one page whatever the environment's size and this program's frames. */
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	volatile char *pad = alloca((sp & 4095) + 64);
	pad[0] = 0;
	measure(b, v, &s0, &c0, &s1, &c1);
	if (m)
		munmap(m, len);
	if (reason[0]) {
		printf("BENCH %s unsupported (%s)\n", b->name, reason);
		free(v);
		return 1;
	}
	qsort(v, b->rounds, sizeof *v, cmp_ll);
	int n = b->rounds;
	long long med2 = (n % 2) ? 2 * v[n / 2] : v[n / 2 - 1] + v[n / 2]; /* twice the median */
	long long sum = 0;
	for (int i = 0; i < n; i++)
		sum += v[i];
	printf("BENCH %s %lld%s\n", b->name, med2 / 2, (med2 & 1) ? ".5" : "");
	printf("BENCH-DETAIL %s rounds=%d warmup=%d min=%lld max=%lld mean=%lld\n", b->name, n,
	       b->warmup, v[0], v[n - 1], sum / n);
	/* page faults per round (getrusage minflt), of this process and of its children */
	printf("BENCH-DETAIL %s minflt_self_per_round=%.1f minflt_children_per_round=%.1f\n", b->name,
	       (double)(s1.ru_minflt - s0.ru_minflt) / n, (double)(c1.ru_minflt - c0.ru_minflt) / n);
	free(v);
	return 0;
}

/* ---------------------------------------------------------------- the supervisor (PID 1) */

static int skipped(const char *name)
{
	const char *s = getenv("benchskip");
	if (!s)
		return 0;
	size_t n = strlen(name);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == n && !strncmp(s, name, n))
			return 1;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int can_sleep; /* nanosleep really sleeps: poll the runner with a timeout */

/* Waits for pid, at most timeout_s guest seconds (when nanosleep works).  Returns 0 and the
 * status, or -1 on timeout (the runner is killed), -2 when waitpid fails. */
static int wait_timeout(pid_t pid, int *st, int timeout_s)
{
	if (!can_sleep)
		return waitpid(pid, st, 0) == pid ? 0 : -2;
	long long deadline = mono() + (long long)timeout_s * 1000000000LL;
	for (;;) {
		pid_t w = waitpid(pid, st, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -2;
		if (mono() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, st, 0);
			return -1;
		}
		msleep(100);
	}
}

static void boot_info(long long mono0, long long boot0)
{
	printf("BENCH-INFO init_monotonic_ns %lld\n", mono0);
	printf("BENCH-INFO init_boottime_ns %lld\n", boot0);

	/* The time CSR counts from machine reset (10 MHz on QEMU virt): read in a child, since a
	 * kernel that does not let user space read it kills the reader with SIGILL. */
	int fd[2];
	if (pipe(fd) == 0) {
		pid_t p = fork();
		if (p == 0) {
			unsigned long t;
			long long m = mono();
			__asm__ volatile("rdtime %0" : "=r"(t));
			long long r[2] = {(long long)t, m};
			if (write(fd[1], r, sizeof r) != sizeof r)
				_exit(1);
			_exit(0);
		}
		close(fd[1]);
		long long r[2];
		int st = 0;
		ssize_t n = p > 0 ? read(fd[0], r, sizeof r) : -1;
		if (p > 0)
			waitpid(p, &st, 0);
		close(fd[0]);
		if (n == sizeof r) {
			/* time CSR at the start of init = time CSR now - (monotonic now - monotonic at init) */
			long long csr_ns = r[0] * 100; /* 10 MHz */
			printf("BENCH-INFO time_csr_at_init_ns %lld\n", csr_ns - (r[1] - mono0));
		} else {
			printf("BENCH-INFO time_csr_at_init_ns unsupported (rdtime in user mode: %s)\n",
			       p < 0 ? "fork failed" : WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no data");
		}
	}

	struct sysinfo si;
	if (sysinfo(&si) == 0) {
		unsigned long u = si.mem_unit ? si.mem_unit : 1;
		printf("BENCH-INFO sysinfo_totalram_bytes %llu\n", (unsigned long long)si.totalram * u);
		printf("BENCH-INFO sysinfo_freeram_bytes %llu\n", (unsigned long long)si.freeram * u);
		printf("BENCH-INFO sysinfo_procs %u\n", si.procs);
	} else {
		printf("BENCH-INFO sysinfo unsupported (%s)\n", strerror(errno));
	}
	FILE *f = fopen("/proc/meminfo", "r");
	if (f) {
		char line[128];
		while (fgets(line, sizeof line, f)) {
			unsigned long long kb;
			char key[64];
			if (sscanf(line, "%63[^:]: %llu", key, &kb) == 2 &&
			    (!strcmp(key, "MemTotal") || !strcmp(key, "MemFree") ||
			     !strcmp(key, "MemAvailable")))
				printf("BENCH-INFO meminfo_%s_bytes %llu\n", key, kb * 1024);
		}
		fclose(f);
	} else {
		printf("BENCH-INFO meminfo unsupported (/proc/meminfo: %s)\n", strerror(errno));
	}

	long long t0 = mono();
	msleep(100);
	long long dt = mono() - t0;
	can_sleep = dt >= 50000000LL;
	printf("BENCH-INFO nanosleep_100ms_ns %lld\n", dt);
}

static void supervise(const struct bench *b)
{
	printf("BENCH-START %s\n", b->name);
	if (skipped(b->name)) {
		printf("BENCH %s unsupported (skipped: benchskip)\n", b->name);
		return;
	}
	if (test_hook("spin", b->name))
		for (volatile unsigned long i = 0;; i++)
			;
	if (test_hook("exit", b->name))
		exit(3); /* PID 1 exits: the kernel panics */
	const char *mode = getenv("benchmode");
	if (mode && !strcmp(mode, "inproc")) { /* all in this one process, one after the other */
		run_one(b);
		return;
	}
	pid_t p = fork();
	if (p < 0) {
		printf("BENCH %s unsupported (supervisor fork: %s)\n", b->name, strerror(errno));
		return;
	}
	if (p == 0) {
		char *argv[] = {SELF, "--run", (char *)b->name, NULL};
		execve(SELF, argv, environ);
		/* no execve: run it here, in the forked child */
		dprintf(2, "bench: execve %s: %s (running in the forked child)\n", SELF, strerror(errno));
		_exit(run_one(b));
	}
	int st = 0;
	int r = wait_timeout(p, &st, b->timeout_s);
	if (r == -1)
		printf("BENCH %s unsupported (timeout: no result in %d s of guest time)\n", b->name,
		       b->timeout_s);
	else if (r == -2)
		printf("BENCH %s unsupported (supervisor waitpid: %s)\n", b->name, strerror(errno));
	else if (WIFSIGNALED(st))
		printf("BENCH %s unsupported (runner killed by signal %d, %s)\n", b->name, WTERMSIG(st),
		       strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 1)
		printf("BENCH %s unsupported (runner exited with status %d)\n", b->name, WEXITSTATUS(st));
	/* status 1: the runner printed its own "unsupported" line */
}

int main(int argc, char **argv)
{
	long long mono0 = now_ns(CLOCK_MONOTONIC);
	long long boot0 = now_ns(CLOCK_BOOTTIME);
	setvbuf(stdout, NULL, _IONBF, 0);

	if (argc >= 3 && !strcmp(argv[1], "--run")) {
		for (int i = 0; i < NBENCH; i++)
			if (!strcmp(benches[i].name, argv[2]))
				return run_one(&benches[i]);
		printf("bench: no benchmark %s\n", argv[2]);
		return 2;
	}
	if (argc >= 2 && !strcmp(argv[1], "--list")) {
		for (int i = 0; i < NBENCH; i++)
			printf("%s\n", benches[i].name);
		return 0;
	}

	printf("BENCH-BEGIN pid=%d\n", getpid());
	boot_info(mono0, boot0);
	for (int i = 0; i < NBENCH; i++)
		supervise(&benches[i]);
	printf("BENCH-DONE\n");
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
		printf("bench: reboot: %s\n", strerror(errno));
		for (;;)
			pause();
	}
	return 0;
}

/* The last function of this file, aligned to 64 KiB: glibc's code, linked after this file, then
 * starts at the same place whatever this file's size (tools/build-bench.sh compiles it with
 * -fno-reorder-functions -fno-reorder-blocks-and-partition, so that all of it stays in .text).
 * This matters: Linux does not copy the page-table entries of file-backed text at fork, so the
 * fork child faults in the code it runs (glibc's fork child path, _exit), 64 KiB
 * (fault_around_bytes) at a time; moving that code across a 64 KiB boundary changes Linux's
 * fork + exit + wait by a whole page fault (about 9,000 instructions). */
__attribute__((aligned(65536), used, noinline)) void bench_text_end(void)
{
	__asm__ volatile("");
}
