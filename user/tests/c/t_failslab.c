/* t_failslab - heap allocations under injected failures (Linux's failslab beside
 * fail_page_alloc: one /proc/PID/fail-nth counter per task counts down both).  For each of
 * fork, clone3, vfork, execve of a static binary, mmap, pipe and open(O_CREAT), a worker
 * process arms "the Nth allocation of this task fails" for N = 1, 2, ... and makes the call:
 * each call either succeeds or fails with Linux's errno for it — never a crash — and after all
 * of them the kernel's free memory and heap (MemFree, Slab) are exactly where they were:
 * nothing leaks on the error paths.  pipe() and open(O_CREAT) of a tmpfs file allocate no
 * page at all, so their failures are heap failures: the walk must meet some.
 *
 * A failed fork, clone3 (also with CLONE_PIDFD) or vfork leaves no child (wait finds none), no
 * fd (the next free fd is the one before the call) and no pid (at the end /proc lists the
 * processes it listed at the start); "fork-new-leaf" forks a child whose pid is the first of
 * an untouched range of 256 (set through /proc/sys/kernel/ns_last_pid), so that the pid table
 * has to grow (MenuOS's pid idr leaf; Linux's idr node).  A failed open(O_CREAT) leaves no
 * file behind (Linux allocates the struct file before it creates the inode).
 *
 * A walk stops at the first N the call leaves unconsumed (read back from fail-nth: the call
 * made fewer than N allocations, as Linux's Documentation/fault-injection example loops), or
 * at NMAX.  execve cannot read it back (the image is gone when it succeeds): its walk is
 * NMAX_EXEC long.  An injected failure may also land in a page fault after the call (the
 * process is then killed, as an OOM kill would) or in execve past its point of no return
 * (killed too, as Linux does): those deaths are counted apart.
 *
 * The VMA tree's nodes (Linux: the maple tree's mas_preallocate(), ENOMEM before anything
 * changes; MenuOS: mm/vma_prealloc.rs): a private anonymous mmap, munmap of a VMA's middle (a
 * split), mprotect of a VMA's middle (two splits), brk growth and fork of a process with many
 * VMAs each meet an injected failure there, even when they allocate nothing else (before the
 * preallocation those walks found no failure at all, and a failed node allocation aborted the
 * kernel); each failure leaves the caller's mappings as they were (/proc/self/maps: the same
 * lines; brk: the same break).
 * Names made in a directory (Linux: d_alloc(), new_inode()/shmem_get_inode(), ENOMEM): mkdir,
 * symlink, link, mknod of a FIFO and rename of a directory to a new name, in a directory of
 * their own.  A failed one leaves nothing behind: the new name does not exist (a renamed
 * directory keeps its old one, a linked file its link count), and the directory's link count,
 * mtime and ctime and the filesystem's free inodes (statfs) are what they were before.
 * A kernel without fail-nth (the reference Linux is built without fault injection) has
 * nothing to check: the test then reports no checks at all.
 */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <sys/wait.h>

/* struct clone_args as clone3 reads it (CLONE_ARGS_SIZE_VER0: the first eight fields) */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#include <dirent.h>

#define NMAX 200
#define NMAX_EXEC 80

enum { OP_FORK, OP_CLONE3, OP_VFORK, OP_EXECVE, OP_MMAP, OP_PIPE, OP_OPEN, OP_CLONE_PIDFD, OP_FORK_LEAF,
       OP_MMAP_ANON, OP_MUNMAP_MID, OP_MPROTECT_MID, OP_BRK, OP_FORK_VMAS, OP_MKDIR, OP_SYMLINK, OP_LINK,
       OP_MKFIFO, OP_RENAME_NEW, NOPS };
static const char *op_name[NOPS] = { "fork", "clone3", "vfork", "execve", "mmap", "pipe", "open-creat",
				     "clone3-pidfd", "fork-new-leaf", "mmap-anon", "munmap-middle",
				     "mprotect-middle", "brk-grow", "fork-many-vmas", "mkdir", "symlink", "link",
				     "mknod-fifo", "rename-new-name" };

/* The name ops' directory, their new name and their source (link: a file; rename: a directory). */
#define FSDIR "/failslab.d"
#define FSDST FSDIR "/new"
#define FSSRC FSDIR "/src"

static int is_name_op(int op)
{
	return op >= OP_MKDIR && op <= OP_RENAME_NEW;
}

static int is_fork_op(int op)
{
	return op == OP_FORK || op == OP_CLONE3 || op == OP_VFORK || op == OP_CLONE_PIDFD || op == OP_FORK_LEAF ||
	       op == OP_FORK_VMAS;
}

/* The processes /proc lists (its numeric entries). */
static int count_proc_pids(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	closedir(d);
	return n;
}

/* worker exit codes */
enum { RES_OK, RES_ERRNO, RES_OTHER, RES_KILLED, RES_ODD_DEATH, RES_NO_FAILNTH = 77 };

#define PG 4096
#define NVMAS 64
static char *area;		/* OP_MUNMAP_MID, OP_MPROTECT_MID: three pages, one VMA */
static char *brk0;		/* OP_BRK: the break before */

/* The caller's mappings, as /proc/self/maps lines (read with fail-nth disarmed or spent). */
static int maps_lines(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* What an op needs made before fail-nth is armed. */
static void prep(int op)
{
	if (op == OP_MUNMAP_MID || op == OP_MPROTECT_MID) {
		area = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			_exit(RES_OTHER);
	} else if (op == OP_LINK) {
		int f = open(FSSRC, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (f < 0)
			_exit(RES_OTHER);
		close(f);
	} else if (op == OP_RENAME_NEW) {
		if (mkdir(FSSRC, 0700) != 0)
			_exit(RES_OTHER);
	} else if (op == OP_BRK) {
		brk0 = (char *)syscall(SYS_brk, 0);
	} else if (op == OP_FORK_VMAS) {
		/* NVMAS more VMAs (alternating access, so they do not merge): the child's tree
		 * has several levels of nodes */
		for (int i = 0; i < NVMAS; i++) {
			void *a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (a == MAP_FAILED || mprotect(a, PG, i & 1 ? PROT_READ : PROT_NONE) < 0)
				_exit(RES_OTHER);
		}
	}
}

/* bit 0x40 of a worker's exit code: fail-nth was left unconsumed (the walk is over) */
#define RES_LEFT 0x40

static int expected_errno(int op, int e)
{
	switch (op) {
	case OP_PIPE: /* Linux: get_pipe_inode() -> ENFILE; the files -> ENOMEM */
		return e == ENFILE || e == ENOMEM;
	case OP_OPEN: /* tmpfs: shmem_mknod() -> ENOSPC; the dentry, the file -> ENOMEM */
	case OP_MKDIR:
	case OP_SYMLINK:
	case OP_LINK:
	case OP_MKFIFO:
	case OP_RENAME_NEW:
		return e == ENOMEM || e == ENOSPC;
	default:
		return e == ENOMEM;
	}
}

static int reap(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) != p)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* OP_FORK_LEAF's child pid */
static long leaf_first;

/* The call; 0 on success, else errno (a child's odd status is EIO: never expected). */
static int do_op(int op, int n)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	pid_t p;
	switch (op) {
	case OP_FORK_LEAF: /* (worker() set ns_last_pid) */
		p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0 && p != leaf_first) {
			printf("fork-new-leaf: child %d, not %ld\n", p, leaf_first);
			reap(p);
			return EIO;
		}
		break;
	case OP_CLONE_PIDFD: {
		int pidfd = -1;
		struct clone_args_v0 ca = { .flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pidfd, .exit_signal = SIGCHLD };
		p = syscall(SYS_clone3, &ca, sizeof ca);
		if (p == 0)
			_exit(0);
		if (p > 0) {
			if (pidfd < 0)
				return reap(p), EIO;
			close(pidfd);
		}
		break;
	}
	case OP_FORK:
		p = fork();
		if (p == 0)
			_exit(0);
		break;
	case OP_CLONE3: {
		struct clone_args_v0 ca = { .exit_signal = SIGCHLD };
		p = syscall(SYS_clone3, &ca, sizeof ca);
		if (p == 0)
			_exit(0);
		break;
	}
	case OP_VFORK:
		p = vfork();
		if (p == 0)
			_exit(0);
		break;
	case OP_EXECVE:
		execve("/bin/true", argv, envp);
		return errno;
	case OP_MMAP: {
		void *a = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (a == MAP_FAILED)
			return errno;
		munmap(a, 64 << 10);
		void *s = mmap(NULL, 16 << 10, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED)
			return errno;
		munmap(s, 16 << 10);
		return 0;
	}
	case OP_PIPE: {
		int fds[2];
		if (pipe2(fds, 0) < 0)
			return errno;
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	case OP_MMAP_ANON: { /* no page, no object: only the VMA's node */
		void *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return a == MAP_FAILED ? errno : 0;
	}
	case OP_MUNMAP_MID:
		return munmap(area + PG, PG) < 0 ? errno : 0;
	case OP_MPROTECT_MID:
		return mprotect(area + PG, PG, PROT_READ) < 0 ? errno : 0;
	case OP_BRK: { /* the raw call: the old break back means it failed (Linux: ENOMEM) */
		char *b = (char *)syscall(SYS_brk, brk0 + 64 * PG);
		return b == brk0 + 64 * PG ? 0 : b == brk0 ? ENOMEM : EIO;
	}
	case OP_FORK_VMAS:
		p = fork();
		if (p == 0)
			_exit(0);
		break;
	case OP_OPEN: {
		char name[32];
		snprintf(name, sizeof name, "/failslab.%d", n);
		int fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fd < 0 ? e : 0; /* (worker() unlinks it, disarmed) */
	}
	case OP_MKDIR:
		return mkdir(FSDST, 0700) < 0 ? errno : 0;
	case OP_SYMLINK:
		return symlink("target", FSDST) < 0 ? errno : 0;
	case OP_LINK:
		return link(FSSRC, FSDST) < 0 ? errno : 0;
	case OP_MKFIFO:
		return mknod(FSDST, S_IFIFO | 0600, 0) < 0 ? errno : 0;
	case OP_RENAME_NEW:
		return rename(FSSRC, FSDST) < 0 ? errno : 0;
	default:
		return EINVAL;
	}
	if (p < 0)
		return errno;
	return reap(p) ? 0 : EIO;
}

static int lowest_free_fd(void)
{
	int fd = 0;
	while (fcntl(fd, F_GETFD) >= 0)
		fd++;
	return fd;
}

static int worker(int op, int n)
{
	int fd = open("/proc/self/fail-nth", O_RDWR);
	if (fd < 0)
		_exit(RES_NO_FAILNTH);
	prep(op);
	int lines0 = maps_lines();
	char num[16];
	int len = snprintf(num, sizeof num, "%d", n);
	pid_t helper = 0;
	if (op == OP_FORK_LEAF) {
		/* A helper, alive through the call, numbered first in the range of 256 two ranges
		 * above ours, takes the leaf MenuOS keeps for reuse (if it has one); the child's
		 * pid is the first of the range four above ours (wrapping below pid_max 32768 to
		 * 1024 and 1536): no live task is numbered there, and the table must grow. */
		long base = ((long)getpid() / 256 + 2) * 256;
		if (base + 512 + 256 > 32768)
			base = 1024;
		leaf_first = base + 512;
		char last[24];
		snprintf(last, sizeof last, "%ld", base - 1);
		if (mt_write_str("/proc/sys/kernel/ns_last_pid", last) != 0)
			_exit(RES_OTHER);
		int hp[2]; /* the helper waits for our end to close: our exit, even a killed one */
		if (pipe(hp) != 0)
			_exit(RES_OTHER);
		helper = fork();
		if (helper == 0) {
			char c;
			close(hp[1]);
			(void)!read(hp[0], &c, 1);
			_exit(0);
		}
		close(hp[0]);
		snprintf(last, sizeof last, "%ld", leaf_first - 1);
		if (helper != base || mt_write_str("/proc/sys/kernel/ns_last_pid", last) != 0) {
			printf("fork-new-leaf: helper %d, not %ld\n", helper, base);
			_exit(RES_OTHER);
		}
	}
	struct stat dir0;
	struct statfs fs0;
	if (is_name_op(op) && (stat(FSDIR, &dir0) != 0 || statfs(FSDIR, &fs0) != 0))
		_exit(RES_OTHER);
	int probe = lowest_free_fd(); /* (found without opening one: the table keeps its size) */
	if (write(fd, num, len) != len)
		_exit(RES_OTHER);
	int e = do_op(op, n);
	char left[16] = "";
	(void)!pread(fd, left, sizeof left - 1, 0);
	(void)!write(fd, "0", 1); /* disarm */
	/* A failed mmap/munmap/mprotect/brk/fork changed none of the caller's mappings. */
	if (op >= OP_MMAP_ANON && e != 0) {
		int lines1 = maps_lines();
		if (lines1 != lines0) {
			printf("%s N=%d: errno %d, but /proc/self/maps %d lines -> %d\n", op_name[op], n, e, lines0, lines1);
			_exit(RES_OTHER);
		}
		if (op == OP_BRK && (char *)syscall(SYS_brk, 0) != brk0) {
			printf("%s N=%d: failed, but the break moved\n", op_name[op], n);
			_exit(RES_OTHER);
		}
	}
	if (helper > 0) {
		kill(helper, SIGKILL);
		waitpid(helper, NULL, 0);
	}
	if (e != 0 && is_fork_op(op)) { /* a failed fork leaves no child and no fd */
		int st, w = waitpid(-1, &st, WNOHANG);
		if (w != -1 || errno != ECHILD) {
			printf("%s N=%d: failed with errno %d but left child %d\n", op_name[op], n, e, w);
			e = EIO;
		}
	}
	if (e != 0 && (is_fork_op(op) || op == OP_OPEN)) {
		/* A failed open or fork (clone3 with CLONE_PIDFD) gives its fd back: neither open
		 * nor reserved, so that a new fd takes that number (dup: an fd only reserved in the
		 * table is not open for fcntl, but is skipped by a new fd). */
		int d = dup(fd);
		if (d >= 0)
			close(d);
		if (lowest_free_fd() != probe || d != probe) {
			printf("%s N=%d: failed with errno %d but left fd %d (a new fd is %d)\n", op_name[op], n, e,
			       probe, d);
			e = EIO;
		}
	}
	if (op == OP_OPEN) { /* a create that failed after the inode was made leaves it too */
		char name[32];
		snprintf(name, sizeof name, "/failslab.%d", n);
		if (e != 0 && access(name, F_OK) == 0) {
			printf("open-creat N=%d: failed with errno %d but made %s\n", n, e, name);
			e = EIO;
		}
		unlink(name);
	}
	if (is_name_op(op)) { /* a failed name op leaves no name, and the directory as it was */
		struct stat dir1, st;
		struct statfs fs1;
		if (e != 0) {
			if (stat(FSDIR, &dir1) != 0 || statfs(FSDIR, &fs1) != 0) {
				e = EIO;
			} else if (lstat(FSDST, &st) == 0) {
				printf("%s N=%d: failed with errno %d but made " FSDST "\n", op_name[op], n, e);
				e = EIO;
			} else if (dir1.st_nlink != dir0.st_nlink || dir1.st_mtim.tv_sec != dir0.st_mtim.tv_sec ||
				   dir1.st_mtim.tv_nsec != dir0.st_mtim.tv_nsec ||
				   dir1.st_ctim.tv_nsec != dir0.st_ctim.tv_nsec) {
				printf("%s N=%d: failed with errno %d but the directory changed (nlink %lu -> %lu)\n",
				       op_name[op], n, e, (unsigned long)dir0.st_nlink, (unsigned long)dir1.st_nlink);
				e = EIO;
			} else if (fs1.f_ffree != fs0.f_ffree) {
				printf("%s N=%d: failed with errno %d but free inodes %lu -> %lu\n", op_name[op], n, e,
				       (unsigned long)fs0.f_ffree, (unsigned long)fs1.f_ffree);
				e = EIO;
			} else if ((op == OP_LINK || op == OP_RENAME_NEW) &&
				   (lstat(FSSRC, &st) != 0 || st.st_nlink != (op == OP_LINK ? 1 : 2))) {
				printf("%s N=%d: failed with errno %d but the source changed\n", op_name[op], n, e);
				e = EIO;
			}
		}
		unlink(FSDST);
		rmdir(FSDST);
		unlink(FSSRC);
		rmdir(FSSRC);
	}
	int flag = n > 0 && atoi(left) > 0 ? RES_LEFT : 0;
	if (e == 0)
		_exit(RES_OK | flag);
	if (expected_errno(op, e))
		_exit(RES_ERRNO | flag);
	printf("%s N=%d: errno %d\n", op_name[op], n, e);
	_exit(RES_OTHER | flag);
}

static int run(int op, int n, int *left)
{
	pid_t w = fork();
	if (w == 0)
		worker(op, n);
	int st;
	waitpid(w, &st, 0);
	/* A worker killed at a fault right after fork leaves its child to us (PID 1 is the
	 * reaper): reap it too, or its zombie would count as kernel memory not given back. */
	while (wait(NULL) > 0)
		;
	*left = 0;
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		if (sig == SIGKILL || sig == SIGSEGV)
			return RES_KILLED;
		printf("%s N=%d: killed by signal %d\n", op_name[op], n, sig);
		return RES_ODD_DEATH;
	}
	int r = WEXITSTATUS(st);
	if (r == RES_NO_FAILNTH)
		return r;
	/* execve succeeded and the failure fell in the new image: the dynamic loader's
	 * mprotect of its RELRO (a VMA split) failed with ENOMEM and ld.so exits 127, as on
	 * Linux; the new image died of the injected failure, as a killed one does. */
	if (op == OP_EXECVE && r == 127)
		return RES_KILLED;
	*left = (r & RES_LEFT) != 0;
	return r & ~RES_LEFT;
}

int main(void)
{
	mt_begin("t_failslab");
	mkdir("/proc", 0555);
	mkdir(FSDIR, 0755);
	int left;
	if (run(OP_FORK, 0, &left) == RES_NO_FAILNTH) /* no fault injection in this kernel */
		mt_end();
	for (int i = 0; i < 20; i++) /* warm-up: page cache, allocator steady state */
		for (int op = 0; op < NOPS; op++)
			run(op, 0, &left);
	/* and one unmeasured walk of each call: a failure path met for the first time may make
	 * one-time allocations (a failure in execve's new image, ld.so's RELRO mprotect (a VMA
	 * split), has ld.so print its error and exit 127: 1 kB of heap), and the VMA tree's node
	 * reserve (mm/vma_prealloc.rs) settles in its slabs; a leak repeats in the measured walks */
	for (int op = 0; op < NOPS; op++)
		for (int n = 1; n <= (op == OP_EXECVE ? NMAX_EXEC : NMAX); n++)
			if (run(op, n, &left) >= 0 && left && op != OP_EXECVE)
				break;
	mt_meminfo_kb("MemFree:");
	int procs0 = count_proc_pids();
	long free0 = mt_meminfo_kb("MemFree:"), slab0 = mt_meminfo_kb("Slab:");
	int counts[NOPS][5] = { { 0 } }, walked[NOPS] = { 0 };
	long dfree[NOPS], dslab[NOPS];
	for (int op = 0; op < NOPS; op++) {
		int nmax = op == OP_EXECVE ? NMAX_EXEC : NMAX;
		for (int n = 1; n <= nmax; n++) {
			int r = run(op, n, &left);
			counts[op][r < 5 ? r : RES_ODD_DEATH]++;
			walked[op] = n;
			if (left && op != OP_EXECVE)
				break;
		}
		/* (where a leak is: each walk's own change, told, not checked — the total is) */
		dfree[op] = mt_meminfo_kb("MemFree:") - free0;
		dslab[op] = mt_meminfo_kb("Slab:") - slab0;
	}
	long free1 = mt_meminfo_kb("MemFree:"), slab1 = mt_meminfo_kb("Slab:");
	for (int op = 0; op < NOPS; op++) {
		char check[64];
		printf("%s: N=1..%d: %d ok, %d with its errno, %d killed; then MemFree %+ld kB, Slab %+ld kB\n",
		       op_name[op], walked[op], counts[op][RES_OK], counts[op][RES_ERRNO], counts[op][RES_KILLED], dfree[op],
		       dslab[op]);
		snprintf(check, sizeof check, "%s-no-other-errors", op_name[op]);
		mt_report(counts[op][RES_OTHER] == 0 && counts[op][RES_ODD_DEATH] == 0, check, "%d odd errors, %d odd deaths",
			  counts[op][RES_OTHER], counts[op][RES_ODD_DEATH]);
		snprintf(check, sizeof check, "%s-fails-with-its-errno", op_name[op]);
		mt_report(counts[op][RES_ERRNO] > 0, check, "no injected failure reached %s", op_name[op]);
		snprintf(check, sizeof check, "%s-walk-ends", op_name[op]);
		if (op != OP_EXECVE)
			mt_report(walked[op] < NMAX, check, "%s still failing at N=%d", op_name[op], NMAX);
		snprintf(check, sizeof check, "%s-works-after", op_name[op]);
		CHECK_EQ(check, run(op, 0, &left), RES_OK);
	}
	int procs1 = count_proc_pids();
	mt_report(procs1 == procs0, "no-stray-pids", "/proc lists %d processes, %d before the walks", procs1, procs0);
	mt_report(free1 == free0, "memfree-back", "MemFree %ld kB -> %ld kB", free0, free1);
	mt_report(slab1 == slab0, "slab-back", "Slab %ld kB -> %ld kB", slab0, slab1);
	mt_end();
}
