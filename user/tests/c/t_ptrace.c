/* t_ptrace: ptrace(2) as riscv64 Linux has it — TRACEME/ATTACH/SEIZE/INTERRUPT/DETACH/KILL,
 * signal-delivery, syscall and event stops in wait's status, PEEK/POKE, the regsets, siginfo,
 * GET_SYSCALL_INFO, auto-attach of children, the tracer as parent while real_parent stays,
 * tracer exit and EXITKILL, the stops of ignored signals, /proc/PID/status, process_vm_readv/writev, LISTEN then SIGCONT, attaching to a stopped process, the exit of a
 * traced thread, and the errnos. */
#include "mtest.h"
#include <elf.h>
#include <fcntl.h>
#include <linux/ptrace.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

static long sys_ptrace(long req, long pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

static volatile long g_word = 0x1122334455667788L;

/* A /proc/PID/status field ("TracerPid:"), as a number; -1 when missing. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9')
		return strtol(p, NULL, 10);
	return *p; /* the State letter */
}

/* Resumes a tracee through its stops (passing signals on) until it exits; its wait status. */
static int cont_until_exit(pid_t pid)
{
	int st;
	for (;;) {
		if (waitpid(pid, &st, __WALL) != pid)
			return -1;
		if (!WIFSTOPPED(st))
			return st;
		int sig = (st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP ? WSTOPSIG(st) : 0;
		sys_ptrace(PTRACE_CONT, pid, 0, sig);
	}
}

static pid_t traceme_child(void (*body)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		sys_ptrace(PTRACE_TRACEME, 0, 0, 0);
		kill(getpid(), SIGSTOP);
		body();
		_exit(0);
	}
	return pid;
}

static void body_exit7(void)
{
	_exit(g_word == 42 ? 42 : 7);
}

static void body_getpid(void)
{
	syscall(SYS_getpid);
	_exit(3);
}

static void body_fork(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(5);
	int st;
	waitpid(c, &st, 0);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
}

static void body_vfork(void)
{
	pid_t c = vfork();
	if (c == 0)
		_exit(6);
	int st;
	waitpid(c, &st, 0);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
}

static void body_exec(void)
{
	execl("/bin/true", "true", (char *)NULL);
	_exit(127);
}

/* an ignored signal (SIG_IGN) and a default-ignored one (SIGCHLD), each sent to itself */
static void body_ignored(void)
{
	signal(SIGUSR1, SIG_IGN);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGCHLD);
	_exit(8);
}

static void body_pause(void)
{
	for (;;)
		pause();
}

/* waitpid(pid, st, flags | WNOHANG) retried for up to 2 s: a report that never comes fails
 * the check instead of hanging the test. */
static pid_t wait_bounded(pid_t pid, int *st, int flags)
{
	pid_t r = 0;
	for (int i = 0; i < 1000 && (r = waitpid(pid, st, flags | WNOHANG)) == 0; i++)
		usleep(2000);
	return r;
}

static int g_pipe_rd, g_pipe_wr;

/* A thread that sends its tid, waits for a byte, then exits (the thread alone) with 5. */
static void *thread_exit5(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid);
	char c;
	write(g_pipe_wr, &tid, sizeof tid);
	read(g_pipe_rd, &c, 1);
	syscall(SYS_exit, 5);
	return NULL;
}

int main(void)
{
	mt_begin("t_ptrace");
	int st;
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL); /* as PID 1: nobody mounted it (EBUSY otherwise) */

	/* errors without a tracee */
	CHECK_ERR("cont-not-traced-esrch", sys_ptrace(PTRACE_CONT, getpid(), 0, 0), ESRCH);
	CHECK_ERR("attach-self-eperm", sys_ptrace(PTRACE_ATTACH, getpid(), 0, 0), EPERM);
	CHECK_ERR("attach-nonexistent-esrch", sys_ptrace(PTRACE_ATTACH, 99999, 0, 0), ESRCH);

	/* TRACEME, the SIGSTOP stop, siginfo, PEEK/POKE, the regsets, CONT */
	{
		pid_t pid = traceme_child(body_exit7);
		CHECK_EQ("traceme-wait-pid", waitpid(pid, &st, 0), pid);
		CHECK("traceme-stopped", WIFSTOPPED(st));
		CHECK_EQ("traceme-stopsig", WSTOPSIG(st), SIGSTOP);
		CHECK_EQ("traceme-status-raw", st, (SIGSTOP << 8) | 0x7f);
		CHECK_EQ("tracerpid", status_field(pid, "TracerPid:"), getpid());
		CHECK_EQ("state-tracing-stop", status_field(pid, "State:"), 't');
		siginfo_t si;
		memset(&si, 0, sizeof si);
		CHECK_EQ("getsiginfo", sys_ptrace(PTRACE_GETSIGINFO, pid, 0, (unsigned long)&si), 0);
		CHECK_EQ("getsiginfo-signo", si.si_signo, SIGSTOP);
		CHECK_EQ("getsiginfo-code-si-user", si.si_code, SI_USER);
		CHECK_EQ("getsiginfo-pid", si.si_pid, pid);
		long word = 0;
		CHECK_EQ("peekdata", sys_ptrace(PTRACE_PEEKDATA, pid, (unsigned long)&g_word, (unsigned long)&word), 0);
		CHECK_EQ("peekdata-value", word, 0x1122334455667788L);
		CHECK_ERR("peekdata-bad-address-eio", sys_ptrace(PTRACE_PEEKDATA, pid, 8, (unsigned long)&word), EIO);
		CHECK_EQ("pokedata", sys_ptrace(PTRACE_POKEDATA, pid, (unsigned long)&g_word, 42), 0);
		unsigned long regs[32];
		struct iovec iov = {regs, sizeof regs};
		CHECK_EQ("getregset-prstatus", sys_ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, (unsigned long)&iov), 0);
		CHECK_EQ("getregset-prstatus-len", iov.iov_len, 256);
		CHECK("getregset-pc-sp", regs[0] != 0 && regs[2] != 0);
		CHECK_EQ("getregset-a7-kill", regs[17], SYS_kill);
		unsigned long regs2[32];
		iov.iov_base = regs2;
		iov.iov_len = 8 * 4;
		CHECK_EQ("getregset-short", sys_ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, (unsigned long)&iov), 0);
		CHECK_EQ("getregset-short-len", iov.iov_len, 32);
		iov.iov_len = 13;
		CHECK_ERR("getregset-odd-len-einval", sys_ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, (unsigned long)&iov), EINVAL);
		iov.iov_len = sizeof regs2;
		CHECK_ERR("getregset-bad-type-einval", sys_ptrace(PTRACE_GETREGSET, pid, 0x4711, (unsigned long)&iov), EINVAL);
		iov.iov_base = regs;
		iov.iov_len = sizeof regs;
		CHECK_EQ("setregset-prstatus", sys_ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, (unsigned long)&iov), 0);
		unsigned char fp[512];
		struct iovec fiov = {fp, sizeof fp};
		CHECK_EQ("getregset-fpreg", sys_ptrace(PTRACE_GETREGSET, pid, NT_PRFPREG, (unsigned long)&fiov), 0);
		CHECK_EQ("getregset-fpreg-len", fiov.iov_len, 264);
		CHECK_ERR("singlestep-eio", sys_ptrace(PTRACE_SINGLESTEP, pid, 0, 0), EIO);
		CHECK_ERR("getregs-eio", sys_ptrace(12 /* PTRACE_GETREGS */, pid, 0, (unsigned long)regs), EIO);
		CHECK_ERR("setoptions-bad-einval", sys_ptrace(PTRACE_SETOPTIONS, pid, 0, 0x10000), EINVAL);
		CHECK_ERR("cont-bad-signal-eio", sys_ptrace(PTRACE_CONT, pid, 0, 1000), EIO);
		struct ptrace_syscall_info info;
		CHECK_EQ("syscall-info-none-size", sys_ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, (unsigned long)&info), 24);
		CHECK_EQ("syscall-info-none-op", info.op, PTRACE_SYSCALL_INFO_NONE);
		CHECK_EQ("syscall-info-arch", info.arch, 0xC00000F3);
		CHECK_EQ("cont", sys_ptrace(PTRACE_CONT, pid, 0, 0), 0);
		CHECK_ERR("not-stopped-esrch", sys_ptrace(PTRACE_GETSIGINFO, pid, 0, (unsigned long)&si), ESRCH);
		CHECK_EQ("cont-exit-wait", waitpid(pid, &st, 0), pid);
		CHECK("poked-value-seen", WIFEXITED(st) && WEXITSTATUS(st) == 42);
	}

	/* Linux's sig_ignored(): a tracee's ignored signals are still queued, for the tracer to
	 * see in a signal-delivery stop (strace's `--- SIGCHLD ... ---`); passed back at CONT,
	 * they are then ignored */
	{
		pid_t pid = traceme_child(body_ignored);
		waitpid(pid, &st, 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		CHECK_EQ("ignored-sig-ign-wait", waitpid(pid, &st, 0), pid);
		CHECK("ignored-sig-ign-stop", WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
		sys_ptrace(PTRACE_CONT, pid, 0, SIGUSR1);
		CHECK_EQ("ignored-dfl-wait", waitpid(pid, &st, 0), pid);
		CHECK("ignored-dfl-sigchld-stop", WIFSTOPPED(st) && WSTOPSIG(st) == SIGCHLD);
		sys_ptrace(PTRACE_CONT, pid, 0, SIGCHLD);
		CHECK_EQ("ignored-exit-wait", waitpid(pid, &st, 0), pid);
		CHECK("ignored-then-ignored-exit8", WIFEXITED(st) && WEXITSTATUS(st) == 8);
	}

	/* signal injection at CONT */
	{
		pid_t pid = traceme_child(body_pause);
		waitpid(pid, &st, 0);
		CHECK_EQ("inject-cont", sys_ptrace(PTRACE_CONT, pid, 0, SIGUSR2), 0);
		CHECK_EQ("inject-wait", waitpid(pid, &st, 0), pid);
		CHECK("inject-killed-by-usr2", WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
	}

	/* PTRACE_SYSCALL with TRACESYSGOOD, GET_SYSCALL_INFO */
	{
		pid_t pid = traceme_child(body_getpid);
		waitpid(pid, &st, 0);
		CHECK_EQ("sysgood-setoptions", sys_ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD), 0);
		CHECK_EQ("syscall-resume", sys_ptrace(PTRACE_SYSCALL, pid, 0, 0), 0);
		waitpid(pid, &st, 0);
		CHECK("syscall-entry-stop", WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80));
		struct ptrace_syscall_info info;
		memset(&info, 0, sizeof info);
		CHECK_EQ("syscall-info-entry-size", sys_ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, (unsigned long)&info), 80);
		CHECK_EQ("syscall-info-entry-op", info.op, PTRACE_SYSCALL_INFO_ENTRY);
		CHECK_EQ("syscall-info-entry-nr", info.entry.nr, SYS_getpid);
		siginfo_t si;
		sys_ptrace(PTRACE_GETSIGINFO, pid, 0, (unsigned long)&si);
		CHECK_EQ("syscall-stop-si-code", si.si_code, SIGTRAP | 0x80);
		sys_ptrace(PTRACE_SYSCALL, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK("syscall-exit-stop", WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80));
		memset(&info, 0, sizeof info);
		CHECK_EQ("syscall-info-exit-size", sys_ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, (unsigned long)&info), 33);
		CHECK_EQ("syscall-info-exit-rval", info.exit.rval, pid);
		CHECK_EQ("syscall-info-exit-is-error", info.exit.is_error, 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK("syscall-child-exit", WIFEXITED(st) && WEXITSTATUS(st) == 3);
	}

	/* TRACEFORK: the event stop, the new pid, the child auto-attached */
	{
		pid_t pid = traceme_child(body_fork);
		waitpid(pid, &st, 0);
		CHECK_EQ("tracefork-setoptions", sys_ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK), 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		CHECK_EQ("fork-event-wait", waitpid(pid, &st, 0), pid);
		CHECK_EQ("fork-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_FORK << 8));
		unsigned long msg = 0;
		CHECK_EQ("geteventmsg", sys_ptrace(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg), 0);
		pid_t gc = msg;
		CHECK("geteventmsg-pid", gc > pid);
		CHECK_EQ("autoattach-wait", waitpid(gc, &st, __WALL), gc);
		CHECK("autoattach-sigstop", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
		CHECK_EQ("autoattach-tracerpid", status_field(gc, "TracerPid:"), getpid());
		CHECK_EQ("autoattach-ppid-real-parent", status_field(gc, "PPid:"), pid);
		sys_ptrace(PTRACE_CONT, gc, 0, 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		/* the grandchild's exit goes to us (tracer) first, then its parent reaps it */
		CHECK_EQ("autoattach-exit-tracer-wait", waitpid(gc, &st, __WALL), gc);
		CHECK("autoattach-exit-status", WIFEXITED(st) && WEXITSTATUS(st) == 5);
		st = cont_until_exit(pid);
		CHECK("fork-parent-saw-child", WIFEXITED(st) && WEXITSTATUS(st) == 5);
	}

	/* TRACEVFORK + VFORKDONE */
	{
		pid_t pid = traceme_child(body_vfork);
		waitpid(pid, &st, 0);
		sys_ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK_EQ("vfork-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_VFORK << 8));
		unsigned long msg = 0;
		sys_ptrace(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg);
		pid_t gc = msg;
		waitpid(gc, &st, __WALL);
		CHECK("vfork-child-sigstop", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
		sys_ptrace(PTRACE_DETACH, gc, 0, 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK_EQ("vforkdone-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_VFORK_DONE << 8));
		msg = 0;
		sys_ptrace(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg);
		CHECK_EQ("vforkdone-msg", (pid_t)msg, gc);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		st = cont_until_exit(pid);
		CHECK("vfork-parent-exit", WIFEXITED(st) && WEXITSTATUS(st) == 6);
	}

	/* exec: the legacy SIGTRAP, then TRACEEXEC's event and TRACEEXIT */
	{
		pid_t pid = traceme_child(body_exec);
		waitpid(pid, &st, 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK("exec-sigtrap", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK("exec-sigtrap-exit", WIFEXITED(st) && WEXITSTATUS(st) == 0);

		pid = traceme_child(body_exec);
		waitpid(pid, &st, 0);
		sys_ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK_EQ("exec-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_EXEC << 8));
		unsigned long msg = 0;
		sys_ptrace(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg);
		CHECK_EQ("exec-event-msg-old-pid", (pid_t)msg, pid);
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK_EQ("exit-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_EXIT << 8));
		sys_ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK("exit-event-then-exit", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* ATTACH a running child, DETACH, KILL */
	{
		pid_t pid = fork();
		if (pid == 0)
			body_pause();
		usleep(10000);
		CHECK_EQ("attach", sys_ptrace(PTRACE_ATTACH, pid, 0, 0), 0);
		CHECK_ERR("attach-twice-eperm", sys_ptrace(PTRACE_ATTACH, pid, 0, 0), EPERM);
		CHECK_EQ("attach-wait", waitpid(pid, &st, 0), pid);
		CHECK("attach-sigstop", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
		CHECK_EQ("detach", sys_ptrace(PTRACE_DETACH, pid, 0, 0), 0);
		usleep(10000);
		CHECK_EQ("detach-tracerpid-0", status_field(pid, "TracerPid:"), 0);
		CHECK_EQ("detach-running-state", status_field(pid, "State:"), 'S');
		CHECK_ERR("detached-cont-esrch", sys_ptrace(PTRACE_CONT, pid, 0, 0), ESRCH);
		sys_ptrace(PTRACE_ATTACH, pid, 0, 0);
		waitpid(pid, &st, 0);
		CHECK_EQ("kill", sys_ptrace(PTRACE_KILL, pid, 0, 0), 0);
		CHECK_EQ("kill-wait", waitpid(pid, &st, 0), pid);
		CHECK("kill-sigkill", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* SEIZE, INTERRUPT, LISTEN */
	{
		pid_t pid = fork();
		if (pid == 0)
			body_pause();
		usleep(10000);
		CHECK_ERR("seize-addr-eio", sys_ptrace(PTRACE_SEIZE, pid, 1, 0), EIO);
		CHECK_EQ("seize", sys_ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD), 0);
		CHECK_EQ("seize-no-stop", waitpid(pid, &st, WNOHANG), 0);
		CHECK_EQ("interrupt", sys_ptrace(PTRACE_INTERRUPT, pid, 0, 0), 0);
		CHECK_EQ("interrupt-wait", waitpid(pid, &st, 0), pid);
		CHECK_EQ("interrupt-status", st >> 8, SIGTRAP | (PTRACE_EVENT_STOP << 8));
		CHECK_EQ("listen", sys_ptrace(PTRACE_LISTEN, pid, 0, 0), 0);
		siginfo_t si;
		CHECK_ERR("listening-esrch", sys_ptrace(PTRACE_GETSIGINFO, pid, 0, (unsigned long)&si), ESRCH);
		kill(pid, SIGKILL);
		CHECK_EQ("seized-kill-wait", waitpid(pid, &st, 0), pid);
		CHECK("seized-killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* A tracer that is not the parent: real_parent stays, the tracer reaps the stop reports;
	 * a tracer that exits leaves its tracee running; PTRACE_O_EXITKILL kills it instead. */
	for (int exitkill = 0; exitkill < 2; exitkill++) {
		pid_t a = fork();
		if (a == 0)
			body_pause();
		pid_t b = fork();
		if (b == 0) {
			int s, bad = 0;
			if (sys_ptrace(PTRACE_SEIZE, a, 0, exitkill ? PTRACE_O_EXITKILL : 0))
				_exit(10);
			sys_ptrace(PTRACE_INTERRUPT, a, 0, 0);
			if (waitpid(a, &s, 0) != a || !WIFSTOPPED(s))
				bad |= 1;
			if (status_field(a, "TracerPid:") != getpid())
				bad |= 2;
			if (status_field(a, "PPid:") != getppid())
				bad |= 4;
			_exit(bad); /* without detaching: a is still in its stop */
		}
		CHECK_EQ(exitkill ? "exitkill-tracer-wait" : "foreign-tracer-wait", waitpid(b, &st, 0), b);
		CHECK_EQ(exitkill ? "exitkill-tracer-checks" : "foreign-tracer-checks", WEXITSTATUS(st), 0);
		usleep(20000);
		if (!exitkill) {
			CHECK_EQ("tracer-exit-tracerpid-0", status_field(a, "TracerPid:"), 0);
			CHECK_EQ("tracer-exit-tracee-runs", status_field(a, "State:"), 'S');
			CHECK_EQ("tracer-exit-no-report", waitpid(a, &st, WNOHANG), 0);
			kill(a, SIGKILL);
		}
		CHECK_EQ(exitkill ? "exitkill-wait" : "tracer-exit-kill-wait", waitpid(a, &st, 0), a);
		CHECK(exitkill ? "exitkill-killed" : "tracer-exit-killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* A tracee killed while stopped */
	{
		pid_t pid = traceme_child(body_pause);
		waitpid(pid, &st, 0);
		kill(pid, SIGKILL);
		CHECK_EQ("killed-while-stopped-wait", waitpid(pid, &st, 0), pid);
		CHECK("killed-while-stopped", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* process_vm_readv / writev */
	{
		static char buf[64] = "hello from the child";
		pid_t pid = fork();
		if (pid == 0) {
			for (int i = 0; i < 500 && strcmp(buf, "changed") != 0; i++)
				usleep(2000);
			_exit(strcmp(buf, "changed") == 0 ? 0 : 1);
		}
		char got[64] = {0};
		struct iovec l = {got, 20}, r = {buf, 20};
		/* (CONFIG_CROSS_MEMORY_ATTACH: a kernel without it says ENOSYS, as the reference does) */
		if (syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 1) == -1 && errno == ENOSYS) {
			CHECK_ERR("process-vm-writev-enosys", syscall(SYS_process_vm_writev, pid, &l, 1, &r, 1, 0), ENOSYS);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			goto vm_done;
		}
		CHECK_EQ("process-vm-readv", syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 0), 20);
		CHECK("process-vm-readv-data", memcmp(got, "hello from the child", 20) == 0);
		CHECK_ERR("process-vm-readv-flags-einval", syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 1), EINVAL);
		CHECK_ERR("process-vm-readv-esrch", syscall(SYS_process_vm_readv, 99999, &l, 1, &r, 1, 0), ESRCH);
		struct iovec bad = {(void *)8, 8};
		CHECK_ERR("process-vm-readv-bad-remote-efault", syscall(SYS_process_vm_readv, pid, &l, 1, &bad, 1, 0), EFAULT);
		char w[] = "changed";
		struct iovec wl = {w, 8}, wr = {buf, 8};
		CHECK_EQ("process-vm-writev", syscall(SYS_process_vm_writev, pid, &wl, 1, &wr, 1, 0), 8);
		CHECK_EQ("process-vm-writev-wait", waitpid(pid, &st, 0), pid);
		CHECK("process-vm-writev-seen", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
vm_done:

	/* TRACEME twice */
	{
		pid_t pid = fork();
		if (pid == 0) {
			long r1 = sys_ptrace(PTRACE_TRACEME, 0, 0, 0);
			long r2 = sys_ptrace(PTRACE_TRACEME, 0, 0, 0);
			_exit(r1 == 0 && r2 == -1 && errno == EPERM ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		CHECK("traceme-twice-eperm", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* PTRACE_LISTEN in a group stop, then SIGCONT: the tracee leaves the stop and re-traps
	 * with PTRACE_EVENT_STOP, now as SIGTRAP (no group stop any more). */
	{
		pid_t pid = fork();
		if (pid == 0)
			body_pause();
		usleep(10000);
		CHECK_EQ("listen-cont-seize", sys_ptrace(PTRACE_SEIZE, pid, 0, 0), 0);
		kill(pid, SIGSTOP);
		/* the signal-delivery stop, then (SIGSTOP let through) the group stop */
		CHECK_EQ("listen-cont-signal-wait", wait_bounded(pid, &st, 0), pid);
		CHECK_EQ("listen-cont-signal-status", st >> 8, SIGSTOP);
		CHECK_EQ("listen-cont-signal-cont", sys_ptrace(PTRACE_CONT, pid, 0, SIGSTOP), 0);
		CHECK_EQ("listen-cont-stop-wait", wait_bounded(pid, &st, 0), pid);
		CHECK_EQ("listen-cont-stop-status", st >> 8, SIGSTOP | (PTRACE_EVENT_STOP << 8));
		CHECK_EQ("listen-cont-listen", sys_ptrace(PTRACE_LISTEN, pid, 0, 0), 0);
		usleep(10000);
		CHECK_EQ("listen-cont-nothing-yet", waitpid(pid, &st, WNOHANG), 0);
		kill(pid, SIGCONT);
		int r = wait_bounded(pid, &st, 0);
		CHECK_EQ("listen-cont-retrap-wait", r, pid);
		CHECK_EQ("listen-cont-retrap-status", st >> 8, SIGTRAP | (PTRACE_EVENT_STOP << 8));
		siginfo_t si;
		memset(&si, 0, sizeof si);
		CHECK_EQ("listen-cont-getsiginfo", sys_ptrace(PTRACE_GETSIGINFO, pid, 0, (unsigned long)&si), 0);
		CHECK_EQ("listen-cont-siginfo-signo", si.si_signo, SIGTRAP);
		CHECK_EQ("listen-cont-cont", sys_ptrace(PTRACE_CONT, pid, 0, 0), 0);
		/* then SIGCONT itself is delivered: its signal-delivery stop */
		CHECK_EQ("listen-cont-sigcont-wait", wait_bounded(pid, &st, 0), pid);
		CHECK_EQ("listen-cont-sigcont-status", st >> 8, SIGCONT);
		CHECK_EQ("listen-cont-cont-again", sys_ptrace(PTRACE_CONT, pid, 0, 0), 0);
		usleep(20000);
		CHECK_EQ("listen-cont-runs", status_field(pid, "State:"), 'S');
		kill(pid, SIGKILL);
		CHECK_EQ("listen-cont-kill-wait", wait_bounded(pid, &st, 0), pid);
	}

	/* PTRACE_SEIZE / PTRACE_ATTACH to a process already in a group stop: the stop is
	 * reported to the tracer at once (Linux: ptrace_attach's JOBCTL_TRAP_STOP re-trap). */
	for (int seize = 0; seize < 2; seize++) {
		pid_t pid = fork();
		if (pid == 0)
			body_pause();
		kill(pid, SIGSTOP);
		CHECK_EQ(seize ? "seize-stopped-wuntraced" : "attach-stopped-wuntraced", waitpid(pid, &st, WUNTRACED), pid);
		CHECK_EQ(seize ? "seize-stopped" : "attach-stopped",
			 sys_ptrace(seize ? PTRACE_SEIZE : PTRACE_ATTACH, pid, 0, 0), 0);
		int r = wait_bounded(pid, &st, 0);
		CHECK_EQ(seize ? "seize-stopped-reported" : "attach-stopped-reported", r, pid);
		CHECK_EQ(seize ? "seize-stopped-status" : "attach-stopped-status", st >> 8,
			 seize ? SIGSTOP | (PTRACE_EVENT_STOP << 8) : SIGSTOP);
		CHECK_EQ(seize ? "seize-stopped-tracerpid" : "attach-stopped-tracerpid", status_field(pid, "TracerPid:"),
			 getpid());
		kill(pid, SIGKILL);
		CHECK_EQ(seize ? "seize-stopped-kill-wait" : "attach-stopped-kill-wait", wait_bounded(pid, &st, 0), pid);
		CHECK(seize ? "seize-stopped-killed" : "attach-stopped-killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* strace -f's start (startup_child with PTRACE_SEIZE): the child stops itself, the
	 * tracer seizes it, and SIGCONT ends the group stop after the seize's re-trap has been
	 * reported but before the tracer answers it with PTRACE_LISTEN.  The LISTEN must re-trap
	 * at once (Linux: "If NOTIFY is set, it means event happened between start of this trap
	 * and now.  Trigger re-trap."), else the tracee listens for an event that has already
	 * happened and tracer and tracee wait for each other for ever. */
	{
		pid_t pid = fork();
		if (pid == 0)
			body_pause();
		kill(pid, SIGSTOP);
		CHECK_EQ("notify-before-listen-wuntraced", waitpid(pid, &st, WUNTRACED), pid);
		CHECK_EQ("notify-before-listen-seize", sys_ptrace(PTRACE_SEIZE, pid, 0, 0), 0);
		CHECK_EQ("notify-before-listen-stop-wait", wait_bounded(pid, &st, 0), pid);
		CHECK_EQ("notify-before-listen-stop-status", st >> 8, SIGSTOP | (PTRACE_EVENT_STOP << 8));
		kill(pid, SIGCONT);
		usleep(10000);
		CHECK_EQ("notify-before-listen-listen", sys_ptrace(PTRACE_LISTEN, pid, 0, 0), 0);
		CHECK_EQ("notify-before-listen-retrap-wait", wait_bounded(pid, &st, 0), pid);
		CHECK_EQ("notify-before-listen-retrap-status", st >> 8, SIGTRAP | (PTRACE_EVENT_STOP << 8));
		kill(pid, SIGKILL);
		CHECK_EQ("notify-before-listen-kill-wait", wait_bounded(pid, &st, 0), pid);
		CHECK("notify-before-listen-killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}

	/* A traced thread that is not the leader exits: PTRACE_EVENT_EXIT with its code, then
	 * its exit reported to the tracer (__WALL), then it is gone; its process goes on. */
	{
		int tp[2], gp[2];
		pipe(tp);
		pipe(gp);
		pid_t pid = fork();
		if (pid == 0) {
			pthread_t th;
			g_pipe_rd = gp[0];
			g_pipe_wr = tp[1];
			pthread_create(&th, NULL, thread_exit5, NULL);
			for (;;)
				pause();
		}
		pid_t tid = 0;
		CHECK_EQ("thread-exit-tid", read(tp[0], &tid, sizeof tid), (long)sizeof tid);
		CHECK_EQ("thread-exit-seize", sys_ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACEEXIT), 0);
		write(gp[1], "x", 1);
		CHECK_EQ("thread-exit-event-wait", wait_bounded(tid, &st, __WALL), tid);
		CHECK_EQ("thread-exit-event-status", st >> 8, SIGTRAP | (PTRACE_EVENT_EXIT << 8));
		unsigned long msg = 0;
		CHECK_EQ("thread-exit-eventmsg", sys_ptrace(PTRACE_GETEVENTMSG, tid, 0, (unsigned long)&msg), 0);
		CHECK_EQ("thread-exit-eventmsg-code", msg, 5 << 8);
		CHECK_EQ("thread-exit-cont", sys_ptrace(PTRACE_CONT, tid, 0, 0), 0);
		CHECK_EQ("thread-exit-wait", wait_bounded(tid, &st, __WALL), tid);
		CHECK("thread-exit-exited-5", WIFEXITED(st) && WEXITSTATUS(st) == 5);
		CHECK_ERR("thread-exit-gone", waitpid(tid, &st, __WALL | WNOHANG), ECHILD);
		CHECK_EQ("thread-exit-process-lives", waitpid(pid, &st, WNOHANG), 0);
		CHECK_EQ("thread-exit-one-thread-left", status_field(pid, "Threads:"), 1);
		kill(pid, SIGKILL);
		CHECK_EQ("thread-exit-process-wait", wait_bounded(pid, &st, 0), pid);
		close(tp[0]), close(tp[1]), close(gp[0]), close(gp[1]);
	}

	mt_end();
}
