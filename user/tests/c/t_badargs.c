/* t_badargs - hostile arguments from user space get Linux's errno, never a kernel fault:
 * ranges that wrap or leave user space for munmap/mmap/mprotect/mremap/madvise/mincore/brk,
 * and kernel or unmapped addresses passed as buffers to common syscalls (EFAULT).
 * Expectations are the reference Linux 6.1's answers.
 */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#define KADDR ((void *)0xffffffc000000000UL)	/* kernel linear map */
#define KTEXT ((void *)0xffffffff80200000UL)	/* kernel text */
#define HOLE ((void *)0x1000)			/* never mapped */

int main(void)
{
	mt_begin("t_badargs");
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap", m != MAP_FAILED);

	/* ranges */
	CHECK_ERR("munmap-len-wraps", munmap(HOLE, (size_t)-1), EINVAL);
	CHECK_ERR("munmap-len-huge", munmap(HOLE, (size_t)-4096), EINVAL);
	CHECK("mmap-len-huge-enomem", mmap(NULL, (size_t)-1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM);
	CHECK("mmap-fixed-kernel-enomem",
	      mmap((void *)0xfffffffffffff000UL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED && errno == ENOMEM);
	CHECK("mmap-fixed-past-task-size-enomem",
	      mmap((void *)0x3ffffff000UL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED && errno == ENOMEM);
	CHECK_ERR("mprotect-len-huge", mprotect(m, (size_t)-4096, PROT_READ), ENOMEM);
	CHECK_ERR("mprotect-kernel-addr", mprotect((void *)0xfffffffffffff000UL, 4096, PROT_READ), ENOMEM);
	long brk0 = syscall(SYS_brk, 0);
	CHECK_EQ("brk-huge-refused", syscall(SYS_brk, 0x7fffffffffffUL), brk0);
	CHECK_EQ("brk-kernel-refused", syscall(SYS_brk, 0xffffffc000000000UL), brk0);
	CHECK("mremap-len-huge-enomem", mremap(m, 4096, (size_t)-4096, MREMAP_MAYMOVE) == MAP_FAILED && errno == ENOMEM);
	CHECK("mremap-fixed-kernel-einval",
	      mremap(m, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0xfffffffffffff000UL) == MAP_FAILED && errno == EINVAL);
	CHECK_ERR("madvise-len-huge", madvise(m, (size_t)-4096, MADV_DONTNEED), EINVAL);
	CHECK_ERR("mincore-len-huge", mincore(m, (size_t)-4096, (unsigned char *)m), ENOMEM);
	m[0] = 1; /* still mapped and writable after all that */
	CHECK("mapping-intact", m[0] == 1);

	/* kernel and unmapped buffers: EFAULT */
	CHECK_ERR("write-kernel-buf", write(1, KADDR, 10), EFAULT);
	CHECK_ERR("read-into-kernel-text", read(0, KTEXT, 10), EFAULT);
	CHECK_ERR("uname-kernel", syscall(SYS_uname, KADDR), EFAULT);
	CHECK_ERR("uname-hole", syscall(SYS_uname, HOLE), EFAULT);
	CHECK_ERR("clock_gettime-kernel", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KTEXT), EFAULT);
	CHECK_ERR("fstat-hole", syscall(SYS_fstat, 1, HOLE), EFAULT);
	CHECK_ERR("openat-path-kernel", syscall(SYS_openat, AT_FDCWD, KADDR, O_RDONLY), EFAULT);
	CHECK_ERR("openat-path-hole", syscall(SYS_openat, AT_FDCWD, HOLE, O_RDONLY), EFAULT);
	CHECK_ERR("pipe2-kernel", syscall(SYS_pipe2, KADDR, 0), EFAULT);
	CHECK_ERR("getcwd-kernel", syscall(SYS_getcwd, KADDR, 100), EFAULT);
	CHECK_ERR("rt_sigaction-kernel-act", syscall(SYS_rt_sigaction, SIGUSR1, KADDR, NULL, 8), EFAULT);
	CHECK_ERR("rt_sigprocmask-hole", syscall(SYS_rt_sigprocmask, SIG_BLOCK, HOLE, NULL, 8), EFAULT);
	CHECK_ERR("execve-path-kernel", syscall(SYS_execve, KADDR, NULL, NULL), EFAULT);
	CHECK_ERR("nanosleep-hole", syscall(SYS_nanosleep, HOLE, NULL), EFAULT);
	CHECK_ERR("getdents64-kernel", syscall(SYS_getdents64, open("/", O_RDONLY | O_DIRECTORY), KADDR, 4096), EFAULT);
	CHECK_ERR("getrandom-kernel", syscall(SYS_getrandom, KTEXT, 16, 4 /* GRND_INSECURE: never blocks */), EFAULT);
	pid_t p = fork();
	if (p == 0)
		_exit(7);
	CHECK_ERR("wait4-status-kernel", syscall(SYS_wait4, p, KADDR, 0, NULL), EFAULT);
	/* the child was not lost: a second wait reaps it (Linux reaps before the copy fails) */
	int st = 0;
	pid_t r = waitpid(p, &st, WNOHANG);
	CHECK("child-after-efault-wait", r == -1 || r == 0 || r == p);
	CHECK_ERR("sched_getaffinity-kernel", syscall(SYS_sched_getaffinity, 0, 64, KADDR), EFAULT);
	mt_end();
}
