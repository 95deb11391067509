/* t_sem: System V semaphores — semget's rules and limits, semctl (SETVAL, GETVAL, SETALL,
 * GETALL, GETPID, GETNCNT, GETZCNT, IPC_STAT, IPC_SET, IPC_RMID, IPC_INFO, SEM_STAT), semop's
 * all-or-nothing application, IPC_NOWAIT, blocking operations woken by another process, by a
 * signal (EINTR) or by removal (EIDRM), semtimedop's timeout, SEM_UNDO applied at exit and cleared
 * by SETVAL, /proc/sysvipc/sem, and IPC namespaces.  Linux: ipc/sem.c. */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int getval(int id, int n)
{
	return semctl(id, n, GETVAL);
}

static int setval(int id, int n, int v)
{
	union semun u = { .val = v };
	return semctl(id, n, SETVAL, u);
}

static int op1(int id, unsigned short num, short op, short flg)
{
	struct sembuf b = { num, op, flg };
	return semop(id, &b, 1);
}

/* Polls until semctl(id, n, cmd) == want (2 s at most). */
static int wait_cnt(int id, int n, int cmd, int want)
{
	for (int i = 0; i < 200; i++) {
		if (semctl(id, n, cmd) == want)
			return 1;
		mt_msleep(10);
	}
	return 0;
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
	mt_begin("t_sem");
	start_clock();
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}

	/* semget */
	int id = semget(0x5e3a11, 3, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("semget", id >= 0);
	CHECK_EQ("semget-same-key", semget(0x5e3a11, 2, 0), id);
	CHECK_EQ("semget-nsems-0-existing", semget(0x5e3a11, 0, 0), id);
	CHECK_ERR("semget-more-than-existing", semget(0x5e3a11, 4, 0), EINVAL);
	CHECK_ERR("semget-excl", semget(0x5e3a11, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	CHECK_ERR("semget-no-key", semget(0x5e3a12, 3, 0), ENOENT);
	CHECK_ERR("semget-nsems-0-new", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR("semget-too-many", semget(IPC_PRIVATE, 32001, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR("semget-negative", semget(IPC_PRIVATE, -1, IPC_CREAT | 0600), EINVAL);
	CHECK("proc-sysvipc", text_has("/proc/sysvipc/sem", id));

	/* IPC_STAT */
	struct semid_ds ds;
	union semun u = { .buf = &ds };
	CHECK_EQ("stat", semctl(id, 0, IPC_STAT, u), 0);
	CHECK_EQ("stat-nsems", ds.sem_nsems, 3);
	CHECK_EQ("stat-mode", ds.sem_perm.mode, 0600);
	CHECK_EQ("stat-key", ds.sem_perm.__key, 0x5e3a11);
	CHECK_EQ("stat-otime-0", ds.sem_otime, 0);
	CHECK("stat-ctime", recent(ds.sem_ctime));
	union semun bad = { .buf = (struct semid_ds *)8 };
	CHECK_ERR("stat-efault", semctl(id, 0, IPC_STAT, bad), EFAULT);
	CHECK_ERR("stat-bad-id", semctl(id + 1000000, 0, IPC_STAT, u), EINVAL);
	CHECK_ERR("ctl-bad-cmd", semctl(id, 0, 999), EINVAL);

	/* Values: new ones are 0; SETVAL, SETALL, GETALL, ranges. */
	CHECK_EQ("new-zero", getval(id, 2), 0);
	CHECK_EQ("setval", setval(id, 1, 5), 0);
	CHECK_EQ("getval", getval(id, 1), 5);
	CHECK_EQ("getpid-setval", semctl(id, 1, GETPID), getpid());
	CHECK_ERR("setval-range", setval(id, 1, 32768), ERANGE);
	CHECK_ERR("setval-negative", setval(id, 1, -1), ERANGE);
	CHECK_ERR("setval-semnum", setval(id, 3, 1), EINVAL);
	CHECK_ERR("getval-semnum", semctl(id, -1, GETVAL), EINVAL);
	unsigned short all[3] = { 1, 2, 3 }, got[3] = { 9, 9, 9 };
	u.array = all;
	CHECK_EQ("setall", semctl(id, 0, SETALL, u), 0);
	u.array = got;
	CHECK_EQ("getall", semctl(id, 0, GETALL, u), 0);
	CHECK("getall-values", got[0] == 1 && got[1] == 2 && got[2] == 3);
	all[1] = 40000;
	u.array = all;
	CHECK_ERR("setall-range", semctl(id, 0, SETALL, u), ERANGE);
	CHECK_EQ("setall-range-unchanged", getval(id, 1), 2);
	u.array = (unsigned short *)8;
	CHECK_ERR("getall-efault", semctl(id, 0, GETALL, u), EFAULT);

	/* semop: all or nothing, IPC_NOWAIT, errors. */
	struct sembuf two[2] = { { 0, 1, 0 }, { 2, -4, IPC_NOWAIT } };
	CHECK_ERR("semop-nowait", semop(id, two, 2), EAGAIN);
	CHECK_EQ("semop-all-or-nothing", getval(id, 0), 1);
	two[1].sem_op = -3;
	CHECK_EQ("semop-two", semop(id, two, 2), 0);
	CHECK("semop-two-values", getval(id, 0) == 2 && getval(id, 2) == 0);
	CHECK_EQ("getpid-semop", semctl(id, 0, GETPID), getpid());
	semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
	CHECK("semop-otime", recent(ds.sem_otime));
	CHECK_ERR("semop-efbig", op1(id, 3, 1, 0), EFBIG);
	CHECK_ERR("semop-nsops-0", semop(id, two, 0), EINVAL);
	CHECK_ERR("semop-e2big", semop(id, two, 501), E2BIG);
	CHECK_ERR("semop-efault", semop(id, (struct sembuf *)8, 1), EFAULT);
	CHECK_ERR("semop-bad-id", op1(id + 1000000, 0, 1, 0), EINVAL);
	CHECK_EQ("setval-max", setval(id, 1, 32767), 0);
	CHECK_ERR("semop-erange", op1(id, 1, 1, 0), ERANGE);
	CHECK_ERR("semop-zero-nowait", op1(id, 0, 0, IPC_NOWAIT), EAGAIN);
	CHECK_EQ("semop-zero", op1(id, 2, 0, 0), 0);

	/* A blocked decrement, woken by another process's increment. */
	setval(id, 0, 0);
	pid_t c = fork();
	if (c == 0)
		_exit(op1(id, 0, -1, 0) == 0 ? 0 : 2);
	CHECK("getncnt", wait_cnt(id, 0, GETNCNT, 1));
	CHECK_EQ("getzcnt-none", semctl(id, 0, GETZCNT), 0);
	CHECK_EQ("wake-by-op", op1(id, 0, 1, 0), 0);
	int st = mt_reap(c);
	CHECK("woken", WIFEXITED(st) && WEXITSTATUS(st) == 0 && getval(id, 0) == 0);
	CHECK_EQ("getpid-other", semctl(id, 0, GETPID), c);
	CHECK_EQ("getncnt-after", semctl(id, 0, GETNCNT), 0);

	/* Wait-for-zero, woken by SETVAL. */
	setval(id, 2, 3);
	c = fork();
	if (c == 0)
		_exit(op1(id, 2, 0, 0) == 0 ? 0 : 2);
	CHECK("getzcnt", wait_cnt(id, 2, GETZCNT, 1));
	setval(id, 2, 0);
	st = mt_reap(c);
	CHECK("zero-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* semtimedop: the timeout (EAGAIN), a bad one (EINVAL). */
	struct sembuf dec = { 0, -1, 0 };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	double t0 = mt_now();
	CHECK_ERR("timedop-timeout", semtimedop(id, &dec, 1, &ts), EAGAIN);
	CHECK("timedop-waited", mt_now() - t0 >= 0.04);
	struct timespec badts = { 0, 1000000000 };
	CHECK_ERR("timedop-einval", semtimedop(id, &dec, 1, &badts), EINVAL);
	setval(id, 0, 1);
	CHECK_EQ("timedop-ok", semtimedop(id, &dec, 1, &ts), 0);

	/* A signal ends a blocked semop with EINTR, even with SA_RESTART. */
	c = fork();
	if (c == 0) {
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
		sigaction(SIGUSR1, &sa, NULL);
		int r = op1(id, 0, -1, 0);
		_exit(r == -1 && errno == EINTR ? 0 : 2);
	}
	wait_cnt(id, 0, GETNCNT, 1);
	kill(c, SIGUSR1);
	st = mt_reap(c);
	CHECK("eintr", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* SEM_UNDO: a process's adjustments are undone when it exits. */
	setval(id, 0, 2);
	c = fork();
	if (c == 0) {
		op1(id, 0, 3, SEM_UNDO);
		op1(id, 0, -1, SEM_UNDO);
		_exit(getval(id, 0) == 4 ? 0 : 2);
	}
	st = mt_reap(c);
	CHECK("undo-child", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ("undo-at-exit", getval(id, 0), 2);
	/* ... kept within [0, SEMVMX]: a decrement undone onto a value raised meanwhile. */
	int pfd[2];
	pipe(pfd);
	c = fork();
	if (c == 0) {
		char ch;
		close(pfd[1]);
		op1(id, 0, -2, SEM_UNDO);
		read(pfd[0], &ch, 1);
		_exit(0);
	}
	close(pfd[0]);
	CHECK("undo-decrement-done", wait_cnt(id, 0, GETVAL, 0));
	op1(id, 0, 2, 0);
	close(pfd[1]);
	mt_reap(c);
	CHECK_EQ("undo-decrement", getval(id, 0), 4);
	/* ... and SETVAL clears the adjustments for that semaphore. */
	pipe(pfd);
	c = fork();
	if (c == 0) {
		char ch;
		close(pfd[1]);
		op1(id, 1, -5, SEM_UNDO);
		read(pfd[0], &ch, 1);
		_exit(0);
	}
	close(pfd[0]);
	wait_cnt(id, 1, GETVAL, 32762);
	setval(id, 1, 7);
	close(pfd[1]);
	mt_reap(c);
	CHECK_EQ("undo-cleared-by-setval", getval(id, 1), 7);

	/* IPC_SET and IPC_INFO */
	semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
	ds.sem_perm.mode = 0644;
	CHECK_EQ("ipc-set", semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }), 0);
	semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
	CHECK_EQ("ipc-set-mode", ds.sem_perm.mode, 0644);
	struct seminfo si;
	int max = semctl(0, 0, IPC_INFO, (union semun){ .__buf = &si });
	CHECK("ipc-info", max >= 0);
	CHECK("ipc-info-limits", si.semmsl == 32000 && si.semopm == 500 && si.semmni == 32000 &&
					 si.semvmx == 32767);
	CHECK_EQ("sem-stat", semctl(id % 32768, 0, SEM_STAT, (union semun){ .buf = &ds }), id);

	/* IPC_RMID wakes a sleeper with EIDRM. */
	setval(id, 0, 0);
	c = fork();
	if (c == 0) {
		int r = op1(id, 0, -1, 0);
		_exit(r == -1 && errno == EIDRM ? 0 : 2);
	}
	wait_cnt(id, 0, GETNCNT, 1);
	CHECK_EQ("rmid", semctl(id, 0, IPC_RMID), 0);
	st = mt_reap(c);
	CHECK("rmid-eidrm", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_ERR("rmid-gone", getval(id, 0), EINVAL);
	CHECK_ERR("rmid-key-gone", semget(0x5e3a11, 1, 0), ENOENT);
	CHECK("rmid-proc", !text_has("/proc/sysvipc/sem", id));

	/* A new IPC namespace has its own semaphores. */
	int id2 = semget(0x5e3a13, 1, IPC_CREAT | 0600);
	c = fork();
	if (c == 0) {
		if (unshare(CLONE_NEWIPC) != 0)
			_exit(2);
		if (semget(0x5e3a13, 1, 0) != -1 || errno != ENOENT)
			_exit(3);
		_exit(semctl(id2, 0, GETVAL) == -1 && errno == EINVAL ? 0 : 4);
	}
	st = mt_reap(c);
	CHECK("ipc-ns", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	semctl(id2, 0, IPC_RMID);
	mt_end();
}
