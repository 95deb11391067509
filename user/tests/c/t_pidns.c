/* t_pidns: pid namespaces — the first process of a new namespace is its pid 1 (getppid 0), the
 * numbers each level sees (getpid, clone's result, /proc/PID/status NSpid, waitpid), orphans
 * reparented to the namespace's init, the init's exit killing the namespace (and forks into the
 * dead namespace failing with ENOMEM), the init ignoring signals it has no handler for except
 * SIGKILL from outside, setns() into a pid namespace (pid_for_children), clone3's set_tid per
 * level, and the flag rules (CLONE_NEWPID with CLONE_THREAD, a second unshare).
 *
 * Each scenario runs in a child of the test (which stays in the initial namespace). */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NS_GET_PARENT _IO(0xb7, 0x2)

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone3_fork(uint64_t flags, pid_t *set_tid, size_t n)
{
	struct clone_args_v2 a = { 0 };
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	a.set_tid = (uintptr_t)set_tid;
	a.set_tid_size = n;
	return syscall(SYS_clone3, &a, sizeof a);
}

static unsigned long ino_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* The NSpid line of /proc/<pid>/status, e.g. "NSpid:\t123\t1" (without the newline). */
static char nspid[128];
static int read_nspid(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strstr(buf, "NSpid:");
	if (!p)
		return 0;
	char *e = strchr(p, '\n');
	if (e)
		*e = 0;
	snprintf(nspid, sizeof nspid, "%s", p);
	return 1;
}

/* Runs fn in a child and returns its exit status (or 100 + signal). */
static int in_child(int (*fn)(void))
{
	pid_t c = fork();
	if (c == 0)
		_exit(fn());
	int st = mt_reap(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* unshare(CLONE_NEWPID): the next child is pid 1 of the new namespace. */
static int scenario_basic(void)
{
	unsigned long mine = ino_of("/proc/self/ns/pid");
	if (unshare(CLONE_NEWPID) != 0)
		return 1;
	/* the caller stays where it was; its children's namespace has no init yet */
	if (ino_of("/proc/self/ns/pid") != mine)
		return 2;
	char buf[64];
	errno = 0;
	if (readlink("/proc/self/ns/pid_for_children", buf, sizeof buf) != -1 || errno != ENOENT)
		return 3;
	if (unshare(CLONE_NEWPID) != -1 || errno != EINVAL) /* only from one's own namespace */
		return 4;
	int p[2];
	pipe(p);
	pid_t init = fork();
	if (init == 0) {
		close(p[0]);
		int r = 0;
		if (getpid() != 1)
			r |= 1;
		if (getppid() != 0)
			r |= 2;
		if (ino_of("/proc/self/ns/pid") == mine)
			r |= 4;
		/* a second process: pid 2, its parent 1 */
		pid_t c = fork();
		if (c == 0)
			_exit(getpid() == 2 && getppid() == 1 ? 0 : 1);
		if (c != 2)
			r |= 8;
		int st;
		if (waitpid(2, &st, 0) != 2 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			r |= 16;
		/* kill(-1) from the init reaches only the namespace (ESRCH: nobody else there) */
		if (kill(-1, 0) != -1 || errno != ESRCH)
			r |= 32;
		/* a task outside is not there */
		if (kill(getppid() + 100000, 0) != -1 || errno != ESRCH)
			r |= 64;
		(void)!write(p[1], &r, sizeof r);
		pause();
		_exit(0);
	}
	close(p[1]);
	int r = -1;
	(void)!read(p[0], &r, sizeof r);
	if (r != 0)
		return 10 + r;
	/* the parent sees the init by its own number; NSpid lists both */
	char want[64];
	snprintf(want, sizeof want, "NSpid:\t%d\t1", init);
	if (!read_nspid(init) || strcmp(nspid, want))
		return 20;
	snprintf(buf, sizeof buf, "/proc/%d/ns/pid", init);
	if (ino_of("/proc/self/ns/pid_for_children") != ino_of(buf))
		return 21;
	/* the init ignores SIGTERM (no handler), dies of SIGKILL from outside */
	kill(init, SIGTERM);
	mt_msleep(50);
	if (kill(init, 0) != 0 || waitpid(init, NULL, WNOHANG) != 0)
		return 22;
	kill(init, SIGKILL);
	int st;
	if (waitpid(init, &st, 0) != init || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return 23;
	/* the namespace is dead: no process can be made in it */
	errno = 0;
	if (fork() != -1 || errno != ENOMEM)
		return 24;
	return 0;
}

/* The init's exit kills every other process of the namespace; orphans go to the init. */
static int scenario_reaper(void)
{
	if (unshare(CLONE_NEWPID) != 0)
		return 1;
	int p[2];
	pipe(p);
	pid_t init = fork();
	if (init == 0) {
		close(p[0]);
		signal(SIGCHLD, SIG_DFL);
		pid_t mid = fork();
		if (mid == 0) {
			pid_t orphan = fork();
			if (orphan == 0) {
				/* wait for the reparenting, then report the new parent */
				while (getppid() != 1)
					mt_msleep(5);
				int r = 1;
				(void)!write(p[1], &r, sizeof r);
				pause();
				_exit(0);
			}
			_exit(0);
		}
		waitpid(mid, NULL, 0);
		/* wait for the orphan's report, then let the parent know we are ready to die */
		pause();
		_exit(3);
	}
	close(p[1]);
	int r = 0;
	(void)!read(p[0], &r, sizeof r);
	if (r != 1)
		return 2;
	/* the init exits (SIGKILL from here): the orphan is killed with it */
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);
	char c;
	/* the orphan's write end is gone: EOF, not a hang */
	if (read(p[0], &c, 1) != 0)
		return 3;
	return 0;
}

/* An init that exits normally takes its namespace down too (regression_enomem). */
static int scenario_exit(void)
{
	if (unshare(CLONE_NEWPID) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0)
		exit(0);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 2;
	errno = 0;
	pid = fork();
	if (pid == 0)
		_exit(0);
	return pid == -1 && errno == ENOMEM ? 0 : 3;
}

/* setns() into a child's pid namespace: later children are numbered there. */
static int scenario_setns(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t init = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (init == 0) {
		close(p[1]);
		char c;
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", init);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	/* NS_GET_PARENT of the child's namespace is ours */
	int par = ioctl(fd, NS_GET_PARENT);
	struct stat a, b;
	if (par < 0 || fstat(par, &a) != 0 || stat("/proc/self/ns/pid", &b) != 0 || a.st_ino != b.st_ino)
		return 2;
	close(par);
	if (setns(fd, CLONE_NEWPID) != 0)
		return 3;
	if (ino_of("/proc/self/ns/pid_for_children") != ino_of(path))
		return 4;
	pid_t me = getpid();
	/* CLONE_THREAD is refused while the children's namespace is not ours */
	if (syscall(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0, 0) != -1 || errno != EINVAL)
		return 5;
	pid_t c = fork();
	if (c == 0) {
		close(q[0]);
		int r = getpid() == 2 && getppid() == 0 ? 0 : 1;
		(void)!write(q[1], &r, sizeof r);
		_exit(0);
	}
	close(q[1]);
	int r = -1;
	(void)!read(q[0], &r, sizeof r);
	if (r != 0)
		return 6;
	if (getpid() != me || c <= 0)
		return 7;
	waitpid(c, NULL, 0);
	/* back to our own namespace for children */
	int mine = open("/proc/self/ns/pid", O_RDONLY);
	if (setns(mine, CLONE_NEWPID) != 0)
		return 8;
	/* an unrelated (sibling) namespace cannot be entered from a child namespace: here an
	 * ancestor is not allowed from the child either */
	close(p[1]);
	waitpid(init, NULL, 0);
	return 0;
}

/* clone3 with set_tid: a number for each level. */
static int scenario_set_tid(void)
{
	pid_t tids[4];
	/* one entry more than the levels there will be */
	/* (numbers below 4096: the reference Linux's pid_max, CONFIG_BASE_SMALL) */
	tids[0] = 1;
	tids[1] = 3000;
	tids[2] = 3001;
	if (clone3_fork(CLONE_NEWPID, tids, 3) != -1 || errno != EINVAL)
		return 1;
	/* pid 1 in the new namespace, 3000 here */
	long c = clone3_fork(CLONE_NEWPID, tids, 2);
	if (c == 0)
		_exit(getpid() == 1 ? 0 : 1);
	if (c != 3000)
		return 2;
	int st;
	if (waitpid(3000, &st, 0) != 3000 || WEXITSTATUS(st) != 0)
		return 3;
	/* a number other than 1 in a namespace without init */
	tids[0] = 7;
	if (clone3_fork(CLONE_NEWPID, tids, 1) != -1 || errno != EINVAL)
		return 4;
	/* inside a namespace: a number at both levels */
	if (unshare(CLONE_NEWPID) != 0)
		return 5;
	pid_t init = fork();
	if (init == 0) {
		pid_t t2[2] = { 42, 3042 };
		long g = clone3_fork(0, t2, 2);
		if (g == 0)
			_exit(getpid() == 42 ? 0 : 1);
		if (g != 42)
			_exit(1);
		int s;
		waitpid(42, &s, 0);
		if (WEXITSTATUS(s) != 0)
			_exit(2);
		/* taken numbers: EEXIST */
		pid_t t3[1] = { 1 };
		if (clone3_fork(0, t3, 1) != -1 || errno != EEXIST)
			_exit(3);
		_exit(0);
	}
	if (waitpid(init, &st, 0) != init || WEXITSTATUS(st) != 0)
		return 6;
	return 0;
}

int main(void)
{
	mt_begin("t_pidns");
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	CHECK_EQ("basic", in_child(scenario_basic), 0);
	CHECK_EQ("reaper", in_child(scenario_reaper), 0);
	CHECK_EQ("init-exit-enomem", in_child(scenario_exit), 0);
	CHECK_EQ("setns", in_child(scenario_setns), 0);
	CHECK_EQ("set_tid", in_child(scenario_set_tid), 0);
	CHECK_ERR("newpid-thread",
		  syscall(SYS_clone, CLONE_NEWPID | CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0, 0), EINVAL);
	/* init (pid 1) of the initial namespace may not make siblings */
	if (getpid() == 1)
		CHECK_ERR("init-clone-parent", syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0), EINVAL);
	mt_end();
}
