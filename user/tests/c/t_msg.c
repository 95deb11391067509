/* t_msg: System V message queues — msgget's rules, msgsnd and msgrcv (msgtyp 0, > 0, < 0,
 * MSG_EXCEPT, MSG_NOERROR, E2BIG, IPC_NOWAIT, MSG_COPY), a receiver blocked until another process
 * sends, a sender blocked on a full queue, a signal (EINTR) and removal (EIDRM) ending a wait,
 * msgctl (IPC_STAT, IPC_SET of msg_qbytes, IPC_RMID, IPC_INFO, MSG_INFO, MSG_STAT),
 * /proc/sysvipc/msg, and IPC namespaces.  Linux: ipc/msg.c. */
#include "mtest.h"
#include <time.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct mbuf {
	long mtype;
	char mtext[256];
};

static int snd(int id, long type, const char *s, int flg)
{
	struct mbuf m = { .mtype = type };
	strcpy(m.mtext, s);
	return msgsnd(id, &m, strlen(s) + 1, flg);
}

/* Receives into a static buffer: the length, its type in *type. */
static struct mbuf got;
static long rcv(int id, long typ, int flg)
{
	memset(&got, 0, sizeof got);
	return msgrcv(id, &got, sizeof got.mtext, typ, flg);
}

static int qnum(int id)
{
	struct msqid_ds ds;
	return msgctl(id, IPC_STAT, &ds) == 0 ? (int)ds.msg_qnum : -1;
}

static void on_usr1(int s)
{
	(void)s;
}

static int text_has(const char *path, int id)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (char *l = strchr(buf, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		int key, sid;
		if (sscanf(l + 1, "%d %d", &key, &sid) == 2 && sid == id)
			return 1;
	}
	return 0;
}

/* Whether `pid` is asleep (state S in /proc/PID/stat), polled for 2 s. */
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

/* The time at the start (CLOCK_REALTIME seconds, at least 2: MenuOS's clock starts at boot),
 * and whether an object's time stamp was set since then. */
static time_t t_start;
static void start_clock(void)
{
	while (time(NULL) < 2)
		mt_msleep(100);
	t_start = time(NULL);
}
static int recent(time_t t)
{
	return t >= t_start && t <= time(NULL);
}

int main(void)
{
	mt_begin("t_msg");
	start_clock();
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}

	/* msgget */
	int id = msgget(0x3e9a11, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("msgget", id >= 0);
	CHECK_EQ("msgget-same-key", msgget(0x3e9a11, 0), id);
	CHECK_ERR("msgget-excl", msgget(0x3e9a11, IPC_CREAT | IPC_EXCL), EEXIST);
	CHECK_ERR("msgget-no-key", msgget(0x3e9a12, 0), ENOENT);
	int priv = msgget(IPC_PRIVATE, 0600);
	CHECK("msgget-private", priv >= 0 && priv != id);
	CHECK("proc-sysvipc", text_has("/proc/sysvipc/msg", id));

	struct msqid_ds ds;
	CHECK_EQ("stat", msgctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ("stat-mode", ds.msg_perm.mode, 0600);
	CHECK_EQ("stat-qbytes", ds.msg_qbytes, 16384);
	CHECK_EQ("stat-qnum-0", ds.msg_qnum, 0);
	CHECK_EQ("stat-lspid-0", ds.msg_lspid, 0);
	CHECK_ERR("stat-efault", msgctl(id, IPC_STAT, (struct msqid_ds *)8), EFAULT);
	CHECK_ERR("stat-bad-id", msgctl(id + 1000000, IPC_STAT, &ds), EINVAL);
	CHECK_ERR("ctl-bad-cmd", msgctl(id, 999, &ds), EINVAL);

	/* msgsnd errors */
	CHECK_ERR("snd-type-0", snd(id, 0, "x", 0), EINVAL);
	CHECK_ERR("snd-type-neg", snd(id, -1, "x", 0), EINVAL);
	struct mbuf m = { .mtype = 1 };
	CHECK_ERR("snd-too-big", msgsnd(id, &m, 8193, 0), EINVAL);
	CHECK_ERR("snd-efault", msgsnd(id, (void *)8, 4, 0), EFAULT);
	CHECK_ERR("snd-bad-id", snd(id + 1000000, 1, "x", 0), EINVAL);
	CHECK_ERR("snd-neg-id", snd(-1, 1, "x", 0), EINVAL);

	/* Types: 0 takes the first, N the first of type N, -N the lowest type <= N. */
	snd(id, 3, "three", 0);
	snd(id, 1, "one", 0);
	snd(id, 2, "two", 0);
	snd(id, 1, "one-b", 0);
	msgctl(id, IPC_STAT, &ds);
	CHECK_EQ("stat-qnum", ds.msg_qnum, 4);
	CHECK_EQ("stat-cbytes", ds.msg_cbytes, 6 + 4 + 4 + 6);
	CHECK_EQ("stat-lspid", ds.msg_lspid, getpid());
	CHECK("stat-stime", recent(ds.msg_stime));
	CHECK("rcv-typ-2", rcv(id, 2, 0) == 4 && got.mtype == 2 && !strcmp(got.mtext, "two"));
	CHECK("rcv-typ-neg", rcv(id, -2, 0) == 4 && got.mtype == 1 && !strcmp(got.mtext, "one"));
	CHECK("rcv-except", rcv(id, 1, MSG_EXCEPT) == 6 && got.mtype == 3);
	CHECK("rcv-typ-0", rcv(id, 0, 0) == 6 && !strcmp(got.mtext, "one-b"));
	CHECK_ERR("rcv-empty-nowait", rcv(id, 0, IPC_NOWAIT), ENOMSG);
	snd(id, 5, "five", 0);
	CHECK_ERR("rcv-no-such-type", rcv(id, 4, IPC_NOWAIT), ENOMSG);
	CHECK_ERR("rcv-neg-too-low", rcv(id, -4, IPC_NOWAIT), ENOMSG);
	msgctl(id, IPC_STAT, &ds);
	CHECK_EQ("stat-lrpid", ds.msg_lrpid, getpid());

	/* Short buffers: E2BIG (the message stays), or MSG_NOERROR truncates. */
	CHECK_ERR("rcv-e2big", msgrcv(id, &got, 2, 0, 0), E2BIG);
	CHECK_EQ("rcv-e2big-kept", qnum(id), 1);
	memset(&got, 0, sizeof got);
	CHECK_EQ("rcv-noerror", msgrcv(id, &got, 2, 0, MSG_NOERROR), 2);
	CHECK("rcv-noerror-text", got.mtype == 5 && got.mtext[0] == 'f' && got.mtext[1] == 'i' &&
					  got.mtext[2] == 0);
	CHECK_EQ("rcv-noerror-gone", qnum(id), 0);
	CHECK_ERR("rcv-negative-size", msgrcv(id, &got, (size_t)-1, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR("rcv-bad-id", rcv(id + 1000000, 0, IPC_NOWAIT), EINVAL);

	/* MSG_COPY: the message at an index, left in the queue; only with IPC_NOWAIT. */
	snd(id, 7, "a", 0);
	snd(id, 8, "bb", 0);
	CHECK("copy", rcv(id, 1, MSG_COPY | IPC_NOWAIT) == 3 && got.mtype == 8);
	CHECK_EQ("copy-kept", qnum(id), 2);
	CHECK_ERR("copy-no-index", rcv(id, 2, MSG_COPY | IPC_NOWAIT), ENOMSG);
	CHECK_ERR("copy-needs-nowait", rcv(id, 0, MSG_COPY), EINVAL);
	CHECK_ERR("copy-except", rcv(id, 0, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT), EINVAL);
	rcv(id, 0, 0);
	rcv(id, 0, 0);

	/* A blocked receiver, woken by another process's message. */
	pid_t c = fork();
	if (c == 0)
		_exit(rcv(id, 9, 0) == 5 && !strcmp(got.mtext, "nine") ? 0 : 2);
	CHECK("rcv-blocks", sleeping(c));
	snd(id, 8, "other", 0);
	CHECK("rcv-still-blocked", sleeping(c));
	snd(id, 9, "nine", 0);
	int st = mt_reap(c);
	CHECK("rcv-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("rcv-woken-left-other", qnum(id), 1);
	rcv(id, 0, 0);

	/* A full queue: IPC_NOWAIT gives EAGAIN; a blocked sender goes on when there is room. */
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 10;
	CHECK_EQ("ipc-set-qbytes", msgctl(id, IPC_SET, &ds), 0);
	msgctl(id, IPC_STAT, &ds);
	CHECK_EQ("ipc-set-qbytes-read", ds.msg_qbytes, 10);
	CHECK_EQ("fill", snd(id, 1, "12345678", 0), 0);
	CHECK_ERR("full-nowait", snd(id, 1, "xy", IPC_NOWAIT), EAGAIN);
	c = fork();
	if (c == 0)
		_exit(snd(id, 2, "xy", 0) == 0 ? 0 : 2);
	CHECK("snd-blocks", sleeping(c));
	CHECK_EQ("snd-blocked-qnum", qnum(id), 1);
	rcv(id, 1, 0);
	st = mt_reap(c);
	CHECK("snd-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0 && qnum(id) == 1);
	rcv(id, 0, 0);

	/* A signal ends a blocked msgrcv with EINTR. */
	c = fork();
	if (c == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		sigaction(SIGUSR1, &sa, NULL);
		long r = rcv(id, 0, 0);
		_exit(r == -1 && errno == EINTR ? 0 : 2);
	}
	sleeping(c);
	kill(c, SIGUSR1);
	st = mt_reap(c);
	CHECK("eintr", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* IPC_INFO and MSG_STAT */
	struct msginfo mi;
	CHECK("ipc-info", msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
	CHECK("ipc-info-limits", mi.msgmax == 8192 && mi.msgmnb == 16384 && mi.msgmni == 32000);
	CHECK_EQ("msg-stat", msgctl(id % 32768, MSG_STAT, &ds), id);

	/* IPC_RMID wakes a blocked receiver with EIDRM. */
	c = fork();
	if (c == 0) {
		long r = rcv(id, 0, 0);
		_exit(r == -1 && errno == EIDRM ? 0 : 2);
	}
	sleeping(c);
	CHECK_EQ("rmid", msgctl(id, IPC_RMID, NULL), 0);
	st = mt_reap(c);
	CHECK("rmid-eidrm", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_ERR("rmid-gone", msgctl(id, IPC_STAT, &ds), EINVAL);
	CHECK_ERR("rmid-snd", snd(id, 1, "x", 0), EINVAL);
	CHECK("rmid-proc", !text_has("/proc/sysvipc/msg", id));

	/* A new IPC namespace has its own queues. */
	snd(priv, 1, "mine", 0);
	c = fork();
	if (c == 0) {
		if (unshare(CLONE_NEWIPC) != 0)
			_exit(2);
		if (msgget(0x3e9a11, 0) != -1 || errno != ENOENT)
			_exit(3);
		_exit(rcv(priv, 0, IPC_NOWAIT) == -1 && errno == EINVAL ? 0 : 4);
	}
	st = mt_reap(c);
	CHECK("ipc-ns", WIFEXITED(st) && WEXITSTATUS(st) == 0 && qnum(priv) == 1);
	msgctl(priv, IPC_RMID, NULL);
	mt_end();
}
