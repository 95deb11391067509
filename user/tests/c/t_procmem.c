/* t_procmem: /proc/PID/mem as Linux's fs/proc/base.c has it (mem_open, mem_rw, mem_lseek):
 * the file offset is an address; reads and writes go through the remote access ptrace's
 * PEEK/POKE use (FOLL_FORCE: a write to a read-only private page lands in a private copy);
 * EIO when nothing could be copied, a short count across the end of a mapping; the mm is the
 * one taken at open (0 bytes once it is gone); SEEK_SET/SEEK_CUR only, positions above 2^63;
 * opening another user's process is refused (EACCES). */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char g_buf[64] = "the buffer /proc/self/mem reads";
static const volatile long ro_word = 0x1122334455667788L; /* .rodata: a read-only page */
static volatile char child_buf[64];

/* Never called: its bytes are read as data (a text page). */
__attribute__((noinline)) int victim(int x)
{
	return x * 3 + 1;
}

static int open_mem(pid_t pid, int flags)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	return open(path, flags);
}

int main(int argc, char **argv)
{
	mt_begin("t_procmem");
	if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
		/* the exec'd child of the exec check: lives until killed */
		for (;;)
			pause();
	}
	mt_mount_proc();
	long ps = sysconf(_SC_PAGESIZE);
	int st;

	/* Our own mm: pread/pwrite at an address, read/write at the position lseek set. */
	{
		int fd = open("/proc/self/mem", O_RDWR);
		CHECK("self-open", fd >= 0);
		char got[64] = {0};
		CHECK_EQ("self-pread", pread(fd, got, 31, (off_t)(uintptr_t)g_buf), 31);
		CHECK("self-pread-data", memcmp(got, g_buf, 31) == 0);
		CHECK_EQ("self-lseek-set", lseek(fd, (off_t)(uintptr_t)g_buf, SEEK_SET), (off_t)(uintptr_t)g_buf);
		memset(got, 0, sizeof got);
		CHECK_EQ("self-read", read(fd, got, 10), 10);
		CHECK("self-read-data", memcmp(got, "the buffer", 10) == 0);
		CHECK_EQ("self-read-moves-pos", lseek(fd, 0, SEEK_CUR), (off_t)(uintptr_t)g_buf + 10);
		CHECK_EQ("self-lseek-cur", lseek(fd, 1, SEEK_CUR), (off_t)(uintptr_t)g_buf + 11);
		CHECK_EQ("self-write", write(fd, "BUFFER", 6), 6);
		CHECK("self-write-seen", memcmp(g_buf, "the buffer BUFFER", 17) == 0);
		CHECK_EQ("self-pwrite", pwrite(fd, "THE", 3, (off_t)(uintptr_t)g_buf), 3);
		CHECK("self-pwrite-seen", memcmp(g_buf, "THE buffer", 10) == 0);
		CHECK_ERR("self-lseek-end-einval", lseek(fd, 0, SEEK_END), EINVAL);
		CHECK_ERR("self-pread-negative-einval", pread(fd, got, 8, -4096), EINVAL);
		/* FMODE_UNSIGNED_OFFSET: a position above 2^63 is an address like any other
		 * (a kernel one here: nothing to copy, EIO) */
		off_t high = (off_t)0x8000000000001000ULL;
		errno = 0;
		CHECK("self-lseek-above-2^63", lseek(fd, high, SEEK_SET) == high && errno == 0);
		CHECK_ERR("self-read-above-2^63-eio", read(fd, got, 8), EIO);
		CHECK_EQ("self-read-eio-keeps-pos", lseek(fd, 0, SEEK_CUR), high);

		/* an unmapped address: EIO; a read across the end of a mapping: short */
		char *m = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(m + ps, ps);
		memset(m, 'z', ps);
		CHECK_ERR("self-unmapped-eio", pread(fd, got, 8, (off_t)(uintptr_t)(m + ps)), EIO);
		CHECK_ERR("self-unmapped-write-eio", pwrite(fd, "x", 1, (off_t)(uintptr_t)(m + ps)), EIO);
		CHECK_EQ("self-short-read", pread(fd, got, 32, (off_t)(uintptr_t)(m + ps - 16)), 16);
		CHECK_EQ("self-short-write", pwrite(fd, "0123456789abcdefXYZ", 19, (off_t)(uintptr_t)(m + ps - 16)), 16);
		CHECK("self-short-write-data", memcmp(m + ps - 16, "0123456789abcdef", 16) == 0);
		/* transfers that span pages, at offsets inside them */
		char *three = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *big = malloc(3 * ps);
		for (long i = 0; i < 3 * ps; i++)
			three[i] = (char)(i * 7 + 1), big[i] = (char)(i * 5);
		CHECK_EQ("self-multipage-read", pread(fd, big, 2 * ps + 100, (off_t)(uintptr_t)(three + 50)), 2 * ps + 100);
		CHECK("self-multipage-read-data", memcmp(big, three + 50, 2 * ps + 100) == 0);
		for (long i = 0; i < 3 * ps; i++)
			big[i] = (char)(i * 5);
		CHECK_EQ("self-multipage-write", pwrite(fd, big, 2 * ps + 100, (off_t)(uintptr_t)(three + 50)), 2 * ps + 100);
		CHECK("self-multipage-write-data", memcmp(big, three + 50, 2 * ps + 100) == 0);
		free(big);
		munmap(three, 3 * ps);
		munmap(m, ps);

		/* FOLL_FORCE: a write to a read-only private page; a read-only shared one refuses */
		char *ro = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK_EQ("self-force-write-ro-private", pwrite(fd, "forced", 6, (off_t)(uintptr_t)ro), 6);
		CHECK("self-force-write-ro-private-seen", memcmp(ro, "forced", 6) == 0);
		munmap(ro, ps);
		char *sh = mmap(NULL, ps, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		CHECK_ERR("self-write-ro-shared-eio", pwrite(fd, "x", 1, (off_t)(uintptr_t)sh), EIO);
		munmap(sh, ps);
		close(fd);

		/* the thread's own file, and O_RDONLY refusing a write */
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%d/mem", (int)syscall(SYS_gettid));
		fd = open(path, O_RDONLY);
		CHECK("tid-open", fd >= 0);
		CHECK_EQ("tid-pread", pread(fd, got, 3, (off_t)(uintptr_t)g_buf), 3);
		CHECK_ERR("rdonly-write-ebadf", pwrite(fd, "x", 1, (off_t)(uintptr_t)g_buf), EBADF);
		close(fd);
		struct stat sb;
		CHECK("mode-0600", stat("/proc/self/mem", &sb) == 0 && (sb.st_mode & 07777) == 0600);
	}

	/* A child: read what it wrote, write into its read-only data and text pages. */
	{
		int go[2], ready[2];
		pipe(go);
		pipe(ready);
		unsigned char text_before[8];
		memcpy(text_before, (void *)victim, 8);
		pid_t pid = fork();
		if (pid == 0) {
			strcpy((char *)child_buf, "written by the child");
			write(ready[1], "r", 1);
			char c;
			read(go[0], &c, 1);
			int bad = 0;
			if (ro_word != 0x0102030405060708L)
				bad |= 1;
			if (memcmp((void *)victim, "\x13\0\0\0\x13\0\0\0", 8) != 0)
				bad |= 2;
			_exit(bad);
		}
		char c;
		read(ready[0], &c, 1);
		int fd = open_mem(pid, O_RDWR);
		CHECK("child-open", fd >= 0);
		char got[32] = {0};
		CHECK_EQ("child-pread", pread(fd, got, 21, (off_t)(uintptr_t)child_buf), 21);
		CHECK("child-pread-data", strcmp(got, "written by the child") == 0);
		CHECK("child-buf-not-ours", child_buf[0] == 0);
		long nw = 0x0102030405060708L;
		CHECK_EQ("child-write-rodata", pwrite(fd, &nw, 8, (off_t)(uintptr_t)&ro_word), 8);
		CHECK_EQ("child-write-text", pwrite(fd, "\x13\0\0\0\x13\0\0\0", 8, (off_t)(uintptr_t)victim), 8);
		long back = 0;
		CHECK_EQ("child-read-back-rodata", pread(fd, &back, 8, (off_t)(uintptr_t)&ro_word), 8);
		CHECK_EQ("child-read-back-rodata-value", back, 0x0102030405060708L);
		write(go[1], "g", 1);
		CHECK_EQ("child-wait", waitpid(pid, &st, 0), pid);
		CHECK_EQ("child-saw-writes", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
		/* the copies were the child's: our rodata and text (and the file) are as they were */
		CHECK_EQ("parent-rodata-unchanged", ro_word, 0x1122334455667788L);
		CHECK("parent-text-unchanged", memcmp((void *)victim, text_before, 8) == 0);
		/* the mm is gone once the child has exited: reads give 0 bytes */
		CHECK_EQ("exited-child-read-0", pread(fd, got, 8, (off_t)(uintptr_t)child_buf), 0);
		close(fd);
		close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
	}

	/* The mm is the one taken at open: after the task execs, the old mm is gone (0 bytes). */
	{
		int p[2];
		pipe2(p, O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1); /* until the parent has opened our mem */
			execl("/proc/self/exe", "t_procmem", "sleep", (char *)NULL);
			_exit(127);
		}
		close(p[0]);
		int fd = open_mem(pid, O_RDONLY);
		char got[8];
		CHECK_EQ("pre-exec-read", pread(fd, got, 8, (off_t)(uintptr_t)g_buf), 8);
		close(p[1]); /* the child execs */
		/* wait until the exec is done: the child's cmdline is its new one */
		int execd = 0;
		for (int i = 0; i < 500 && !execd; i++) {
			char cp[64], comm[32] = {0};
			snprintf(cp, sizeof cp, "/proc/%d/cmdline", pid);
			int cfd = open(cp, O_RDONLY);
			ssize_t n = cfd >= 0 ? read(cfd, comm, sizeof comm - 1) : -1;
			if (cfd >= 0)
				close(cfd);
			execd = n > 10 && memmem(comm, n, "sleep", 5) != NULL;
			if (!execd)
				mt_msleep(2);
		}
		CHECK("child-execd", execd);
		CHECK_EQ("after-exec-read-0", pread(fd, got, 8, (off_t)(uintptr_t)g_buf), 0);
		close(fd);
		fd = open_mem(pid, O_RDONLY);
		CHECK_EQ("after-exec-reopen-reads-new-mm", pread(fd, got, 8, (off_t)(uintptr_t)g_buf), 8);
		close(fd);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}

	/* A zombie has no mm: the open succeeds and reads give 0 bytes (Linux: mm_access NULL). */
	{
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		siginfo_t si;
		waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
		int fd = open_mem(pid, O_RDONLY);
		CHECK("zombie-open", fd >= 0);
		char got[8];
		CHECK_EQ("zombie-read-0", pread(fd, got, 8, (off_t)(uintptr_t)g_buf), 0);
		close(fd);
		waitpid(pid, &st, 0);
	}

	/* Another user's process: refused (the file is 0600, its owner's); one's own is not. */
	{
		int wfd;
		pid_t a = mt_blocked_child(0, &wfd);
		pid_t b = fork();
		if (b == 0) {
			int bad = 0;
			if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
				_exit(100);
			prctl(PR_SET_DUMPABLE, 1); /* (the id change made us not dumpable: root's files) */
			errno = 0;
			if (open_mem(a, O_RDONLY) != -1 || errno != EACCES)
				bad |= 1;
			if (open_mem(getppid(), O_RDONLY) != -1 || errno != EACCES)
				bad |= 2;
			int fd = open("/proc/self/mem", O_RDWR);
			char got[4];
			if (fd < 0 || pread(fd, got, 3, (off_t)(uintptr_t)g_buf) != 3)
				bad |= 4;
			_exit(bad);
		}
		CHECK_EQ("other-user-wait", waitpid(b, &st, 0), b);
		CHECK_EQ("other-user-eacces", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
		/* an fd opened by root keeps working after the opener drops its privileges */
		int fd = open_mem(a, O_RDONLY);
		b = fork();
		if (b == 0) {
			char got[8];
			if (setresuid(1000, 1000, 1000))
				_exit(100);
			_exit(pread(fd, got, 8, (off_t)(uintptr_t)g_buf) == 8 ? 0 : 1);
		}
		CHECK_EQ("opened-fd-after-setuid-wait", waitpid(b, &st, 0), b);
		CHECK_EQ("opened-fd-after-setuid-reads", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
		close(fd);
		close(wfd);
		waitpid(a, &st, 0);
	}

	mt_end();
}
