/* t_locks - flock(2), POSIX record locks (F_GETLK/F_SETLK/F_SETLKW) and open-file-description
 * locks (F_OFD_*), within a process and across fork.
 *
 * Boot: rdinit=/tests/t_locks.  Needs a writable /tmp.
 *
 * What Linux 6.1 does (fs/locks.c), and this test expects:
 *  - flock: shared locks coexist, an exclusive one conflicts with any other open file
 *    description (LOCK_NB: EWOULDBLOCK); a dup or a forked child holds the same lock (the open
 *    file description owns it), a new open does not; closing one of two dups keeps it, the last
 *    close frees it; LOCK_UN frees it; a blocked LOCK_EX proceeds once the holder unlocks, and a
 *    signal (no SA_RESTART) ends the wait with EINTR.  A bad command is EINVAL (before the fd is
 *    looked at), a bad fd EBADF; LOCK_MAND (32) is ignored (0, even for a bad fd).  flock and
 *    POSIX locks do not see each other.
 *  - POSIX locks belong to the process: its own never conflict (they split and merge), another
 *    process's overlapping write lock is EAGAIN for F_SETLK; F_GETLK reports the first conflict
 *    (type, SEEK_SET start, length with 0 for "to the end", the holder's pid) or F_UNLCK;
 *    l_len < 0 counts back from l_start; EINVAL for a bad whence, an unknown type, F_GETLK with
 *    F_UNLCK, a range before 0; EBADF for a read lock on a write-only fd and the other way.
 *    A child does not inherit them; any close of the file by the holder drops them all; F_SETLKW
 *    waits for the release, and a wait that would close a cycle is EDEADLK.
 *  - OFD locks belong to the open file description: two opens in one process conflict, a POSIX
 *    lock conflicts with them too; F_OFD_GETLK reports pid -1; l_pid must be 0 (EINVAL); closing
 *    another fd of the file keeps them, the last close of their own frees them.
 */
#include "mtest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>

#define F "/tmp/lockfile"

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &l);
}

static struct flock getlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	if (fcntl(fd, cmd, &l) < 0)
		l.l_type = -1;
	return l;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Runs fn in a child; its exit status. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int st = mt_reap(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int child_flock_ex_nb(void)
{
	int fd = open(F, O_RDONLY);
	int r = flock(fd, LOCK_EX | LOCK_NB);
	return r == 0 ? 0 : errno;
}

static int child_posix_wr_0_10(void)
{
	int fd = open(F, O_RDWR);
	return setlk(fd, F_SETLK, F_WRLCK, 0, 10) == 0 ? 0 : errno;
}

static int child_posix_wr_40_60(void)
{
	int fd = open(F, O_RDWR);
	return setlk(fd, F_SETLK, F_WRLCK, 40, 20) == 0 ? 0 : errno;
}

static int child_posix_wr_10_20(void)
{
	int fd = open(F, O_RDWR);
	return setlk(fd, F_SETLK, F_WRLCK, 10, 10) == 0 ? 0 : errno;
}

static pid_t parent_pid;

/* F_GETLK from another process: 0 when it reports the parent's write lock [0, 10). */
static int child_getlk(void)
{
	int fd = open(F, O_RDWR);
	struct flock l = getlk(fd, F_GETLK, F_WRLCK, 5, 1);
	if (l.l_type != F_WRLCK)
		return 1;
	if (l.l_start != 0 || l.l_len != 10 || l.l_whence != SEEK_SET)
		return 2;
	if (l.l_pid != parent_pid)
		return 3;
	l = getlk(fd, F_GETLK, F_WRLCK, 10, 5);
	if (l.l_type != F_UNLCK || l.l_start != 10)
		return 4;
	return 0;
}

/* The parent holds read locks [0,10) and [10,20), merged, and [30, EOF). */
static int child_getlk_merged(void)
{
	int fd = open(F, O_RDWR);
	struct flock l = getlk(fd, F_GETLK, F_WRLCK, 0, 25);
	if (l.l_type != F_RDLCK || l.l_start != 0 || l.l_len != 20)
		return 1;
	l = getlk(fd, F_GETLK, F_WRLCK, 100, 1);
	if (l.l_type != F_RDLCK || l.l_start != 30 || l.l_len != 0)
		return 2;
	l = getlk(fd, F_GETLK, F_RDLCK, 0, 100);
	if (l.l_type != F_UNLCK)
		return 3;
	return 0;
}

int main(void)
{
	mt_begin("t_locks");
	parent_pid = getpid();
	int fd = open(F, O_RDWR | O_CREAT, 0644);
	write(fd, "0123456789", 10);

	/* flock */
	int fd2 = open(F, O_RDONLY);
	CHECK_EQ("flock_sh", flock(fd, LOCK_SH), 0);
	CHECK_EQ("flock_sh_second", flock(fd2, LOCK_SH | LOCK_NB), 0);
	CHECK_ERR("flock_ex_vs_sh", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_EQ("flock_un", flock(fd, LOCK_UN), 0);
	CHECK_EQ("flock_ex_after_un", flock(fd2, LOCK_EX | LOCK_NB), 0);
	CHECK_ERR("flock_sh_vs_ex", flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_EQ("flock_child_conflicts", in_child(child_flock_ex_nb), EWOULDBLOCK);
	int d2 = dup(fd2);
	CHECK_EQ("flock_dup_same_owner", flock(d2, LOCK_EX | LOCK_NB), 0);
	close(fd2);
	CHECK_ERR("flock_dup_keeps", flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	close(d2);
	CHECK_EQ("flock_last_close_frees", flock(fd, LOCK_EX | LOCK_NB), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	CHECK_EQ("flock_fork_shares", WEXITSTATUS(mt_reap(pid)), 0);
	CHECK_EQ("flock_posix_independent", setlk(fd, F_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_EQ("flock_posix_independent_un", setlk(fd, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_ERR("flock_badcmd", flock(fd, LOCK_SH | LOCK_EX), EINVAL);
	CHECK_ERR("flock_badcmd_before_fd", flock(99, LOCK_SH | LOCK_EX), EINVAL);
	CHECK_EQ("flock_lock_mand_ignored", flock(99, 32 | LOCK_SH), 0);
	CHECK_ERR("flock_badfd", flock(99, LOCK_SH), EBADF);
	/* A blocked LOCK_EX waits for the holder. */
	int sp[2];
	pipe(sp);
	pid = fork();
	if (pid == 0) {
		int f = open(F, O_RDONLY);
		int r = flock(f, LOCK_EX);
		write(sp[1], "l", 1);
		_exit(r == 0 ? 0 : 1);
	}
	mt_msleep(100);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	char c;
	CHECK_ERR("flock_blocked_waits", read(sp[0], &c, 1), EAGAIN);
	flock(fd, LOCK_UN);
	fcntl(sp[0], F_SETFL, 0);
	CHECK_EQ("flock_blocked_proceeds", read(sp[0], &c, 1), 1);
	CHECK_EQ("flock_blocked_child", WEXITSTATUS(mt_reap(pid)), 0);
	flock(fd, LOCK_EX);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	int f3 = open(F, O_RDONLY);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR("flock_wait_eintr", flock(f3, LOCK_SH), EINTR);
	close(f3);
	flock(fd, LOCK_UN);

	/* POSIX locks. */
	CHECK_EQ("posix_wr", setlk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ("posix_own_relock", setlk(fd, F_SETLK, F_RDLCK, 0, 10), 0);
	CHECK_EQ("posix_own_upgrade", setlk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ("posix_child_conflict", in_child(child_posix_wr_0_10), EAGAIN);
	CHECK_EQ("posix_child_other_range", in_child(child_posix_wr_10_20), 0);
	CHECK_EQ("posix_getlk_child", in_child(child_getlk), 0);
	struct flock own = getlk(fd, F_GETLK, F_WRLCK, 0, 10);
	CHECK_EQ("posix_getlk_own_unlck", own.l_type, F_UNLCK);
	CHECK_EQ("posix_split_lock", setlk(fd, F_SETLK, F_WRLCK, 0, 100), 0);
	CHECK_EQ("posix_split_unlock", setlk(fd, F_SETLK, F_UNLCK, 40, 20), 0);
	CHECK_EQ("posix_split_hole_free", in_child(child_posix_wr_40_60), 0);
	CHECK_EQ("posix_split_rest_held", in_child(child_posix_wr_0_10), EAGAIN);
	CHECK_EQ("posix_unlock_all", setlk(fd, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ("posix_rd1", setlk(fd, F_SETLK, F_RDLCK, 0, 10), 0);
	CHECK_EQ("posix_rd2", setlk(fd, F_SETLK, F_RDLCK, 10, 10), 0);
	CHECK_EQ("posix_rd_eof", setlk(fd, F_SETLK, F_RDLCK, 30, 0), 0);
	CHECK_EQ("posix_merged_getlk", in_child(child_getlk_merged), 0);
	CHECK_EQ("posix_neg_len", setlk(fd, F_SETLK, F_UNLCK, 0, 0) || setlk(fd, F_SETLK, F_WRLCK, 10, -10), 0);
	CHECK_EQ("posix_neg_len_range", in_child(child_posix_wr_0_10), EAGAIN);
	CHECK_EQ("posix_neg_len_after", in_child(child_posix_wr_10_20), 0);
	struct flock bad = { .l_type = F_WRLCK, .l_whence = 7 };
	CHECK_ERR("posix_bad_whence", fcntl(fd, F_SETLK, &bad), EINVAL);
	bad.l_whence = SEEK_SET;
	bad.l_type = 99;
	CHECK_ERR("posix_bad_type", fcntl(fd, F_SETLK, &bad), EINVAL);
	bad.l_type = F_UNLCK;
	CHECK_ERR("posix_getlk_unlck", fcntl(fd, F_GETLK, &bad), EINVAL);
	CHECK_ERR("posix_negative_start", setlk(fd, F_SETLK, F_WRLCK, -5, 1), EINVAL);
	int ro = open(F, O_RDONLY), wo = open(F, O_WRONLY);
	CHECK_ERR("posix_wr_on_rdonly", setlk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_ERR("posix_rd_on_wronly", setlk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF);
	/* Any close of the file drops the process's locks. */
	CHECK_EQ("posix_relock", setlk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	close(ro);
	CHECK_EQ("posix_close_any_frees", in_child(child_posix_wr_0_10), 0);
	/* Not inherited. */
	setlk(fd, F_SETLK, F_WRLCK, 0, 10);
	pid = fork();
	if (pid == 0)
		_exit(setlk(fd, F_SETLK, F_WRLCK, 0, 10) == 0 ? 0 : errno);
	CHECK_EQ("posix_not_inherited", WEXITSTATUS(mt_reap(pid)), EAGAIN);
	/* F_SETLKW waits; a cycle is EDEADLK. */
	pipe(sp);
	pid = fork();
	if (pid == 0) {
		int f = open(F, O_RDWR);
		setlk(f, F_SETLK, F_WRLCK, 20, 1);
		write(sp[1], "a", 1);
		int r = setlk(f, F_SETLKW, F_WRLCK, 0, 1); /* waits for the parent */
		write(sp[1], "b", 1);
		_exit(r == 0 ? 0 : 1);
	}
	CHECK_EQ("setlkw_child_ready", read(sp[0], &c, 1), 1);
	mt_msleep(100);
	CHECK_ERR("setlkw_deadlock", setlk(fd, F_SETLKW, F_WRLCK, 20, 1), EDEADLK);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	CHECK_ERR("setlkw_still_waiting", read(sp[0], &c, 1), EAGAIN);
	setlk(fd, F_SETLK, F_UNLCK, 0, 0);
	fcntl(sp[0], F_SETFL, 0);
	CHECK_EQ("setlkw_proceeds", read(sp[0], &c, 1), 1);
	CHECK_EQ("setlkw_child", WEXITSTATUS(mt_reap(pid)), 0);
	close(wo);

	/* OFD locks. */
	int o1 = open(F, O_RDWR), o2 = open(F, O_RDWR);
	CHECK_EQ("ofd_setlk", setlk(o1, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_ERR("ofd_other_open_conflicts", setlk(o2, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
	CHECK_ERR("ofd_vs_posix_same_process", setlk(o2, F_SETLK, F_WRLCK, 5, 1), EAGAIN);
	struct flock g = getlk(o2, F_OFD_GETLK, F_RDLCK, 0, 1);
	CHECK("ofd_getlk", g.l_type == F_WRLCK && g.l_pid == -1 && g.l_len == 10);
	struct flock pidset = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 1, .l_pid = 1 };
	CHECK_ERR("ofd_lpid_nonzero", fcntl(o2, F_OFD_SETLK, &pidset), EINVAL);
	close(o2);
	CHECK_EQ("ofd_kept_after_other_close", in_child(child_posix_wr_0_10), EAGAIN);
	int o3 = dup(o1);
	close(o1);
	CHECK_EQ("ofd_kept_by_dup", in_child(child_posix_wr_0_10), EAGAIN);
	close(o3);
	CHECK_EQ("ofd_freed_last_close", in_child(child_posix_wr_0_10), 0);
	close(fd);
	unlink(F);
	mt_end();
}
