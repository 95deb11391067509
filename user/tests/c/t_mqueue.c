/* t_mqueue: POSIX message queues — mq_open's name, flag and attribute rules (defaults, limits,
 * EEXIST, ENOENT, EACCES, EINVAL), descriptors (close-on-exec, access modes, EBADF), priorities
 * (highest first, FIFO within one), EMSGSIZE, O_NONBLOCK (EAGAIN) and mq_setattr, absolute
 * timeouts (ETIMEDOUT, EINVAL), a receiver woken by another process, poll, mq_notify with
 * SIGEV_SIGNAL (SI_MESGQ, one-shot, EBUSY for a second process), mq_unlink, the mqueue filesystem
 * (a queue's status line), RLIMIT_MSGQUEUE (EMFILE), and IPC namespaces.  The kernel's own
 * answers are asked through syscall(2) where glibc would check first.  Linux: ipc/mqueue.c. */
#include "mtest.h"
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static volatile int got_sig, got_code, got_pid;

static void on_usr1(int s, siginfo_t *si, void *ctx)
{
	(void)ctx;
	got_sig = s;
	got_code = si->si_code;
	got_pid = si->si_pid;
}

static struct mq_attr attr_of(long maxmsg, long msgsize)
{
	struct mq_attr a = { 0 };
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	return a;
}

static long kmq_open(const char *name, int flags, mode_t mode, struct mq_attr *a)
{
	return syscall(SYS_mq_open, name, flags, mode, a);
}

/* An absolute CLOCK_REALTIME time `ms` milliseconds from now. */
static struct timespec in_ms(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += (ms % 1000) * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static int sleeping(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	for (int i = 0; i < 200; i++) {
		int fd = open(path, O_RDONLY);
		int n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[2] == 'S')
				return 1;
		}
		mt_msleep(10);
	}
	return 0;
}

int main(void)
{
	mt_begin("t_mqueue");
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	umask(022);
	mq_unlink("/t_mq");
	mq_unlink("/t_mq2");

	/* mq_open: create, attributes, defaults. */
	struct mq_attr a = attr_of(4, 64), g;
	mqd_t q = mq_open("/t_mq", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK("open-create", q >= 0);
	CHECK_EQ("getattr", mq_getattr(q, &g), 0);
	CHECK("getattr-values", g.mq_maxmsg == 4 && g.mq_msgsize == 64 && g.mq_curmsgs == 0 &&
					g.mq_flags == 0);
	CHECK("cloexec", fcntl(q, F_GETFD) == FD_CLOEXEC);
	CHECK_ERR("open-excl", mq_open("/t_mq", O_CREAT | O_EXCL | O_RDWR, 0600, &a), EEXIST);
	mqd_t q2 = mq_open("/t_mq", O_RDWR);
	CHECK("open-existing", q2 >= 0 && q2 != q);
	CHECK_ERR("open-missing", mq_open("/t_mq_none", O_RDWR), ENOENT);
	CHECK_ERR("open-accmode-3", mq_open("/t_mq", O_RDWR | O_WRONLY), EINVAL);
	mqd_t d = mq_open("/t_mq2", O_CREAT | O_RDONLY, 0600, NULL);
	CHECK("open-default-attr", d >= 0 && mq_getattr(d, &g) == 0 && g.mq_maxmsg == 10 &&
					   g.mq_msgsize == 8192);
	mq_close(d);
	CHECK_EQ("unlink-2", mq_unlink("/t_mq2"), 0);
	a = attr_of(0, 64);
	CHECK_ERR("attr-maxmsg-0", mq_open("/t_mq2", O_CREAT | O_RDWR, 0600, &a), EINVAL);
	a = attr_of(4, -1);
	CHECK_ERR("attr-msgsize-neg", mq_open("/t_mq2", O_CREAT | O_RDWR, 0600, &a), EINVAL);
	a = attr_of(65537, 64); /* past HARD_MSGMAX, even for root */
	CHECK_ERR("attr-maxmsg-hard", mq_open("/t_mq2", O_CREAT | O_RDWR, 0600, &a), EINVAL);
	CHECK_ERR("attr-efault", kmq_open("t_mq2", O_CREAT | O_RDWR, 0600, (struct mq_attr *)8), EFAULT);
	CHECK_ERR("name-empty", kmq_open("", O_CREAT | O_RDWR, 0600, NULL), ENOENT);
	CHECK_ERR("name-slash", kmq_open("a/b", O_CREAT | O_RDWR, 0600, NULL), EACCES);
	CHECK_ERR("name-dot", kmq_open(".", O_CREAT | O_RDWR, 0600, NULL), EACCES);
	char longname[300];
	memset(longname, 'n', 299);
	longname[299] = 0;
	CHECK_ERR("name-too-long", kmq_open(longname, O_CREAT | O_RDWR, 0600, NULL), ENAMETOOLONG);
	CHECK_ERR("name-efault", kmq_open((char *)8, O_RDWR, 0, NULL), EFAULT);

	/* Priorities: highest first, FIFO within one. */
	char buf[64];
	unsigned prio = 99;
	CHECK_EQ("send", mq_send(q, "low1", 5, 1), 0);
	mq_send(q, "high", 5, 7);
	mq_send(q, "low2", 5, 1);
	mq_getattr(q, &g);
	CHECK_EQ("curmsgs", g.mq_curmsgs, 3);
	CHECK("recv-high", mq_receive(q, buf, 64, &prio) == 5 && !strcmp(buf, "high") && prio == 7);
	CHECK("recv-fifo-1", mq_receive(q2, buf, 64, &prio) == 5 && !strcmp(buf, "low1") && prio == 1);
	CHECK("recv-fifo-2", mq_receive(q, buf, 64, NULL) == 5 && !strcmp(buf, "low2"));
	CHECK_EQ("send-empty", mq_send(q, "", 0, 0), 0);
	CHECK_EQ("recv-empty-msg", mq_receive(q, buf, 64, NULL), 0);

	/* Sizes, priorities, descriptors. */
	char big[65] = { 0 };
	CHECK_ERR("send-emsgsize", mq_send(q, big, 65, 0), EMSGSIZE);
	CHECK_ERR("recv-emsgsize", mq_receive(q, buf, 63, NULL), EMSGSIZE);
	CHECK_ERR("send-prio-max", mq_send(q, "x", 1, 32768), EINVAL);
	CHECK_ERR("send-ebadf", mq_send(-1, "x", 1, 0), EBADF);
	CHECK_ERR("send-not-mq", mq_send(1, "x", 1, 0), EBADF);
	mqd_t ro = mq_open("/t_mq", O_RDONLY), wo = mq_open("/t_mq", O_WRONLY);
	CHECK_ERR("send-rdonly", mq_send(ro, "x", 1, 0), EBADF);
	CHECK_ERR("recv-wronly", mq_receive(wo, buf, 64, NULL), EBADF);
	CHECK_ERR("send-efault", mq_send(q, (char *)8, 4, 0), EFAULT);
	mq_close(ro);
	mq_close(wo);

	/* O_NONBLOCK through mq_setattr; a full and an empty queue. */
	struct mq_attr nb = { .mq_flags = O_NONBLOCK }, old;
	CHECK_EQ("setattr", mq_setattr(q, &nb, &old), 0);
	CHECK("setattr-old", old.mq_flags == 0 && old.mq_maxmsg == 4);
	mq_getattr(q, &g);
	CHECK_EQ("setattr-nonblock", g.mq_flags, O_NONBLOCK);
	CHECK_ERR("recv-nonblock-empty", mq_receive(q, buf, 64, NULL), EAGAIN);
	for (int i = 0; i < 4; i++)
		mq_send(q, "m", 2, 0);
	CHECK_ERR("send-nonblock-full", mq_send(q, "m", 2, 0), EAGAIN);
	struct mq_attr badf = { .mq_flags = O_NONBLOCK | O_APPEND };
	CHECK_ERR("setattr-einval", syscall(SYS_mq_getsetattr, q, &badf, NULL), EINVAL);
	nb.mq_flags = 0;
	mq_setattr(q, &nb, NULL);

	/* Timeouts: a blocking send on a full queue times out; a bad timeout is EINVAL. */
	struct timespec t = in_ms(50);
	double t0 = mt_now();
	CHECK_ERR("timedsend-timeout", mq_timedsend(q, "m", 2, 0, &t), ETIMEDOUT);
	CHECK("timedsend-waited", mt_now() - t0 >= 0.03);
	struct timespec badt = { 0, 1000000000 };
	CHECK_ERR("timedsend-einval", mq_timedsend(q, "m", 2, 0, &badt), EINVAL);
	for (int i = 0; i < 4; i++)
		mq_receive(q, buf, 64, NULL);
	t = in_ms(50);
	CHECK_ERR("timedrecv-timeout", mq_timedreceive(q, buf, 64, NULL, &t), ETIMEDOUT);
	struct timespec past = { 1, 0 };
	CHECK_ERR("timedrecv-past", mq_timedreceive(q, buf, 64, NULL, &past), ETIMEDOUT);

	/* A receiver asleep in another process, woken by a send; poll. */
	pid_t c = fork();
	if (c == 0) {
		char b[64];
		unsigned p;
		_exit(mq_receive(q, b, 64, &p) == 4 && !strcmp(b, "hey") && p == 3 ? 0 : 2);
	}
	CHECK("recv-blocks", sleeping(c));
	mq_send(q, "hey", 4, 3);
	int st = mt_reap(c);
	CHECK("recv-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct pollfd pf = { q, POLLIN | POLLOUT, 0 };
	CHECK("poll-empty", poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT);
	mq_send(q, "p", 2, 0);
	CHECK("poll-message", poll(&pf, 1, 0) == 1 && pf.revents == (POLLIN | POLLOUT));
	mq_receive(q, buf, 64, NULL);

	/* mq_notify: a signal when a message arrives in the empty queue, once. */
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	CHECK_EQ("notify", mq_notify(q, &ev), 0);
	c = fork();
	if (c == 0) {
		struct sigevent e2 = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
		_exit(mq_notify(q, &e2) == -1 && errno == EBUSY ? 0 : 2);
	}
	st = mt_reap(c);
	CHECK("notify-ebusy", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c = fork();
	if (c == 0)
		_exit(mq_send(q, "n", 2, 0) == 0 ? 0 : 2);
	mt_reap(c);
	for (int i = 0; i < 100 && !got_sig; i++)
		mt_msleep(10);
	CHECK("notify-signal", got_sig == SIGUSR1 && got_code == SI_MESGQ && got_pid == c);
	got_sig = 0;
	mq_receive(q, buf, 64, NULL);
	mq_send(q, "n", 2, 0);
	mt_msleep(20);
	CHECK_EQ("notify-once", got_sig, 0);
	mq_receive(q, buf, 64, NULL);
	CHECK_EQ("notify-again", mq_notify(q, &ev), 0);
	CHECK_EQ("notify-remove", mq_notify(q, NULL), 0);
	mq_send(q, "n", 2, 0);
	mt_msleep(20);
	CHECK_EQ("notify-removed", got_sig, 0);
	mq_receive(q, buf, 64, NULL);
	struct sigevent badev = { .sigev_notify = 99 };
	CHECK_ERR("notify-einval", mq_notify(q, &badev), EINVAL);
	badev.sigev_notify = SIGEV_SIGNAL;
	badev.sigev_signo = 99;
	CHECK_ERR("notify-bad-signal", mq_notify(q, &badev), EINVAL);
	CHECK_ERR("notify-ebadf", mq_notify(-1, &ev), EBADF);

	/* The mqueue filesystem: the namespace's queues, each reading as its status line. */
	mkdir("/tmp", 01777);
	mkdir("/tmp/mqfs", 0755);
	CHECK_EQ("mount-mqueue", mount("mqueue", "/tmp/mqfs", "mqueue", 0, NULL), 0);
	struct stat sb;
	CHECK("fs-queue", stat("/tmp/mqfs/t_mq", &sb) == 0 && S_ISREG(sb.st_mode) &&
				  (sb.st_mode & 07777) == 0600);
	mq_send(q, "abc", 4, 0);
	int fd = open("/tmp/mqfs/t_mq", O_RDONLY);
	char line[128] = { 0 };
	int n = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
	close(fd);
	CHECK("fs-status", n > 0 && !strncmp(line, "QSIZE:4 ", 8) && strstr(line, "NOTIFY:0"));
	mq_receive(q, buf, 64, NULL);

	/* mq_unlink: the name goes, open descriptors keep the queue. */
	CHECK_EQ("unlink", mq_unlink("/t_mq"), 0);
	CHECK_ERR("unlink-again", mq_unlink("/t_mq"), ENOENT);
	CHECK_ERR("unlinked-open", mq_open("/t_mq", O_RDWR), ENOENT);
	CHECK_ERR("fs-unlinked", stat("/tmp/mqfs/t_mq", &sb), ENOENT);
	CHECK("unlinked-works", mq_send(q, "z", 2, 0) == 0 && mq_receive(q2, buf, 64, NULL) == 2);
	umount("/tmp/mqfs");

	/* RLIMIT_MSGQUEUE: a queue whose bytes pass the creator's limit is EMFILE. */
	c = fork();
	if (c == 0) {
		struct rlimit rl = { 2000, 2000 };
		setrlimit(RLIMIT_MSGQUEUE, &rl);
		struct mq_attr sm = attr_of(4, 64), bg = attr_of(10, 1024);
		mqd_t ok = mq_open("/t_mq_rl", O_CREAT | O_RDWR, 0600, &sm);
		int e = (mq_open("/t_mq_rl2", O_CREAT | O_RDWR, 0600, &bg) == -1 && errno == EMFILE);
		mq_unlink("/t_mq_rl");
		mq_unlink("/t_mq_rl2");
		_exit(ok >= 0 && e ? 0 : 2);
	}
	st = mt_reap(c);
	CHECK("rlimit-emfile", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* A new IPC namespace has its own queues. */
	a = attr_of(2, 16);
	mqd_t x = mq_open("/t_mq_ns", O_CREAT | O_RDWR, 0600, &a);
	c = fork();
	if (c == 0) {
		if (unshare(CLONE_NEWIPC) != 0)
			_exit(2);
		if (mq_open("/t_mq_ns", O_RDWR) != -1 || errno != ENOENT)
			_exit(3);
		mqd_t y = mq_open("/t_mq_ns", O_CREAT | O_RDWR, 0600, &a);
		/* the descriptor from before still works */
		_exit(y >= 0 && mq_send(x, "i", 2, 0) == 0 ? 0 : 4);
	}
	st = mt_reap(c);
	mq_getattr(x, &g);
	CHECK("ipc-ns", WIFEXITED(st) && WEXITSTATUS(st) == 0 && g.mq_curmsgs == 1);
	mq_unlink("/t_mq_ns");
	mt_end();
}
