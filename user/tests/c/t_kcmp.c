/* t_kcmp: kcmp(2) as Linux's kernel/kcmp.c — 0 for a shared object (the mm after vfork or
 * CLONE_VM, fd tables, fs, handlers after CLONE_FILES/FS/SIGHAND, one open file through fork
 * and dup), 1 or 2 otherwise and consistently in both directions, KCMP_EPOLL_TFD against an
 * epoll item's file, and the errors (ESRCH, EBADF, EINVAL, ENOENT, EFAULT). */
#include "mtest.h"
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
	return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static volatile long *shared;
static pid_t parent;

static int clone_child(void *arg)
{
	shared[0] = kcmp(getpid(), parent, KCMP_VM, 0, 0);
	shared[1] = kcmp(getpid(), parent, KCMP_FILES, 0, 0);
	shared[2] = kcmp(getpid(), parent, KCMP_FS, 0, 0);
	shared[3] = kcmp(getpid(), parent, KCMP_SIGHAND, 0, 0);
	return 0;
}

int main(void)
{
	mt_begin("t_kcmp");
	parent = getpid();
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open("/tmp/t_kcmp.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int fd2 = open("/tmp/t_kcmp.file", O_RDWR);
	int d = dup(fd);

	/* --- oneself --- */
	CHECK_EQ("self-vm", kcmp(parent, parent, KCMP_VM, 0, 0), 0);
	CHECK_EQ("self-files", kcmp(parent, parent, KCMP_FILES, 0, 0), 0);
	CHECK_EQ("self-file-dup", kcmp(parent, parent, KCMP_FILE, fd, d), 0);
	long a = kcmp(parent, parent, KCMP_FILE, fd, fd2), b = kcmp(parent, parent, KCMP_FILE, fd2, fd);
	CHECK("self-file-separate-opens", (a == 1 && b == 2) || (a == 2 && b == 1));
	CHECK_EQ("self-io", kcmp(parent, parent, KCMP_IO, 0, 0), 0);
	CHECK_EQ("self-sysvsem", kcmp(parent, parent, KCMP_SYSVSEM, 0, 0), 0);

	/* --- a forked child shares open files, nothing else --- */
	int wfd;
	pid_t child = mt_blocked_child(0, &wfd);
	a = kcmp(parent, child, KCMP_VM, 0, 0);
	b = kcmp(child, parent, KCMP_VM, 0, 0);
	CHECK("fork-vm-differs", (a == 1 && b == 2) || (a == 2 && b == 1));
	CHECK("fork-files-differ", kcmp(parent, child, KCMP_FILES, 0, 0) > 0);
	CHECK("fork-fs-differs", kcmp(parent, child, KCMP_FS, 0, 0) > 0);
	CHECK("fork-sighand-differs", kcmp(parent, child, KCMP_SIGHAND, 0, 0) > 0);
	CHECK_EQ("fork-file-shared", kcmp(parent, child, KCMP_FILE, fd, fd), 0);
	CHECK("fork-file-other-open", kcmp(parent, child, KCMP_FILE, fd, fd2) > 0);
	CHECK_ERR("file-closed-ebadf", kcmp(parent, child, KCMP_FILE, fd, 200), EBADF);
	/* the index is an unsigned int in Linux's get_file_raw_ptr(): 1 << 40 is fd 0 */
	CHECK_EQ("file-index-cut-to-int", kcmp(parent, child, KCMP_FILE, 1ul << 40, fd),
		 kcmp(parent, child, KCMP_FILE, 0, fd));
	CHECK_ERR("no-such-pid-esrch", kcmp(parent, 30000, KCMP_VM, 0, 0), ESRCH);
	CHECK_ERR("bad-type-einval", kcmp(parent, child, KCMP_TYPES, 0, 0), EINVAL);
	CHECK_ERR("negative-type-einval", kcmp(parent, child, -1, 0, 0), EINVAL);
	close(wfd);
	mt_reap(child);

	/* --- vfork shares the mm; clone shares what its flags say --- */
	child = vfork();
	if (child == 0) {
		shared[4] = kcmp(getpid(), parent, KCMP_VM, 0, 0);
		shared[5] = kcmp(getpid(), parent, KCMP_FILES, 0, 0);
		_exit(0);
	}
	mt_reap(child);
	CHECK_EQ("vfork-vm-shared", shared[4], 0);
	CHECK("vfork-files-differ", shared[5] > 0);
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	child = clone(clone_child, stack + 65536, CLONE_VM | CLONE_FILES | CLONE_FS | CLONE_SIGHAND | SIGCHLD, NULL);
	mt_reap(child);
	CHECK_EQ("clone-vm-shared", shared[0], 0);
	CHECK_EQ("clone-files-shared", shared[1], 0);
	CHECK_EQ("clone-fs-shared", shared[2], 0);
	CHECK_EQ("clone-sighand-shared", shared[3], 0);

	/* --- KCMP_EPOLL_TFD --- */
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	struct epoll_event ev = { .events = EPOLLIN };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	struct kcmp_epoll_slot slot = { .efd = ep, .tfd = p[0], .toff = 0 };
	CHECK_EQ("epoll-tfd-same", kcmp(parent, parent, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot), 0);
	CHECK("epoll-tfd-other", kcmp(parent, parent, KCMP_EPOLL_TFD, p[1], (unsigned long)&slot) > 0);
	slot.toff = 1;
	CHECK_ERR("epoll-tfd-no-item-enoent", kcmp(parent, parent, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot), ENOENT);
	slot = (struct kcmp_epoll_slot){ .efd = p[1], .tfd = p[0], .toff = 0 };
	CHECK_ERR("epoll-tfd-not-epoll-einval", kcmp(parent, parent, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot),
		  EINVAL);
	slot.efd = 200;
	CHECK_ERR("epoll-tfd-bad-efd-ebadf", kcmp(parent, parent, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot), EBADF);
	CHECK_ERR("epoll-tfd-efault", kcmp(parent, parent, KCMP_EPOLL_TFD, p[0], 8), EFAULT);
	unlink("/tmp/t_kcmp.file");
	mt_end();
}
