/* t_exec: execve/execveat — argv/envp reach the new image, errors (ENOENT, ENOTDIR, EACCES,
 * ENOEXEC, EFAULT, E2BIG) return to the caller with its memory intact, #! scripts,
 * close-on-exec, execveat AT_EMPTY_PATH.  Uses /bin/echo-args, /bin/exit-code, /bin/fd-open. */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static char outbuf[16384];

/* runs execve(path, argv, envp) in a child with stdout on a pipe; returns the output (in outbuf)
 * and stores the wait status */
static const char *run_capture(const char *path, char *const argv[], char *const envp[], int *status)
{
	int p[2];
	outbuf[0] = 0;
	if (pipe(p) < 0)
		return outbuf;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n < sizeof outbuf - 1 && (r = read(p[0], outbuf + n, sizeof outbuf - 1 - n)) > 0)
		n += r;
	outbuf[n] = 0;
	close(p[0]);
	*status = mt_reap(pid);
	return outbuf;
}

/* exit status of a child that runs execve(path, argv, envp), or 100 + errno if it fails */
static int run_status(const char *path, char *const argv[], char *const envp[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	int st = mt_reap(pid);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	int ok = write(fd, data, len) == (ssize_t)len;
	fchmod(fd, mode);
	close(fd);
	return ok ? 0 : -1;
}

static volatile int canary = 0x1234;
static void on_usr2(int sig) { (void)sig; }

/* CHECK_EXEC_ERR(name, expr, errno): expr (an exec call expected to fail) is run in a child,
 * with stdin and stdout on /dev/null, so that a kernel that wrongly succeeds does not replace
 * init.  The child exits with the errno, or 0x7d when the failed exec changed its memory, or
 * 0x7e when expr returned without an error; a wrong exec exits with the program's status. */
#define CHECK_EXEC_ERR(check, expr, want_errno)                                              \
	do {                                                                                 \
		pid_t mt_p = fork();                                                         \
		if (mt_p == 0) {                                                             \
			int mt_n = open("/dev/null", O_RDWR);                                \
			dup2(mt_n, 0);                                                       \
			dup2(mt_n, 1);                                                       \
			errno = 0;                                                           \
			long mt_r = (long)(expr);                                            \
			int mt_e = errno;                                                    \
			_exit(mt_r != -1 ? 0x7e : canary != 0x1234 ? 0x7d : (mt_e & 0x7f));  \
		}                                                                            \
		int mt_s = mt_reap(mt_p);                                                       \
		int mt_g = mt_s >= 0 && WIFEXITED(mt_s) ? WEXITSTATUS(mt_s) : -1;            \
		mt_report(mt_g == (want_errno), (check),                                     \
			  "%s: child status %d (%s), want errno %d (%s) (line %d)", #expr, mt_g, \
			  mt_g == 0x7d	 ? "memory changed"                                  \
			  : mt_g == 0x7e ? "returned without error"                          \
			  : mt_g > 0 && mt_g < 0x7d ? strerror(mt_g)                          \
						    : "exec succeeded or the child died",    \
			  (want_errno), strerror(want_errno), __LINE__);                     \
	} while (0)

int main(void)
{
	mt_begin("t_exec");
	int st;
	const char *out;
	char *envp[] = { "FOO=bar", "EMPTY=", "A=b=c", NULL };
	char *noenv[] = { NULL };

	/* argv and envp reach the new image */
	{
		char *argv[] = { "echo-args", "hello world", "", "x", NULL };
		out = run_capture("/bin/echo-args", argv, envp, &st);
		CHECK("echo-args-exit-0", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		const char *want = "argc=4\nargv[0]=echo-args\nargv[1]=hello world\nargv[2]=\n"
				   "argv[3]=x\nenvc=3\nenvp[0]=FOO=bar\nenvp[1]=EMPTY=\nenvp[2]=A=b=c\n";
		mt_report(strcmp(out, want) == 0, "argv-envp-passed", "got \"%s\"", out);
		char *argv0[] = { "/some/other/name", NULL };
		out = run_capture("/bin/echo-args", argv0, noenv, &st);
		mt_report(strcmp(out, "argc=1\nargv[0]=/some/other/name\nenvc=0\n") == 0,
			  "argv0-is-caller-choice-empty-env", "got \"%s\"", out);
		/* Linux >= 5.18: an empty argv becomes { "" } */
		char *empty[] = { NULL };
		out = run_capture("/bin/echo-args", empty, noenv, &st);
		mt_report(strcmp(out, "argc=1\nargv[0]=\nenvc=0\n") == 0, "empty-argv-gets-empty-string",
			  "got \"%s\"", out);
		/* a NULL argv and envp are taken as empty */
		out = run_capture("/bin/echo-args", NULL, NULL, &st);
		mt_report(strcmp(out, "argc=1\nargv[0]=\nenvc=0\n") == 0, "null-argv-envp",
			  "got \"%s\"", out);
		char *ec[] = { "exit-code", "57", NULL };
		CHECK_EQ("exit-code-57", run_status("/bin/exit-code", ec, noenv), 57);
	}

	/* the pid is kept across execve (the exec'd program's parent is still us) */
	{
		int p[2];
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			char num[16];
			snprintf(num, sizeof num, "%d", getpid());
			char *argv[] = { "echo-args", num, NULL };
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			execve("/bin/echo-args", argv, noenv);
			_exit(127);
		}
		close(p[1]);
		char buf[256] = "", want[256];
		ssize_t n = read(p[0], buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		close(p[0]);
		mt_reap(pid);
		snprintf(want, sizeof want, "argc=2\nargv[0]=echo-args\nargv[1]=%d\nenvc=0\n", pid);
		mt_report(strcmp(buf, want) == 0, "pid-kept-across-exec", "got \"%s\"", buf);
	}

	/* errors: execve returns -1 in the caller, with the caller's memory intact (those that a
	 * wrong kernel might carry out run in a child: CHECK_EXEC_ERR) */
	{
		char *argv[] = { "x", NULL };
		int local = 777;
		CHECK_ERR("enoent", execve("/no/such/file", argv, envp), ENOENT);
		CHECK_ERR("enoent-empty-path", execve("", argv, envp), ENOENT);
		CHECK_ERR("enotdir", execve("/bin/true/x", argv, envp), ENOTDIR);
		CHECK_EXEC_ERR("eacces-directory", execve("/tmp", argv, envp), EACCES);
		write_file("/tmp/noexec", "#!/bin/true\n", 12, 0644);
		CHECK_EXEC_ERR("eacces-no-x-bit-even-for-root", execve("/tmp/noexec", argv, envp), EACCES);
		const char garbage[] = "this is not an executable\n\x01\x02\x03";
		write_file("/tmp/garbage", garbage, sizeof garbage, 0755);
		CHECK_EXEC_ERR("enoexec-garbage", execve("/tmp/garbage", argv, envp), ENOEXEC);
		write_file("/tmp/emptyx", "", 0, 0755);
		CHECK_EXEC_ERR("enoexec-empty-file", execve("/tmp/emptyx", argv, envp), ENOEXEC);
		write_file("/tmp/badelf", "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0", 20, 0755);
		CHECK_EXEC_ERR("enoexec-truncated-elf", execve("/tmp/badelf", argv, envp), ENOEXEC);
		char *volatile badstr = (char *)16;
		char **volatile badvec = (char **)16;
		CHECK_ERR("efault-path", execve(badstr, argv, envp), EFAULT);
		CHECK_EXEC_ERR("efault-argv", execve("/bin/true", badvec, envp), EFAULT);
		char *badarg[] = { "x", (char *)16, NULL };
		CHECK_EXEC_ERR("efault-argv-string", execve("/bin/true", badarg, envp), EFAULT);
		CHECK_EXEC_ERR("efault-envp", execve("/bin/true", argv, badvec), EFAULT);
		CHECK_EQ("memory-intact-after-failures", canary, 0x1234);
		CHECK_EQ("stack-intact-after-failures", *(volatile int *)&local, 777);
	}

	/* E2BIG: one string longer than MAX_ARG_STRLEN (128 KiB), or more than the stack limit/4 */
	{
		size_t len = 200 * 1024;
		char *huge = malloc(len + 1);
		memset(huge, 'a', len);
		huge[len] = 0;
		char *argv[] = { "true", huge, NULL };
		CHECK_EXEC_ERR("e2big-one-arg", execve("/bin/true", argv, envp), E2BIG);
		char *envbig[] = { huge, NULL };
		char *argv1[] = { "true", NULL };
		CHECK_EXEC_ERR("e2big-one-env", execve("/bin/true", argv1, envbig), E2BIG);
		free(huge);
		/* 40 strings of 100 KiB: 4 MiB > 8 MiB / 4 */
		len = 100 * 1024;
		char *mid = malloc(len + 1);
		memset(mid, 'b', len);
		mid[len] = 0;
		char *many[42];
		many[0] = "true";
		for (int i = 1; i <= 40; i++)
			many[i] = mid;
		many[41] = NULL;
		CHECK_EXEC_ERR("e2big-total", execve("/bin/true", many, envp), E2BIG);
		/* 10 of them (1 MiB) still fit */
		many[11] = NULL;
		CHECK_EQ("one-mib-of-args-ok", run_status("/bin/true", many, envp), 0);
		free(mid);
	}

	/* #! scripts */
	{
		write_file("/tmp/script1", "#!/bin/echo-args\nignored\n", 25, 0755);
		char *argv[] = { "script-name", "arg1", "arg 2", NULL };
		out = run_capture("/tmp/script1", argv, envp, &st);
		const char *want1 = "argc=4\nargv[0]=/bin/echo-args\nargv[1]=/tmp/script1\nargv[2]=arg1\n"
				    "argv[3]=arg 2\nenvc=3\nenvp[0]=FOO=bar\nenvp[1]=EMPTY=\nenvp[2]=A=b=c\n";
		mt_report(strcmp(out, want1) == 0, "script-no-arg", "got \"%s\"", out);

		/* the optional argument is one word: everything after the interpreter, trimmed */
		const char s2[] = "#!  /bin/echo-args   -a  -b \t \nrest\n";
		write_file("/tmp/script2", s2, sizeof s2 - 1, 0755);
		out = run_capture("/tmp/script2", argv, noenv, &st);
		const char *want2 = "argc=5\nargv[0]=/bin/echo-args\nargv[1]=-a  -b\nargv[2]=/tmp/script2\n"
				    "argv[3]=arg1\nargv[4]=arg 2\nenvc=0\n";
		mt_report(strcmp(out, want2) == 0, "script-with-arg", "got \"%s\"", out);

		/* a script run through a relative path gets that path */
		chdir("/tmp");
		out = run_capture("script1", argv, noenv, &st);
		mt_report(strncmp(out, "argc=4\nargv[0]=/bin/echo-args\nargv[1]=script1\n", 46) == 0,
			  "script-relative-path", "got \"%s\"", out);
		chdir("/");

		/* a script whose interpreter is itself a script */
		write_file("/tmp/script3", "#!/tmp/script1 inner\n", 21, 0755);
		char *argv3[] = { "s3", NULL };
		out = run_capture("/tmp/script3", argv3, noenv, &st);
		const char *want3 = "argc=4\nargv[0]=/bin/echo-args\nargv[1]=/tmp/script1\nargv[2]=inner\n"
				    "argv[3]=/tmp/script3\nenvc=0\n";
		mt_report(strcmp(out, want3) == 0, "script-nested", "got \"%s\"", out);

		write_file("/tmp/script4", "#!/no/such/interp\n", 18, 0755);
		CHECK_EXEC_ERR("script-missing-interpreter-enoent", execve("/tmp/script4", argv, noenv), ENOENT);
		write_file("/tmp/script5", "#!/bin/exit-code 23\n", 20, 0755);
		/* exit-code gets argv[1] = "23" */
		CHECK_EQ("script-exit-code", run_status("/tmp/script5", argv3, noenv), 23);
	}

	/* close-on-exec */
	{
		int keep = open("/dev/null", O_RDONLY);
		int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int setfd = open("/dev/null", O_RDONLY);
		fcntl(setfd, F_SETFD, FD_CLOEXEC);
		int p2[2];
		pipe2(p2, O_CLOEXEC);
		char a1[12], a2[12], a3[12], a4[12], a5[12];
		snprintf(a1, sizeof a1, "%d", keep);
		snprintf(a2, sizeof a2, "%d", cloexec);
		snprintf(a3, sizeof a3, "%d", setfd);
		snprintf(a4, sizeof a4, "%d", p2[0]);
		snprintf(a5, sizeof a5, "%d", 1);
		char *argv[] = { "fd-open", a1, a2, a3, a4, a5, NULL };
		int mask = run_status("/bin/fd-open", argv, noenv);
		CHECK_EQ("cloexec-fd-mask", mask, 1 | 16); /* keep and stdout open, the rest closed */
		/* a failed execve closes nothing */
		CHECK_ERR("failed-exec", execve("/no/such", argv, noenv), ENOENT);
		CHECK("failed-exec-keeps-cloexec-fds", fcntl(cloexec, F_GETFD) == FD_CLOEXEC);
		close(keep);
		close(cloexec);
		close(setfd);
		close(p2[0]);
		close(p2[1]);
	}

	/* execveat */
	{
		char *ec[] = { "exit-code", "61", NULL };
		int fd = open("/bin/exit-code", O_RDONLY);
		pid_t pid = fork();
		if (pid == 0) {
			syscall(SYS_execveat, fd, "", ec, noenv, AT_EMPTY_PATH);
			_exit(100 + errno);
		}
		st = mt_reap(pid);
		CHECK("execveat-empty-path", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 61);
		close(fd);
		fd = open("/bin/exit-code", O_PATH);
		pid = fork();
		if (pid == 0) {
			syscall(SYS_execveat, fd, "", ec, noenv, AT_EMPTY_PATH);
			_exit(100 + errno);
		}
		st = mt_reap(pid);
		CHECK("execveat-o-path", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 61);
		CHECK_EXEC_ERR("execveat-empty-no-flag-enoent", syscall(SYS_execveat, fd, "", ec, noenv, 0),
			  ENOENT);
		/* the file name is looked at before the flags */
		CHECK_EXEC_ERR("execveat-bad-flags-empty-path-enoent",
			  syscall(SYS_execveat, fd, "", ec, noenv, 0x4), ENOENT);
		CHECK_EXEC_ERR("execveat-bad-flags",
			  syscall(SYS_execveat, AT_FDCWD, "/bin/exit-code", ec, noenv, 0x4), EINVAL);
		close(fd);
		int dfd = open("/bin", O_RDONLY | O_DIRECTORY);
		pid = fork();
		if (pid == 0) {
			syscall(SYS_execveat, dfd, "exit-code", ec, noenv, 0);
			_exit(100 + errno);
		}
		st = mt_reap(pid);
		CHECK("execveat-dirfd-relative", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 61);
		CHECK_EXEC_ERR("execveat-file-dirfd-enotdir",
			  syscall(SYS_execveat, 1, "exit-code", ec, noenv, 0), ENOTDIR);
		CHECK_EXEC_ERR("execveat-bad-dirfd", syscall(SYS_execveat, 999, "exit-code", ec, noenv, 0),
			  EBADF);
		close(dfd);
		/* a script through a close-on-exec fd cannot be found by its interpreter: ENOENT */
		int sfd = open("/tmp/script5", O_RDONLY | O_CLOEXEC);
		CHECK_EXEC_ERR("execveat-cloexec-script-enoent",
			  syscall(SYS_execveat, sfd, "", ec, noenv, AT_EMPTY_PATH), ENOENT);
		close(sfd);
		/* without close-on-exec the interpreter gets /dev/fd/N */
		sfd = open("/tmp/script1", O_RDONLY);
		int p[2];
		pipe(p);
		pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			char *a[] = { "s", NULL };
			syscall(SYS_execveat, sfd, "", a, noenv, AT_EMPTY_PATH);
			_exit(100 + errno);
		}
		close(p[1]);
		char buf[256] = "", want[128];
		ssize_t n = read(p[0], buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		close(p[0]);
		mt_reap(pid);
		snprintf(want, sizeof want, "argc=2\nargv[0]=/bin/echo-args\nargv[1]=/dev/fd/%d\n", sfd);
		mt_report(strncmp(buf, want, strlen(want)) == 0, "execveat-script-dev-fd", "got \"%s\"",
			  buf);
		close(sfd);
	}

	/* signal dispositions: handled ones are reset by exec, ignored ones stay ignored.  The
	 * parent learns that the exec happened from a close-on-exec pipe reaching EOF. */
	{
		int in[2], ep[2];
		pipe(in);
		pipe2(ep, O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGUSR1, SIG_IGN);
			signal(SIGUSR2, on_usr2);
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
			close(ep[0]);
			char *argv[] = { "read-count", NULL };
			execve("/bin/read-count", argv, noenv);
			_exit(127);
		}
		close(in[0]);
		close(ep[1]);
		char c;
		CHECK_EQ("cloexec-pipe-eof-at-exec", read(ep[0], &c, 1), 0);
		close(ep[0]);
		kill(pid, SIGUSR1); /* ignored in the new image: discarded */
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		write(in[1], "abc", 3);
		close(in[1]);
		st = mt_reap(pid);
		mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3, "ignored-signal-stays-ignored",
			  "status 0x%x", st);

		pipe(in);
		pipe2(ep, O_CLOEXEC);
		pid = fork();
		if (pid == 0) {
			signal(SIGUSR2, on_usr2);
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
			close(ep[0]);
			char *argv[] = { "read-count", NULL };
			execve("/bin/read-count", argv, noenv);
			_exit(127);
		}
		close(in[0]);
		close(ep[1]);
		read(ep[0], &c, 1);
		close(ep[0]);
		kill(pid, SIGUSR2); /* the handler is gone: default action, terminate */
		st = mt_reap(pid);
		close(in[1]);
		mt_report(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2,
			  "handled-signal-reset-to-default", "status 0x%x", st);
	}

	/* the signal mask survives execve: a blocked signal stays pending, the program lives */
	{
		int in[2], ep[2];
		pipe(in);
		pipe2(ep, O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			sigset_t m;
			sigemptyset(&m);
			sigaddset(&m, SIGUSR2);
			sigprocmask(SIG_BLOCK, &m, NULL);
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
			close(ep[0]);
			char *argv[] = { "read-count", NULL };
			execve("/bin/read-count", argv, noenv);
			_exit(127);
		}
		close(in[0]);
		close(ep[1]);
		char c;
		read(ep[0], &c, 1);
		close(ep[0]);
		kill(pid, SIGUSR2); /* blocked: stays pending */
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		write(in[1], "ab", 2);
		close(in[1]);
		st = mt_reap(pid);
		mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 2, "exec-keeps-signal-mask",
			  "status 0x%x", st);
	}

	/* ETXTBSY: a file open for writing cannot be executed, a running program not written */
	{
		int src = open("/bin/read-count", O_RDONLY);
		int dst = open("/tmp/rc-copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
		char b[4096];
		ssize_t k;
		while ((k = read(src, b, sizeof b)) > 0)
			write(dst, b, k);
		close(src);
		fchmod(dst, 0755);
		char *argv[] = { "rc-copy", NULL };
		CHECK_EXEC_ERR("exec-file-open-for-write-etxtbsy", execve("/tmp/rc-copy", argv, noenv), ETXTBSY);
		close(dst);
		int in[2], ep[2];
		pipe(in);
		pipe2(ep, O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
			close(ep[0]);
			execve("/tmp/rc-copy", argv, noenv);
			_exit(127);
		}
		close(in[0]);
		close(ep[1]);
		char c;
		CHECK_EQ("exec-copy-started", read(ep[0], &c, 1), 0);
		close(ep[0]);
		CHECK_ERR("write-open-running-program-etxtbsy", open("/tmp/rc-copy", O_WRONLY), ETXTBSY);
		close(in[1]);
		st = mt_reap(pid);
		CHECK("exec-copy-ran", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		int w = open("/tmp/rc-copy", O_WRONLY);
		CHECK("write-open-after-exit-ok", w >= 0);
		close(w);
		unlink("/tmp/rc-copy");
	}

	unlink("/tmp/noexec");
	unlink("/tmp/garbage");
	unlink("/tmp/emptyx");
	unlink("/tmp/badelf");
	for (int i = 1; i <= 5; i++) {
		char n[32];
		snprintf(n, sizeof n, "/tmp/script%d", i);
		unlink(n);
	}
	mt_end();
}
