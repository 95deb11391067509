/* t_membarrier - membarrier(2)'s commands, registration state machine and errors, as Linux 6.1
 * on riscv64 (no CONFIG_ARCH_HAS_MEMBARRIER_SYNC_CORE) has them.
 *
 * Boot: rdinit=/tests/t_membarrier (PID 1).  Re-executes itself (argv[1] "--exec").
 *
 * What Linux does, and this test expects:
 *  - QUERY returns the commands supported: GLOBAL, GLOBAL_EXPEDITED and its REGISTER,
 *    PRIVATE_EXPEDITED and its REGISTER, PRIVATE_EXPEDITED_RSEQ and its REGISTER (415);
 *  - GLOBAL and GLOBAL_EXPEDITED need no registration (0); REGISTER_GLOBAL_EXPEDITED is 0;
 *  - PRIVATE_EXPEDITED (and _RSEQ) are EPERM until the process registered for them, 0 after,
 *    registering twice is 0; the RSEQ one accepts MEMBARRIER_CMD_FLAG_CPU;
 *  - the SYNC_CORE commands are EINVAL; an unknown command EINVAL; flags on a command other
 *    than PRIVATE_EXPEDITED_RSEQ EINVAL, and flags other than FLAG_CPU there too;
 *  - threads share the registration (one mm); a forked child keeps it; exec drops it.
 */
#include "mtest.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long mb(int cmd, unsigned flags, int cpu)
{
	return syscall(SYS_membarrier, cmd, flags, cpu);
}

static long thread_ret;
static void *thread_fn(void *arg)
{
	(void)arg;
	thread_ret = mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec")) {
		errno = 0;
		long r = mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		return r == -1 && errno == EPERM ? 0 : 1;
	}
	mt_begin("t_membarrier");
	CHECK_EQ("query", mb(MEMBARRIER_CMD_QUERY, 0, 0), 415);
	CHECK_EQ("global", mb(MEMBARRIER_CMD_GLOBAL, 0, 0), 0);
	CHECK_EQ("global-expedited-unregistered", mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0), 0);
	CHECK_EQ("register-global-expedited", mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0), 0);
	CHECK_EQ("global-expedited", mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0), 0);

	CHECK_ERR("private-expedited-eperm", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM);
	CHECK_ERR("private-rseq-eperm", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM);
	CHECK_EQ("register-private-expedited", mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_EQ("register-private-expedited-twice", mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_EQ("private-expedited", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_ERR("private-rseq-still-eperm", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM);
	CHECK_EQ("register-private-rseq", mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0);
	CHECK_EQ("private-rseq", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0);
	CHECK_EQ("private-rseq-cpu-0", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 0), 0);
	CHECK_EQ("private-rseq-cpu-absent", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 5), 0);
	CHECK_ERR("private-rseq-bad-flag", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 2, 0), EINVAL);

	CHECK_ERR("sync-core", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EINVAL);
	CHECK_ERR("register-sync-core", mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EINVAL);
	CHECK_ERR("unknown-cmd", mb(1024, 0, 0), EINVAL);
	CHECK_ERR("two-cmds", mb(MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EINVAL);
	CHECK_ERR("negative-cmd", mb(-1, 0, 0), EINVAL);
	CHECK_ERR("query-flags", mb(MEMBARRIER_CMD_QUERY, 1, 0), EINVAL);
	CHECK_ERR("global-flag-cpu", mb(MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_FLAG_CPU, 0), EINVAL);

	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_join(th, NULL);
	CHECK_EQ("thread-shares-registration", thread_ret, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 ? 0 : 1);
	int st = mt_reap(pid);
	CHECK("fork-keeps-registration", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pid = fork();
	if (pid == 0) {
		char *av[] = { argv[0], "--exec", NULL };
		execv(argv[0], av);
		_exit(2);
	}
	st = mt_reap(pid);
	CHECK("exec-drops-registration", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	mt_end();
}
