/* t_failnth - fork under injected allocation failures (Linux's /proc/PID/fail-nth, the
 * fault-injection interface of CONFIG_FAULT_INJECTION): for N = 1, 2, ... a worker process arms
 * "the Nth page allocation of this task fails" and forks.  Each fork either succeeds or fails
 * with ENOMEM — never a crash — and after all of them the kernel's free memory and heap are
 * exactly where they were (nothing leaks on copy_process's error paths).
 *
 * Workers, not PID 1, take the failures: an injected failure may also land in a page fault
 * after fork returns, and that kills the faulting process (as an OOM kill would); its child,
 * reparented to PID 1, is reaped there.
 * A kernel without fail-nth (the reference Linux is built without fault injection) has
 * nothing to check: the test then reports no checks at all.
 */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>


/* exit codes: 0 fork worked, 1 fork failed with ENOMEM, 2 other error, 77 no fail-nth */
static int worker(int n)
{
	int fd = open("/proc/self/fail-nth", O_WRONLY);
	if (fd < 0)
		_exit(77);
	char num[16];
	int len = snprintf(num, sizeof num, "%d", n);
	if (write(fd, num, len) != len)
		_exit(2);
	pid_t p = fork();
	int e = errno;
	(void)!write(fd, "0", 1); /* disarm */
	if (p == 0)
		_exit(0);
	if (p < 0)
		_exit(e == ENOMEM ? 1 : 2);
	int st;
	waitpid(p, &st, 0);
	_exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 2);
}

static int run(int n)
{
	pid_t w = fork();
	if (w == 0)
		worker(n);
	int st;
	waitpid(w, &st, 0);
	/* A worker killed at a fault right after fork leaves its child to us (PID 1 is the
	 * reaper): reap it too, or its zombie would count as kernel memory not given back. */
	while (wait(NULL) > 0)
		;
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGKILL ? 3 : 4;
	return WEXITSTATUS(st);
}

int main(void)
{
	mt_begin("t_failnth");
	mkdir("/proc", 0555);
	if (run(0) == 77) { /* no fault injection in this kernel */
		mt_end();
	}
	for (int i = 0; i < 40; i++) /* warm-up: page cache, allocator steady state */
		run(0);
	mt_meminfo_kb("MemFree:");
	long free0 = mt_meminfo_kb("MemFree:"), slab0 = mt_meminfo_kb("Slab:");
	int counts[5] = { 0 };
	for (int n = 1; n <= 60; n++) {
		int r = run(n);
		counts[r < 5 ? r : 4]++;
	}
	long free1 = mt_meminfo_kb("MemFree:"), slab1 = mt_meminfo_kb("Slab:");
	mt_report(counts[1] > 0, "fork-fails-with-enomem", "no injected failure reached fork (%d ok)", counts[0]);
	mt_report(counts[0] > 0, "fork-succeeds-past-its-allocations", "fork never succeeded");
	mt_report(counts[2] == 0 && counts[4] == 0, "no-other-errors", "%d odd errors, %d odd deaths", counts[2], counts[4]);
	CHECK_EQ("fork-works-after", run(0), 0);
	mt_report(free1 == free0, "memfree-back", "MemFree %ld kB -> %ld kB", free0, free1);
	mt_report(slab1 == slab0, "slab-back", "Slab %ld kB -> %ld kB", slab0, slab1);
	mt_end();
}
