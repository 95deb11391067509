/* t_clone3: clone3 (435) argument checking in copy_clone_args_from_user / clone3_args_valid
 * order, plain forks, CLONE_PIDFD (waitid P_PIDFD, poll, pidfd_send_signal), set_tid,
 * CLONE_CLEAR_SIGHAND.  (qemu-riscv64-static returns ENOSYS for clone3.) */
#include "mtest.h"
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone3(void *args, size_t size)
{
	return syscall(SYS_clone3, args, size);
}

/* clone3 child on a new stack: a0 = args, a1 = size, a2 = fn, a3 = arg */
long raw_clone3(void *args, size_t size, long (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl raw_clone3\n"
	".type raw_clone3, @function\n"
	"raw_clone3:\n"
	"	li a7, 435\n"
	"	ecall\n"
	"	bnez a0, 1f\n"
	"	mv a0, a3\n"
	"	jalr a2\n"
	"	li a7, 93\n"
	"	ecall\n"
	"1:	ret\n"
	".size raw_clone3, .-raw_clone3\n");

static volatile long stack_var;
static long fn_on_stack(void *arg)
{
	long here;
	__asm__ volatile("mv %0, sp" : "=r"(here));
	stack_var = here;
	return 0;
}

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
	mt_begin("t_clone3");
	pid_t me = getpid();
	struct clone_args_v2 a;
	long r;
	int st;
	static char big[8192];

	/* size and pointer checks: E2BIG before EINVAL before EFAULT */
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	CHECK_ERR("size-0-einval", clone3(&a, 0), EINVAL);
	CHECK_ERR("size-63-einval", clone3(&a, 63), EINVAL);
	CHECK_ERR("size-gt-page-e2big", clone3(big, 4097), E2BIG);
	CHECK_ERR("size-gt-page-null-e2big", clone3(NULL, 8192), E2BIG);
	CHECK_ERR("size-small-null-einval", clone3(NULL, 32), EINVAL);
	CHECK_ERR("null-pointer-efault", clone3(NULL, 88), EFAULT);
	CHECK_ERR("bad-pointer-efault", clone3((void *)16, 64), EFAULT);
	/* bytes past the kernel's struct must be zero */
	memset(big, 0, sizeof big);
	memcpy(big, &a, sizeof a);
	big[100] = 1;
	CHECK_ERR("nonzero-tail-e2big", clone3(big, 128), E2BIG);
	big[100] = 0;
	big[4095] = 1;
	CHECK_ERR("nonzero-tail-end-e2big", clone3(big, 4096), E2BIG);
	big[4095] = 0;

	/* field checks */
	memset(&a, 0, sizeof a);
	a.flags = SIGCHLD; /* CSIGNAL bits are not accepted in flags */
	CHECK_ERR("csignal-in-flags-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = CLONE_DETACHED;
	CHECK_ERR("detached-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = 1ULL << 40; /* unknown flag */
	CHECK_ERR("unknown-flag-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = 0;
	a.exit_signal = 65;
	CHECK_ERR("exit-signal-65-einval", clone3(&a, sizeof a), EINVAL);
	a.exit_signal = 0x100000000ULL | SIGCHLD;
	CHECK_ERR("exit-signal-high-bits-einval", clone3(&a, sizeof a), EINVAL);
	a.exit_signal = SIGCHLD;
	a.stack = (uint64_t)(uintptr_t)big;
	CHECK_ERR("stack-without-size-einval", clone3(&a, sizeof a), EINVAL);
	a.stack = 0;
	a.stack_size = 4096;
	CHECK_ERR("size-without-stack-einval", clone3(&a, sizeof a), EINVAL);
	a.stack_size = 0;
	a.flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND;
	CHECK_ERR("sighand-clear-sighand-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM; /* threads need exit_signal 0 */
	CHECK_ERR("thread-with-exit-signal-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = CLONE_PARENT;
	CHECK_ERR("parent-with-exit-signal-einval", clone3(&a, sizeof a), EINVAL);
	if (me == 1) {
		a.flags = CLONE_PARENT;
		a.exit_signal = 0;
		CHECK_ERR("parent-from-init-einval", clone3(&a, sizeof a), EINVAL);
		a.exit_signal = SIGCHLD;
	}
	a.flags = CLONE_SIGHAND; /* copy_process: CLONE_SIGHAND without CLONE_VM */
	CHECK_ERR("sighand-without-vm-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = 0;
	{
		int pid_tid[2];
		a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
		a.pidfd = a.parent_tid = (uint64_t)(uintptr_t)pid_tid;
		CHECK_ERR("pidfd-settid-same-pointer-einval", clone3(&a, sizeof a), EINVAL);
		a.flags = 0;
		a.pidfd = a.parent_tid = 0;
	}
	{
		pid_t tids[2] = { 0, 0 };
		a.set_tid_size = 1; /* set_tid_size without set_tid */
		CHECK_ERR("set-tid-size-without-array-einval", clone3(&a, sizeof a), EINVAL);
		a.set_tid = (uint64_t)(uintptr_t)tids;
		a.set_tid_size = 0;
		CHECK_ERR("set-tid-without-size-einval", clone3(&a, sizeof a), EINVAL);
		a.set_tid_size = 33;
		CHECK_ERR("set-tid-size-33-einval", clone3(&a, sizeof a), EINVAL);
		a.set_tid_size = 2; /* more levels than the pid namespace has */
		tids[0] = tids[1] = 500;
		CHECK_ERR("set-tid-too-deep-einval", clone3(&a, sizeof a), EINVAL);
		a.set_tid_size = 1;
		tids[0] = -5;
		CHECK_ERR("set-tid-negative-einval", clone3(&a, sizeof a), EINVAL);
		/* a chosen pid (CHECKPOINT_RESTORE, root) */
		tids[0] = 777;
		r = clone3(&a, sizeof a);
		if (r == 0)
			_exit(getpid() == 777 ? 0 : 1);
		CHECK_EQ("set-tid-777", r, 777);
		if (r > 0) {
			CHECK_ERR("set-tid-busy-eexist", clone3(&a, sizeof a), EEXIST);
			st = mt_reap(r);
			CHECK("set-tid-child-sees-777", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		}
		a.set_tid = 0;
		a.set_tid_size = 0;
	}
	a.flags = CLONE_INTO_CGROUP;
	a.cgroup = 1ULL << 40;
	CHECK_ERR("cgroup-fd-too-big-einval", clone3(&a, sizeof a), EINVAL);
	a.flags = 0;
	a.cgroup = 0;

	/* a plain fork through clone3, with the minimal (64-byte) and a padded (zero tail) size */
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	r = clone3(&a, 64);
	if (r == 0)
		_exit(getppid() == me ? 31 : 32);
	CHECK("plain-fork-v0", r > 0);
	st = mt_reap(r);
	CHECK("plain-fork-v0-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 31);
	memset(big, 0, sizeof big);
	memcpy(big, &a, sizeof a);
	r = clone3(big, 4096);
	if (r == 0)
		_exit(33);
	CHECK("plain-fork-4096", r > 0);
	st = mt_reap(r);
	CHECK("plain-fork-4096-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 33);
	/* exit_signal 64 is a valid signal */
	a.exit_signal = 64;
	r = clone3(&a, sizeof a);
	if (r == 0)
		_exit(34);
	CHECK("exit-signal-64-ok", r > 0);
	st = -1;
	waitpid(r, &st, __WCLONE);
	CHECK("exit-signal-64-wclone", WIFEXITED(st) && WEXITSTATUS(st) == 34);
	a.exit_signal = SIGCHLD;

	/* CLONE_PARENT_SETTID, CLONE_CHILD_SETTID */
	{
		int ptid = -1, ctid = -1;
		a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
		a.parent_tid = (uint64_t)(uintptr_t)&ptid;
		a.child_tid = (uint64_t)(uintptr_t)&ctid;
		r = clone3(&a, sizeof a);
		if (r == 0)
			_exit(ctid == getpid() ? 0 : 1);
		CHECK_EQ("parent-settid", ptid, r);
		st = mt_reap(r);
		CHECK("child-settid", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK_EQ("child-settid-not-in-parent", ctid, -1);
		memset(&a, 0, sizeof a);
		a.exit_signal = SIGCHLD;
	}

	/* a new stack: stack + stack_size is the child's sp */
	{
		size_t sz = 64 * 1024;
		char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		a.flags = CLONE_VM | CLONE_VFORK;
		a.stack = (uint64_t)(uintptr_t)stk;
		a.stack_size = sz;
		stack_var = 0;
		r = raw_clone3(&a, sizeof a, fn_on_stack, NULL);
		CHECK("new-stack-clone", r > 0);
		CHECK("new-stack-sp-inside",
		      stack_var > (long)stk && stack_var <= (long)(stk + sz));
		mt_reap(r);
		memset(&a, 0, sizeof a);
		a.exit_signal = SIGCHLD;
	}

	/* CLONE_PIDFD: waitid(P_PIDFD), poll, pidfd_send_signal */
	{
		int pidfd = -1, p[2];
		pipe(p);
		a.flags = CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)&pidfd;
		r = clone3(&a, sizeof a);
		if (r == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(41);
		}
		close(p[0]);
		CHECK("pidfd-returned", r > 0 && pidfd > 2);
		CHECK_EQ("pidfd-cloexec", fcntl(pidfd, F_GETFD), FD_CLOEXEC);
		struct pollfd pf = { pidfd, POLLIN, 0 };
		CHECK_EQ("pidfd-poll-alive", poll(&pf, 1, 0), 0);
		close(p[1]); /* lets the child exit */
		pf.revents = 0;
		CHECK_EQ("pidfd-poll-exited", poll(&pf, 1, 5000), 1);
		CHECK("pidfd-pollin", pf.revents & POLLIN);
		siginfo_t si;
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-pidfd", waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
		CHECK_EQ("waitid-pidfd-pid", si.si_pid, r);
		CHECK_EQ("waitid-pidfd-code", si.si_code, CLD_EXITED);
		CHECK_EQ("waitid-pidfd-status", si.si_status, 41);
		CHECK_ERR("waitid-pidfd-reaped-echild", waitid(P_PIDFD, pidfd, &si, WEXITED | WNOHANG),
			  ECHILD);
		CHECK_ERR("pidfd-send-signal-reaped-esrch",
			  syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), ESRCH);
		close(pidfd);

		pidfd = -1;
		r = clone3(&a, sizeof a);
		if (r == 0) {
			for (;;)
				pause();
		}
		CHECK_ERR("pidfd-send-signal-bad-flags",
			  syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 1), EINVAL);
		CHECK_ERR("pidfd-send-signal-bad-fd", syscall(SYS_pidfd_send_signal, 1000, SIGTERM, NULL, 0),
			  EBADF);
		int nul = open("/dev/null", O_RDONLY);
		CHECK_ERR("pidfd-send-signal-not-pidfd",
			  syscall(SYS_pidfd_send_signal, nul, SIGTERM, NULL, 0), EBADF);
		close(nul);
		CHECK_EQ("pidfd-send-signal-0", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0), 0);
		CHECK_EQ("pidfd-send-signal-term", syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0),
			 0);
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-pidfd-killed", waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
		CHECK_EQ("waitid-pidfd-killed-code", si.si_code, CLD_KILLED);
		CHECK_EQ("waitid-pidfd-killed-sig", si.si_status, SIGTERM);
		close(pidfd);
		CHECK_ERR("waitid-pidfd-bad-fd", waitid(P_PIDFD, pidfd, &si, WEXITED), EBADF);

		/* pidfd_open on a child */
		r = clone3(&a, sizeof a);
		if (r == 0)
			_exit(43);
		int pfd2 = syscall(SYS_pidfd_open, r, 0);
		CHECK("pidfd-open", pfd2 > 2);
		memset(&si, 0, sizeof si);
		CHECK_EQ("pidfd-open-waitid", waitid(P_PIDFD, pfd2, &si, WEXITED), 0);
		CHECK_EQ("pidfd-open-waitid-status", si.si_status, 43);
		close(pfd2);
		CHECK_ERR("pidfd-open-no-such-pid", syscall(SYS_pidfd_open, r, 0), ESRCH);
		CHECK_ERR("pidfd-open-bad-flags", syscall(SYS_pidfd_open, me, 1), EINVAL);
		CHECK_ERR("pidfd-open-negative-pid", syscall(SYS_pidfd_open, -1, 0), EINVAL);
		memset(&a, 0, sizeof a);
		a.exit_signal = SIGCHLD;
	}

	/* a bad pidfd pointer: EFAULT and no child */
	{
		a.flags = CLONE_PIDFD;
		a.pidfd = 16;
		CHECK_ERR("pidfd-bad-pointer-efault", clone3(&a, sizeof a), EFAULT);
		CHECK_ERR("pidfd-bad-pointer-no-child", waitpid(-1, &st, __WALL | WNOHANG), ECHILD);
		memset(&a, 0, sizeof a);
		a.exit_signal = SIGCHLD;
	}

	/* CLONE_CLEAR_SIGHAND: handlers reset to SIG_DFL in the child, SIG_IGN kept */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
		signal(SIGUSR2, SIG_IGN);
		a.flags = CLONE_CLEAR_SIGHAND;
		r = clone3(&a, sizeof a);
		if (r == 0) {
			struct sigaction o1, o2;
			sigaction(SIGUSR1, NULL, &o1);
			sigaction(SIGUSR2, NULL, &o2);
			_exit((o1.sa_handler == SIG_DFL ? 1 : 0) | (o2.sa_handler == SIG_IGN ? 2 : 0));
		}
		st = mt_reap(r);
		CHECK("clear-sighand-handler-reset", st >= 0 && WIFEXITED(st) && (WEXITSTATUS(st) & 1));
		CHECK("clear-sighand-ignore-kept", st >= 0 && WIFEXITED(st) && (WEXITSTATUS(st) & 2));
		a.flags = 0;
		r = clone3(&a, sizeof a);
		if (r == 0) {
			struct sigaction o1;
			sigaction(SIGUSR1, NULL, &o1);
			_exit(o1.sa_handler == on_usr1 ? 0 : 1);
		}
		st = mt_reap(r);
		CHECK("no-clear-sighand-inherited", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		sigaction(SIGUSR1, NULL, &sa);
		CHECK("clear-sighand-parent-kept", sa.sa_handler == on_usr1);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
	}

	CHECK_ERR("no-children-left", waitpid(-1, &st, __WALL | WNOHANG), ECHILD);
	mt_end();
}
