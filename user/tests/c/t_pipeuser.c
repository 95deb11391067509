/* t_pipeuser: pipe buffer pages counted per user (Linux: fs/pipe.c alloc_pipe_info,
 * pipe_set_size, account_pipe_buffers; /proc/sys/fs/pipe-user-pages-soft and -hard):
 *  - an unprivileged user's new pipe gets 16 pages while the user holds at most the soft
 *    limit, then 2 (PIPE_MIN_DEF_BUFFERS); past the hard limit pipe() fails with ENFILE;
 *  - F_SETPIPE_SZ may not grow a pipe past the hard limit (EPERM), may shrink it, and the
 *    pages come back when pipes close; a FIFO's first opener is charged the same way;
 *  - root (CAP_SYS_RESOURCE) is not limited.
 * The same binary passes on the reference Linux. */
#define _GNU_SOURCE
#include "mtest.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define SOFT "/proc/sys/fs/pipe-user-pages-soft"
#define HARD "/proc/sys/fs/pipe-user-pages-hard"

struct results {
	int setuid_ok;
	int sz[6];      /* F_GETPIPE_SZ of pipes A..E, or -errno */
	int sixth;      /* pipe F: 0 or errno */
	int grow;       /* F_SETPIPE_SZ(A, 128 KiB): result or -errno */
	int shrink;     /* F_SETPIPE_SZ(A, 16 KiB) */
	int after_shrink; /* a new pipe's size once A shrank */
	int after_close;  /* a new pipe's size once all closed */
	int fifo;       /* F_GETPIPE_SZ of a FIFO opened while a 16-page pipe is held */
};

static int new_pipe_size(int p[2])
{
	if (pipe(p) != 0)
		return -errno;
	int s = fcntl(p[0], F_GETPIPE_SZ);
	return s < 0 ? -errno : s;
}

static void user_side(struct results *r)
{
	r->setuid_ok = setuid(1000) == 0;
	int p[6][2];
	for (int i = 0; i < 5; i++)
		r->sz[i] = new_pipe_size(p[i]);
	int f[2];
	r->sixth = pipe(f) == 0 ? 0 : errno;
	if (r->sixth == 0)
		close(f[0]), close(f[1]);
	r->grow = fcntl(p[0][1], F_SETPIPE_SZ, 128 * 1024);
	if (r->grow < 0)
		r->grow = -errno;
	r->shrink = fcntl(p[0][1], F_SETPIPE_SZ, 16 * 1024);
	if (r->shrink < 0)
		r->shrink = -errno;
	r->after_shrink = new_pipe_size(p[5]);
	for (int i = 0; i < 6; i++)
		close(p[i][0]), close(p[i][1]);
	int g[2];
	r->after_close = new_pipe_size(g);
	int fd = open("/tmp/t_pipeuser.fifo", O_RDWR | O_NONBLOCK);
	r->fifo = fd < 0 ? -errno : fcntl(fd, F_GETPIPE_SZ);
	if (fd >= 0)
		close(fd);
	_exit(0);
}

int main(void)
{
	mt_begin("t_pipeuser");
	mt_mount_proc();
	mkdir("/tmp", 01777);
	CHECK_EQ("soft-default", mt_read_long(SOFT), 16384);
	CHECK_EQ("hard-default", mt_read_long(HARD), 0);
	unlink("/tmp/t_pipeuser.fifo");
	CHECK_EQ("mkfifo", mkfifo("/tmp/t_pipeuser.fifo", 0666), 0);
	chmod("/tmp/t_pipeuser.fifo", 0666);
	CHECK_EQ("set-soft", mt_write_str(SOFT, "20\n"), 0);
	CHECK_EQ("set-hard", mt_write_str(HARD, "24\n"), 0);

	struct results *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(r, 0, sizeof *r);
	pid_t pid = fork();
	if (pid == 0)
		user_side(r);
	int st = mt_reap(pid);
	CHECK("user-side-ran", WIFEXITED(st) && WEXITSTATUS(st) == 0 && r->setuid_ok);
	printf("user: sizes %d %d %d %d %d, sixth %d, grow %d, shrink %d, after shrink %d, after close %d, fifo %d\n",
	       r->sz[0], r->sz[1], r->sz[2], r->sz[3], r->sz[4], r->sixth, r->grow, r->shrink, r->after_shrink,
	       r->after_close, r->fifo);
	/* 16 pages (16 <= 20), then 2 each past the soft limit: 18, 20, 22, 24 */
	CHECK_EQ("first-pipe-16-pages", r->sz[0], 65536);
	CHECK_EQ("past-soft-2-pages", r->sz[1], 8192);
	CHECK_EQ("past-soft-again", r->sz[2], 8192);
	CHECK_EQ("past-soft-at-22", r->sz[3], 8192);
	CHECK_EQ("past-soft-at-hard", r->sz[4], 8192);
	/* 26 > 24: no pipe */
	CHECK_EQ("past-hard-enfile", r->sixth, ENFILE);
	CHECK_EQ("grow-past-hard-eperm", r->grow, -EPERM);
	CHECK_EQ("shrink-allowed", r->shrink, 16384);
	/* 24 - 16 + 4 = 12; a new pipe: 28 > 20 -> 2 pages */
	CHECK_EQ("after-shrink-new-pipe", r->after_shrink, 8192);
	CHECK_EQ("pages-back-after-close", r->after_close, 65536);
	/* the FIFO's first opener: 16 + 16 > 20 -> 2 pages */
	CHECK_EQ("fifo-charged", r->fifo, 8192);

	/* root is not limited */
	CHECK_EQ("set-soft-1", mt_write_str(SOFT, "1\n"), 0);
	int p[2];
	CHECK_EQ("root-unlimited", new_pipe_size(p), 65536);
	close(p[0]);
	close(p[1]);
	CHECK_EQ("reset-soft", mt_write_str(SOFT, "16384\n"), 0);
	CHECK_EQ("reset-hard", mt_write_str(HARD, "0\n"), 0);
	unlink("/tmp/t_pipeuser.fifo");
	mt_end();
}
