/* t_rseq - restartable sequences: rseq(2) registration, the cpu_id fields, and the abort of a
 * critical section on preemption and on signal delivery, as Linux 6.1 does them.
 *
 * Boot: rdinit=/tests/t_rseq (PID 1).  Re-executes itself (argv[1] "--exec") for the exec case.
 *
 * What Linux does, and this test expects:
 *  - rseq(NULL, 0, 0, 0) is EINVAL (how librseq probes for the syscall);
 *  - registering a 32-byte, 32-aligned struct rseq returns 0 and the kernel fills cpu_id_start
 *    and cpu_id (0 on CPU 0) before the call returns to user space; node_id and mm_cid read 0;
 *  - the same registration again is EBUSY, with another signature EPERM, another address or
 *    length EINVAL; a first registration with length 31 or 64, or misaligned, is EINVAL; one
 *    at a kernel address EFAULT; unknown flags EINVAL;
 *  - unregistering needs the same address and length (EINVAL) and signature (EPERM); done, it
 *    leaves cpu_id = -1 (RSEQ_CPU_ID_UNINITIALIZED) and cpu_id_start = 0; unregistering again
 *    is EINVAL;
 *  - a critical section (rseq_cs: start_ip, post_commit_offset, abort_ip preceded by the
 *    signature) that a signal interrupts resumes at abort_ip, and rseq_cs is cleared; one that
 *    is preempted (another task runs) is aborted too; one whose abort_ip is not preceded by the
 *    signature, or whose descriptor has version 1, is SIGSEGV;
 *  - a forked child is still registered (EBUSY); a new thread is not; exec unregisters.
 */
#include "mtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#define RSEQ_SIG 0xf1401073
#define RSEQ_FLAG_UNREGISTER 1

struct rseq_abi {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
	uint32_t node_id;
	uint32_t mm_cid;
	uint32_t pad;
} __attribute__((aligned(32)));

static __thread struct rseq_abi rs = { .cpu_id = (uint32_t)-1 };

static long sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return syscall(SYS_rseq, area, len, flags, sig);
}

/* A critical section that never ends by itself: 1 when aborted (to abort_ip), via a descriptor
 * in .data (good signature before abort_ip), or a bad one (`bad`: the word before abort_ip is
 * not the signature; `v1`: version 1). */
static int spin_cs(int bad, int v1)
{
	int aborted = 0;
	if (!bad && !v1) {
		__asm__ __volatile__(".pushsection __rseq_cs, \"aw\"\n"
				     ".balign 32\n"
				     "3: .long 0, 0\n"
				     ".quad 1f, (2f - 1f), 4f\n"
				     ".popsection\n"
				     "la t0, 3b\n"
				     "sd t0, %[cs]\n"
				     "1: j 1b\n"
				     "2: j 5f\n"
				     ".balign 4\n"
				     ".long %[sig]\n"
				     "4: li %[ab], 1\n"
				     "5:\n"
				     : [ab] "+r"(aborted), [cs] "=m"(rs.rseq_cs)
				     : [sig] "i"(RSEQ_SIG)
				     : "t0", "memory");
	} else if (bad) {
		__asm__ __volatile__(".pushsection __rseq_cs, \"aw\"\n"
				     ".balign 32\n"
				     "3: .long 0, 0\n"
				     ".quad 1f, (2f - 1f), 4f\n"
				     ".popsection\n"
				     "la t0, 3b\n"
				     "sd t0, %[cs]\n"
				     "1: j 1b\n"
				     "2: j 5f\n"
				     ".balign 4\n"
				     ".long 0x12345678\n"
				     "4: li %[ab], 1\n"
				     "5:\n"
				     : [ab] "+r"(aborted), [cs] "=m"(rs.rseq_cs)
				     :
				     : "t0", "memory");
	} else {
		__asm__ __volatile__(".pushsection __rseq_cs, \"aw\"\n"
				     ".balign 32\n"
				     "3: .long 1, 0\n"
				     ".quad 1f, (2f - 1f), 4f\n"
				     ".popsection\n"
				     "la t0, 3b\n"
				     "sd t0, %[cs]\n"
				     "1: j 1b\n"
				     "2: j 5f\n"
				     ".balign 4\n"
				     ".long %[sig]\n"
				     "4: li %[ab], 1\n"
				     "5:\n"
				     : [ab] "+r"(aborted), [cs] "=m"(rs.rseq_cs)
				     : [sig] "i"(RSEQ_SIG)
				     : "t0", "memory");
	}
	return aborted;
}

static volatile int alarms;
static void on_alarm(int s)
{
	(void)s;
	alarms++;
}

static void arm_alarm(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static int registered_in_thread;
static void *thread_fn(void *arg)
{
	(void)arg;
	/* A new thread starts unregistered: registering its own area works. */
	registered_in_thread = sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG) == 0 && rs.cpu_id == 0;
	sys_rseq(&rs, sizeof rs, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
	return NULL;
}

/* Runs f in a child; its wait status. */
static int in_child(int (*f)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(f());
	return mt_reap(pid);
}

static int bad_sig_child(void)
{
	arm_alarm(30);
	spin_cs(1, 0);
	return 0;
}

static int v1_child(void)
{
	arm_alarm(30);
	spin_cs(0, 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec")) {
		/* After exec: not registered any more. */
		int ok = sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG) == 0;
		return ok ? 0 : 1;
	}
	mt_begin("t_rseq");
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	CHECK_ERR("probe-null", sys_rseq(NULL, 0, 0, 0), EINVAL);
	CHECK_ERR("register-len-31", sys_rseq(&rs, 31, 0, RSEQ_SIG), EINVAL);
	CHECK_ERR("register-len-64", sys_rseq(&rs, 64, 0, RSEQ_SIG), EINVAL);
	CHECK_ERR("register-misaligned", sys_rseq((char *)&rs + 8, 32, 0, RSEQ_SIG), EINVAL);
	CHECK_ERR("register-kernel-address", sys_rseq((void *)0xffffffffffff0000UL, 32, 0, RSEQ_SIG), EFAULT);
	CHECK_ERR("register-bad-flags", sys_rseq(&rs, 32, 2, RSEQ_SIG), EINVAL);
	CHECK_ERR("unregister-not-registered", sys_rseq(&rs, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);

	rs.cpu_id = 77;
	rs.cpu_id_start = 77;
	rs.node_id = 0;
	rs.mm_cid = 0;
	CHECK_EQ("register", sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG), 0);
	CHECK_EQ("cpu-id-filled", rs.cpu_id, 0);
	CHECK_EQ("cpu-id-start-filled", rs.cpu_id_start, 0);
	CHECK("node-id-mm-cid-0", rs.node_id == 0 && rs.mm_cid == 0);
	CHECK_ERR("register-again-ebusy", sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG), EBUSY);
	CHECK_ERR("register-again-other-sig", sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG + 1), EPERM);
	static struct rseq_abi other;
	CHECK_ERR("register-again-other-area", sys_rseq(&other, sizeof other, 0, RSEQ_SIG), EINVAL);
	CHECK_ERR("unregister-flags", sys_rseq(&rs, sizeof rs, RSEQ_FLAG_UNREGISTER | 2, RSEQ_SIG), EINVAL);
	CHECK_ERR("unregister-other-area", sys_rseq(&other, sizeof rs, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);
	CHECK_ERR("unregister-other-len", sys_rseq(&rs, 64, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);
	CHECK_ERR("unregister-other-sig", sys_rseq(&rs, sizeof rs, RSEQ_FLAG_UNREGISTER, RSEQ_SIG - 1), EPERM);

	/* A signal aborts the critical section.  (Another task may preempt it first, which
	 * aborts it too: then the alarm is let come and the section tried again.) */
	int sig_abort = 0;
	for (int i = 0; i < 5 && !sig_abort; i++) {
		alarms = 0;
		arm_alarm(30);
		int ab = spin_cs(0, 0);
		if (ab == 1 && alarms == 1)
			sig_abort = 1;
		else
			while (!alarms)
				;
	}
	CHECK("signal-aborts-cs", sig_abort);
	CHECK_EQ("abort-clears-rseq-cs", rs.rseq_cs, 0);

	/* Preemption by another task aborts it too. */
	pid_t hog = fork();
	if (hog == 0) {
		double t0 = mt_now();
		while (mt_now() - t0 < 2.0)
			;
		_exit(0);
	}
	int ab = spin_cs(0, 0);
	CHECK("preemption-aborts-cs", ab == 1);
	kill(hog, SIGKILL);
	mt_reap(hog);
	CHECK_EQ("cpu-id-after-preemption", rs.cpu_id, 0);

	int st = in_child(bad_sig_child);
	CHECK("bad-signature-sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = in_child(v1_child);
	CHECK("bad-version-sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

	/* A forked child keeps the registration; a thread starts without one. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(sys_rseq(&rs, sizeof rs, 0, RSEQ_SIG) == -1 && errno == EBUSY ? 0 : 1);
	st = mt_reap(pid);
	CHECK("fork-keeps-registration", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_join(th, NULL);
	CHECK("thread-starts-unregistered", registered_in_thread);
	pid = fork();
	if (pid == 0) {
		char *av[] = { argv[0], "--exec", NULL };
		execv(argv[0], av);
		_exit(2);
	}
	st = mt_reap(pid);
	CHECK("exec-unregisters", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	CHECK_EQ("unregister", sys_rseq(&rs, sizeof rs, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), 0);
	CHECK_EQ("unregister-cpu-id-uninitialized", (int32_t)rs.cpu_id, -1);
	CHECK_EQ("unregister-cpu-id-start-0", rs.cpu_id_start, 0);
	CHECK_ERR("unregister-twice", sys_rseq(&rs, sizeof rs, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);
	mt_end();
}
