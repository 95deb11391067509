/* t_mlock - memory locking and accounting, msync, madvise's advice, vm.max_map_count,
 * MAP_GROWSDOWN and mmap hints, as Linux 6.1 (riscv64, run as root) has them.
 *
 * Boot: rdinit=/tests/t_mlock (PID 1, -m 512M).  Mounts /proc when it is not there.
 *
 * What Linux does, and this test expects:
 *  - mlock of 4 fresh pages: 0, VmLck grows by 16 kB, the pages are resident (mincore);
 *    munlock takes VmLck back; mlock2(MLOCK_ONFAULT) counts the pages but leaves them
 *    unpopulated; mlock2 with another flag is EINVAL; mlock of an unmapped range, or one with
 *    a hole, is ENOMEM; of PROT_NONE memory ENOMEM (it cannot be populated); length 0 is 0;
 *    root (CAP_IPC_LOCK) locks past RLIMIT_MEMLOCK = 0.
 *  - mlockall: EINVAL for no flags, MCL_ONFAULT alone, unknown bits; MCL_CURRENT locks what is
 *    mapped, MCL_FUTURE what is mapped later (a new mmap shows in VmLck); munlockall undoes it;
 *    MAP_LOCKED maps locked and populated; a forked child starts with VmLck 0.
 *  - madvise: unknown advice (5, 12 = MERGEABLE without KSM, 14 = HUGEPAGE without THP, 100,
 *    1000) EINVAL; an unaligned start EINVAL; WILLNEED on anonymous memory EBADF (no swap);
 *    REMOVE on private memory EINVAL; FREE on shared memory EINVAL; DONTNEED of locked memory
 *    EINVAL but DONTNEED_LOCKED 0; COLD of locked memory EINVAL; POPULATE_WRITE of read-only
 *    memory EINVAL, POPULATE_READ populates; DONTNEED zeroes private memory; REMOVE of shared
 *    anonymous memory zeroes it in every mapping; an unmapped range ENOMEM.
 *  - msync: unknown flags, MS_ASYNC|MS_SYNC, an unaligned start: EINVAL; unmapped: ENOMEM (also
 *    when only part is); MS_INVALIDATE of locked memory EBUSY; MS_SYNC of a shared file mapping
 *    0, the data in the file.
 *  - vm.max_map_count (65530): splitting a mapping page by page with mprotect fails with ENOMEM
 *    once the process has 65530 mappings; munmap of a middle page then is ENOMEM too.
 *  - MAP_GROWSDOWN: a store just below the mapping grows it (mincore sees the page); one more
 *    than RLIMIT_STACK below is SIGSEGV; with MAP_SHARED EINVAL.
 *  - an mmap hint near the top of the address space yields a user address, never the hint;
 *    MAP_FIXED there is ENOMEM.
 */
#include "mtest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PG 4096UL
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif

static long vmlck_kb(void)
{
	static char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "VmLck:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

static int resident(void *p, size_t pages)
{
	unsigned char v[64];
	if (mincore(p, pages * PG, v))
		return -1;
	int n = 0;
	for (size_t i = 0; i < pages; i++)
		n += v[i] & 1;
	return n;
}

static void *anon(size_t pages, int prot)
{
	return mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void test_mlock(void)
{
	long base = vmlck_kb();
	CHECK_EQ("vmlck-starts-0", base, 0);
	char *p = anon(4, PROT_READ | PROT_WRITE);
	CHECK_EQ("fresh-not-resident", resident(p, 4), 0);
	CHECK_EQ("mlock", mlock(p, 4 * PG), 0);
	CHECK_EQ("mlock-vmlck-16", vmlck_kb(), 16);
	CHECK_EQ("mlock-populates", resident(p, 4), 4);
	CHECK_EQ("mlock-again-no-double-count", mlock(p + PG, PG), 0);
	CHECK_EQ("vmlck-still-16", vmlck_kb(), 16);
	CHECK_EQ("munlock-middle", munlock(p + PG, 2 * PG), 0);
	CHECK_EQ("vmlck-8", vmlck_kb(), 8);
	CHECK_EQ("munlock", munlock(p, 4 * PG), 0);
	CHECK_EQ("vmlck-0", vmlck_kb(), 0);
	CHECK_EQ("mlock-unaligned-start", mlock(p + 100, 10), 0);
	CHECK_EQ("unaligned-locks-page", vmlck_kb(), 4);
	munlock(p, 4 * PG);
	munmap(p, 4 * PG);

	char *q = anon(4, PROT_READ | PROT_WRITE);
	CHECK_EQ("mlock2-onfault", syscall(SYS_mlock2, q, 4 * PG, MLOCK_ONFAULT), 0);
	CHECK_EQ("onfault-counted", vmlck_kb(), 16);
	CHECK_EQ("onfault-not-populated", resident(q, 4), 0);
	q[0] = 1;
	CHECK_EQ("onfault-faulted-page", resident(q, 4), 1);
	CHECK_ERR("mlock2-bad-flag", syscall(SYS_mlock2, q, PG, 2), EINVAL);
	munlock(q, 4 * PG);
	munmap(q + 2 * PG, PG); /* a hole */
	CHECK_ERR("mlock-hole", mlock(q, 4 * PG), ENOMEM);
	munlock(q, 4 * PG);
	munmap(q, 4 * PG);
	CHECK_ERR("mlock-unmapped", mlock(q, PG), ENOMEM);
	CHECK_EQ("mlock-len-0", mlock(q, 0), 0);
	char *none = anon(2, PROT_NONE);
	CHECK_ERR("mlock-prot-none", mlock(none, 2 * PG), ENOMEM);
	munlock(none, 2 * PG);
	munmap(none, 2 * PG);

	struct rlimit old, zero = { 0, 0 };
	getrlimit(RLIMIT_MEMLOCK, &old);
	setrlimit(RLIMIT_MEMLOCK, &zero);
	char *r = anon(2, PROT_READ | PROT_WRITE);
	CHECK_EQ("root-mlock-past-rlimit", mlock(r, 2 * PG), 0);
	munlock(r, 2 * PG);
	munmap(r, 2 * PG);
	setrlimit(RLIMIT_MEMLOCK, &old);
	CHECK_EQ("vmlck-back-0", vmlck_kb(), 0);
}

static void test_mlockall(void)
{
	CHECK_ERR("mlockall-0", mlockall(0), EINVAL);
	CHECK_ERR("mlockall-onfault-alone", mlockall(MCL_ONFAULT), EINVAL);
	CHECK_ERR("mlockall-unknown", mlockall(8), EINVAL);
	CHECK_EQ("mlockall-current", mlockall(MCL_CURRENT), 0);
	long all = vmlck_kb();
	CHECK("mlockall-current-locks", all > 16);
	char *p = anon(4, PROT_READ | PROT_WRITE);
	CHECK_EQ("current-not-future", vmlck_kb(), all);
	munmap(p, 4 * PG);
	CHECK_EQ("munlockall", munlockall(), 0);
	CHECK_EQ("munlockall-vmlck-0", vmlck_kb(), 0);
	CHECK_EQ("mlockall-future", mlockall(MCL_FUTURE), 0);
	CHECK_EQ("future-nothing-yet", vmlck_kb(), 0);
	p = anon(4, PROT_READ | PROT_WRITE);
	CHECK_EQ("future-mmap-locked", vmlck_kb(), 16);
	CHECK_EQ("future-mmap-populated", resident(p, 4), 4);
	munlockall();
	CHECK_EQ("munlockall-future", vmlck_kb(), 0);
	munmap(p, 4 * PG);
	p = anon(4, PROT_READ | PROT_WRITE);
	CHECK_EQ("after-munlockall-not-locked", vmlck_kb(), 0);
	munmap(p, 4 * PG);

	p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	CHECK_EQ("map-locked-counted", vmlck_kb(), 12);
	CHECK_EQ("map-locked-populated", resident(p, 3), 3);
	pid_t pid = fork();
	if (pid == 0)
		_exit(vmlck_kb() == 0 ? 0 : 1);
	int st = mt_reap(pid);
	CHECK("fork-child-not-locked", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_ERR("dontneed-locked-einval", madvise(p, PG, MADV_DONTNEED), EINVAL);
	CHECK_ERR("cold-locked-einval", madvise(p, PG, MADV_COLD), EINVAL);
	CHECK_ERR("msync-invalidate-locked", msync(p, PG, MS_INVALIDATE), EBUSY);
	p[0] = 7;
	CHECK_EQ("dontneed-locked-advice", madvise(p, PG, MADV_DONTNEED_LOCKED), 0);
	CHECK_EQ("dontneed-locked-zeroed", p[0], 0);
	munmap(p, 3 * PG);
	CHECK_EQ("munmap-locked-uncounted", vmlck_kb(), 0);
}

static void test_madvise(void)
{
	char *p = anon(4, PROT_READ | PROT_WRITE);
	int bad[] = { 5, 6, 7, 12, 13, 14, 15, 25, 100, 101, 1000, -1 };
	int all_einval = 1;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		if (madvise(p, PG, bad[i]) != -1 || errno != EINVAL) {
			all_einval = 0;
			printf("# madvise advice %d: errno %d\n", bad[i], errno);
		}
	}
	CHECK("madvise-unknown-einval", all_einval);
	int good[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP,
		       MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, 21 /* PAGEOUT */ };
	int all_ok = 1;
	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++)
		all_ok &= madvise(p, PG, good[i]) == 0;
	CHECK("madvise-known-hints-0", all_ok);
	CHECK_ERR("madvise-unaligned", madvise(p + 1, PG, MADV_NORMAL), EINVAL);
	CHECK_ERR("madvise-willneed-anon", madvise(p, PG, MADV_WILLNEED), EBADF);
	CHECK_ERR("madvise-remove-private", madvise(p, PG, MADV_REMOVE), EINVAL);
	CHECK_EQ("madvise-len-0", madvise(p, 0, 1000 - 1000), 0);
	CHECK_EQ("populate-read", madvise(p, 2 * PG, MADV_POPULATE_READ), 0);
	CHECK_EQ("populate-read-resident", resident(p, 4), 2);
	CHECK_EQ("populate-write", madvise(p, 4 * PG, MADV_POPULATE_WRITE), 0);
	CHECK_EQ("populate-write-resident", resident(p, 4), 4);
	p[0] = 5;
	CHECK_EQ("dontneed", madvise(p, PG, MADV_DONTNEED), 0);
	CHECK_EQ("dontneed-zeroes", p[0], 0);
	mprotect(p, PG, PROT_READ);
	CHECK_ERR("populate-write-readonly", madvise(p, PG, MADV_POPULATE_WRITE), EINVAL);
	munmap(p + 2 * PG, PG);
	CHECK_ERR("madvise-hole", madvise(p, 4 * PG, MADV_NORMAL), ENOMEM);
	munmap(p, 4 * PG);

	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK_ERR("free-shared-einval", madvise(s, PG, MADV_FREE), EINVAL);
	s[0] = 9;
	pid_t pid = fork();
	if (pid == 0) {
		mt_msleep(50);
		_exit(s[0] == 0 ? 0 : 1);
	}
	CHECK_EQ("remove-shared-anon", madvise(s, PG, MADV_REMOVE), 0);
	CHECK_EQ("remove-zeroes", s[0], 0);
	int st = mt_reap(pid);
	CHECK("remove-zeroes-other-mapping", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	munmap(s, 2 * PG);
}

static void test_msync(void)
{
	char *p = anon(4, PROT_READ | PROT_WRITE);
	CHECK_ERR("msync-bad-flags", msync(p, PG, 8), EINVAL);
	CHECK_ERR("msync-async-and-sync", msync(p, PG, MS_ASYNC | MS_SYNC), EINVAL);
	CHECK_ERR("msync-unaligned", msync(p + 1, PG, MS_SYNC), EINVAL);
	CHECK_EQ("msync-len-0", msync(p, 0, MS_SYNC), 0);
	CHECK_EQ("msync-anon", msync(p, 4 * PG, MS_SYNC), 0);
	munmap(p + PG, PG);
	CHECK_ERR("msync-partly-unmapped", msync(p, 4 * PG, MS_SYNC), ENOMEM);
	CHECK_ERR("msync-async-hole", msync(p, 4 * PG, MS_ASYNC), ENOMEM);
	munmap(p, 4 * PG);
	CHECK_ERR("msync-unmapped", msync(p, PG, MS_SYNC), ENOMEM);

	int fd = open("/tmp/t_mlock_msync", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, PG);
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(m, "synced", 6);
	CHECK_EQ("msync-shared-file", msync(m, PG, MS_SYNC), 0);
	char buf[8] = { 0 };
	pread(fd, buf, 6, 0);
	CHECK("msync-data-in-file", !memcmp(buf, "synced", 6));
	munmap(m, PG);
	close(fd);
	unlink("/tmp/t_mlock_msync");
}

static void test_max_map_count(void)
{
	const size_t pages = 70000;
	char *r = mmap(NULL, pages * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK("big-region", r != MAP_FAILED);
	long ok = 0;
	int err = 0;
	for (size_t i = 1; i + 1 < pages; i += 2) {
		if (mprotect(r + i * PG, PG, PROT_READ)) {
			err = errno;
			break;
		}
		ok++;
	}
	CHECK_EQ("split-past-limit-enomem", err, ENOMEM);
	mt_report(ok > 32600 && ok < 32765, "splits-stop-near-65530", "%ld mprotects succeeded", ok);
	/* The rest of the region is one mapping: unmapping its middle would split it. */
	CHECK_ERR("munmap-split-at-limit", munmap(r + (pages - 10) * PG, PG), ENOMEM);
	CHECK_EQ("munmap-whole-vma-at-limit", munmap(r + 1 * PG, PG), 0);
	CHECK_EQ("munmap-region", munmap(r, pages * PG), 0);
	void *after = anon(1, PROT_READ);
	CHECK("mmap-after-cleanup", after != MAP_FAILED);
	munmap(after, PG);
}

static void test_growsdown(void)
{
	/* A hole of 16 MiB, and a 4-page stack-like mapping at its top. */
	char *hole = mmap(NULL, 16 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 16 << 20);
	char *top = hole + (16 << 20) - 4 * PG;
	char *g = mmap(top, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
		       -1, 0);
	CHECK("growsdown-map", g == top);
	unsigned char v;
	CHECK_ERR("below-not-mapped-yet", mincore(g - PG, PG, &v), ENOMEM);
	pid_t pid = fork();
	if (pid == 0) {
		g[-1] = 1; /* just below: grows */
		unsigned char w;
		int grown = mincore(g - PG, PG, &w) == 0;
		g[-3 * (long)PG] = 2; /* three pages further: grows again */
		_exit(grown && g[-1] == 1 ? 0 : 1);
	}
	int st = mt_reap(pid);
	CHECK("growsdown-grows", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pid = fork();
	if (pid == 0) {
		g[-(long)(9 << 20)] = 1; /* past RLIMIT_STACK (8 MiB) */
		_exit(0);
	}
	st = mt_reap(pid);
	CHECK("growsdown-past-rlimit-segv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	munmap(g, 4 * PG);
	CHECK("growsdown-shared-einval",
	      mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0) == MAP_FAILED && errno == EINVAL);
}

static void test_hints(void)
{
	void *p = mmap((void *)0xfffffffffffff000UL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("top-hint-user-address", p != MAP_FAILED && (uintptr_t)p < 0x4000000000UL);
	munmap(p, 2 * PG);
	p = mmap((void *)-(long)PG, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("wrapping-hint-user-address", p != MAP_FAILED && (uintptr_t)p < 0x4000000000UL);
	munmap(p, 4 * PG);
	CHECK("fixed-top-enomem", mmap((void *)0xfffffffffffff000UL, PG, PROT_READ,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED &&
					  errno == ENOMEM);
	p = mmap((void *)0x3fffffe000UL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("hint-past-task-size", p != MAP_FAILED && (uintptr_t)p + 4 * PG <= 0x4000000000UL);
	munmap(p, 4 * PG);
}

int main(void)
{
	mt_begin("t_mlock");
	if (access("/proc/self/status", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	test_mlock();
	test_mlockall();
	test_madvise();
	test_msync();
	test_growsdown();
	test_hints();
	test_max_map_count();
	mt_end();
}
