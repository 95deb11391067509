/* t_fuzz - the random-syscall fuzzer in make test: /bin/sysfuzz (user/c/sysfuzz.c) with at least
 * 100,000 calls from a fixed seed, on MenuOS and on the reference Linux.
 *
 * QEMUTEST-TIMEOUT: 300
 * QEMUTEST-STALL: 60
 *
 * Boot: rdinit=/tests/t_fuzz (PID 1), which execs /bin/sysfuzz with FUZZ_NAME=t_fuzz and, unless
 * the command line set them (a name=value goes to init's environment), FUZZ_SEED=20261204 and
 * FUZZ_CALLS=100000.  sysfuzz prints the seed and its progress every 10,000 calls, so the
 * watchdog above (QEMUTEST-STALL: no console output for 60 s is a hang, a failure with the
 * console's last lines) catches a kernel that stops making progress; a panic ends the boot
 * without TEST-END.  Its checks (both kernels):
 *  - no-hang: every child ends within 10 s of SIGKILL;
 *  - calls-done: the calls were made;
 *  - memfree-back: MemFree returns to its baseline (within 256 kB on MenuOS: the kmalloc caches keep a few empty slabs; within 8 MiB on Linux, whose page cache and slab move)
 *    once the scratch tree and IPC objects are gone.
 * Reproduce a failure: boot rdinit=/bin/sysfuzz FUZZ_SEED=<seed> FUZZ_TRACE_FROM=<call>.
 */
#include "mtest.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	setenv("FUZZ_NAME", "t_fuzz", 1);
	setenv("FUZZ_SEED", "20261204", 0);
	setenv("FUZZ_CALLS", "100000", 0);
	char *const av[] = { "/bin/sysfuzz", NULL };
	execv(av[0], av);
	/* no sysfuzz: report under our name */
	mt_begin("t_fuzz");
	mt_report(0, "exec-sysfuzz", "execv /bin/sysfuzz: %s", strerror(errno));
	mt_end();
}
