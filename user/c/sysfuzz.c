/* sysfuzz - MenuOS's own random-syscall fuzzer (trinity in miniature).
 *
 * Children issue random syscalls, with arguments drawn per argument type from small integers,
 * flag masks, -1, user pointers aligned and misaligned, NULL, unmapped and kernel addresses and
 * huge sizes; they are killed when they stall and restarted until the requested number of calls
 * is made.  Everything is derived from the seed: child i's calls depend only on (seed, i), never
 * on what the kernel returned, so a crash reproduces with the same seed and FUZZ_TRACE_FROM=<n>
 * (print every call from global call n on).  The seed, each child's range of call numbers and,
 * for a stuck or crashed child, its last call are printed.
 *
 * The kernel must survive it: no panic (the boot dies), no hang (a child that SIGKILL cannot end
 * within 10 s fails "no-hang"), nothing leaked (MemFree back to its baseline once the scratch
 * files and IPC objects are gone).  The same binary runs on the reference Linux, which checks
 * the exclusions below are enough to keep the fuzzer from harming its own machine.
 *
 * Kept away from what would harm the machine rather than test the kernel (both kernels):
 * reboot, kexec, modules, swapon, acct, mount/umount/pivot_root (the root tree), settimeofday
 * and clock_settime/adjtimex (the harness's clock), signals and ptrace/process_vm_* to any
 * process but the child itself and its own group, RT scheduling policies (a spinning FIFO task
 * owns a uniprocessor on Linux too), and paths outside the child's scratch directory (path
 * arguments are only relative names without "..", symlink targets too).
 *
 *   sysfuzz                       as PID 1 (rdinit=/bin/sysfuzz) or from a shell
 *   env: FUZZ_SEED=1 FUZZ_CALLS=100000 FUZZ_PROCS=6 FUZZ_PER_CHILD=4000 FUZZ_TRACE_FROM=-1
 *        FUZZ_MEM_TOL_KB (MemFree tolerance; default 256 on MenuOS, 8192 on Linux)
 *        FUZZ_SKIP=name,name (leave these syscalls out: for triage while a known bug is open)
 *        FUZZ_NAME (the test name it reports under; default sysfuzz: make test runs it as t_fuzz)
 */
#define _GNU_SOURCE
#include "../tests/c/mtest.h"
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

/* ---- the random source: splitmix64, one stream per child ---- */
static uint64_t rs;
static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
static unsigned below(unsigned n) { return (unsigned)(rnd() % n); }

/* ---- argument types ---- */
enum {
	A_INT,   /* any integer */
	A_FD,    /* a file descriptor */
	A_DFD,   /* a directory fd (AT_FDCWD often) */
	A_PTR,   /* a user pointer (buffer) */
	A_LEN,   /* a length or count */
	A_PATH,  /* a path: relative scratch names only */
	A_FLAGS, /* a flag mask */
	A_SIG,   /* a signal number */
	A_SELF,  /* a pid that can only be the child itself or its group */
	A_ADDR,  /* an address-space address (mmap & co) */
	A_MODE,  /* a file mode */
	A_MQ,    /* a POSIX mqueue name */
	A_POL,   /* a scheduling policy without the RT ones */
	A_ZERO,  /* 0 */
};

struct sc {
	long nr;
	const char *name;
	int n;
	unsigned char a[6];
};

#define S(x, ...) { SYS_##x, #x, sizeof((unsigned char[]){__VA_ARGS__}), {__VA_ARGS__} }
#define S0(x) { SYS_##x, #x, 0, {0} }

/* The syscalls fuzzed, with their argument types (Linux's SYSCALL_DEFINEs). */
static const struct sc calls[] = {
	S(io_setup, A_INT, A_PTR), S(io_destroy, A_INT), S(io_getevents, A_INT, A_INT, A_INT, A_PTR, A_PTR),
	S(getxattr, A_PATH, A_PTR, A_PTR, A_LEN), S(fgetxattr, A_FD, A_PTR, A_PTR, A_LEN),
	S(setxattr, A_PATH, A_PTR, A_PTR, A_LEN, A_FLAGS), S(listxattr, A_PATH, A_PTR, A_LEN),
	S(getcwd, A_PTR, A_LEN), S(eventfd2, A_INT, A_FLAGS), S(epoll_create1, A_FLAGS),
	S(epoll_ctl, A_FD, A_INT, A_FD, A_PTR), S(epoll_pwait, A_FD, A_PTR, A_INT, A_INT, A_PTR, A_LEN),
	S(dup, A_FD), S(dup3, A_FD, A_FD, A_FLAGS), S(fcntl, A_FD, A_INT, A_INT), S(fcntl, A_FD, A_INT, A_PTR),
	S(inotify_init1, A_FLAGS), S(inotify_add_watch, A_FD, A_PATH, A_FLAGS), S(ioctl, A_FD, A_INT, A_PTR),
	S(ioctl, A_FD, A_INT, A_INT), S(flock, A_FD, A_INT), S(mknodat, A_DFD, A_PATH, A_MODE, A_INT),
	S(mkdirat, A_DFD, A_PATH, A_MODE), S(unlinkat, A_DFD, A_PATH, A_FLAGS),
	S(symlinkat, A_PATH, A_DFD, A_PATH), S(linkat, A_DFD, A_PATH, A_DFD, A_PATH, A_FLAGS),
	S(renameat2, A_DFD, A_PATH, A_DFD, A_PATH, A_FLAGS), S(statfs, A_PATH, A_PTR), S(fstatfs, A_FD, A_PTR),
	S(truncate, A_PATH, A_LEN), S(ftruncate, A_FD, A_LEN), S(fallocate, A_FD, A_FLAGS, A_LEN, A_LEN),
	S(faccessat, A_DFD, A_PATH, A_INT), S(chdir, A_PATH), S(fchdir, A_FD), S(fchmod, A_FD, A_MODE),
	S(fchmodat, A_DFD, A_PATH, A_MODE), S(fchownat, A_DFD, A_PATH, A_INT, A_INT, A_FLAGS),
	S(fchown, A_FD, A_INT, A_INT), S(openat, A_DFD, A_PATH, A_FLAGS, A_MODE), S(close, A_FD),
	S(pipe2, A_PTR, A_FLAGS), S(getdents64, A_FD, A_PTR, A_LEN), S(lseek, A_FD, A_INT, A_INT),
	S(read, A_FD, A_PTR, A_LEN), S(write, A_FD, A_PTR, A_LEN), S(readv, A_FD, A_PTR, A_INT),
	S(writev, A_FD, A_PTR, A_INT), S(pread64, A_FD, A_PTR, A_LEN, A_INT),
	S(pwrite64, A_FD, A_PTR, A_LEN, A_INT), S(preadv, A_FD, A_PTR, A_INT, A_INT, A_INT),
	S(pwritev, A_FD, A_PTR, A_INT, A_INT, A_INT), S(sendfile, A_FD, A_FD, A_PTR, A_LEN),
	S(pselect6, A_INT, A_PTR, A_PTR, A_PTR, A_PTR, A_PTR), S(ppoll, A_PTR, A_INT, A_PTR, A_PTR, A_LEN),
	S(signalfd4, A_FD, A_PTR, A_LEN, A_FLAGS), S(vmsplice, A_FD, A_PTR, A_INT, A_FLAGS),
	S(splice, A_FD, A_PTR, A_FD, A_PTR, A_LEN, A_FLAGS), S(tee, A_FD, A_FD, A_LEN, A_FLAGS),
	S(readlinkat, A_DFD, A_PATH, A_PTR, A_LEN), S(newfstatat, A_DFD, A_PATH, A_PTR, A_FLAGS),
	S(fstat, A_FD, A_PTR), S0(sync), S(fsync, A_FD), S(fdatasync, A_FD),
	S(sync_file_range, A_FD, A_INT, A_INT, A_FLAGS), S(timerfd_create, A_INT, A_FLAGS),
	S(timerfd_settime, A_FD, A_FLAGS, A_PTR, A_PTR), S(timerfd_gettime, A_FD, A_PTR),
	S(utimensat, A_DFD, A_PATH, A_PTR, A_FLAGS), S(capget, A_PTR, A_PTR), S(capset, A_PTR, A_PTR),
	S(personality, A_INT), S(exit, A_INT), S(waitid, A_INT, A_INT, A_PTR, A_FLAGS, A_PTR),
	S(set_tid_address, A_PTR), S(unshare, A_FLAGS), S(futex, A_PTR, A_INT, A_INT, A_PTR, A_PTR, A_INT),
	S(set_robust_list, A_PTR, A_LEN), S(get_robust_list, A_SELF, A_PTR, A_PTR), S(nanosleep, A_PTR, A_PTR),
	S(getitimer, A_INT, A_PTR), S(setitimer, A_INT, A_PTR, A_PTR), S(timer_create, A_INT, A_PTR, A_PTR),
	S(timer_gettime, A_INT, A_PTR), S(timer_getoverrun, A_INT), S(timer_settime, A_INT, A_FLAGS, A_PTR, A_PTR),
	S(timer_delete, A_INT), S(clock_gettime, A_INT, A_PTR), S(clock_getres, A_INT, A_PTR),
	S(clock_nanosleep, A_INT, A_FLAGS, A_PTR, A_PTR), S(syslog, A_INT, A_PTR, A_LEN),
	S(sched_setparam, A_SELF, A_PTR), S(sched_setscheduler, A_SELF, A_POL, A_PTR),
	S(sched_getscheduler, A_INT), S(sched_getparam, A_INT, A_PTR), S(sched_setaffinity, A_SELF, A_LEN, A_PTR),
	S(sched_getaffinity, A_INT, A_LEN, A_PTR), S0(sched_yield), S(sched_get_priority_max, A_INT),
	S(sched_get_priority_min, A_INT), S(sched_rr_get_interval, A_INT, A_PTR), S0(restart_syscall),
	S(kill, A_SELF, A_SIG), S(tkill, A_SELF, A_SIG), S(tgkill, A_SELF, A_SELF, A_SIG),
	S(sigaltstack, A_PTR, A_PTR), S(rt_sigsuspend, A_PTR, A_LEN), S(rt_sigaction, A_SIG, A_PTR, A_PTR, A_LEN),
	S(rt_sigprocmask, A_INT, A_PTR, A_PTR, A_LEN), S(rt_sigpending, A_PTR, A_LEN),
	S(rt_sigtimedwait, A_PTR, A_PTR, A_PTR, A_LEN), S(rt_sigqueueinfo, A_SELF, A_SIG, A_PTR),
	S(setpriority, A_INT, A_SELF, A_INT), S(getpriority, A_INT, A_INT), S(setregid, A_INT, A_INT),
	S(setgid, A_INT), S(setreuid, A_INT, A_INT), S(setuid, A_INT), S(setresuid, A_INT, A_INT, A_INT),
	S(getresuid, A_PTR, A_PTR, A_PTR), S(setresgid, A_INT, A_INT, A_INT), S(getresgid, A_PTR, A_PTR, A_PTR),
	S(setfsuid, A_INT), S(setfsgid, A_INT), S(times, A_PTR), S(setpgid, A_SELF, A_SELF), S(getpgid, A_INT),
	S(getsid, A_INT), S0(setsid), S(getgroups, A_INT, A_PTR), S(setgroups, A_INT, A_PTR), S(uname, A_PTR),
	S(sethostname, A_PTR, A_LEN), S(setdomainname, A_PTR, A_LEN), S(getrlimit, A_INT, A_PTR),
	S(setrlimit, A_INT, A_PTR), S(getrusage, A_INT, A_PTR), S(umask, A_MODE), S(prctl, A_INT, A_INT, A_INT, A_INT, A_INT),
	S(prctl, A_INT, A_PTR, A_INT, A_INT, A_INT), S(getcpu, A_PTR, A_PTR, A_PTR), S(gettimeofday, A_PTR, A_PTR),
	S0(getpid), S0(getppid), S0(getuid), S0(geteuid), S0(getgid), S0(getegid), S0(gettid), S(sysinfo, A_PTR),
	S(mq_open, A_MQ, A_FLAGS, A_MODE, A_PTR), S(mq_unlink, A_MQ), S(mq_timedsend, A_FD, A_PTR, A_LEN, A_INT, A_PTR),
	S(mq_timedreceive, A_FD, A_PTR, A_LEN, A_PTR, A_PTR), S(mq_getsetattr, A_FD, A_PTR, A_PTR),
	S(msgget, A_INT, A_FLAGS), S(msgctl, A_INT, A_INT, A_PTR), S(msgrcv, A_INT, A_PTR, A_LEN, A_INT, A_FLAGS),
	S(msgsnd, A_INT, A_PTR, A_LEN, A_FLAGS), S(semget, A_INT, A_INT, A_FLAGS), S(semctl, A_INT, A_INT, A_INT, A_PTR),
	S(semtimedop, A_INT, A_PTR, A_LEN, A_PTR), S(semop, A_INT, A_PTR, A_LEN), S(shmget, A_INT, A_LEN, A_FLAGS),
	S(shmctl, A_INT, A_INT, A_PTR), S(shmat, A_INT, A_ADDR, A_FLAGS), S(shmdt, A_ADDR),
	S(socket, A_INT, A_INT, A_INT), S(socketpair, A_INT, A_INT, A_INT, A_PTR), S(readahead, A_FD, A_INT, A_LEN),
	S(brk, A_ADDR), S(munmap, A_ADDR, A_LEN), S(mremap, A_ADDR, A_LEN, A_LEN, A_FLAGS, A_ADDR),
	S(clone, A_FLAGS, A_ZERO, A_PTR, A_PTR, A_PTR), S(execve, A_PATH, A_PTR, A_PTR),
	S(mmap, A_ADDR, A_LEN, A_FLAGS, A_FLAGS, A_FD, A_INT), S(fadvise64, A_FD, A_INT, A_LEN, A_INT),
	S(mprotect, A_ADDR, A_LEN, A_FLAGS), S(msync, A_ADDR, A_LEN, A_FLAGS), S(mlock, A_ADDR, A_LEN),
	S(munlock, A_ADDR, A_LEN), S(mlockall, A_FLAGS), S0(munlockall), S(mincore, A_ADDR, A_LEN, A_PTR),
	S(madvise, A_ADDR, A_LEN, A_INT), S(rt_tgsigqueueinfo, A_SELF, A_SELF, A_SIG, A_PTR),
	S(wait4, A_INT, A_PTR, A_FLAGS, A_PTR), S(prlimit64, A_SELF, A_INT, A_PTR, A_PTR),
	S(name_to_handle_at, A_DFD, A_PATH, A_PTR, A_PTR, A_FLAGS), S(syncfs, A_FD), S(setns, A_FD, A_FLAGS),
	S(kcmp, A_SELF, A_SELF, A_INT, A_INT, A_INT), S(sched_setattr, A_SELF, A_PTR, A_FLAGS),
	S(sched_getattr, A_INT, A_PTR, A_LEN, A_FLAGS), S(getrandom, A_PTR, A_LEN, A_FLAGS),
	S(memfd_create, A_PTR, A_FLAGS), S(execveat, A_DFD, A_PATH, A_PTR, A_PTR, A_FLAGS),
	S(membarrier, A_INT, A_FLAGS, A_INT), S(mlock2, A_ADDR, A_LEN, A_FLAGS),
	S(copy_file_range, A_FD, A_PTR, A_FD, A_PTR, A_LEN, A_FLAGS), S(preadv2, A_FD, A_PTR, A_INT, A_INT, A_INT, A_FLAGS),
	S(pwritev2, A_FD, A_PTR, A_INT, A_INT, A_INT, A_FLAGS), S(statx, A_DFD, A_PATH, A_FLAGS, A_INT, A_PTR),
	S(rseq, A_PTR, A_LEN, A_FLAGS, A_INT), S(pidfd_send_signal, A_FD, A_SIG, A_PTR, A_FLAGS),
	S(pidfd_open, A_SELF, A_FLAGS), S(clone3, A_PTR, A_LEN), S(close_range, A_FD, A_FD, A_FLAGS),
	S(openat2, A_DFD, A_PATH, A_PTR, A_LEN), S(pidfd_getfd, A_FD, A_FD, A_FLAGS),
	S(faccessat2, A_DFD, A_PATH, A_INT, A_FLAGS), S(epoll_pwait2, A_FD, A_PTR, A_INT, A_PTR, A_PTR, A_LEN),
	S(futex_waitv, A_PTR, A_INT, A_FLAGS, A_PTR, A_INT), S(riscv_flush_icache, A_ADDR, A_ADDR, A_FLAGS),
	{ 257, "arch_specific_257", 2, { A_INT, A_INT } }, { 400, "unused_400", 2, { A_INT, A_PTR } },
	{ 1000, "beyond_table", 1, { A_INT } },
};
#define NCALLS (sizeof calls / sizeof calls[0])

/* ---- what the child is doing, in memory the parent can read ---- */
struct slot {
	volatile long pid;
	volatile long index;     /* which child this is (seeds its stream) */
	volatile long ncalls;    /* calls made so far */
	volatile long first;     /* global number of its first call */
	volatile long cur;       /* index into calls[] of the call in progress, -1 between calls */
	volatile long args[6];
};

static unsigned char *buf;      /* the child's scratch buffer (random bytes, some structure) */
static const size_t BUF = 64 << 10;

static const char *const names[] = {
	"", ".", "a", "b", "c", "d/e", "f/g/h", "a/", "b/c", "fifo", "link", "dir", "dir/x",
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
static const char *const mqnames[] = { "/fz0", "/fz1", "/fz2", "fz3", "/", "//fz" };

static long bad_ptr(void)
{
	static const long bad[] = { 0, 1, 0x1000, 0x10000, 0x3ffffff000l, 0x4000000000l,
				    (long)0xffffffc000000000ull, (long)0xffffffff80200000ull, -1l, -4096l };
	return bad[below(sizeof bad / sizeof bad[0])];
}

static long gen(int type)
{
	switch (type) {
	case A_INT:
		switch (below(10)) {
		case 0: return 0;
		case 1: return 1;
		case 2: return -1;
		case 3: return below(64);
		case 4: return 1l << below(63);
		case 5: return (int)rnd();
		case 6: return (long)rnd();
		case 7: return 0x7fffffff;
		case 8: return (long)0x80000000ull;
		default: return below(4096);
		}
	case A_FD:
		switch (below(8)) {
		case 0: return -1;
		case 1: return 1 << 20;
		case 2: return (int)rnd();
		default: return below(16);
		}
	case A_DFD:
		return below(3) ? AT_FDCWD : gen(A_FD);
	case A_PTR:
		switch (below(10)) {
		case 0: case 1: return bad_ptr();
		case 2: return (long)(buf + below(BUF)); /* misaligned, anywhere */
		case 3: return (long)(buf + BUF - 8);    /* near the end: a struct runs off it */
		default: return (long)(buf + (below(BUF / 64) & ~7u) * 8);
		}
	case A_LEN:
		switch (below(10)) {
		case 0: return 0;
		case 1: return 1;
		case 2: return 1l << below(64);
		case 3: return -1;
		case 4: return 0x7ffff000;
		case 5: return (long)rnd();
		default: return below(8192);
		}
	case A_PATH:
		if (below(16) == 0)
			return bad_ptr();
		return (long)names[below(sizeof names / sizeof names[0])];
	case A_FLAGS:
		switch (below(6)) {
		case 0: return 0;
		case 1: return (long)rnd();
		case 2: return 1l << below(32);
		default: return (long)(rnd() & rnd() & 0xffffffff);
		}
	case A_SIG:
		switch (below(6)) {
		case 0: return 0;
		case 1: return 64 + below(200);
		case 2: return -1 - below(4);
		default: return 1 + below(64);
		}
	case A_SELF:
		switch (below(4)) {
		case 0: return 0;
		case 1: return -getpid();
		default: return getpid();
		}
	case A_ADDR:
		switch (below(8)) {
		case 0: return 0;
		case 1: return bad_ptr() & ~0xfffl;
		case 2: return (long)buf;
		case 3: return (long)(rnd() & 0x3ffffff000l);
		default: return (long)((buf + (below(BUF / 4096) << 12)));
		}
	case A_MODE:
		return below(3) ? (long)(rnd() & 07777) : (long)(rnd() & 0177777);
	case A_MQ:
		return (long)mqnames[below(sizeof mqnames / sizeof mqnames[0])];
	case A_POL:
		return below(2) ? 0 : 3 + below(6); /* SCHED_OTHER, BATCH(3), IDLE(5), and invalid ones */
	default:
		return 0;
	}
}

/* The call itself: raw ecall.  A successful fork-like clone returns 0 in the new task, whose
 * stack may be ours (CLONE_VM without a stack): it leaves at once, before touching memory. */
static long do_call(long nr, const long *a)
{
	register long a0 __asm__("a0") = a[0];
	register long a1 __asm__("a1") = a[1];
	register long a2 __asm__("a2") = a[2];
	register long a3 __asm__("a3") = a[3];
	register long a4 __asm__("a4") = a[4];
	register long a5 __asm__("a5") = a[5];
	register long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall\n"
			 "li t0, %[clone]\n"
			 "beq a7, t0, 1f\n"
			 "li t0, %[clone3]\n"
			 "bne a7, t0, 2f\n"
			 "1: bnez a0, 2f\n"
			 "li a7, %[exit]\n"
			 "li a0, 0\n"
			 "ecall\n"
			 "2:\n"
			 : "+r"(a0)
			 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7), [clone] "i"(SYS_clone),
			   [clone3] "i"(SYS_clone3), [exit] "i"(SYS_exit)
			 : "t0", "memory");
	return a0;
}

static uint64_t seed;
static long trace_from = -1;

static void child(struct slot *s, long index, long ncalls, long first)
{
	/* independent streams: hash (seed, index) into the state (consecutive states of one
	 * splitmix64 stream would only shift the same sequence) */
	rs = seed;
	uint64_t h = rnd();
	rs = h ^ ((uint64_t)index * 0xD1B54A32D192ED03ull);
	rs = rnd() ^ rnd();
	setpgid(0, 0);
	/* stdio to /dev/null: random writes must not reach the console the harness parses */
	int fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	syscall(SYS_close_range, 3, ~0u, 0);
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/fuzz/c%ld", index);
	mkdir(dir, 0755);
	if (chdir(dir) < 0)
		_exit(2);
	/* guard pages around the buffer: a struct written past its end must fault, not land in
	 * whatever mapping is next (the shared slots) */
	unsigned char *area = mmap(NULL, BUF + 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || mprotect(area + 4096, BUF, PROT_READ | PROT_WRITE) < 0)
		_exit(3);
	buf = area + 4096;
	for (size_t i = 0; i < BUF; i += 8)
		*(uint64_t *)(buf + i) = below(4) ? rnd() : below(4) ? (uint64_t)(buf + below(BUF)) : below(64);
	/* a few files to work on */
	close(open("a", O_CREAT | O_RDWR, 0644));
	mkdir("dir", 0755);
	mkfifo("fifo", 0644);
	const char *skip = getenv("FUZZ_SKIP");
	for (long i = 0; i < ncalls; i++) {
		const struct sc *c = &calls[below(NCALLS)];
		if (skip && strstr(skip, c->name)) {
			i--;
			continue;
		}
		long a[6] = { 0 };
		for (int k = 0; k < c->n; k++)
			a[k] = gen(c->a[k]);
		if (c->nr == SYS_clone)
			a[0] &= ~(long)(CLONE_VM | CLONE_SETTLS); /* a child on our stack: see do_call */
		s->cur = c - calls;
		for (int k = 0; k < 6; k++)
			s->args[k] = a[k];
		s->ncalls = i;
		if (trace_from >= 0 && first + i >= trace_from) {
			char line[256];
			int n = snprintf(line, sizeof line, "fuzz: call %ld: %s(%lx, %lx, %lx, %lx, %lx, %lx)\n", first + i,
					 c->name, a[0], a[1], a[2], a[3], a[4], a[5]);
			int con = open("/dev/console", O_WRONLY | O_NOCTTY);
			if (con >= 0) {
				write(con, line, n);
				close(con);
			}
		}
		do_call(c->nr, a);
		s->cur = -1;
	}
	s->ncalls = ncalls;
	_exit(0);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	if (remove(p) < 0) {
		chmod(p, 0700);
		remove(p);
	}
	return 0;
}

/* IPC objects and queues outlive their creators: remove every one the children made. */
static void ipc_cleanup(void)
{
	static const char *const files[] = { "/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg" };
	for (int k = 0; k < 3; k++) {
		FILE *f = fopen(files[k], "r");
		if (!f)
			continue;
		char line[512];
		fgets(line, sizeof line, f); /* header */
		while (fgets(line, sizeof line, f)) {
			long key, id;
			if (sscanf(line, "%ld %ld", &key, &id) != 2)
				continue;
			if (k == 0)
				syscall(SYS_shmctl, id, IPC_RMID, 0);
			else if (k == 1)
				syscall(SYS_semctl, id, 0, IPC_RMID, 0);
			else
				syscall(SYS_msgctl, id, IPC_RMID, 0);
		}
		fclose(f);
	}
	for (size_t i = 0; i < sizeof mqnames / sizeof mqnames[0]; i++)
		syscall(SYS_mq_unlink, mqnames[i]);
}

static long envl(const char *k, long d)
{
	const char *v = getenv(k);
	return v ? strtol(v, NULL, 0) : d;
}

int main(void)
{
	const char *name = getenv("FUZZ_NAME");
	mt_begin(name && *name ? name : "sysfuzz");
	/* as PID 1 nothing has mounted /proc: MemFree and the IPC lists are read there */
	mkdir("/proc", 0555);
	if (access("/proc/meminfo", R_OK) < 0)
		mount("proc", "/proc", "proc", 0, NULL);
	struct utsname u;
	uname(&u);
	int menuos = strstr(u.release, "menuos") != NULL;
	seed = (uint64_t)envl("FUZZ_SEED", 1);
	long want = envl("FUZZ_CALLS", 100000);
	long procs = envl("FUZZ_PROCS", 6);
	long per_child = envl("FUZZ_PER_CHILD", 4000);
	/* Linux's MemFree moves by a few MiB with its page cache, slab and per-CPU page lists
	 * (seen: 2.8 MiB after 100,000 calls); MenuOS's within 256 kB: its kmalloc caches give
	 * emptied slabs back but keep up to 2 empty ones each, 62 pages at most (mm/slub.rs). */
	long tol = envl("FUZZ_MEM_TOL_KB", menuos ? 256 : 8192);
	trace_from = envl("FUZZ_TRACE_FROM", -1);
	if (procs < 1 || procs > 16)
		procs = 3;
	printf("fuzz: seed=%llu calls=%ld procs=%ld per-child=%ld (%zu syscalls)\n", (unsigned long long)seed, want,
	       procs, per_child, NCALLS);
	mkdir("/tmp", 01777);
	mkdir("/tmp/fuzz", 0755);
	/* first-use allocations go into the baseline: the page cache of this program's whole file
	 * (a child's mlockall or MAP_POPULATE faults in every page of it, which stays cached as
	 * on Linux), and /proc/meminfo's own */
	mlockall(MCL_CURRENT);
	munlockall();
	mt_meminfo_kb("MemFree:");
	struct slot *slots = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset((void *)slots, 0, 4096);
	long free0 = mt_meminfo_kb("MemFree:");

	long reported = 0, done = 0, next_index = 0, next_first = 0, spawned = 0, killed = 0, crashed = 0;
	/* what the parent trusts is its own: pid, index, first call; the slots (which a child's
	 * random calls may scribble on) only report progress */
	long pid_of[16] = { 0 }, index_of[16], first_of[16];
	long last_ncalls[16], last_change[16], killed_at[16];
	int hang = 0;
	long started = now_ms();
	while (!hang) {
		/* reap */
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0) {
			for (long k = 0; k < procs; k++)
				if (pid_of[k] == p) {
					long n = slots[k].ncalls;
					done += n >= 0 && n <= per_child ? n : 0;
					if (!WIFEXITED(st))
						crashed++;
					else if (getenv("FUZZ_DEBUG"))
						printf("fuzz: child %ld exit %d after %ld calls\n", index_of[k], WEXITSTATUS(st),
						       slots[k].ncalls);
					pid_of[k] = 0;
					/* its scratch directory goes with it: 4 inodes a child, kept, would fill
					 * the rootfs's inode budget (half of RAM in pages, as Linux's tmpfs)
					 * after some 16,000 children at 512 MiB, and every later child would die
					 * at once, before its first call */
					char dir[64];
					snprintf(dir, sizeof dir, "/tmp/fuzz/c%ld", index_of[k]);
					nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
				}
		}
		if (done / 10000 != reported) {
			reported = done / 10000;
			printf("fuzz: %ld calls (children up to %ld, call numbers up to %ld)\n", done, next_index, next_first);
		}
		/* spawn */
		for (long k = 0; k < procs; k++) {
			long inflight = 0;
			for (long j = 0; j < procs; j++)
				if (pid_of[j])
					inflight += per_child;
			if (pid_of[k] != 0 || done + inflight >= want)
				continue;
			long n = per_child;
			index_of[k] = next_index;
			first_of[k] = next_first;
			slots[k].ncalls = 0;
			slots[k].cur = -1;
			pid_t c = fork();
			if (c == 0)
				child(&slots[k], next_index, n, next_first);
			if (c < 0) {
				mt_report(0, "fork", "fork: %s", strerror(errno));
				hang = 1;
				break;
			}
			pid_of[k] = c;
			last_ncalls[k] = -1;
			last_change[k] = now_ms();
			killed_at[k] = 0;
			next_index++;
			next_first += n;
			spawned++;
		}
		int running = 0;
		for (long k = 0; k < procs; k++)
			running += pid_of[k] != 0;
		if (!running && done >= want)
			break;
		/* stalls: a child making no progress for 2 s is killed; one SIGKILL cannot end in 10 s
		 * is a kernel hang */
		long t = now_ms();
		for (long k = 0; k < procs; k++) {
			if (pid_of[k] == 0)
				continue;
			if (slots[k].ncalls != last_ncalls[k] && !killed_at[k]) {
				last_ncalls[k] = slots[k].ncalls;
				last_change[k] = t;
			} else if (!killed_at[k] && t - last_change[k] > 1000) {
				kill(pid_of[k], SIGKILL);
				killed_at[k] = t;
				killed++;
			} else if (killed_at[k] && t - killed_at[k] > 10000) {
				long c = slots[k].cur;
				printf("FAIL sysfuzz/no-hang: child %ld (pid %ld) still alive 10 s after SIGKILL, in call %ld: "
				       "%s(%lx, %lx, %lx, %lx, %lx, %lx); seed %llu\n",
				       index_of[k], pid_of[k], first_of[k] + slots[k].ncalls,
				       c >= 0 && c < (long)NCALLS ? calls[c].name : "?", slots[k].args[0], slots[k].args[1],
				       slots[k].args[2], slots[k].args[3], slots[k].args[4], slots[k].args[5],
				       (unsigned long long)seed);
				mt_nfail++;
				hang = 1;
			}
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	long secs = (now_ms() - started) / 1000;
	printf("fuzz: %ld calls by %ld children in %ld s (%ld killed when stalled, %ld died by a signal)\n", done,
	       spawned, secs, killed, crashed);
	CHECK("no-hang", !hang);
	CHECK("calls-done", done >= want);
	/* leave nothing behind: the scratch tree, IPC objects, queues */
	for (long k = 0; k < procs; k++)
		if (pid_of[k])
			kill(pid_of[k], SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	nftw("/tmp/fuzz", rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ipc_cleanup();
	syscall(SYS_syslog, 7, 0, 0); /* SYSLOG_ACTION_CONSOLE_ON: a child may have turned it off */
	long free1 = mt_meminfo_kb("MemFree:");
	/* a leak takes frames: MemFree below its baseline (more is fine: the baseline held a
	 * little the parent has since given back) */
	mt_report(free1 >= free0 - tol, "memfree-back", "MemFree %ld kB -> %ld kB (tolerance %ld kB)", free0,
		  free1, tol);
	mt_end();
}
