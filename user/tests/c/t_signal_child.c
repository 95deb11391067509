/* t_signal_child: signals around children — SIGCHLD to a handler (siginfo), SIGCHLD SIG_IGN
 * and SA_NOCLDWAIT autoreap, SA_NOCLDSTOP, kill() of children (SIGTERM, signal 0, ESRCH,
 * EINVAL), SIGPIPE, mask/pending/handlers across fork, init ignoring default-action signals. */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t nchld, last_code, last_status, last_pid, last_signo;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
	nchld++;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_status = si->si_status;
	last_pid = si->si_pid;
}
static volatile sig_atomic_t nusr1;
static void on_usr1(int sig) { nusr1++; }

static volatile sig_atomic_t timed_out;
static void on_alrm(int sig) { timed_out = 1; }

/* waits (sigsuspend with SIGCHLD blocked otherwise) until nchld reaches n, at most 10 s */
static void wait_for_chld(int n)
{
	sigset_t none;
	sigemptyset(&none);
	timed_out = 0;
	alarm(10);
	while (nchld < n && !timed_out)
		sigsuspend(&none);
	alarm(0);
}

int main(void)
{
	mt_begin("t_signal_child");
	int st;
	pid_t me = getpid();
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	signal(SIGALRM, on_alrm);

	/* SIGCHLD delivered to a handler with the child's siginfo */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_chld;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGCHLD, &sa, NULL);
		sigprocmask(SIG_BLOCK, &chld, &old);
		nchld = 0;
		pid_t pid = fork();
		if (pid == 0)
			_exit(5);
		wait_for_chld(1);
		CHECK_EQ("sigchld-handler-ran", nchld, 1);
		CHECK_EQ("sigchld-si-signo", last_signo, SIGCHLD);
		CHECK_EQ("sigchld-si-code-exited", last_code, CLD_EXITED);
		CHECK_EQ("sigchld-si-status", last_status, 5);
		CHECK_EQ("sigchld-si-pid", last_pid, pid);
		st = mt_reap(pid);
		CHECK("sigchld-child-still-waitable", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5);

		/* killed child: CLD_KILLED with the signal number */
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		kill(pid, SIGTERM);
		wait_for_chld(2);
		CHECK_EQ("sigchld-killed-code", last_code, CLD_KILLED);
		CHECK_EQ("sigchld-killed-status", last_status, SIGTERM);
		st = mt_reap(pid);
		CHECK("kill-sigterm-wifsignaled", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

		/* a stopped child sends CLD_STOPPED, unless SA_NOCLDSTOP.  SIGCHLD is not queued
		 * twice: each step waits for its notification before causing the next one. */
		int go[2];
		pipe(go);
		pid = fork();
		if (pid == 0) {
			char c;
			raise(SIGSTOP);
			read(go[0], &c, 1);
			_exit(6);
		}
		wait_for_chld(3);
		CHECK_EQ("sigchld-stopped-code", last_code, CLD_STOPPED);
		CHECK_EQ("sigchld-stopped-status", last_status, SIGSTOP);
		kill(pid, SIGCONT);
		wait_for_chld(4);
		CHECK_EQ("sigchld-continued-code", last_code, CLD_CONTINUED);
		CHECK_EQ("sigchld-continued-status", last_status, SIGCONT);
		write(go[1], "x", 1);
		wait_for_chld(5);
		CHECK_EQ("sigchld-after-continue-exit", last_code, CLD_EXITED);
		mt_reap(pid);
		close(go[0]);
		close(go[1]);

		sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
		nchld = 0;
		pid = fork();
		if (pid == 0) {
			raise(SIGSTOP);
			_exit(7);
		}
		waitpid(pid, &st, WUNTRACED);
		CHECK("nocldstop-stopped", WIFSTOPPED(st));
		sigset_t pend;
		sigpending(&pend);
		CHECK("nocldstop-no-sigchld-pending", !sigismember(&pend, SIGCHLD));
		kill(pid, SIGCONT);
		wait_for_chld(1);
		CHECK_EQ("nocldstop-exit-still-signals", last_code, CLD_EXITED);
		mt_reap(pid);
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGCHLD, SIG_DFL);
	}

	/* SIGCHLD = SIG_IGN: children are reaped automatically, wait gives ECHILD */
	{
		signal(SIGCHLD, SIG_IGN);
		pid_t pid = fork();
		if (pid == 0)
			_exit(3);
		mt_msleep(50);
		CHECK_ERR("sig-ign-autoreap-echild", waitpid(pid, &st, 0), ECHILD);
		/* a wait blocks until the (last) child has exited, then ECHILD */
		pid = fork();
		if (pid == 0) {
			mt_msleep(150);
			_exit(0);
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_ERR("sig-ign-wait-blocks-then-echild", wait(&st), ECHILD);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		mt_report(dt > 0.1, "sig-ign-wait-blocked", "returned after %.3f s", dt);
		CHECK_ERR("sig-ign-kill-reaped-esrch", kill(pid, 0), ESRCH);
		signal(SIGCHLD, SIG_DFL);

		/* SA_NOCLDWAIT with a default handler does the same */
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = SA_NOCLDWAIT;
		sigaction(SIGCHLD, &sa, NULL);
		pid = fork();
		if (pid == 0)
			_exit(4);
		mt_msleep(50);
		CHECK_ERR("sa-nocldwait-autoreap-echild", waitpid(pid, &st, 0), ECHILD);
		signal(SIGCHLD, SIG_DFL);
		/* with SIG_DFL a child is a zombie until waited for */
		pid = fork();
		if (pid == 0)
			_exit(4);
		mt_msleep(50);
		CHECK_EQ("zombie-kill-0-ok", kill(pid, 0), 0);
		st = mt_reap(pid);
		CHECK("sig-dfl-child-waitable", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 4);
		CHECK_ERR("reaped-kill-0-esrch", kill(pid, 0), ESRCH);
	}

	/* kill() on children */
	{
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		CHECK_EQ("kill-0-alive", kill(pid, 0), 0);
		CHECK_ERR("kill-bad-signal-einval", kill(pid, 65), EINVAL);
		CHECK_ERR("kill-negative-signal-einval", kill(pid, -1), EINVAL);
		CHECK_ERR("kill-no-such-pid-esrch", kill(30000, SIGTERM), ESRCH);
		CHECK_ERR("kill-no-such-group-esrch", kill(-30000, SIGTERM), ESRCH);
		CHECK_EQ("kill-sigterm", kill(pid, SIGTERM), 0);
		st = mt_reap(pid);
		CHECK("kill-sigterm-status", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
		/* a handled SIGTERM does not kill */
		int p[2];
		pipe(p);
		pid = fork();
		if (pid == 0) {
			signal(SIGTERM, on_usr1);
			write(p[1], "r", 1);
			while (!nusr1)
				pause();
			_exit(9);
		}
		char c;
		read(p[0], &c, 1);
		kill(pid, SIGTERM);
		st = mt_reap(pid);
		CHECK("handled-sigterm-exit", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9);
		close(p[0]);
		close(p[1]);
		/* kill to a process group */
		pid_t a = fork();
		if (a == 0) {
			for (;;)
				pause();
		}
		setpgid(a, a);
		pid_t b = fork();
		if (b == 0) {
			for (;;)
				pause();
		}
		setpgid(b, a);
		CHECK_EQ("kill-group", kill(-a, SIGKILL), 0);
		int s1 = mt_reap(a), s2 = mt_reap(b);
		CHECK("kill-group-both-died", WIFSIGNALED(s1) && WIFSIGNALED(s2) &&
						      WTERMSIG(s1) == SIGKILL && WTERMSIG(s2) == SIGKILL);
	}

	/* SIGPIPE */
	{
		pid_t pid = fork();
		if (pid == 0) {
			int q[2];
			pipe(q);
			close(q[0]);
			write(q[1], "x", 1);
			_exit(0);
		}
		st = mt_reap(pid);
		CHECK("sigpipe-default-kills", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
		pid = fork();
		if (pid == 0) {
			int q[2];
			signal(SIGPIPE, SIG_IGN);
			pipe(q);
			close(q[0]);
			_exit(write(q[1], "x", 1) == -1 && errno == EPIPE ? 0 : 1);
		}
		st = mt_reap(pid);
		CHECK("sigpipe-ignored-epipe", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* fork: mask and handlers inherited, pending signals not */
	{
		sigset_t usr1, m;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		signal(SIGUSR1, on_usr1);
		signal(SIGUSR2, SIG_IGN);
		sigprocmask(SIG_BLOCK, &usr1, &old);
		raise(SIGUSR1); /* pending in the parent */
		pid_t pid = fork();
		if (pid == 0) {
			sigset_t cm, cp;
			struct sigaction a1, a2;
			sigprocmask(SIG_BLOCK, NULL, &cm);
			sigpending(&cp);
			sigaction(SIGUSR1, NULL, &a1);
			sigaction(SIGUSR2, NULL, &a2);
			int r = 0;
			if (sigismember(&cm, SIGUSR1))
				r |= 1;
			if (!sigismember(&cp, SIGUSR1))
				r |= 2;
			if (a1.sa_handler == on_usr1)
				r |= 4;
			if (a2.sa_handler == SIG_IGN)
				r |= 8;
			_exit(r);
		}
		st = mt_reap(pid);
		int r = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 0;
		CHECK("fork-inherits-mask", r & 1);
		CHECK("fork-clears-pending", r & 2);
		CHECK("fork-inherits-handler", r & 4);
		CHECK("fork-inherits-ignore", r & 8);
		sigpending(&m);
		CHECK("parent-still-pending", sigismember(&m, SIGUSR1));
		nusr1 = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		CHECK_EQ("pending-delivered-on-unblock", nusr1, 1);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
	}

	/* PR_SET_PDEATHSIG: the signal comes when the parent exits; fork children do not inherit it */
	{
		int p[2];
		pipe(p);
		pid_t mid = fork();
		if (mid == 0) {
			pid_t leaf = fork();
			if (leaf == 0) {
				prctl(PR_SET_PDEATHSIG, SIGUSR1);
				int sig = -1;
				prctl(PR_GET_PDEATHSIG, &sig);
				pid_t gc = fork();
				if (gc == 0) {
					int s2 = -1;
					prctl(PR_GET_PDEATHSIG, &s2);
					_exit(s2 == 0 ? 0x21 : 0x22);
				}
				int s;
				waitpid(gc, &s, 0);
				int ok = sig == SIGUSR1 && WIFEXITED(s) && WEXITSTATUS(s) == 0x21;
				write(p[1], &ok, sizeof ok);
				for (int i = 0; i < 100; i++)
					mt_msleep(100); /* until the parent's death signal */
				_exit(0x77);
			}
			int ok = 0;
			read(p[0], &ok, sizeof ok);
			write(p[1], &leaf, sizeof leaf);
			_exit(ok ? 0 : 1);
		}
		int st1 = mt_reap(mid);
		CHECK("pdeathsig-set-not-inherited", st1 >= 0 && WIFEXITED(st1) && WEXITSTATUS(st1) == 0);
		pid_t leaf = -1;
		read(p[0], &leaf, sizeof leaf);
		st = leaf > 0 ? mt_reap(leaf) : -1;
		mt_report(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "pdeathsig-delivered",
			  "status 0x%x", st);
		close(p[0]);
		close(p[1]);
	}

	/* init ignores signals whose action is default, even SIGKILL, from its children */
	if (me == 1) {
		pid_t pid = fork();
		if (pid == 0) {
			int r = 0;
			if (kill(1, SIGTERM) == 0)
				r |= 1;
			if (kill(1, SIGKILL) == 0)
				r |= 2;
			if (kill(1, SIGUSR2) == 0)
				r |= 4;
			mt_msleep(50);
			_exit(r);
		}
		st = mt_reap(pid);
		CHECK_EQ("kill-init-returns-0", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 7);
		sigset_t pend;
		sigpending(&pend);
		CHECK("init-default-signals-dropped-not-pending",
		      !sigismember(&pend, SIGTERM) && !sigismember(&pend, SIGUSR2));
		/* ... but a handled signal is delivered */
		signal(SIGUSR1, on_usr1);
		nusr1 = 0;
		pid = fork();
		if (pid == 0)
			_exit(kill(1, SIGUSR1) == 0 ? 0 : 1);
		mt_reap(pid);
		for (int i = 0; i < 50 && !nusr1; i++)
			mt_msleep(10);
		CHECK_EQ("init-handled-signal-delivered", nusr1, 1);
		signal(SIGUSR1, SIG_DFL);
		/* and the ones it sends to itself with a default action are ignored too */
		CHECK_EQ("init-raise-sigterm-ignored", raise(SIGTERM), 0);
	}

	CHECK_ERR("all-reaped", waitpid(-1, &st, WNOHANG), ECHILD);
	mt_end();
}
