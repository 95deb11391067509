/* t_vfork: vfork(2) — the child borrows the parent's memory and the parent is suspended until
 * the child _exits or execs.  (qemu-riscv64-static implements vfork as fork: it fails here.) */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static volatile int shared_var;
static volatile pid_t child_pid_seen, child_ppid_seen;
static volatile int child_errno;

static const struct timespec t100ms = { 0, 100 * 1000 * 1000 };

int main(void)
{
	mt_begin("t_vfork");
	pid_t me = getpid();

	/* the child's writes are seen by the parent: the memory is shared */
	shared_var = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared_var = 1;
		child_pid_seen = syscall(SYS_getpid);
		child_ppid_seen = syscall(SYS_getppid);
		_exit(5);
	}
	CHECK("vfork-returns-pid", pid > 0);
	CHECK_EQ("child-write-seen-by-parent", shared_var, 1);
	CHECK_EQ("child-getpid", child_pid_seen, pid);
	CHECK_EQ("child-getppid", child_ppid_seen, me);
	int st = mt_reap(pid);
	CHECK("child-exit-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5);

	/* the parent is suspended while the child runs (the child sleeps before writing) */
	shared_var = 0;
	pid = vfork();
	if (pid == 0) {
		shared_var = 1;
		syscall(SYS_nanosleep, &t100ms, NULL);
		shared_var = 2;
		_exit(0);
	}
	CHECK_EQ("parent-suspended-until-exit", shared_var, 2);
	mt_reap(pid);

	/* vfork + execve: the parent resumes at the exec, before the child exits.  The child
	 * (read-count) blocks on a pipe that only the resumed parent writes and closes. */
	{
		int p[2];
		pipe(p);
		shared_var = 0;
		pid = vfork();
		if (pid == 0) {
			dup2(p[0], 0);
			close(p[0]);
			close(p[1]);
			shared_var = 1;
			char *argv[] = { "read-count", NULL };
			char *envp[] = { NULL };
			execve("/bin/read-count", argv, envp);
			child_errno = errno;
			_exit(127);
		}
		CHECK_EQ("exec-child-ran-before-parent", shared_var, 1);
		/* the child's close(p[1]) in its own fd table did not close ours */
		CHECK_EQ("parent-fd-table-not-shared", write(p[1], "hello", 5), 5);
		close(p[1]);
		close(p[0]);
		st = mt_reap(pid);
		CHECK("vfork-exec-child-status", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	}

	/* vfork + failed execve: the child reports the errno through the shared memory */
	child_errno = 0;
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "nope", NULL };
		execve("/no/such/program", argv, argv + 1);
		child_errno = errno;
		_exit(127);
	}
	CHECK_EQ("failed-exec-errno-shared", child_errno, ENOENT);
	st = mt_reap(pid);
	CHECK("failed-exec-exit-127", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127);

	/* vfork + execve of a program that exits with a given code */
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "exit-code", "77", NULL };
		char *envp[] = { NULL };
		execve("/bin/exit-code", argv, envp);
		_exit(127);
	}
	st = mt_reap(pid);
	CHECK("vfork-exec-exit-code", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 77);

	/* a vfork child killed by a signal also releases the parent */
	shared_var = 0;
	pid = vfork();
	if (pid == 0) {
		shared_var = 3;
		syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
		_exit(0);
	}
	CHECK_EQ("killed-child-releases-parent", shared_var, 3);
	st = mt_reap(pid);
	CHECK("killed-vfork-child-status", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	/* only the memory is shared: the signal handlers, cwd and umask are the child's own */
	{
		signal(SIGUSR2, SIG_DFL);
		chdir("/");
		mode_t old = umask(022);
		pid = vfork();
		if (pid == 0) {
			unsigned long act[3] = { (unsigned long)SIG_IGN, 0, 0 };
			syscall(SYS_rt_sigaction, SIGUSR2, act, NULL, 8);
			syscall(SYS_chdir, "/tmp");
			syscall(SYS_umask, 077);
			_exit(0);
		}
		mt_reap(pid);
		struct sigaction sa;
		sigaction(SIGUSR2, NULL, &sa);
		CHECK("vfork-sighand-not-shared", sa.sa_handler == SIG_DFL);
		char buf[64] = "";
		getcwd(buf, sizeof buf);
		mt_report(strcmp(buf, "/") == 0, "vfork-cwd-not-shared", "cwd %s", buf);
		CHECK_EQ("vfork-umask-not-shared", umask(old), 022);
	}

	/* a vfork child may create a child (raw fork-style clone); the grandchild has its own copy */
	shared_var = 0;
	pid = vfork();
	if (pid == 0) {
		pid_t g = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (g == 0)
			_exit(9);
		shared_var = g;
		_exit(0);
	}
	mt_reap(pid);
	CHECK("vfork-child-forked", shared_var > 0);
	if (shared_var > 0) {
		st = mt_reap(shared_var);
		/* the grandchild was reparented to init (us) when the vfork child exited */
		CHECK("grandchild-reaped-by-init", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9);
	}

	mt_end();
}
