/* t_mincore - mincore(2) as Linux 6.1 (mm/mincore.c) has it, and the kernel memory it takes:
 * one page of answers at a time, whatever the length, all of it back afterwards.
 *
 * Boot: rdinit=/tests/t_mincore (PID 1, -m 512M).  Mounts /proc when it is not there.
 *
 * What Linux does, and this test expects:
 *  - an unaligned start: EINVAL; length 0: 0; a range past the end of user space (TASK_SIZE):
 *    ENOMEM; a vector that cannot hold one byte per page (NULL, a kernel address): EFAULT,
 *    checked before the range's VMAs (so also for an unmapped range).
 *  - one byte per page, 1 for the resident pages of a mapping (touched), 0 for the others;
 *    across more than 4096 pages (Linux answers a page of bytes per round) too.
 *  - a range with a hole: ENOMEM, and the bytes of the pages before the hole are written.
 *  - the soak's leak (issue 10): mincore(0, 256 GiB, v) is ENOMEM at once, and MemFree is
 *    back to its baseline after it: exactly on MenuOS (whose MemFree is its free-frame count),
 *    within 4 MiB on Linux.  MenuOS used to allocate the whole answer (64 MiB) in its heap
 *    first, which grew by 128 MiB and never gave the frames back.
 */
#include "mtest.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define PG 4096UL
/* riscv64 Sv39: TASK_SIZE = 256 GiB on both kernels */
#define TASK_SZ (1UL << 38)

/* in .bss: a low user address, so that access_ok(vec, 64 Mi) holds */
static unsigned char small[16];
static unsigned char big[8192];

int main(void)
{
	mt_begin("t_mincore");
	mt_mount_proc();
	struct utsname u;
	int menuos = uname(&u) == 0 && strstr(u.release, "menuos") != NULL;

	unsigned char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("map", m != MAP_FAILED);
	m[0] = 1;
	m[2 * PG] = 1;

	/* argument checks, in Linux's order */
	CHECK_ERR("unaligned", mincore(m + 1, PG, small), EINVAL);
	CHECK_EQ("len-0", mincore(m, 0, small), 0);
	CHECK_ERR("past-task-size", mincore(m, TASK_SZ, small), ENOMEM);
	CHECK_ERR("vec-null", mincore(m, PG, NULL), EFAULT);
	CHECK_ERR("vec-kernel", mincore(m, PG, (void *)0xffffffc000000000UL), EFAULT);
	CHECK_ERR("vec-kernel-unmapped", mincore((void *)PG, PG, (void *)0xffffffc000000000UL), EFAULT);
	CHECK_ERR("unmapped", mincore((void *)PG, PG, small), ENOMEM);

	/* residency */
	memset(small, 0xff, sizeof small);
	CHECK_EQ("resident-rc", mincore(m, 3 * PG, small), 0);
	CHECK("resident-bytes", small[0] == 1 && small[1] == 0 && small[2] == 1 && small[3] == 0xff);
	memset(small, 0xff, sizeof small);
	CHECK_EQ("partial-last-page", mincore(m, 2 * PG + 1, small), 0);
	CHECK("partial-last-page-bytes", small[2] == 1 && small[3] == 0xff);

	/* a hole: ENOMEM, the pages before it answered */
	CHECK_EQ("unmap-middle", munmap(m + PG, PG), 0);
	memset(small, 0xff, sizeof small);
	CHECK_ERR("hole", mincore(m, 3 * PG, small), ENOMEM);
	CHECK("hole-first-byte-written", small[0] == 1 && small[1] == 0xff);
	munmap(m, 3 * PG);

	/* more than a page of answers: 5000 pages, four of them touched */
	size_t n = 5000;
	unsigned char *w = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				-1, 0);
	CHECK("map-5000", w != MAP_FAILED);
	size_t touch[] = { 0, 4095, 4096, 4999 };
	for (int i = 0; i < 4; i++)
		w[touch[i] * PG] = 1;
	memset(big, 0xff, sizeof big);
	CHECK_EQ("many-rc", mincore(w, n * PG, big), 0);
	int sum = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		sum += big[i];
		int want = i == 0 || i == 4095 || i == 4096 || i == 4999;
		bad += big[i] != want;
	}
	CHECK("many-bytes", sum == 4 && bad == 0 && big[n] == 0xff);
	munmap(w, n * PG);

	/* the leak: the largest range there is, unmapped at its start.  Everything this part
	 * touches is touched once before the baseline. */
	long tol = menuos ? 0 : 4096;
	mt_meminfo_kb("MemFree:");
	long base = mt_meminfo_kb("MemFree:");
	int enomem = 0;
	for (int i = 0; i < 3; i++)
		enomem += mincore(0, TASK_SZ, small) == -1 && errno == ENOMEM;
	long after = mt_meminfo_kb("MemFree:");
	CHECK_EQ("huge-range-enomem", enomem, 3);
	mt_report(after >= base - tol, "huge-range-memfree-back", "MemFree %ld kB -> %ld kB (tolerance %ld kB)", base,
		  after, tol);
	mt_end();
}
