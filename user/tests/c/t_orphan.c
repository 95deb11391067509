/* t_orphan - orphaned process groups (POSIX job control, Linux's kill_orphaned_pgrp).
 *
 * Boot: rdinit=/tests/t_orphan (PID 1).
 *
 * What Linux 6.1 does (kernel/exit.c: exit_notify and reparent_leader call kill_orphaned_pgrp),
 * and this test expects.  A process group is orphaned when no member has a parent in another
 * group of the same session (a parent that is init does not count).  When a process's exit
 * orphans its group, or orphans its child's group, and a member of that group is stopped, every
 * member gets SIGHUP and then SIGCONT:
 *  - a stopped child left in its own group by its exiting parent dies of SIGHUP;
 *  - one that handles SIGHUP sees it, then is continued and goes on (exit 42);
 *  - a stopped child in a group of its own, reparented to init by its parent's exit, too;
 *  - nothing is sent when no member is stopped (the sleeper is still asleep), nor when the
 *    group is not orphaned (the stopped child is in init's own group: still stopped).
 * The sysfuzz fuzzer found the gap: a stopped grandchild left behind for ever.
 */
#include "mtest.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

static volatile sig_atomic_t got_hup;
static void on_hup(int s)
{
	(void)s;
	got_hup = 1;
}
static void on_alarm(int s)
{
	(void)s;
}

/* The state letter of /proc/PID/stat ('?' when unreadable). */
static char proc_state(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* waitpid with a 5 s watchdog: -1 when it did not return pid. */
static int wait_st(pid_t pid, int flags)
{
	int st;
	alarm(5);
	pid_t r = waitpid(pid, &st, flags);
	alarm(0);
	return r == pid ? st : -1;
}

enum { PLAIN, HANDLER, SLEEPER };

/* Forks the middle process M, which forks the child C; C stops itself (or, SLEEPER, sleeps); M
 * waits for the stop, writes C's pid to `wr` and exits.  Groups: G_INIT, both in init's group;
 * G_MIDDLE, both in a group M leads (M's exit orphans it); G_CHILD, M in init's group and C in a
 * group of its own (C's reparenting orphans it).  Returns M's pid. */
enum { G_INIT, G_MIDDLE, G_CHILD };
static pid_t middle(int own_group, int how, int wr)
{
	pid_t m = fork();
	if (m == 0) {
		if (own_group == G_MIDDLE)
			setpgid(0, 0);
		pid_t c = fork();
		if (c == 0) {
			if (own_group == G_CHILD)
				setpgid(0, 0);
			if (how == HANDLER)
				signal(SIGHUP, on_hup);
			if (how == SLEEPER) {
				signal(SIGHUP, on_hup);
				for (int i = 0; i < 50 && !got_hup; i++)
					mt_msleep(10);
				_exit(got_hup ? 43 : 0);
			}
			raise(SIGSTOP);
			_exit(got_hup ? 42 : 1);
		}
		if (how != SLEEPER) {
			int st;
			waitpid(c, &st, WUNTRACED);
		}
		(void)!write(wr, &c, sizeof c);
		_exit(0);
	}
	return m;
}

static pid_t run_middle(int own_group, int how)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t m = middle(own_group, how, p[1]);
	close(p[1]);
	pid_t c = -1;
	if (read(p[0], &c, sizeof c) != sizeof c)
		c = -1;
	close(p[0]);
	wait_st(m, 0);
	return c;
}

int main(void)
{
	mt_begin("t_orphan");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: the watchdog interrupts waitpid */

	pid_t c = run_middle(G_MIDDLE, PLAIN);
	int st = wait_st(c, 0);
	mt_report(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP, "exit-orphans-own-group-sighup", "status %#x",
		  st);

	c = run_middle(G_MIDDLE, HANDLER);
	st = wait_st(c, 0);
	mt_report(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42, "sighup-then-sigcont", "status %#x", st);

	c = run_middle(G_CHILD, PLAIN);
	st = wait_st(c, 0);
	mt_report(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP, "child-group-orphaned-by-reparenting", "status %#x",
		  st);

	c = run_middle(G_MIDDLE, SLEEPER);
	st = wait_st(c, 0);
	mt_report(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "no-sighup-without-stopped-member",
		  "status %#x", st);

	c = run_middle(G_INIT, PLAIN);
	mt_msleep(100);
	char s = proc_state(c);
	mt_report(s == 'T', "not-orphaned-stays-stopped", "state %c", s);
	kill(c, SIGKILL);
	st = wait_st(c, 0);
	mt_report(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed-after", "status %#x", st);
	mt_end();
}
