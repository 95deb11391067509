/* t_fork: fork(2) semantics — returns twice, getppid, memory is a copy, fds are inherited,
 * exit status through wait4/waitpid, death by signal (SIGKILL, SIGSEGV). */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static volatile int global = 100;
static char bss_buf[8192];

/* uses about 1 KiB of stack per level */
static int __attribute__((noinline)) deep(int n)
{
	volatile char pad[1000];
	pad[0] = (char)n;
	pad[999] = 1;
	if (n == 0)
		return pad[999] - 1;
	return deep(n - 1) + 3 + pad[0] - (char)n;
}

int main(void)
{
	mt_begin("t_fork");
	pid_t me = getpid();
	int p[2];

	/* init, started by the kernel from the idle task: ppid, process group and session 0 */
	if (me == 1) {
		CHECK_EQ("init-ppid-0", getppid(), 0);
		CHECK_EQ("init-pgrp-0", getpgrp(), 0);
		CHECK_EQ("init-sid-0", getsid(0), 0);
		pid_t pid = fork();
		if (pid == 0)
			_exit(getpgrp() == 0 && getsid(0) == 0 ? 0 : 1);
		int st = -1;
		waitpid(pid, &st, 0);
		CHECK("child-inherits-pgrp-sid-0", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* fork returns twice: 0 in the child, the child's pid in the parent */
	if (pipe(p) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			pid_t info[3] = { getpid(), getppid(), (pid_t)syscall(SYS_gettid) };
			write(p[1], info, sizeof info);
			_exit(0);
		}
		CHECK("fork-returns-pid", pid > 0);
		pid_t info[3] = { 0, 0, 0 };
		ssize_t n = read(p[0], info, sizeof info);
		CHECK_EQ("child-read", n, (ssize_t)sizeof info);
		CHECK_EQ("child-getpid-is-fork-value", info[0], pid);
		CHECK_EQ("child-getppid-is-parent", info[1], me);
		CHECK_EQ("child-gettid-is-pid", info[2], pid);
		CHECK("child-pid-differs", pid != me);
		int st = mt_reap(pid);
		CHECK("child-exit-0", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		close(p[0]);
		close(p[1]);
	}

	/* the child's writes to memory do not reach the parent */
	{
		int local = 7;
		memset(bss_buf, 'p', sizeof bss_buf);
		char *heap = malloc(100000);
		memset(heap, 'h', 100000);
		global = 100;
		pid_t pid = fork();
		if (pid == 0) {
			int ok = global == 100 && local == 7 && bss_buf[5000] == 'p' && heap[99999] == 'h';
			global = 200;
			local = 8;
			memset(bss_buf, 'c', sizeof bss_buf);
			memset(heap, 'c', 100000);
			ok = ok && global == 200 && bss_buf[100] == 'c' && heap[50000] == 'c';
			_exit(ok ? 0 : 1);
		}
		int st = mt_reap(pid);
		CHECK("child-saw-parent-memory", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK_EQ("parent-global-unchanged", global, 100);
		CHECK_EQ("parent-stack-unchanged", *(volatile int *)&local, 7);
		CHECK("parent-bss-unchanged", bss_buf[0] == 'p' && bss_buf[8191] == 'p');
		CHECK("parent-heap-unchanged", heap[0] == 'h' && heap[99999] == 'h');
		free(heap);
	}

	/* the parent's writes after fork do not reach the child */
	{
		int go[2], back[2];
		pipe(go);
		pipe(back);
		global = 1;
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			read(go[0], &c, 1); /* parent has written global = 2 by now */
			_exit(global);
		}
		global = 2;
		write(go[1], "x", 1);
		int st = mt_reap(pid);
		CHECK("child-keeps-pre-fork-value", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
		close(go[0]); close(go[1]); close(back[0]); close(back[1]);
	}

	/* fds are inherited and share the open file description (offset) */
	{
		int fd = open("/tmp/t_fork.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
		CHECK("open-tmp-file", fd >= 0);
		pid_t pid = fork();
		if (pid == 0) {
			int ok = fcntl(fd, F_GETFD) >= 0 && write(fd, "child", 5) == 5;
			_exit(ok ? 0 : 1);
		}
		int st = mt_reap(pid);
		CHECK("child-wrote-inherited-fd", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK_EQ("shared-file-offset", lseek(fd, 0, SEEK_CUR), 5);
		char buf[8] = { 0 };
		CHECK_EQ("pread-child-data", pread(fd, buf, 5, 0), 5);
		CHECK("child-data", memcmp(buf, "child", 5) == 0);
		/* a child's close does not close the parent's fd */
		pid = fork();
		if (pid == 0)
			_exit(close(fd) == 0 ? 0 : 1);
		st = mt_reap(pid);
		CHECK("child-close-ok", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK("parent-fd-still-open", fcntl(fd, F_GETFD) >= 0);
		close(fd);
		unlink("/tmp/t_fork.dat");
	}

	/* exit status: WIFEXITED/WEXITSTATUS, only the low 8 bits survive */
	{
		pid_t pid = fork();
		if (pid == 0)
			_exit(42);
		int st = -1;
		CHECK_EQ("waitpid-returns-pid", waitpid(pid, &st, 0), pid);
		CHECK("exit-42-wifexited", WIFEXITED(st) && !WIFSIGNALED(st));
		CHECK_EQ("exit-42-status", WEXITSTATUS(st), 42);
		CHECK_EQ("exit-42-raw", st, 42 << 8);

		pid = fork();
		if (pid == 0)
			exit(256 + 7);
		struct rusage ru;
		st = -1;
		CHECK_EQ("wait4-returns-pid", wait4(pid, &st, 0, &ru), pid);
		CHECK("exit-263-is-7", WIFEXITED(st) && WEXITSTATUS(st) == 7);

		pid = fork();
		if (pid == 0)
			return 3; /* return from main = exit(3) */
		st = mt_reap(pid);
		CHECK("return-from-main", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	}

	/* death by signal */
	{
		pid_t pid = fork();
		if (pid == 0) {
			raise(SIGKILL);
			_exit(99);
		}
		int st = mt_reap(pid);
		CHECK("sigkill-wifsignaled", st >= 0 && WIFSIGNALED(st) && !WIFEXITED(st));
		CHECK_EQ("sigkill-termsig", WTERMSIG(st), SIGKILL);

		int sync_p[2];
		pipe(sync_p);
		pid = fork();
		if (pid == 0) {
			close(sync_p[0]);
			for (;;)
				pause();
		}
		CHECK_EQ("kill-child", kill(pid, SIGKILL), 0);
		st = mt_reap(pid);
		CHECK("kill-sigkill-status", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		close(sync_p[0]);
		close(sync_p[1]);

		pid = fork();
		if (pid == 0) {
			int *volatile bad = (int *)16; /* page 0 is never mapped */
			*bad = 1;
			_exit(98);
		}
		st = mt_reap(pid);
		CHECK("sigsegv-wifsignaled", st >= 0 && WIFSIGNALED(st));
		CHECK_EQ("sigsegv-termsig", WTERMSIG(st), SIGSEGV);
	}

	/* several children at once: each is reaped exactly once with its own status */
	{
		pid_t pids[8];
		for (int i = 0; i < 8; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				_exit(10 + i);
		}
		int seen = 0, bad = 0;
		for (int k = 0; k < 8; k++) {
			int st;
			pid_t r = wait(&st);
			int i;
			for (i = 0; i < 8 && pids[i] != r; i++)
				;
			if (i == 8 || !WIFEXITED(st) || WEXITSTATUS(st) != 10 + i || (seen & (1 << i)))
				bad++;
			else
				seen |= 1 << i;
		}
		CHECK_EQ("eight-children-reaped", seen, 0xff);
		CHECK_EQ("eight-children-bad", bad, 0);
		CHECK_ERR("no-more-children", wait(NULL), ECHILD);
	}

	/* the child's address space has the parent's protections: read-only stays read-only */
	{
		char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ro[0] = 'r';
		mprotect(ro, 4096, PROT_READ);
		pid_t pid = fork();
		if (pid == 0) {
			if (ro[0] != 'r')
				_exit(1);
			*(volatile char *)ro = 'w';
			_exit(2);
		}
		int st = mt_reap(pid);
		CHECK("child-readonly-write-segv", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid = fork();
		if (pid == 0) {
			volatile char c = *(volatile char *)none;
			(void)c;
			_exit(2);
		}
		st = mt_reap(pid);
		CHECK("child-prot-none-read-segv", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		munmap(ro, 4096);
		munmap(none, 4096);
	}

	/* the child's stack grows on its own (1 MiB of recursion) */
	{
		pid_t pid = fork();
		if (pid == 0)
			_exit(deep(1024) == 1024 * 3 ? 0 : 1);
		int st = mt_reap(pid);
		CHECK("child-stack-grows", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* brk is per process: the child starts at the parent's break and moves only its own */
	{
		void *b0 = sbrk(0);
		pid_t pid = fork();
		if (pid == 0) {
			if (sbrk(0) != b0)
				_exit(1);
			char *m = sbrk(1 << 20);
			if (m == (void *)-1)
				_exit(2);
			memset(m, 1, 1 << 20);
			_exit(sbrk(0) == (char *)b0 + (1 << 20) ? 0 : 3);
		}
		int st = mt_reap(pid);
		CHECK("child-brk", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK("parent-brk-unchanged", sbrk(0) == b0);
	}

	/* pending alarms are not inherited */
	{
		alarm(100);
		pid_t pid = fork();
		if (pid == 0)
			_exit(alarm(0));
		int st = mt_reap(pid);
		CHECK("alarm-not-inherited", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		unsigned left = alarm(0);
		CHECK("parent-alarm-kept", left > 90 && left <= 100);
	}

	/* a child can fork too */
	{
		pid_t pid = fork();
		if (pid == 0) {
			pid_t g = fork();
			if (g < 0)
				_exit(1);
			if (g == 0)
				_exit(getppid() == getppid() ? 5 : 6);
			int st;
			if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
				_exit(2);
			_exit(0);
		}
		int st = mt_reap(pid);
		CHECK("grandchild-reaped-by-child", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	mt_end();
}
