/* t_clone: the raw clone syscall (220; RISC-V order: flags, newsp, parent_tid, tls, child_tid).
 * Children that share the address space use only raw syscalls (no glibc: errno and locks
 * live in the parent's thread). */
#include "mtest.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif

/* long raw_clone(flags, newsp, ptid, tls, ctid, fn, arg): the child (a0 == 0) runs fn(arg) on
 * its stack and exits with its return value through the exit syscall (93); every register
 * except a0 (and sp, tp when asked) is the parent's in the child.  Returns -errno on error. */
long raw_clone(unsigned long flags, void *newsp, int *ptid, unsigned long tls, int *ctid,
	       long (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl raw_clone\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	li a7, 220\n"
	"	ecall\n"
	"	bnez a0, 1f\n"
	"	mv a0, a6\n"
	"	jalr a5\n"
	"	li a7, 93\n"
	"	ecall\n"
	"1:	ret\n"
	".size raw_clone, .-raw_clone\n");

static inline long rsys(long n, long a, long b, long c, long d)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a7 __asm__("a7") = n;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a7) : "memory");
	return a0;
}

static char *new_stack(void)
{
	size_t sz = 64 * 1024;
	char *s = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return s == MAP_FAILED ? NULL : s + sz;
}

static volatile long vm_var;
static volatile long got_tp, got_tid, got_pid, got_ctid;
static int ctid_word, ptid_word;

static long fn_set_var(void *arg)
{
	vm_var = (long)arg;
	return 0;
}

static long fn_tp(void *arg)
{
	long tp;
	__asm__ volatile("mv %0, tp" : "=r"(tp));
	got_tp = tp;
	return 0;
}

static long fn_tp_status(void *arg)
{
	long tp;
	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return tp == 0x5a5a5000 ? 0 : 1;
}

static long fn_ids(void *arg)
{
	got_pid = rsys(SYS_getpid, 0, 0, 0, 0);
	got_tid = rsys(SYS_gettid, 0, 0, 0, 0);
	got_ctid = *(volatile int *)arg;
	return 0;
}

/* rt_sigaction(SIGUSR2, SIG_IGN) with the kernel's struct (handler, flags, mask) */
static long fn_ignore_usr2(void *arg)
{
	unsigned long act[3] = { (unsigned long)SIG_IGN, 0, 0 };
	return rsys(SYS_rt_sigaction, SIGUSR2, (long)act, 0, 8) == 0 ? 0 : 1;
}

static long fn_thread(void *arg)
{
	got_pid = rsys(SYS_getpid, 0, 0, 0, 0);
	got_tid = rsys(SYS_gettid, 0, 0, 0, 0);
	vm_var = 1;
	return 0; /* exit (93) ends only this thread */
}

static long fn_sleep_set(void *arg)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	rsys(SYS_nanosleep, (long)&ts, 0, 0, 0);
	vm_var = 2;
	return 0;
}

int main(void)
{
	mt_begin("t_clone");
	pid_t me = getpid();
	long r;
	int st;

	/* fork-style clone: no new stack, SIGCHLD as exit signal */
	r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(getppid() == me ? 11 : 12);
	CHECK("fork-style-clone", r > 0);
	st = mt_reap(r);
	CHECK("fork-style-child-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 11);

	/* CLONE_VM with a new stack: the child's write is visible */
	vm_var = 0;
	r = raw_clone(CLONE_VM | SIGCHLD, new_stack(), NULL, 0, NULL, fn_set_var, (void *)1234);
	CHECK("clone-vm", r > 0);
	st = mt_reap(r);
	CHECK("clone-vm-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("clone-vm-shared-write", vm_var, 1234);

	/* without CLONE_VM the write stays in the child's copy */
	vm_var = 0;
	r = raw_clone(SIGCHLD, new_stack(), NULL, 0, NULL, fn_set_var, (void *)99);
	CHECK("clone-novm-newstack", r > 0);
	st = mt_reap(r);
	CHECK("clone-novm-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("clone-novm-not-shared", vm_var, 0);

	/* CLONE_VFORK with CLONE_VM: the parent waits for the child's exit */
	vm_var = 0;
	r = raw_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, new_stack(), NULL, 0, NULL, fn_sleep_set, 0);
	CHECK_EQ("clone-vfork-parent-waited", vm_var, 2);
	mt_reap(r);

	/* CLONE_VFORK without CLONE_VM: the parent still waits, the memory is a copy */
	vm_var = 0;
	{
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = raw_clone(CLONE_VFORK | SIGCHLD, new_stack(), NULL, 0, NULL, fn_sleep_set, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		mt_report(dt > 0.08, "clone-vfork-novm-parent-waited", "clone returned after %.3f s", dt);
		CHECK_EQ("clone-vfork-novm-not-shared", vm_var, 0);
		mt_reap(r);
	}

	/* bad parent_tid / child_tid pointers are ignored (put_user errors are not reported) */
	{
		int *volatile bad = (int *)16;
		r = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, bad, 0, 0);
		if (r == 0)
			_exit(13);
		CHECK("parent-settid-bad-pointer-ignored", r > 0);
		st = mt_reap(r);
		CHECK("parent-settid-bad-pointer-child-ran", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 13);
		r = syscall(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, bad);
		if (r == 0)
			_exit(14);
		CHECK("child-settid-bad-pointer-ignored", r > 0);
		st = mt_reap(r);
		CHECK("child-settid-bad-pointer-child-ran", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 14);
	}

	/* CLONE_PARENT_SETTID stores the new tid in the parent (also for fork-style clones) */
	ptid_word = -1;
	r = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid_word, 0, 0);
	if (r == 0)
		_exit(0);
	CHECK_EQ("parent-settid-fork-style", ptid_word, r);
	mt_reap(r);
	ptid_word = -1;
	r = raw_clone(CLONE_VM | CLONE_PARENT_SETTID | SIGCHLD, new_stack(), &ptid_word, 0, NULL,
		      fn_set_var, 0);
	CHECK_EQ("parent-settid-vm", ptid_word, r);
	mt_reap(r);

	/* CLONE_CHILD_SETTID stores the tid in the child's memory */
	ctid_word = -1;
	r = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0, &ctid_word);
	if (r == 0)
		_exit(ctid_word == getpid() ? 0 : 1);
	CHECK_EQ("child-settid-in-child", WEXITSTATUS(mt_reap(r)), 0);
	CHECK_EQ("child-settid-not-in-parent", ctid_word, -1);
	ctid_word = -1;
	got_ctid = 0;
	r = raw_clone(CLONE_VM | CLONE_CHILD_SETTID | SIGCHLD, new_stack(), NULL, 0, &ctid_word,
		      fn_ids, &ctid_word);
	mt_reap(r);
	CHECK_EQ("child-settid-vm-seen-by-child", got_ctid, r);
	CHECK_EQ("child-settid-vm-in-parent", ctid_word, r);

	/* CLONE_CHILD_CLEARTID: zero written (and futex woken) when the child exits */
	ctid_word = 12345;
	r = raw_clone(CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, new_stack(), NULL, 0, &ctid_word,
		      fn_set_var, 0);
	st = mt_reap(r);
	CHECK_EQ("child-cleartid-cleared", ctid_word, 0);
	/* SETTID + CLEARTID: the parent waits on the futex only, not with wait */
	ctid_word = -1;
	vm_var = 0;
	r = raw_clone(CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, new_stack(),
		      NULL, 0, &ctid_word, fn_sleep_set, 0);
	{
		int spins = 0, v;
		struct timespec to = { 1, 0 };
		while ((v = __atomic_load_n(&ctid_word, __ATOMIC_SEQ_CST)) != 0 && spins++ < 20)
			syscall(SYS_futex, &ctid_word, FUTEX_WAIT, v, &to, 0, 0);
		CHECK_EQ("cleartid-futex-wake", ctid_word, 0);
		CHECK_EQ("cleartid-child-ran", vm_var, 2);
	}
	mt_reap(r);

	/* CLONE_SETTLS sets the child's tp */
	got_tp = 0;
	r = raw_clone(CLONE_VM | CLONE_SETTLS | SIGCHLD, new_stack(), NULL, 0x5a5a5000, NULL, fn_tp, 0);
	mt_reap(r);
	CHECK_EQ("settls-child-tp", got_tp, 0x5a5a5000);
	/* fork-style with CLONE_SETTLS: the child reports through its exit status */
	r = raw_clone(CLONE_SETTLS | SIGCHLD, new_stack(), NULL, 0x5a5a5000, NULL, fn_tp_status, 0);
	st = mt_reap(r);
	CHECK("settls-fork-style", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	{
		long mytp;
		__asm__ volatile("mv %0, tp" : "=r"(mytp));
		got_tp = 0;
		r = raw_clone(CLONE_VM | SIGCHLD, new_stack(), NULL, 0x5a5a5000, NULL, fn_tp, 0);
		mt_reap(r);
		CHECK_EQ("no-settls-inherits-tp", got_tp, mytp);
	}

	/* CLONE_FILES shares the fd table */
	{
		r = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(open("/dev/null", O_RDONLY));
		st = mt_reap(r);
		int fd = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		CHECK("clone-files-child-opened", fd > 2);
		CHECK("clone-files-fd-visible", fd > 2 && fcntl(fd, F_GETFD) >= 0);
		r = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(close(fd) == 0 ? 0 : 1);
		st = mt_reap(r);
		CHECK_ERR("clone-files-child-close-visible", fcntl(fd, F_GETFD), EBADF);

		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(open("/dev/null", O_RDONLY));
		st = mt_reap(r);
		fd = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		CHECK("no-clone-files-child-opened", fd > 2);
		CHECK_ERR("no-clone-files-fd-private", fcntl(fd, F_GETFD), EBADF);
	}

	/* CLONE_FS shares umask and cwd */
	{
		mode_t old = umask(022);
		r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		if (r == 0) {
			umask(077);
			_exit(chdir("/tmp") == 0 ? 0 : 1);
		}
		mt_reap(r);
		CHECK_EQ("clone-fs-umask-shared", umask(022), 077);
		char buf[64] = "";
		getcwd(buf, sizeof buf);
		CHECK("clone-fs-cwd-shared", strcmp(buf, "/tmp") == 0);
		chdir("/");
		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0) {
			umask(077);
			_exit(chdir("/tmp") == 0 ? 0 : 1);
		}
		mt_reap(r);
		CHECK_EQ("no-clone-fs-umask-private", umask(old), 022);
		getcwd(buf, sizeof buf);
		CHECK("no-clone-fs-cwd-private", strcmp(buf, "/") == 0);
	}

	/* CLONE_SIGHAND shares the signal handlers */
	{
		struct sigaction sa;
		signal(SIGUSR2, SIG_DFL);
		r = raw_clone(CLONE_VM | CLONE_SIGHAND | SIGCHLD, new_stack(), NULL, 0, NULL,
			      fn_ignore_usr2, 0);
		st = mt_reap(r);
		CHECK("clone-sighand-child-ok", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		sigaction(SIGUSR2, NULL, &sa);
		CHECK("clone-sighand-shared", sa.sa_handler == SIG_IGN);
		signal(SIGUSR2, SIG_DFL);
		r = raw_clone(CLONE_VM | SIGCHLD, new_stack(), NULL, 0, NULL, fn_ignore_usr2, 0);
		mt_reap(r);
		sigaction(SIGUSR2, NULL, &sa);
		CHECK("no-clone-sighand-private", sa.sa_handler == SIG_DFL);
	}

	/* a thread: CLONE_THREAD shares the tgid; its exit does not end the process */
	{
		const unsigned long tf = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
					 CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
					 CLONE_CHILD_CLEARTID;
		ptid_word = 0;
		ctid_word = -1; /* the thread may not have run yet when clone returns */
		vm_var = 0;
		got_pid = got_tid = 0;
		r = raw_clone(tf, new_stack(), &ptid_word, 0, &ctid_word, fn_thread, 0);
		CHECK("thread-created", r > 0);
		int v, spins = 0;
		struct timespec to = { 1, 0 };
		while ((v = __atomic_load_n(&ctid_word, __ATOMIC_SEQ_CST)) != 0 && spins++ < 20)
			syscall(SYS_futex, &ctid_word, FUTEX_WAIT, v, &to, 0, 0);
		CHECK_EQ("thread-ran", vm_var, 1);
		CHECK_EQ("thread-getpid-is-tgid", got_pid, me);
		CHECK_EQ("thread-gettid", got_tid, r);
		CHECK("thread-tid-differs", got_tid != me);
		CHECK_EQ("thread-ptid", ptid_word, r);
		CHECK_ERR("thread-not-waitable", waitpid(r, &st, __WALL | WNOHANG), ECHILD);
	}

	/* exit signal 0: only __WCLONE / __WALL waits see the child */
	{
		r = raw_clone(CLONE_VM, new_stack(), NULL, 0, NULL, fn_sleep_set, 0);
		CHECK("exit-signal-0-allowed", r > 0);
		CHECK_ERR("exit-signal-0-plain-wait-echild", waitpid(r, &st, WNOHANG), ECHILD);
		st = mt_reap_flags(r, __WALL);
		CHECK("exit-signal-0-wall", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		r = raw_clone(CLONE_VM, new_stack(), NULL, 0, NULL, fn_set_var, 0);
		st = mt_reap_flags(r, __WCLONE);
		CHECK("exit-signal-0-wclone", st >= 0 && WIFEXITED(st));
		/* a SIGCHLD child is not a __WCLONE child */
		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			_exit(0);
		}
		CHECK_ERR("sigchld-child-not-wclone", waitpid(r, &st, __WCLONE | WNOHANG), ECHILD);
		mt_reap(r);
		/* exit signal SIGUSR1 (not SIGCHLD) also makes a "clone" child */
		signal(SIGUSR1, SIG_IGN);
		r = syscall(SYS_clone, SIGUSR1, 0, 0, 0, 0);
		if (r == 0)
			_exit(4);
		CHECK_ERR("sigusr1-child-plain-wait-echild", waitpid(r, &st, WNOHANG), ECHILD);
		st = mt_reap_flags(r, __WCLONE);
		CHECK("sigusr1-child-wclone", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 4);
		signal(SIGUSR1, SIG_DFL);
	}

	/* argument errors, in copy_process order */
	CHECK_ERR("newns-fs-einval", syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("newuser-fs-einval",
		  syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("thread-without-sighand-einval",
		  syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("sighand-without-vm-einval", syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("thread-sighand-without-vm-einval",
		  syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0), EINVAL);
	if (me == 1) /* init (SIGNAL_UNKILLABLE) may not make siblings */
		CHECK_ERR("parent-from-init-einval",
			  syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0), EINVAL);
	{
		int pfd = -1;
		CHECK_ERR("pidfd-detached-einval",
			  syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &pfd, 0, 0),
			  EINVAL);
		CHECK_ERR("pidfd-thread-einval",
			  syscall(SYS_clone,
				  CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, &pfd, 0, 0),
			  EINVAL);
		/* legacy clone passes parent_tidptr as the pidfd pointer too: always the same */
		CHECK_ERR("pidfd-parent-settid-einval",
			  syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pfd, 0, 0),
			  EINVAL);
		CHECK_EQ("pidfd-untouched-on-error", pfd, -1);
		/* CLONE_PIDFD alone: the pidfd is stored through parent_tidptr */
		r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, 0, 0);
		if (r == 0)
			_exit(0);
		CHECK("clone-pidfd-stored", pfd > 2 && fcntl(pfd, F_GETFD) == FD_CLOEXEC);
		mt_reap(r);
		close(pfd);
		/* CLONE_DETACHED alone is ignored by the legacy clone */
		r = syscall(SYS_clone, CLONE_DETACHED | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(6);
		CHECK("detached-ignored", r > 0);
		st = mt_reap(r);
		CHECK("detached-child-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 6);

		/* A clone that fails after its pid was allocated (here: the pidfd cannot be stored,
		 * EFAULT) gives the pid back: more failures than there are pids (pid_max 32768), then
		 * fork still works (Linux: free_pid() on bad_fork_put_pidfd; it once leaked). */
		int efault = 0, other = 0;
		for (int i = 0; i < 33000; i++) {
			long e = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (int *)8, 0, 0);
			if (e == 0)
				_exit(0);
			if (e == -1 && errno == EFAULT)
				efault++;
			else
				other++;
		}
		CHECK_EQ("pidfd-efault-33000", efault, 33000);
		CHECK_EQ("pidfd-efault-nothing-else", other, 0);
		r = fork();
		if (r == 0)
			_exit(7);
		CHECK("fork-after-33000-failed-clones", r > 0);
		st = mt_reap(r);
		CHECK("fork-after-failed-clones-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	}

	/* CLONE_PARENT works from a non-init process: the grandchild becomes our child */
	{
		int p[2];
		pipe(p);
		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0) {
			long g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
			if (g == 0)
				_exit(getppid() == me ? 21 : 22);
			write(p[1], &g, sizeof g);
			_exit(g > 0 ? 0 : 1);
		}
		long g = -1;
		read(p[0], &g, sizeof g);
		st = mt_reap(r);
		CHECK("clone-parent-from-child", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		st = g > 0 ? mt_reap(g) : -1;
		CHECK("clone-parent-sibling-reaped-by-us",
		      st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 21);
		close(p[0]);
		close(p[1]);
	}

	CHECK_ERR("no-children-left", waitpid(-1, &st, __WALL | WNOHANG), ECHILD);
	mt_end();
}
