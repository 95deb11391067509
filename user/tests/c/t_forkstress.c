/* t_forkstress: thousands of fork/exit/wait rounds, each status checked: sequential forks,
 * batches of concurrent children reaped with wait(-1), vfork rounds, fork+exec rounds, and
 * children that touch memory before exiting.  No zombies may be left behind.
 * About 6 s of guest time on Linux 6.1 under TCG. */
// QEMUTEST-TIMEOUT: 240
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define ROUNDS 3000
#define BATCHES 40
#define BATCH 50
#define VROUNDS 1000
#define EROUNDS 200

static volatile int vshared;

int main(void)
{
	mt_begin("t_forkstress");
	int st;
	double t0 = mt_now();

	/* sequential fork + _exit + waitpid, every status checked */
	{
		int bad = 0, first_bad = -1, fork_fail = 0;
		pid_t prev = 0;
		int same_pid_twice = 0;
		for (int i = 0; i < ROUNDS; i++) {
			pid_t pid = fork();
			if (pid < 0) {
				fork_fail++;
				continue;
			}
			if (pid == 0)
				_exit(i & 0xff);
			if (pid == prev)
				same_pid_twice++;
			prev = pid;
			st = -1;
			pid_t r = waitpid(pid, &st, 0);
			if (r != pid || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0xff)) {
				if (first_bad < 0)
					first_bad = i;
				bad++;
			}
		}
		CHECK_EQ("sequential-fork-failures", fork_fail, 0);
		mt_report(bad == 0, "sequential-statuses", "%d bad rounds, first at %d", bad, first_bad);
		CHECK_EQ("sequential-pid-not-reused-immediately", same_pid_twice, 0);
	}

	/* batches of concurrent children, reaped in any order */
	{
		int bad = 0, fork_fail = 0;
		for (int b = 0; b < BATCHES; b++) {
			pid_t pids[BATCH];
			for (int k = 0; k < BATCH; k++) {
				pids[k] = fork();
				if (pids[k] == 0)
					_exit((b * BATCH + k) & 0xff);
				if (pids[k] < 0)
					fork_fail++;
			}
			unsigned long long seen = 0;
			for (int k = 0; k < BATCH; k++) {
				pid_t r = wait(&st);
				int idx = -1;
				for (int j = 0; j < BATCH; j++)
					if (pids[j] == r)
						idx = j;
				if (idx < 0 || (seen >> idx & 1) || !WIFEXITED(st) ||
				    WEXITSTATUS(st) != ((b * BATCH + idx) & 0xff))
					bad++;
				else
					seen |= 1ULL << idx;
			}
		}
		CHECK_EQ("batch-fork-failures", fork_fail, 0);
		CHECK_EQ("batch-statuses", bad, 0);
		CHECK_ERR("batch-no-zombies-left", waitpid(-1, &st, WNOHANG), ECHILD);
	}

	/* vfork rounds: the child writes the shared variable and exits */
	{
		int bad = 0;
		for (int i = 0; i < VROUNDS; i++) {
			vshared = -1;
			pid_t pid = vfork();
			if (pid == 0) {
				vshared = i;
				_exit((i * 3) & 0xff);
			}
			if (vshared != i)
				bad++;
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != ((i * 3) & 0xff))
				bad++;
		}
		CHECK_EQ("vfork-rounds", bad, 0);
	}

	/* fork + execve rounds */
	{
		int bad = 0;
		for (int i = 0; i < EROUNDS; i++) {
			char code[8];
			snprintf(code, sizeof code, "%d", i & 0x7f);
			pid_t pid = fork();
			if (pid == 0) {
				char *argv[] = { "exit-code", code, NULL };
				char *envp[] = { NULL };
				execve("/bin/exit-code", argv, envp);
				_exit(255);
			}
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f))
				bad++;
		}
		CHECK_EQ("fork-exec-rounds", bad, 0);
	}

	/* children that write into a 1 MiB region inherited from the parent */
	{
		size_t sz = 1 << 20;
		unsigned char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
					-1, 0);
		memset(m, 0x11, sz);
		int bad = 0;
		for (int i = 0; i < 200; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				int ok = 1;
				for (size_t o = 0; o < sz; o += 4096) {
					if (m[o] != 0x11)
						ok = 0;
					m[o] = (unsigned char)i;
				}
				_exit(ok ? 0 : 1);
			}
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad++;
		}
		int pbad = 0;
		for (size_t o = 0; o < sz; o += 4096)
			pbad += m[o] != 0x11;
		CHECK_EQ("touching-children", bad, 0);
		CHECK_EQ("parent-region-intact", pbad, 0);
		munmap(m, sz);
	}

	/* nested: each child forks a grandchild and reports its status */
	{
		int bad = 0;
		for (int i = 0; i < 200; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				pid_t g = fork();
				if (g == 0)
					_exit(i & 0x3f);
				int s;
				if (waitpid(g, &s, 0) != g || !WIFEXITED(s))
					_exit(255);
				_exit(WEXITSTATUS(s) + 1);
			}
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != (i & 0x3f) + 1)
				bad++;
		}
		CHECK_EQ("nested-rounds", bad, 0);
	}

	CHECK_ERR("no-zombies-left", waitpid(-1, &st, WNOHANG), ECHILD);
	double dt = mt_now() - t0;
	printf("t_forkstress: %d forks in %.2f s of guest time\n",
	       ROUNDS + BATCHES * BATCH + VROUNDS + EROUNDS + 200 + 400, dt);
	mt_end();
}
