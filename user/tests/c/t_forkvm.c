/* t_forkvm: fork of address spaces that are big in ways that cost Linux nothing: a 128 GiB
 * PROT_NONE reservation (no pages, no page tables: Linux's copy_page_range skips empty
 * ranges) and 30,000 separate mappings.  Fork must work and cost no kernel memory in
 * proportion to the address space; the soak's fuzzer found a fork that allocated 2 MiB for a
 * huge reservation and took the kernel down when the allocation failed.
 * The same binary passes on the reference Linux. */
#include "mtest.h"
#include <sys/mman.h>
#include <sys/wait.h>

static int fork_and_touch(volatile char *p)
{
	pid_t c = fork();
	if (c == 0) {
		if (p)
			p[0] = 2;
		_exit(p && p[0] != 2 ? 1 : 0);
	}
	if (c < 0)
		return -1;
	int st = mt_reap(c);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(void)
{
	mt_begin("t_forkvm");
	mt_mount_proc();
	size_t huge = 128UL << 30;
	char *r = mmap(NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK("reserve-128g", r != MAP_FAILED);
	if (r != MAP_FAILED) {
		/* a few pages in use at both ends, and in the middle */
		size_t offs[3] = {0, huge / 2, huge - 4096};
		int ok = 1;
		for (int i = 0; i < 3; i++) {
			ok &= mprotect(r + offs[i], 4096, PROT_READ | PROT_WRITE) == 0;
			if (ok)
				r[offs[i]] = 1;
		}
		CHECK("touch-in-reservation", ok);
		long slab0 = mt_meminfo_kb("Slab:");
		int forks = 0;
		for (int i = 0; i < 20; i++)
			forks += fork_and_touch(r + offs[i % 3]) == 0;
		CHECK_EQ("fork-with-reservation", forks, 20);
		long slab1 = mt_meminfo_kb("Slab:");
		mt_report(slab1 - slab0 < 1024, "fork-costs-no-slab-per-gib", "Slab %ld kB -> %ld kB", slab0, slab1);
		CHECK("parent-pages-kept", r[0] == 1 && r[huge / 2] == 1 && r[huge - 4096] == 1);
		CHECK_EQ("unreserve", munmap(r, huge), 0);
	}

	/* 30,000 one-page mappings that cannot merge (alternating protections) */
	size_t n = 30000;
	char *m = mmap(NULL, n * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("map-area", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		int ok = 1;
		for (size_t i = 0; i < n && ok; i += 2)
			ok = mprotect(m + i * 4096, 4096, PROT_READ | PROT_WRITE) == 0;
		CHECK("split-into-30000", ok);
		m[0] = 7;
		CHECK_EQ("fork-with-30000-vmas", fork_and_touch(m), 0);
		CHECK_EQ("parent-page-kept", m[0], 7);
		CHECK_EQ("unmap-area", munmap(m, n * 4096), 0);
	}
	mt_end();
}
