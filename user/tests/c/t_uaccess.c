/* t_uaccess - user memory the kernel is handed that it may not use, and the top of the
 * address space: each ends in Linux's errno or signal, never a fault loop or a kernel address.
 *
 * Boot: rdinit=/tests/t_uaccess (-m 512M).
 *
 * What Linux 6.1 does, and this test expects:
 *  - write(fd, buf) from a buffer mapped PROT_EXEC only is EFAULT (riscv's access_error: a load
 *    needs VM_READ or VM_WRITE), and so is read(fd, buf) into it; PROT_NONE likewise.
 *  - a user load from a PROT_EXEC-only page is SIGSEGV with si_code SEGV_ACCERR.
 *  - mmap hints at or near the top of user space (TASK_SIZE - 4096, TASK_SIZE, ~0 & ~4095) are
 *    not used as given: the mapping lands somewhere below TASK_SIZE (256 GiB on Sv39) and is
 *    usable; MAP_FIXED there is ENOMEM (past TASK_SIZE) or EINVAL/ENOMEM, never a kernel address.
 *  - read() (of a pipe holding data) into a PROT_READ-only buffer is EFAULT.
 */
#include "mtest.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096UL
#define TASK_SIZE_SV39 (1UL << 38)

static int child_load(volatile unsigned char *p)
{
	pid_t c = fork();
	if (c == 0) {
		volatile unsigned char x = *p;
		(void)x;
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	return st;
}

static volatile int got_code;
static sigjmp_buf jb;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
	siglongjmp(jb, 1);
}

int main(void)
{
	mt_begin("t_uaccess");
	int p[2];
	CHECK_EQ("pipe", pipe(p), 0);

	unsigned char *x = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap-rw", x != MAP_FAILED);
	memset(x, 'x', PG);
	CHECK_EQ("mprotect-exec-only", mprotect(x, PG, PROT_EXEC), 0);
	CHECK_ERR("write-from-exec-only-efault", write(p[1], x, 16), EFAULT);
	CHECK_EQ("write-0", write(p[1], "abcd", 4), 4); /* (so that read() has data, not blocks) */
	CHECK_ERR("read-into-exec-only-efault", read(p[0], x, 4), EFAULT);

	/* the same for a fresh exec-only mapping never touched before */
	unsigned char *y = mmap(NULL, PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap-exec-only", y != MAP_FAILED);
	CHECK_ERR("write-from-fresh-exec-only-efault", write(p[1], y, 16), EFAULT);

	unsigned char *n = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_ERR("write-from-prot-none-efault", write(p[1], n, 16), EFAULT);

	unsigned char *r = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_EQ("write-1", write(p[1], "abcd", 4), 4);
	CHECK_ERR("read-into-read-only-efault", read(p[0], r, 4), EFAULT);

	int st = child_load(y);
	CHECK("user-load-exec-only-sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	got_code = 0;
	if (!sigsetjmp(jb, 1)) {
		volatile unsigned char v = *(volatile unsigned char *)y;
		(void)v;
	}
	CHECK_EQ("user-load-exec-only-segv-accerr", got_code, SEGV_ACCERR);
	signal(SIGSEGV, SIG_DFL);

	/* hints at the top of the address space */
	uintptr_t hints[] = { TASK_SIZE_SV39 - PG, TASK_SIZE_SV39, ~0UL & ~(PG - 1), TASK_SIZE_SV39 - 2 * PG };
	for (unsigned i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		char name[64];
		unsigned char *m = mmap((void *)hints[i], 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		snprintf(name, sizeof name, "hint-%u-mapped", i);
		CHECK(name, m != MAP_FAILED);
		snprintf(name, sizeof name, "hint-%u-below-task-size", i);
		CHECK(name, m != MAP_FAILED && (uintptr_t)m < TASK_SIZE_SV39 && (uintptr_t)m + 2 * PG <= TASK_SIZE_SV39);
		if (m != MAP_FAILED && (uintptr_t)m < TASK_SIZE_SV39 && (uintptr_t)m + 2 * PG <= TASK_SIZE_SV39) {
			m[0] = 1;
			m[PG] = 2;
			snprintf(name, sizeof name, "hint-%u-usable", i);
			CHECK(name, m[0] == 1 && m[PG] == 2);
			munmap(m, 2 * PG);
		}
	}
	errno = 0;
	void *f = mmap((void *)(TASK_SIZE_SV39 - PG), 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK("fixed-past-task-size-fails", f == MAP_FAILED && (errno == ENOMEM || errno == EINVAL));
	mt_end();
}
