/* t_pidfd: process file descriptors as Linux 6.1 has them (kernel/pid.c pidfd_open and
 * pidfd_getfd, kernel/fork.c pidfd_fops, kernel/signal.c pidfd_send_signal, kernel/exit.c
 * waitid(P_PIDFD)).  Boot: rdinit=/tests/t_pidfd (PID 1).  On Linux the test mounts /proc.
 *
 *  - pidfd_open: close-on-exec, O_RDWR; PIDFD_NONBLOCK adds O_NONBLOCK; EINVAL for pid <= 0,
 *    an unknown flag, a thread's tid; ESRCH for a pid nobody has; read() is EINVAL;
 *    /proc/self/fd/N reads "anon_inode:[pidfd]"; /proc/self/fdinfo/N has "flags:\t02000002"
 *    (O_RDWR | O_CLOEXEC), "Pid:\t<pid>" and "NSpid:\t<pid>", then -1 once reaped;
 *  - poll: 0 while the process lives, POLLIN once it exited (and still after the reap); a
 *    leader that exits before its other thread does not make it readable until the thread
 *    has exited too, and wait(2) does not report it before then either (the status is the
 *    last thread's);
 *  - waitid(P_PIDFD): the child's exit (si_pid, CLD_EXITED, status), EINVAL for fd -1, EBADF
 *    for a file that is not a pidfd, ECHILD for a process that is not our child; a
 *    PIDFD_NONBLOCK pidfd: EAGAIN while nothing happened, 0 with WNOHANG;
 *  - pidfd_send_signal: EINVAL for a flag, EBADF for a non-pidfd, 0 for signal 0; the signal
 *    arrives with SI_USER and our pid; with a siginfo: si_signo must be the signal (EINVAL),
 *    SI_QUEUE may go to another process (its si_pid and si_value arrive as given), SI_USER or
 *    SI_TKILL only to ourselves (EPERM); a zombie takes a signal, a reaped process is ESRCH;
 *    an open /proc/PID directory works as a pidfd, and keeps naming its own process: once it
 *    is reaped and its number given to another (clone3 set_tid), signals through the old
 *    directory are ESRCH, so are walks below it and reads of its open files;
 *  - pidfd_getfd: the target's file, close-on-exec in our table (the same pipe); EBADF for an
 *    fd it lacks, EINVAL for flags, EBADF for a non-pidfd, ESRCH once it has exited;
 *  - SIGKILL by pidfd ends a process asleep in nanosleep, pause, sigsuspend, a pipe read,
 *    wait4, a futex wait, a vfork (the parent), and one stopped by SIGSTOP.
 */
#include "mtest.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static int pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static int pidfd_getfd(int fd, int target, unsigned flags)
{
	return syscall(SYS_pidfd_getfd, fd, target, flags);
}
static int waitid_fd(int fd, siginfo_t *si, int options)
{
	memset(si, 0, sizeof *si);
	return syscall(SYS_waitid, P_PIDFD, fd, si, options, NULL);
}

static char buf[4096];

/* The fdinfo text of one of our fds. */
static const char *fdinfo(int fd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY);
	buf[0] = 0;
	if (f >= 0) {
		long n = read(f, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		close(f);
	}
	return buf;
}

static int poll1(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r = poll(&p, 1, ms);
	return r == 1 ? p.revents : r;
}

static void test_open(void)
{
	int fd = pidfd_open(getpid(), 0);
	CHECK("open-self", fd >= 0);
	CHECK_EQ("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("flags-rdwr", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	char link[64] = "", path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof link - 1);
	mt_report(strcmp(link, "anon_inode:[pidfd]") == 0, "fd-link", "readlink \"%s\"", link);
	char want[64];
	const char *fi = fdinfo(fd);
	mt_report(strstr(fi, "flags:\t02000002\n") != NULL, "fdinfo-flags", "fdinfo:\n%s", fi);
	snprintf(want, sizeof want, "\nPid:\t%d\nNSpid:\t%d\n", getpid(), getpid());
	mt_report(strstr(fi, want) != NULL, "fdinfo-pid", "fdinfo:\n%s", fi);
	mt_report(strncmp(fi, "pos:\t0\nflags:\t", 14) == 0, "fdinfo-starts", "fdinfo:\n%s", fi);
	CHECK_ERR("read-einval", read(fd, buf, 8), EINVAL);
	close(fd);
	fd = pidfd_open(getpid(), PIDFD_NONBLOCK);
	CHECK_EQ("nonblock-flag", fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
	CHECK_ERR("pid-0", pidfd_open(0, 0), EINVAL);
	CHECK_ERR("pid-negative", pidfd_open(-1, 0), EINVAL);
	CHECK_ERR("bad-flag", pidfd_open(getpid(), 1), EINVAL);
	CHECK_ERR("no-such-pid", pidfd_open(4000, 0), ESRCH);
}

static void *sleeper(void *arg)
{
	(void)arg;
	mt_msleep(300);
	return NULL;
}

static void *exit5_thread(void *arg)
{
	(void)arg;
	mt_msleep(100);
	syscall(SYS_exit, 5);
	return NULL;
}

static void *tid_thread(void *arg)
{
	*(pid_t *)arg = syscall(SYS_gettid);
	mt_msleep(200);
	return NULL;
}

static void test_thread(void)
{
	pthread_t t;
	volatile pid_t tid = 0;
	pthread_create(&t, NULL, tid_thread, (void *)&tid);
	while (!tid)
		sched_yield();
	CHECK_ERR("thread-tid-einval", pidfd_open(tid, 0), EINVAL);
	pthread_join(t, NULL);
}

static void test_poll_and_wait(void)
{
	int w;
	pid_t c = mt_blocked_child(7, &w);
	int fd = pidfd_open(c, 0);
	siginfo_t si;
	CHECK_EQ("poll-alive", poll1(fd, 0), 0);
	close(w); /* the child exits with 7 */
	CHECK_EQ("poll-exited", poll1(fd, 5000), POLLIN);
	CHECK_EQ("waitid", waitid_fd(fd, &si, WEXITED), 0);
	CHECK_EQ("waitid-pid", si.si_pid, c);
	CHECK_EQ("waitid-code", si.si_code, CLD_EXITED);
	CHECK_EQ("waitid-status", si.si_status, 7);
	CHECK_EQ("poll-reaped", poll1(fd, 0), POLLIN);
	const char *fi = fdinfo(fd);
	mt_report(strstr(fi, "\nPid:\t-1\nNSpid:\t-1\n") != NULL, "fdinfo-reaped", "fdinfo:\n%s", fi);
	CHECK_ERR("waitid-reaped-echild", waitid_fd(fd, &si, WEXITED), ECHILD);
	close(fd);

	CHECK_ERR("waitid-fd-negative", waitid_fd(-1, &si, WEXITED), EINVAL);
	int nul = open("/dev/null", O_RDONLY);
	CHECK_ERR("waitid-not-pidfd", waitid_fd(nul, &si, WEXITED), EBADF);
	close(nul);
	fd = pidfd_open(getpid(), 0);
	CHECK_ERR("waitid-self-echild", waitid_fd(fd, &si, WEXITED), ECHILD);
	close(fd);

	/* PIDFD_NONBLOCK */
	c = mt_blocked_child(0, &w);
	fd = pidfd_open(c, PIDFD_NONBLOCK);
	CHECK_ERR("nonblock-eagain", waitid_fd(fd, &si, WEXITED), EAGAIN);
	CHECK_EQ("nonblock-wnohang", waitid_fd(fd, &si, WEXITED | WNOHANG), 0);
	CHECK_EQ("nonblock-wnohang-nothing", si.si_pid, 0);
	close(w);
	CHECK_EQ("nonblock-poll", poll1(fd, 5000), POLLIN);
	CHECK_EQ("nonblock-reaps", waitid_fd(fd, &si, WEXITED), 0);
	CHECK_EQ("nonblock-reaped-pid", si.si_pid, c);
	close(fd);

	/* the leader exits first: not readable until its other thread is gone */
	c = fork();
	if (c == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, NULL);
		syscall(SYS_exit, 0); /* this thread only */
	}
	fd = pidfd_open(c, 0);
	mt_msleep(100);
	CHECK_EQ("leader-exited-thread-alive", poll1(fd, 0), 0);
	CHECK_EQ("group-exited", poll1(fd, 5000), POLLIN);
	int st = mt_reap(c);
	mt_report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "group-exit-status", "status %#x", st);
	close(fd);

	/* wait(2) for such a leader waits for the whole group (Linux: delay_group_leader) */
	c = fork();
	if (c == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, NULL);
		syscall(SYS_exit, 3);
	}
	mt_msleep(100);
	CHECK_EQ("leader-not-reaped-early", waitpid(c, &st, WNOHANG), 0);
	double t0 = mt_now();
	st = mt_reap(c);
	mt_report(mt_now() - t0 > 0.1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "leader-reaped-after-group",
		  "after %.2f s, status %#x", mt_now() - t0, st);
	/* the status is the last thread's (Linux: synchronize_group_exit) */
	c = fork();
	if (c == 0) {
		pthread_t t;
		pthread_create(&t, NULL, exit5_thread, NULL);
		syscall(SYS_exit, 3);
	}
	st = mt_reap(c);
	mt_report(WIFEXITED(st) && WEXITSTATUS(st) == 5, "last-thread-exit-code", "status %#x", st);
}

static volatile siginfo_t got;
static volatile int ngot;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got = *si;
	ngot++;
}

/* A child that reports the siginfo of the SIGUSR1 it gets on a pipe, then exits. */
static pid_t usr1_child(int *rfd)
{
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		ngot = 0;
		struct sigaction sa = { 0 };
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		write(p[1], "r", 1);
		while (!ngot)
			pause();
		siginfo_t s = got;
		write(p[1], &s, sizeof s);
		_exit(0);
	}
	close(p[1]);
	char r;
	read(p[0], &r, 1);
	*rfd = p[0];
	return c;
}

static void test_send_signal(void)
{
	int fd = pidfd_open(getpid(), 0);
	CHECK_ERR("send-flags", pidfd_send_signal(fd, 0, NULL, 1), EINVAL);
	int nul = open("/dev/null", O_RDONLY);
	CHECK_ERR("send-not-pidfd", pidfd_send_signal(nul, 0, NULL, 0), EBADF);
	close(nul);
	CHECK_EQ("send-sig0", pidfd_send_signal(fd, 0, NULL, 0), 0);
	CHECK_ERR("send-sig-65", pidfd_send_signal(fd, 65, NULL, 0), EINVAL);
	/* to ourselves: any si_code */
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	siginfo_t si = { 0 };
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	si.si_pid = 4242;
	ngot = 0;
	CHECK_EQ("send-self-si_user", pidfd_send_signal(fd, SIGUSR1, &si, 0), 0);
	CHECK_EQ("self-got-it", ngot, 1);
	CHECK_EQ("self-si_pid-as-given", got.si_pid, 4242);
	close(fd);

	int r;
	pid_t c = usr1_child(&r);
	fd = pidfd_open(c, 0);
	siginfo_t s;
	CHECK_EQ("send-usr1", pidfd_send_signal(fd, SIGUSR1, NULL, 0), 0);
	CHECK_EQ("child-report", read(r, &s, sizeof s), (long)sizeof s);
	CHECK_EQ("child-si_code-user", s.si_code, SI_USER);
	CHECK_EQ("child-si_pid", s.si_pid, getpid());
	mt_reap(c);
	close(r);
	close(fd);

	c = usr1_child(&r);
	fd = pidfd_open(c, 0);
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	CHECK_ERR("forged-si_user-eperm", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si.si_code = SI_TKILL;
	CHECK_ERR("forged-si_tkill-eperm", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	si.si_code = SI_QUEUE;
	CHECK_ERR("signo-mismatch", pidfd_send_signal(fd, SIGUSR2, &si, 0), EINVAL);
	si.si_pid = 777;
	si.si_value.sival_int = 42;
	CHECK_EQ("si_queue-to-other", pidfd_send_signal(fd, SIGUSR1, &si, 0), 0);
	CHECK_EQ("queue-report", read(r, &s, sizeof s), (long)sizeof s);
	CHECK_EQ("queue-si_code", s.si_code, SI_QUEUE);
	CHECK_EQ("queue-si_pid", s.si_pid, 777);
	CHECK_EQ("queue-si_value", s.si_value.sival_int, 42);
	/* a zombie still takes a signal; once reaped, ESRCH */
	siginfo_t wi;
	waitid(P_PID, c, &wi, WEXITED | WNOWAIT);
	CHECK_EQ("send-to-zombie", pidfd_send_signal(fd, SIGKILL, NULL, 0), 0);
	mt_reap(c);
	CHECK_ERR("send-reaped-esrch", pidfd_send_signal(fd, SIGKILL, NULL, 0), ESRCH);
	close(r);
	close(fd);

	/* an open /proc/PID directory */
	int w;
	c = mt_blocked_child(0, &w);
	char path[32];
	snprintf(path, sizeof path, "/proc/%d", c);
	int dfd = open(path, O_DIRECTORY | O_RDONLY);
	CHECK_EQ("proc-dir-as-pidfd", pidfd_send_signal(dfd, SIGKILL, NULL, 0), 0);
	int st = mt_reap(c);
	mt_report(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "proc-dir-killed", "status %#x", st);
	/* Linux: the directory still names the (reaped) process: ESRCH, not EBADF */
	CHECK_ERR("proc-dir-reaped-esrch", pidfd_send_signal(dfd, 0, NULL, 0), ESRCH);
	close(dfd);
	close(w);

	/* Linux: the directory holds the struct pid, not the number: once its process is reaped,
	 * a new process given the same number (clone3's set_tid) is not reached through it. */
	c = mt_blocked_child(0, &w);
	snprintf(path, sizeof path, "/proc/%d", c);
	dfd = open(path, O_DIRECTORY | O_RDONLY);
	int sfd = openat(dfd, "status", O_RDONLY);
	CHECK("proc-dir-status-open", dfd >= 0 && sfd >= 0);
	close(w);
	mt_reap(c);
	pid_t tid = c;
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
			set_tid_size, cgroup;
	} ca = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&tid, .set_tid_size = 1 };
	int q[2];
	pipe(q);
	pid_t again = syscall(SYS_clone3, &ca, sizeof ca);
	if (again == 0) {
		char ch;
		close(q[1]);
		(void)!read(q[0], &ch, 1);
		_exit(0);
	}
	close(q[0]);
	CHECK_EQ("recycled-pid", again, c);
	CHECK_ERR("recycled-pid-send-esrch", pidfd_send_signal(dfd, 0, NULL, 0), ESRCH);
	CHECK_ERR("recycled-pid-lookup-esrch", openat(dfd, "status", O_RDONLY), ESRCH);
	char buf[64];
	CHECK_ERR("recycled-pid-read-esrch", read(sfd, buf, sizeof buf), ESRCH);
	/* a fresh lookup by number finds the new process */
	int nfd = open(path, O_DIRECTORY | O_RDONLY);
	CHECK_EQ("recycled-pid-new-dir", pidfd_send_signal(nfd, 0, NULL, 0), 0);
	close(nfd);
	close(q[1]);
	CHECK_EQ("recycled-pid-exit", WEXITSTATUS(mt_reap(again)), 0);
	close(sfd);
	close(dfd);
}

static void test_getfd(void)
{
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 50);
		close(p[0]);
		close(p[1]);
		pause();
		_exit(0);
	}
	close(p[1]);
	mt_msleep(50); /* the child has its fd 50 */
	int fd = pidfd_open(c, 0);
	int g = pidfd_getfd(fd, 50, 0);
	CHECK("getfd", g >= 0);
	CHECK_EQ("getfd-cloexec", fcntl(g, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("getfd-write", write(g, "z", 1), 1);
	char z = 0;
	read(p[0], &z, 1);
	CHECK_EQ("getfd-same-pipe", z, 'z');
	close(g);
	CHECK_ERR("getfd-no-such-fd", pidfd_getfd(fd, 111, 0), EBADF);
	CHECK_ERR("getfd-flags", pidfd_getfd(fd, 50, 1), EINVAL);
	CHECK_ERR("getfd-not-pidfd", pidfd_getfd(p[0], 50, 0), EBADF);
	kill(c, SIGKILL);
	siginfo_t wi;
	waitid(P_PID, c, &wi, WEXITED | WNOWAIT);
	CHECK_ERR("getfd-exited-esrch", pidfd_getfd(fd, 50, 0), ESRCH);
	mt_reap(c);
	CHECK_ERR("getfd-reaped-esrch", pidfd_getfd(fd, 50, 0), ESRCH);
	close(fd);
	close(p[0]);
	/* from ourselves */
	fd = pidfd_open(getpid(), 0);
	g = pidfd_getfd(fd, 1, 0);
	CHECK("getfd-self", g >= 0);
	close(g);
	close(fd);
}

/* Kills a child that sleeps in `how` with SIGKILL through a pidfd: it must die, soon. */
static void kill_sleeper(const char *name, int how)
{
	pid_t c = fork();
	if (c == 0) {
		int p[2];
		struct timespec ts = { 100, 0 };
		sigset_t none;
		int futex_word = 0;
		switch (how) {
		case 0:
			nanosleep(&ts, NULL);
			break;
		case 1:
			pause();
			break;
		case 2:
			sigemptyset(&none);
			sigsuspend(&none);
			break;
		case 3:
			pipe(p);
			read(p[0], &ts, 1);
			break;
		case 4:
			if (fork() == 0) {
				pause();
				_exit(0);
			}
			wait(NULL);
			break;
		case 5:
			syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
			break;
		case 6:
			if (vfork() == 0) {
				pause();
				_exit(0);
			}
			break;
		case 7:
			raise(SIGSTOP);
			break;
		}
		_exit(99);
	}
	mt_msleep(50);
	int fd = pidfd_open(c, 0);
	int s = pidfd_send_signal(fd, SIGKILL, NULL, 0);
	int ev = poll1(fd, 5000);
	int st = mt_reap(c);
	mt_report(s == 0 && ev == POLLIN && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, name,
		  "send %d, poll %#x, status %#x", s, ev, st);
	close(fd);
}

int main(void)
{
	mt_begin("t_pidfd");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	test_open();
	test_thread();
	test_poll_and_wait();
	test_send_signal();
	test_getfd();
	kill_sleeper("sigkill-nanosleep", 0);
	kill_sleeper("sigkill-pause", 1);
	kill_sleeper("sigkill-sigsuspend", 2);
	kill_sleeper("sigkill-pipe-read", 3);
	kill_sleeper("sigkill-wait4", 4);
	kill_sleeper("sigkill-futex", 5);
	kill_sleeper("sigkill-vfork-parent", 6);
	kill_sleeper("sigkill-stopped", 7);
	/* children killed in wait4 and vfork left theirs to us: reap them */
	signal(SIGCHLD, SIG_DFL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	mt_end();
}
