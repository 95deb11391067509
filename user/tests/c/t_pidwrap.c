/* t_pidwrap: pids wrap at pid_max as Linux's alloc_pid() does (kernel/pid.c: idr_alloc_cyclic
 * from pid_min, RESERVED_PIDS = 300 after the first wrap): forking past pid_max keeps
 * working, hands out pids again from 300 up, and skips pids still in use.  pid_max is lowered
 * to 2000 for the test (kernel.pid_max), so that it wraps quickly, then restored.
 * The same binary passes on the reference Linux. */
#include "mtest.h"
#include <signal.h>
#include <sys/wait.h>

int main(void)
{
	mt_begin("t_pidwrap");
	mt_mount_proc();
	/* (the default is 32768, or 4096 in a CONFIG_BASE_SMALL kernel such as the reference) */
	long saved = mt_read_long("/proc/sys/kernel/pid_max");
	CHECK("pid-max-default", saved == 32768 || saved == 4096);
	CHECK_EQ("pid-max-lowered", mt_write_str("/proc/sys/kernel/pid_max", "2000\n"), 0);
	long pid_max = mt_read_long("/proc/sys/kernel/pid_max");
	CHECK_EQ("pid-max-reads-back", pid_max, 2000);
	/* a child that stays, so that its pid is in use when the pids come round again */
	int keeper_fd;
	pid_t keeper = mt_blocked_child(0, &keeper_fd);
	pid_t last = keeper, lowest_after_wrap = 0;
	int wraps = 0, errors = 0, reused_keeper = 0;
	for (long i = 0; i < 2 * pid_max && wraps < 2; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0) {
			errors++;
			printf("fork %ld failed: %s\n", i, strerror(errno));
			break;
		}
		if (p == keeper)
			reused_keeper = 1;
		if (p < last) {
			wraps++;
			if (!lowest_after_wrap || p < lowest_after_wrap)
				lowest_after_wrap = p;
			printf("wrap %d: pid %d after %d\n", wraps, p, last);
		}
		last = p;
		if (mt_reap(p) < 0)
			errors++;
	}
	CHECK_EQ("no-errors", errors, 0);
	CHECK("wrapped-twice", wraps == 2);
	CHECK("after-wrap-from-reserved", lowest_after_wrap >= 300 && lowest_after_wrap < 400);
	CHECK("pid-in-use-skipped", !reused_keeper);
	kill(keeper, SIGKILL);
	mt_reap(keeper);
	char num[16];
	snprintf(num, sizeof num, "%ld\n", saved);
	CHECK_EQ("pid-max-restored", mt_write_str("/proc/sys/kernel/pid_max", num), 0);
	mt_end();
}
