/* t_prctl - the prctl(2) options that need neither struct cred nor seccomp, and setsid's
 * process-group check, as Linux 6.1 on riscv64 has them.
 *
 * Boot: rdinit=/tests/t_prctl (PID 1).
 *
 * What Linux does, and this test expects:
 *  - PR_SET_NAME keeps 15 bytes, PR_GET_NAME gives them back NUL-terminated;
 *  - PR_SET_PDEATHSIG: 0..64 accepted (65 EINVAL), PR_GET_PDEATHSIG reads it back;
 *  - PR_GET_DUMPABLE is 1; PR_SET_DUMPABLE 2 is EINVAL, 0 and 1 stick, and fork keeps them;
 *  - PR_GET_TIMERSLACK returns 50000 ns; PR_SET_TIMERSLACK sets it, 0 restores the default,
 *    which for a forked child is the parent's slack at fork;
 *  - PR_GET_TIMING is 0 (PR_TIMING_STATISTICAL); PR_SET_TIMING 1 is EINVAL;
 *  - PR_MCE_KILL_GET is 2 (default), follows PR_MCE_KILL SET early (1), late (0), default (2)
 *    and CLEAR; bad arguments are EINVAL;
 *  - PR_SET/GET_CHILD_SUBREAPER; PR_GET_TID_ADDRESS gives glibc's clear_child_tid address;
 *  - PR_SET/GET_THP_DISABLE (inherited by fork), PR_SET/GET_IO_FLUSHER (2 is EINVAL); extra
 *    arguments to the GETs are EINVAL; PR_GET_NO_NEW_PRIVS is 0;
 *  - options this kernel does not have are EINVAL: unaligned access, FP emulation and
 *    exceptions, endianness, TSC, seccomp (no CONFIG_SECCOMP), MPX, FP mode, SVE, speculation
 *    control, tagged addresses, PAC, core scheduling, PR_SET_VMA, and 1000;
 *  - setsid: EPERM for a process-group leader, and for a process whose pid names an existing
 *    process group it is not in; otherwise a new session led by the caller.
 */
#include "mtest.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#define PR_GET_IO_FLUSHER 58
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE 62
#endif

static long pr(int opt, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return prctl(opt, a2, a3, a4, a5);
}

static int child_status(int (*f)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(f());
	return mt_reap(pid);
}

static int child_slack(void)
{
	if (pr(PR_GET_TIMERSLACK, 0, 0, 0, 0) != 12345)
		return 1;
	pr(PR_SET_TIMERSLACK, 777, 0, 0, 0);
	pr(PR_SET_TIMERSLACK, 0, 0, 0, 0);
	return pr(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 12345 ? 0 : 2;
}

static int child_inherits(void)
{
	return pr(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1 && pr(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1;
}

static int child_setsid(void)
{
	pid_t sid = setsid();
	if (sid != getpid())
		return 1;
	if (getsid(0) != getpid() || getpgid(0) != getpid())
		return 2;
	errno = 0;
	if (setsid() != -1 || errno != EPERM) /* now a group leader */
		return 3;
	return 0;
}

/* Leaves its own process group while a child of it stays there: setsid must fail. */
static int child_group_exists(void)
{
	int p[2];
	pipe(p);
	pid_t x1 = fork(); /* a sibling group to move to */
	if (x1 == 0) {
		setpgid(0, 0);
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	setpgid(x1, x1);
	setpgid(0, 0); /* group = our pid */
	pid_t g = fork(); /* stays in group getpid() */
	if (g == 0) {
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	int moved = setpgid(0, x1) == 0;
	errno = 0;
	int r = setsid();
	int e = errno;
	close(p[1]);
	mt_reap(x1);
	mt_reap(g);
	if (!moved)
		return 1;
	return r == -1 && e == EPERM ? 0 : 2;
}

int main(void)
{
	mt_begin("t_prctl");
	char name[32];
	CHECK_EQ("set-name", pr(PR_SET_NAME, (unsigned long)"a-rather-long-task-name", 0, 0, 0), 0);
	memset(name, 'x', sizeof name);
	CHECK_EQ("get-name", pr(PR_GET_NAME, (unsigned long)name, 0, 0, 0), 0);
	CHECK("name-15-bytes", !strcmp(name, "a-rather-long-t"));
	pr(PR_SET_NAME, (unsigned long)"t_prctl", 0, 0, 0);

	int sig = -1;
	CHECK_ERR("pdeathsig-65", pr(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
	CHECK_EQ("pdeathsig-64", pr(PR_SET_PDEATHSIG, 64, 0, 0, 0), 0);
	CHECK_EQ("pdeathsig-9", pr(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), 0);
	CHECK("get-pdeathsig", pr(PR_GET_PDEATHSIG, (unsigned long)&sig, 0, 0, 0) == 0 && sig == SIGKILL);
	pr(PR_SET_PDEATHSIG, 0, 0, 0, 0);

	CHECK_EQ("dumpable-1", pr(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	CHECK_ERR("set-dumpable-2", pr(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
	CHECK_EQ("set-dumpable-0", pr(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_EQ("dumpable-0", pr(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);

	CHECK_EQ("timerslack-default", pr(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);
	CHECK_EQ("set-timerslack", pr(PR_SET_TIMERSLACK, 12345, 0, 0, 0), 0);
	CHECK_EQ("timerslack-12345", pr(PR_GET_TIMERSLACK, 0, 0, 0, 0), 12345);
	int st = child_status(child_slack);
	CHECK("child-slack-default-is-parents", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("reset-timerslack", pr(PR_SET_TIMERSLACK, 0, 0, 0, 0), 0);
	CHECK_EQ("timerslack-back", pr(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);

	CHECK_EQ("get-timing", pr(PR_GET_TIMING, 0, 0, 0, 0), 0);
	CHECK_EQ("set-timing-statistical", pr(PR_SET_TIMING, 0, 0, 0, 0), 0);
	CHECK_ERR("set-timing-timestamp", pr(PR_SET_TIMING, 1, 0, 0, 0), EINVAL);

	CHECK_EQ("mce-default", pr(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	CHECK_EQ("mce-set-early", pr(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0), 0);
	CHECK_EQ("mce-early", pr(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	CHECK_EQ("mce-set-late", pr(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0), 0);
	CHECK_EQ("mce-late", pr(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_LATE);
	CHECK_EQ("mce-set-default", pr(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0), 0);
	CHECK_EQ("mce-default-again", pr(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	pr(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
	CHECK_EQ("mce-clear", pr(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0), 0);
	CHECK_EQ("mce-cleared", pr(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	CHECK_ERR("mce-clear-arg", pr(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0), EINVAL);
	CHECK_ERR("mce-set-bad", pr(PR_MCE_KILL, PR_MCE_KILL_SET, 3, 0, 0), EINVAL);
	CHECK_ERR("mce-bad-op", pr(PR_MCE_KILL, 2, 0, 0, 0), EINVAL);
	CHECK_ERR("mce-extra-arg", pr(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 1, 0), EINVAL);
	CHECK_ERR("mce-get-arg", pr(PR_MCE_KILL_GET, 1, 0, 0, 0), EINVAL);

	int sub = -1;
	CHECK_EQ("set-subreaper", pr(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	CHECK("get-subreaper", pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&sub, 0, 0, 0) == 0 && sub == 1);
	pr(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);

	int *tidaddr = NULL;
	CHECK("tid-address", pr(PR_GET_TID_ADDRESS, (unsigned long)&tidaddr, 0, 0, 0) == 0 && tidaddr != NULL &&
				     *tidaddr == getpid());

	CHECK_EQ("thp-default", pr(PR_GET_THP_DISABLE, 0, 0, 0, 0), 0);
	CHECK_EQ("set-thp-disable", pr(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	CHECK_EQ("thp-disabled", pr(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
	st = child_status(child_inherits);
	CHECK("fork-inherits-thp-dumpable", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_ERR("get-thp-arg", pr(PR_GET_THP_DISABLE, 1, 0, 0, 0), EINVAL);
	CHECK_ERR("set-thp-extra-arg", pr(PR_SET_THP_DISABLE, 1, 1, 0, 0), EINVAL);
	pr(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	pr(PR_SET_DUMPABLE, 1, 0, 0, 0);

	CHECK_EQ("io-flusher-default", pr(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 0);
	CHECK_EQ("set-io-flusher", pr(PR_SET_IO_FLUSHER, 1, 0, 0, 0), 0);
	CHECK_EQ("io-flusher-1", pr(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 1);
	CHECK_ERR("set-io-flusher-2", pr(PR_SET_IO_FLUSHER, 2, 0, 0, 0), EINVAL);
	CHECK_EQ("clear-io-flusher", pr(PR_SET_IO_FLUSHER, 0, 0, 0, 0), 0);
	CHECK_EQ("io-flusher-0", pr(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 0);

	CHECK_EQ("no-new-privs-0", pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	CHECK_ERR("no-new-privs-get-arg", pr(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);

	int unknown[] = { PR_GET_UNALIGN, PR_SET_UNALIGN, PR_GET_FPEMU, PR_SET_FPEMU, PR_GET_FPEXC, PR_SET_FPEXC,
			  PR_GET_ENDIAN, PR_SET_ENDIAN, PR_GET_TSC, PR_SET_TSC, PR_GET_SECCOMP, PR_SET_SECCOMP,
			  43 /* MPX */, 44, 45 /* FP_MODE */, 46, 50 /* SVE */, 51, PR_GET_SPECULATION_CTRL,
			  PR_SET_SPECULATION_CTRL, 55 /* TAGGED_ADDR */, 56, 54 /* PAC */, PR_SCHED_CORE, 1000 };
	int all = 1;
	for (unsigned i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		errno = 0;
		if (pr(unknown[i], 0, 0, 0, 0) != -1 || errno != EINVAL) {
			all = 0;
			printf("# option %d: errno %d\n", unknown[i], errno);
		}
	}
	CHECK("unsupported-options-einval", all);
	CHECK_ERR("set-vma", pr(PR_SET_VMA, 0, 0x10000, 4096, (unsigned long)"x"), EINVAL);

	st = child_status(child_setsid);
	CHECK("setsid-new-session-then-eperm", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = child_status(child_group_exists);
	CHECK("setsid-eperm-when-group-exists", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	mt_end();
}
