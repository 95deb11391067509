/* t_wait: wait4/waitpid/waitid — WNOHANG, ECHILD, WNOWAIT, P_ALL/P_PID/P_PGID, si_code,
 * rusage, stop/continue reports, blocking wait wakes up, orphans reparented to init. */
#include "mtest.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	mt_begin("t_wait");
	pid_t me = getpid();
	int st;
	siginfo_t si;

	/* no children */
	CHECK_ERR("wait4-no-children-echild", wait4(-1, &st, 0, NULL), ECHILD);
	CHECK_ERR("wnohang-no-children-echild", waitpid(-1, &st, WNOHANG), ECHILD);
	CHECK_ERR("waitid-no-children-echild", waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	CHECK_ERR("waitpid-not-a-child-echild", waitpid(12345, &st, 0), ECHILD);
	CHECK_ERR("waitpid-self-echild", waitpid(me, &st, 0), ECHILD);

	/* argument errors */
	CHECK_ERR("wait4-bad-options-einval", wait4(-1, &st, 0x100000, NULL), EINVAL);
	CHECK_ERR("wait4-wexited-not-allowed-einval", wait4(-1, &st, WEXITED, NULL), EINVAL);
	CHECK_ERR("wait4-int-min-esrch", wait4(INT_MIN, &st, 0, NULL), ESRCH);
	CHECK_ERR("waitid-no-state-einval", waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
	CHECK_ERR("waitid-bad-idtype-einval", waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
	CHECK_ERR("waitid-p-pid-0-einval", waitid(P_PID, 0, &si, WEXITED), EINVAL);
	CHECK_ERR("waitid-p-pid-negative-einval", waitid(P_PID, (id_t)-5, &si, WEXITED), EINVAL);
	CHECK_ERR("waitid-bad-options-einval", waitid(P_ALL, 0, &si, WEXITED | 0x100000), EINVAL);

	/* WNOHANG on a live child returns 0; waitid WNOHANG returns 0 with si_pid = 0 */
	{
		int w;
		pid_t pid = mt_blocked_child(3, &w);
		CHECK_EQ("wnohang-alive-returns-0", waitpid(pid, &st, WNOHANG), 0);
		CHECK_EQ("wnohang-any-alive-returns-0", wait4(-1, &st, WNOHANG, NULL), 0);
		memset(&si, 0x5a, sizeof si);
		CHECK_EQ("waitid-wnohang-alive", waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
		CHECK_EQ("waitid-wnohang-alive-si-pid-0", si.si_pid, 0);
		CHECK_EQ("waitid-wnohang-alive-si-signo-0", si.si_signo, 0);
		close(w);
		/* WNOWAIT leaves the zombie waitable */
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-wnowait", waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
		CHECK_EQ("waitid-si-signo", si.si_signo, SIGCHLD);
		CHECK_EQ("waitid-si-pid", si.si_pid, pid);
		CHECK_EQ("waitid-si-code-exited", si.si_code, CLD_EXITED);
		CHECK_EQ("waitid-si-status", si.si_status, 3);
		CHECK_EQ("waitid-si-uid", si.si_uid, getuid());
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-wnowait-again", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT), 0);
		CHECK_EQ("waitid-wnowait-again-pid", si.si_pid, pid);
		struct rusage ru;
		memset(&ru, 0xff, sizeof ru);
		st = 0;
		CHECK_EQ("wait4-reaps-after-wnowait", wait4(pid, &st, 0, &ru), pid);
		CHECK("wait4-status", WIFEXITED(st) && WEXITSTATUS(st) == 3);
		CHECK("wait4-rusage-filled", ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 &&
						     ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_sec >= 0);
		CHECK_ERR("reaped-child-gone", waitpid(pid, &st, WNOHANG), ECHILD);
		/* a NULL status pointer is fine */
		pid = fork();
		if (pid == 0)
			_exit(0);
		CHECK_EQ("wait4-null-status", wait4(pid, NULL, 0, NULL), pid);
	}

	/* si_code CLD_KILLED; waitid with a NULL infop */
	{
		int w;
		pid_t pid = mt_blocked_child(0, &w);
		kill(pid, SIGKILL);
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-killed", waitid(P_PID, pid, &si, WEXITED), 0);
		CHECK_EQ("waitid-si-code-killed", si.si_code, CLD_KILLED);
		CHECK_EQ("waitid-si-status-signal", si.si_status, SIGKILL);
		close(w);
		pid = mt_blocked_child(0, &w);
		kill(pid, SIGTERM);
		CHECK_EQ("waitid-null-infop", syscall(SYS_waitid, P_PID, pid, NULL, WEXITED, NULL), 0);
		CHECK_ERR("waitid-null-infop-reaped", waitpid(pid, &st, WNOHANG), ECHILD);
		close(w);
	}

	/* stop / continue */
	{
		/* the children wait for "go" after SIGCONT: a zombie would be reported as exited */
		int go[2];
		pipe(go);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			raise(SIGSTOP);
			read(go[0], &c, 1);
			_exit(8);
		}
		st = 0;
		CHECK_EQ("wuntraced-stopped", waitpid(pid, &st, WUNTRACED), pid);
		CHECK("wifstopped", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
		CHECK_EQ("stop-reported-once", waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
		kill(pid, SIGCONT);
		st = 0;
		CHECK_EQ("wcontinued", waitpid(pid, &st, WCONTINUED), pid);
		CHECK("wifcontinued", WIFCONTINUED(st));
		CHECK_EQ("continue-reported-once", waitpid(pid, &st, WCONTINUED | WNOHANG), 0);
		write(go[1], "x", 1);
		st = mt_reap(pid);
		CHECK("after-continue-exit", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 8);

		pid = fork();
		if (pid == 0) {
			char c;
			raise(SIGSTOP);
			read(go[0], &c, 1);
			_exit(9);
		}
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-wstopped", waitid(P_PID, pid, &si, WSTOPPED), 0);
		CHECK_EQ("waitid-cld-stopped", si.si_code, CLD_STOPPED);
		CHECK_EQ("waitid-stopped-status", si.si_status, SIGSTOP);
		kill(pid, SIGCONT);
		memset(&si, 0, sizeof si);
		CHECK_EQ("waitid-wcontinued", waitid(P_PID, pid, &si, WCONTINUED), 0);
		CHECK_EQ("waitid-cld-continued", si.si_code, CLD_CONTINUED);
		CHECK_EQ("waitid-continued-status", si.si_status, SIGCONT);
		write(go[1], "x", 1);
		st = mt_reap(pid);
		close(go[0]);
		close(go[1]);
		CHECK("waitid-stop-child-exit", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9);
	}

	/* P_PGID and negative pids select by process group */
	{
		int w1, w2, w3;
		pid_t a = mt_blocked_child(51, &w1);
		setpgid(a, a);
		pid_t b = mt_blocked_child(52, &w2);
		setpgid(b, a);
		pid_t c = mt_blocked_child(53, &w3);
		CHECK_EQ("child-pgid", getpgid(b), a);
		close(w1);
		close(w2);
		close(w3);
		mt_msleep(100); /* all three are zombies now */
		memset(&si, 0, sizeof si);
		int got = 0;
		for (int i = 0; i < 2; i++) {
			memset(&si, 0, sizeof si);
			if (waitid(P_PGID, a, &si, WEXITED) == 0)
				got |= si.si_pid == a ? 1 : si.si_pid == b ? 2 : 4;
		}
		CHECK_EQ("p-pgid-reaps-group", got, 3);
		CHECK_ERR("p-pgid-group-empty", waitid(P_PGID, a, &si, WEXITED | WNOHANG), ECHILD);
		CHECK_EQ("other-group-child-still-there", waitpid(-1, &st, WNOHANG), c);
		CHECK("other-group-status", WIFEXITED(st) && WEXITSTATUS(st) == 53);

		a = mt_blocked_child(61, &w1);
		setpgid(a, a);
		b = mt_blocked_child(62, &w2);
		close(w1);
		close(w2);
		mt_msleep(100);
		CHECK_EQ("waitpid-negative-pgid", waitpid(-a, &st, 0), a);
		CHECK_ERR("waitpid-negative-pgid-empty", waitpid(-a, &st, WNOHANG), ECHILD);
		/* pid 0: our own process group */
		pid_t mypg = getpgrp();
		CHECK_EQ("waitpid-0-own-group", waitpid(0, &st, 0), b);
		CHECK("waitpid-0-status", WIFEXITED(st) && WEXITSTATUS(st) == 62);
		/* P_PGID 0: the caller's group (Linux >= 5.4) */
		pid_t d = fork();
		if (d == 0)
			_exit(63);
		memset(&si, 0, sizeof si);
		CHECK_EQ("p-pgid-0-own-group", waitid(P_PGID, 0, &si, WEXITED), 0);
		CHECK_EQ("p-pgid-0-pid", si.si_pid, d);
		(void)mypg;
	}

	/* a parent blocked in wait wakes up when the child exits */
	{
		double t0 = mt_now();
		pid_t pid = fork();
		if (pid == 0) {
			mt_msleep(200);
			_exit(17);
		}
		st = mt_reap(pid);
		double dt = mt_now() - t0;
		CHECK("blocking-wait-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 17);
		mt_report(dt >= 0.15, "blocking-wait-waited", "waited only %.3f s", dt);
		/* waiting for any of two: returns the first to exit */
		pid_t slow = fork();
		if (slow == 0) {
			mt_msleep(300);
			_exit(1);
		}
		pid_t fast = fork();
		if (fast == 0) {
			mt_msleep(50);
			_exit(2);
		}
		CHECK_EQ("wait-any-first-exiter", wait(&st), fast);
		CHECK_EQ("wait-any-second-exiter", wait(&st), slow);
	}

	/* orphans are reparented to init (we are PID 1 when booted as rdinit) */
	if (me == 1) {
		int p[2];
		pipe(p);
		pid_t child = fork();
		if (child == 0) {
			pid_t g = fork();
			if (g == 0) {
				int n = 0;
				while (getppid() != 1 && n++ < 500)
					mt_msleep(10);
				_exit(getppid() == 1 ? 0x55 : 0x66);
			}
			write(p[1], &g, sizeof g);
			mt_msleep(50);
			_exit(0);
		}
		close(p[1]);
		pid_t g = -1;
		read(p[0], &g, sizeof g);
		close(p[0]);
		st = mt_reap(child);
		CHECK("orphan-parent-exited", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		st = g > 0 ? mt_reap(g) : -1;
		CHECK("orphan-reaped-by-init", st >= 0 && WIFEXITED(st));
		CHECK_EQ("orphan-saw-ppid-1", WEXITSTATUS(st), 0x55);

		/* an orphan that is already a zombie when its parent exits is reaped by init too */
		child = fork();
		if (child == 0) {
			pid_t g2 = fork();
			if (g2 == 0)
				_exit(0x44);
			mt_msleep(100); /* the grandchild is a zombie now */
			_exit(g2 & 0xff);
		}
		st = mt_reap(child);
		int low = WEXITSTATUS(st);
		pid_t r = wait(&st);
		CHECK("zombie-orphan-reaped-by-init", r > 0 && (r & 0xff) == low);
		CHECK("zombie-orphan-status", WIFEXITED(st) && WEXITSTATUS(st) == 0x44);
	}

	/* a child subreaper (PR_SET_CHILD_SUBREAPER) gets its orphaned descendants, not init */
	{
		pid_t sub = fork();
		if (sub == 0) {
			if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
				_exit(1);
			int flag = -1;
			prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0);
			if (flag != 1)
				_exit(2);
			pid_t self = getpid();
			int p[2];
			pipe(p);
			pid_t mid = fork();
			if (mid == 0) {
				pid_t leaf = fork();
				if (leaf == 0) {
					int n = 0;
					while (getppid() != self && n++ < 500)
						mt_msleep(10);
					_exit(getppid() == self ? 0x33 : 0x34);
				}
				write(p[1], &leaf, sizeof leaf);
				_exit(0);
			}
			pid_t leaf = 0;
			read(p[0], &leaf, sizeof leaf);
			int s;
			if (waitpid(mid, &s, 0) != mid)
				_exit(3);
			if (waitpid(leaf, &s, 0) != leaf)
				_exit(4); /* the orphan must be our child now */
			_exit(WIFEXITED(s) && WEXITSTATUS(s) == 0x33 ? 0 : 5);
		}
		st = mt_reap(sub);
		mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child-subreaper",
			  "status 0x%x", st);
		CHECK_ERR("subreaper-nothing-for-init", waitpid(-1, &st, WNOHANG), ECHILD);
	}

	CHECK_ERR("all-reaped", waitpid(-1, &st, WNOHANG), ECHILD);
	mt_end();
}
