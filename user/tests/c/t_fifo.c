/* t_fifo - named pipes (mkfifo, mknod S_IFIFO) and pipe sizes.
 *
 * Boot: rdinit=/tests/t_fifo.  Needs a writable /tmp.
 *
 * What Linux 6.1 does (fs/pipe.c fifo_open, pipe_read/write, pipe_fcntl), and this test expects:
 *  - mkfifo and mknod(S_IFIFO) make a FIFO inode (S_ISFIFO, the mode less the umask, size 0);
 *    EEXIST for a name that exists.
 *  - open O_RDONLY|O_NONBLOCK succeeds with no writer, and read then returns 0 (EOF);
 *    O_WRONLY|O_NONBLOCK with no reader is ENXIO, with one it succeeds; O_RDWR never waits.
 *  - a blocking O_WRONLY open waits for a reader (and the other way round): a child's open
 *    finishes only once the parent opens the other end; a signal whose handler has no
 *    SA_RESTART ends the wait with EINTR.
 *  - bytes written read back in order, FIONREAD counts them, EOF once every writer closed,
 *    EPIPE (with SIGPIPE ignored) once every reader closed; what is left when the last end
 *    closes is gone at the next open.
 *  - lseek is ESPIPE; an O_PATH open does not wait; unlinking an open FIFO keeps it working.
 *  - F_GETPIPE_SZ is 65536 on a new pipe or FIFO; F_SETPIPE_SZ rounds up to a power of two
 *    of pages (5000 -> 8192, 1 -> 4096), is EBUSY below what the pipe holds, EINVAL past 2^31,
 *    and a full non-blocking pipe holds exactly its size; both are EBADF on a regular file.
 */
#include "mtest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	mt_begin("t_fifo");
	struct stat st;
	char buf[256];
	int n;

	umask(022);
	CHECK_EQ("mkfifo", mkfifo("/tmp/f", 0666), 0);
	CHECK_EQ("stat", stat("/tmp/f", &st), 0);
	CHECK("stat_isfifo", S_ISFIFO(st.st_mode));
	CHECK_EQ("stat_mode", st.st_mode & 07777, 0644);
	CHECK_EQ("stat_size", st.st_size, 0);
	CHECK_ERR("mkfifo_exists", mkfifo("/tmp/f", 0666), EEXIST);
	CHECK_EQ("mknod_fifo", mknod("/tmp/f2", S_IFIFO | 0600, 0), 0);
	CHECK_EQ("mknod_fifo_stat", stat("/tmp/f2", &st), 0);
	CHECK("mknod_fifo_isfifo", S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0600);

	/* Non-blocking opens. */
	CHECK_ERR("wronly_nonblock_no_reader", open("/tmp/f", O_WRONLY | O_NONBLOCK), ENXIO);
	int r = open("/tmp/f", O_RDONLY | O_NONBLOCK);
	CHECK("rdonly_nonblock_opens", r >= 0);
	CHECK_EQ("read_no_writer_eof", read(r, buf, sizeof buf), 0);
	int w = open("/tmp/f", O_WRONLY | O_NONBLOCK);
	CHECK("wronly_nonblock_with_reader", w >= 0);
	CHECK_ERR("read_empty_eagain", read(r, buf, sizeof buf), EAGAIN);
	CHECK_EQ("write", write(w, "hello", 5), 5);
	CHECK_EQ("fionread", (ioctl(r, FIONREAD, &n), n), 5);
	CHECK_EQ("write2", write(w, "world", 5), 5);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read", read(r, buf, 3), 3);
	CHECK("read_data", memcmp(buf, "hel", 3) == 0);
	CHECK_EQ("read_rest", read(r, buf, sizeof buf), 7);
	CHECK("read_rest_data", memcmp(buf, "loworld", 7) == 0);
	CHECK_ERR("lseek_espipe", lseek(r, 0, SEEK_SET), ESPIPE);
	CHECK_EQ("getpipe_sz_fifo", fcntl(w, F_GETPIPE_SZ), 65536);
	CHECK_EQ("fstat_fifo", fstat(r, &st), 0);
	CHECK("fstat_isfifo", S_ISFIFO(st.st_mode));
	close(w);
	CHECK_EQ("eof_after_writer_close", read(r, buf, sizeof buf), 0);
	struct pollfd pf = { r, POLLIN, 0 };
	CHECK_EQ("poll_hup", poll(&pf, 1, 0), 1);
	CHECK("poll_hup_bit", pf.revents & POLLHUP);
	/* EPIPE: a writer whose readers are gone. */
	w = open("/tmp/f", O_WRONLY | O_NONBLOCK);
	CHECK("wronly_again", w >= 0);
	close(r);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR("write_no_reader_epipe", write(w, "x", 1), EPIPE);
	close(w);

	/* O_RDWR never waits; data left behind at the last close is gone. */
	int rw = open("/tmp/f", O_RDWR);
	CHECK("rdwr_opens", rw >= 0);
	CHECK_EQ("rdwr_write", write(rw, "abc", 3), 3);
	CHECK_EQ("rdwr_read", read(rw, buf, 2), 2);
	close(rw);
	rw = open("/tmp/f", O_RDWR);
	CHECK_EQ("data_gone_at_last_close", (ioctl(rw, FIONREAD, &n), n), 0);
	close(rw);

	/* O_PATH does not wait. */
	int op = open("/tmp/f", O_PATH);
	CHECK("opath_no_wait", op >= 0);
	close(op);

	/* Blocking opens meet: the child's O_WRONLY waits for the parent's O_RDONLY. */
	int sync[2];
	pipe(sync);
	pid_t pid = fork();
	if (pid == 0) {
		close(sync[0]);
		int fd = open("/tmp/f", O_WRONLY);
		write(sync[1], "o", 1);
		write(fd, "hi", 2);
		_exit(fd >= 0 ? 0 : 1);
	}
	close(sync[1]);
	mt_msleep(100);
	int flags = fcntl(sync[0], F_GETFL);
	fcntl(sync[0], F_SETFL, flags | O_NONBLOCK);
	CHECK_ERR("writer_waits_for_reader", read(sync[0], buf, 1), EAGAIN);
	r = open("/tmp/f", O_RDONLY);
	CHECK("reader_opens", r >= 0);
	fcntl(sync[0], F_SETFL, flags);
	CHECK_EQ("writer_proceeds", read(sync[0], buf, 1), 1);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read_from_child", read(r, buf, 2), 2);
	CHECK("read_from_child_data", memcmp(buf, "hi", 2) == 0);
	CHECK_EQ("child_exit", WEXITSTATUS(mt_reap(pid)), 0);
	CHECK_EQ("eof_after_child", read(r, buf, sizeof buf), 0);
	close(r);
	close(sync[0]);

	/* A blocking open a signal interrupts (no SA_RESTART): EINTR. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR("open_interrupted", open("/tmp/f", O_RDONLY), EINTR);

	/* Unlinked while open. */
	rw = open("/tmp/f2", O_RDWR);
	CHECK_EQ("unlink_open_fifo", unlink("/tmp/f2"), 0);
	CHECK_EQ("unlinked_write", write(rw, "zz", 2), 2);
	CHECK_EQ("unlinked_read", read(rw, buf, 2), 2);
	close(rw);

	/* Pipe sizes. */
	int p[2];
	CHECK_EQ("pipe", pipe(p), 0);
	CHECK_EQ("getpipe_sz", fcntl(p[0], F_GETPIPE_SZ), 65536);
	CHECK_EQ("setpipe_sz_round", fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	CHECK_EQ("getpipe_sz_after", fcntl(p[0], F_GETPIPE_SZ), 8192);
	CHECK_EQ("setpipe_sz_min", fcntl(p[1], F_SETPIPE_SZ, 1), 4096);
	CHECK_ERR("setpipe_sz_huge", fcntl(p[1], F_SETPIPE_SZ, 0x80000001U), EINVAL);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	char big[8192];
	memset(big, 'x', sizeof big);
	long total = 0;
	for (int i = 0; i < 10; i++) {
		long k = write(p[1], big, sizeof big);
		if (k < 0)
			break;
		total += k;
	}
	CHECK_EQ("full_pipe_holds_size", total, 4096);
	CHECK_ERR("full_pipe_eagain", write(p[1], "x", 1), EAGAIN);
	CHECK_EQ("fionread_pipe", (ioctl(p[0], FIONREAD, &n), n), 4096);
	CHECK_EQ("grow_with_data", fcntl(p[1], F_SETPIPE_SZ, 65536), 65536);
	CHECK_EQ("write_after_grow", write(p[1], big, sizeof big), 8192);
	CHECK_ERR("shrink_below_content", fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
	CHECK_EQ("setpipe_sz_1m", fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	int reg = open("/tmp/reg", O_RDWR | O_CREAT, 0600);
	CHECK_ERR("getpipe_sz_file", fcntl(reg, F_GETPIPE_SZ), EBADF);
	CHECK_ERR("setpipe_sz_file", fcntl(reg, F_SETPIPE_SZ, 4096), EBADF);
	close(reg);
	unlink("/tmp/reg");
	unlink("/tmp/f");
	mt_end();
}
