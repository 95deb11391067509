/* t_mem - brk, anonymous mmap/munmap/mprotect, a large sparse malloc, MAP_FIXED.
 *
 * Boot: rdinit=/tests/t_mem (-m 512M).
 *
 * What Linux 6.1 does, and this test expects:
 *  - brk(0) (raw syscall) returns the current break, page-aligned or not, equal to sbrk(0).
 *    sbrk(+3 pages) returns the old break; the new memory reads as zeros and is writable;
 *    brk to a lower address shrinks it (brk returns the new break); growing again gives zeros
 *    again (the shrunk pages were freed).  A brk far below the start of the heap fails: the
 *    raw syscall returns the current break unchanged.
 *  - mmap(NULL, n, RW, MAP_PRIVATE|MAP_ANONYMOUS) returns a page-aligned address whose pages read
 *    as zeros and are writable; munmap returns 0; munmap of an unaligned address is EINVAL;
 *    munmap of a range that is not mapped is 0.
 *  - mprotect(PROT_READ) then reading keeps the data; mprotect(PROT_READ|PROT_WRITE) back makes it
 *    writable again; mprotect of an unaligned address is EINVAL; of an unmapped range ENOMEM.
 *  - mmap errors: flags without MAP_PRIVATE or MAP_SHARED is EINVAL, length 0 is EINVAL, an
 *    unaligned offset is EINVAL, a bad fd without MAP_ANONYMOUS is EBADF, MAP_FIXED at an
 *    unaligned address is EINVAL.
 *  - MAP_FIXED at a chosen free address (0x1000000000 = 64 GiB, inside Sv39's 256 GiB user half)
 *    maps exactly there; a second MAP_FIXED over it replaces the pages (zeros again);
 *    MAP_FIXED_NOREPLACE over it is EEXIST; a hint address without MAP_FIXED that is free is used
 *    as given.
 *  - malloc(64 MiB) succeeds (glibc uses mmap), touched every 64 KiB: reads zero, keeps the
 *    written values; free works; a second 64 MiB malloc also works (memory came back).
 *  - mremap grows an anonymous mapping (MREMAP_MAYMOVE) keeping its contents.
 *  - a PROT_NONE mapping made PROT_READ|PROT_WRITE by mprotect is usable (zeros).
 *  - file mappings (needs /hello and a writable /tmp): MAP_PRIVATE of /hello reads "\177ELF";
 *    MAP_SHARED + PROT_WRITE on an O_RDONLY fd is EACCES; a MAP_PRIVATE PROT_WRITE copy can be
 *    written without changing the file; a MAP_SHARED mapping of a /tmp file sees pwrite()s and
 *    its stores are seen by pread(); msync(MS_SYNC) is 0.
 */
#include "mtest.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG 4096UL

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	mt_begin("t_mem");

	/* brk */
	uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
	CHECK("brk0_nonzero", b0 != 0);
	CHECK_EQ("sbrk0_eq_brk0", (uintptr_t)sbrk(0), b0);
	unsigned char *old = sbrk(3 * PG);
	CHECK("sbrk_grow_returns_old", old != (void *)-1 && (uintptr_t)old == b0);
	CHECK_EQ("sbrk_new_break", (uintptr_t)sbrk(0), b0 + 3 * PG);
	CHECK_EQ("brk_raw_sees_growth", syscall(SYS_brk, 0), b0 + 3 * PG);
	if (old != (void *)-1) {
		CHECK("sbrk_mem_zero", all_zero(old, 3 * PG));
		memset(old, 0xa5, 3 * PG);
		CHECK("sbrk_mem_writable", old[0] == 0xa5 && old[3 * PG - 1] == 0xa5);
		/* shrink to one page above b0 */
		uintptr_t target = b0 + PG;
		CHECK_EQ("brk_shrink", syscall(SYS_brk, target), target);
		CHECK("brk_shrink_keeps_low", old[0] == 0xa5);
		/* grow again: the part above the page holding the break was freed: zero again */
		uintptr_t top = (target + PG - 1) & ~(PG - 1);
		CHECK_EQ("brk_regrow", syscall(SYS_brk, b0 + 3 * PG), b0 + 3 * PG);
		CHECK("brk_regrow_zero", all_zero((unsigned char *)top, b0 + 3 * PG - top));
		/* far below the heap start: refused, the break stays */
		CHECK_EQ("brk_below_start_refused", syscall(SYS_brk, 0x1000), b0 + 3 * PG);
		CHECK_EQ("brk_restore", syscall(SYS_brk, b0), b0);
		/* glibc caches the break: keep it in sync */
		brk((void *)b0);
	}

	/* anonymous mmap */
	size_t n = 16 * PG;
	unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap_anon", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK_EQ("mmap_page_aligned", (uintptr_t)m % PG, 0);
		CHECK("mmap_zero", all_zero(m, n));
		for (size_t i = 0; i < n; i += PG)
			m[i] = (unsigned char)(i / PG + 1);
		m[n - 1] = 0x77;
		int ok = 1;
		for (size_t i = 0; i < n; i += PG)
			ok &= m[i] == (unsigned char)(i / PG + 1);
		CHECK("mmap_writable", ok && m[n - 1] == 0x77);

		/* mprotect */
		CHECK_EQ("mprotect_ro", mprotect(m, n, PROT_READ), 0);
		CHECK("mprotect_ro_readable", m[0] == 1 && m[n - 1] == 0x77);
		CHECK_EQ("mprotect_rw", mprotect(m, n, PROT_READ | PROT_WRITE), 0);
		m[1] = 0x42;
		CHECK("mprotect_rw_writable", m[1] == 0x42 && m[0] == 1);
		CHECK_ERR("mprotect_unaligned", mprotect(m + 1, PG, PROT_READ), EINVAL);
		CHECK_EQ("mprotect_part", mprotect(m + 4 * PG, 2 * PG, PROT_READ), 0);
		CHECK("mprotect_part_keeps_data", m[4 * PG] == 5 && m[5 * PG] == 6);

		CHECK_ERR("munmap_unaligned", munmap(m + 1, PG), EINVAL);
		CHECK_EQ("munmap_middle", munmap(m + 8 * PG, PG), 0); /* splits the mapping */
		CHECK("munmap_middle_neighbours", m[7 * PG] == 8 && m[9 * PG] == 10);
		CHECK_ERR("mprotect_hole_enomem", mprotect(m + 8 * PG, PG, PROT_READ), ENOMEM);
		CHECK_EQ("munmap", munmap(m, n), 0);
		CHECK_EQ("munmap_unmapped_ok", munmap(m, n), 0);
	}

	/* bad mmap calls */
	CHECK("mmap_no_type_einval",
	      mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK("mmap_len0_einval",
	      mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      errno == EINVAL);
	errno = 0;
	CHECK("mmap_bad_fd_ebadf",
	      mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF);
	errno = 0;
	CHECK("mmap_unaligned_off_einval",
	      mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100) == MAP_FAILED &&
		      errno == EINVAL);
	errno = 0;
	CHECK("mmap_fixed_unaligned_einval",
	      mmap((void *)0x1000000001UL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == MAP_FAILED &&
		      errno == EINVAL);

	/* MAP_FIXED at a chosen address */
	unsigned char *want = (unsigned char *)0x1000000000UL;
	unsigned char *f = mmap(want, 4 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK("mmap_fixed_at_address", f == want);
	if (f == want) {
		CHECK("mmap_fixed_zero", all_zero(f, 4 * PG));
		memset(f, 0x3c, 4 * PG);
		CHECK("mmap_fixed_writable", f[0] == 0x3c && f[4 * PG - 1] == 0x3c);
		unsigned char *g = mmap(want + PG, PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		CHECK("mmap_fixed_replace", g == want + PG);
		CHECK("mmap_fixed_replace_zero", all_zero(want + PG, PG) && f[0] == 0x3c &&
							 f[2 * PG] == 0x3c);
		errno = 0;
		void *h = mmap(want, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		CHECK("mmap_fixed_noreplace_eexist", h == MAP_FAILED && errno == EEXIST);
		CHECK_EQ("munmap_fixed", munmap(want, 4 * PG), 0);
	}
	/* a free hint without MAP_FIXED is honoured */
	unsigned char *hint = (unsigned char *)0x1100000000UL;
	unsigned char *hm = mmap(hint, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap_hint_used", hm == hint);
	if (hm != MAP_FAILED)
		munmap(hm, PG);

	/* mremap */
	unsigned char *r = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r != MAP_FAILED) {
		r[0] = 1;
		r[2 * PG - 1] = 2;
		unsigned char *r2 = mremap(r, 2 * PG, 64 * PG, MREMAP_MAYMOVE);
		CHECK("mremap_grow", r2 != MAP_FAILED);
		if (r2 != MAP_FAILED) {
			CHECK("mremap_keeps_data", r2[0] == 1 && r2[2 * PG - 1] == 2);
			CHECK("mremap_new_zero", all_zero(r2 + 2 * PG, 62 * PG));
			r2[64 * PG - 1] = 3;
			CHECK("mremap_new_writable", r2[64 * PG - 1] == 3);
			munmap(r2, 64 * PG);
		}
	}

	/* PROT_NONE, then made accessible */
	unsigned char *pn = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap_prot_none", pn != MAP_FAILED);
	if (pn != MAP_FAILED) {
		CHECK_EQ("mprotect_none_to_rw", mprotect(pn, 2 * PG, PROT_READ | PROT_WRITE), 0);
		pn[PG] = 9;
		CHECK("prot_none_then_rw_usable", pn[PG] == 9 && pn[0] == 0);
		munmap(pn, 2 * PG);
	}

	/* file mappings */
	int hfd = open("/hello", O_RDONLY);
	CHECK("open_hello", hfd >= 0);
	unsigned char *hm2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, hfd, 0);
	CHECK("mmap_file_private", hm2 != MAP_FAILED);
	if (hm2 != MAP_FAILED) {
		CHECK("mmap_file_elf_magic", memcmp(hm2, "\177ELF", 4) == 0);
		munmap(hm2, PG);
	}
	errno = 0;
	CHECK("mmap_shared_write_on_rdonly_fd_eacces",
	      mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0) == MAP_FAILED &&
		      errno == EACCES);
	/* a private writable mapping of a read-only fd is fine, and the file does not change */
	unsigned char *cow = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, hfd, 0);
	CHECK("mmap_file_private_rw", cow != MAP_FAILED);
	if (cow != MAP_FAILED) {
		cow[0] = 'X';
		unsigned char c0 = 0;
		CHECK("mmap_private_write_not_in_file", pread(hfd, &c0, 1, 0) == 1 && c0 == 0177 &&
								cow[0] == 'X');
		munmap(cow, PG);
	}
	close(hfd);

	int sfd = open("/tmp/t_mem.shared", O_CREAT | O_TRUNC | O_RDWR, 0644);
	CHECK("tmp_open", sfd >= 0);
	CHECK_EQ("tmp_ftruncate", ftruncate(sfd, 2 * PG), 0);
	unsigned char *sh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	CHECK("mmap_file_shared", sh != MAP_FAILED);
	if (sh != MAP_FAILED) {
		CHECK("mmap_shared_zero", all_zero(sh, 2 * PG));
		memcpy(sh + PG + 10, "shared!", 7);
		char back[8] = { 0 };
		CHECK("mmap_shared_store_seen_by_read",
		      pread(sfd, back, 7, PG + 10) == 7 && !memcmp(back, "shared!", 7));
		CHECK_EQ("pwrite_into_mapped_file", pwrite(sfd, "file", 4, 100), 4);
		CHECK("pwrite_seen_by_mapping", !memcmp(sh + 100, "file", 4));
		CHECK_EQ("msync", msync(sh, 2 * PG, MS_SYNC), 0);
		CHECK_EQ("munmap_shared", munmap(sh, 2 * PG), 0);
	}
	close(sfd);
	unlink("/tmp/t_mem.shared");

	/* 64 MiB malloc, touched sparsely */
	size_t big = 64UL << 20;
	for (int round = 0; round < 2; round++) {
		unsigned char *p = malloc(big);
		CHECK(round ? "malloc_64m_again" : "malloc_64m", p != NULL);
		if (!p)
			break;
		int zero = 1, keep = 1;
		for (size_t i = 0; i < big; i += 65536) {
			zero &= p[i] == 0;
			p[i] = (unsigned char)(i >> 16);
		}
		p[big - 1] = 0x99;
		for (size_t i = 0; i < big; i += 65536)
			keep &= p[i] == (unsigned char)(i >> 16);
		if (!round) {
			CHECK("malloc_64m_zero", zero);
			CHECK("malloc_64m_keeps", keep && p[big - 1] == 0x99);
		}
		free(p);
	}

	mt_end();
}
