/* t_cow: copy-on-write after fork (both directions, 8 MiB touched on both sides), MAP_SHARED
 * anonymous and file mappings shared across fork, MADV_DONTFORK/MADV_WIPEONFORK, mremap. */
#include "mtest.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define EXITED_0(st) ((st) >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)

static volatile int gvar = 1;
static const size_t PG = 4096;

int main(void)
{
	mt_begin("t_cow");
	int st;

	/* the parent writes after the child has read: the child keeps seeing the old value */
	{
		int go[2], back[2];
		pipe(go);
		pipe(back);
		gvar = 1;
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			int first = gvar;
			write(back[1], "r", 1); /* "I have read" */
			read(go[0], &c, 1);     /* parent has written 2 */
			int second = gvar;
			gvar = 3; /* the child's own copy */
			_exit(first == 1 && second == 1 && gvar == 3 ? 0 : 1);
		}
		char c;
		read(back[0], &c, 1);
		gvar = 2;
		write(go[1], "w", 1);
		st = mt_reap(pid);
		CHECK("child-sees-old-value-after-parent-write", EXITED_0(st));
		CHECK_EQ("parent-keeps-its-write", gvar, 2);
		close(go[0]); close(go[1]); close(back[0]); close(back[1]);
	}

	/* 8 MiB touched by both: every page is copied where written, intact elsewhere */
	{
		size_t sz = 8 << 20;
		uint32_t *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK("mmap-8m", m != MAP_FAILED);
		size_t words = sz / 4, step = PG / 4;
		for (size_t i = 0; i < words; i += step / 4)
			m[i] = (uint32_t)i;
		int go[2], back[2];
		pipe(go);
		pipe(back);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			int bad = 0;
			for (size_t i = 0; i < words; i += step / 4)
				if (m[i] != (uint32_t)i)
					bad |= 1;
			/* the child rewrites the even pages */
			for (size_t i = 0; i < words; i += step * 2)
				m[i] = 0xc0000000u | (uint32_t)i;
			write(back[1], "c", 1);
			read(go[0], &c, 1); /* the parent has rewritten the odd pages */
			for (size_t i = 0; i < words; i += step) {
				size_t pg = i / step;
				uint32_t want = pg % 2 == 0 ? (0xc0000000u | (uint32_t)i) : (uint32_t)i;
				if (m[i] != want)
					bad |= 2;
			}
			_exit(bad);
		}
		char c;
		read(back[0], &c, 1);
		for (size_t i = step; i < words; i += step * 2)
			m[i] = 0xa0000000u | (uint32_t)i;
		write(go[1], "p", 1);
		st = mt_reap(pid);
		mt_report(EXITED_0(st), "8m-child-view", "child status 0x%x", st);
		int bad = 0;
		for (size_t i = 0; i < words; i += step) {
			size_t pg = i / step;
			uint32_t want = pg % 2 == 1 ? (0xa0000000u | (uint32_t)i) : (uint32_t)i;
			if (m[i] != want)
				bad++;
		}
		CHECK_EQ("8m-parent-view", bad, 0);
		/* after the child is gone the parent writes every page (no longer shared) */
		for (size_t i = 0; i < words; i += step)
			m[i] = 7;
		bad = 0;
		for (size_t i = 0; i < words; i += step)
			bad += m[i] != 7;
		CHECK_EQ("8m-parent-write-after-child-exit", bad, 0);
		munmap(m, sz);
		close(go[0]); close(go[1]); close(back[0]); close(back[1]);
	}

	/* a chain of forks: each generation's writes stay in its generation */
	{
		gvar = 10;
		pid_t pid = fork();
		if (pid == 0) {
			gvar = 11;
			pid_t g = fork();
			if (g == 0) {
				int ok = gvar == 11;
				gvar = 12;
				_exit(ok ? 0 : 1);
			}
			int s;
			waitpid(g, &s, 0);
			_exit(EXITED_0(s) && gvar == 11 ? 0 : 1);
		}
		st = mt_reap(pid);
		CHECK("fork-chain-cow", EXITED_0(st) && gvar == 10);
	}

	/* MAP_SHARED|MAP_ANONYMOUS is shared across fork */
	{
		volatile int *sh = mmap(NULL, PG * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
					-1, 0);
		CHECK("mmap-shared-anon", sh != MAP_FAILED);
		sh[0] = 1;
		sh[PG / sizeof(int)] = 5; /* second page, untouched by the child */
		pid_t pid = fork();
		if (pid == 0) {
			int ok = sh[0] == 1;
			sh[0] = 2;
			sh[PG * 3 / sizeof(int)] = 3; /* a page first touched in the child */
			_exit(ok ? 0 : 1);
		}
		st = mt_reap(pid);
		CHECK("shared-child-saw-parent", EXITED_0(st));
		CHECK_EQ("shared-anon-child-write-seen", sh[0], 2);
		CHECK_EQ("shared-anon-child-new-page-seen", sh[PG * 3 / sizeof(int)], 3);
		CHECK_EQ("shared-anon-untouched-page", sh[PG / sizeof(int)], 5);
		/* and the parent's later writes are seen by a running child */
		int go[2];
		pipe(go);
		pid = fork();
		if (pid == 0) {
			char c;
			read(go[0], &c, 1);
			_exit(sh[1] == 42 ? 0 : 1);
		}
		sh[1] = 42;
		write(go[1], "x", 1);
		st = mt_reap(pid);
		CHECK("shared-anon-parent-write-seen", EXITED_0(st));
		close(go[0]);
		close(go[1]);
		munmap((void *)sh, PG * 4);
	}

	/* MAP_SHARED file mapping: writes reach the file; MAP_PRIVATE ones do not */
	{
		int fd = open("/tmp/t_cow.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
		ftruncate(fd, PG * 2);
		char *fm = mmap(NULL, PG * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		char *pm = mmap(NULL, PG * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		CHECK("mmap-shared-file", fm != MAP_FAILED && pm != MAP_FAILED);
		pid_t pid = fork();
		if (pid == 0) {
			memcpy(fm + 100, "shared", 6);
			memcpy(pm + 200, "private", 7);
			_exit(0);
		}
		mt_reap(pid);
		char buf[8] = { 0 };
		pread(fd, buf, 6, 100);
		CHECK("shared-file-child-write-in-file", memcmp(buf, "shared", 6) == 0);
		CHECK("shared-file-child-write-in-mapping", memcmp(fm + 100, "shared", 6) == 0);
		pread(fd, buf, 7, 200);
		CHECK("private-file-child-write-not-in-file", buf[0] == 0);
		CHECK("private-file-child-write-not-in-parent", pm[200] == 0);
		munmap(fm, PG * 2);
		munmap(pm, PG * 2);
		close(fd);
		unlink("/tmp/t_cow.dat");
	}

	/* private file mapping written before fork: the child sees the parent's private copy */
	{
		int fd = open("/tmp/t_cow2.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
		write(fd, "original", 8);
		char *pm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		memcpy(pm, "PARENT", 6);
		pid_t pid = fork();
		if (pid == 0) {
			int ok = memcmp(pm, "PARENTal", 8) == 0;
			memcpy(pm, "child!", 6);
			_exit(ok ? 0 : 1);
		}
		st = mt_reap(pid);
		CHECK("private-file-child-sees-parent-copy", EXITED_0(st));
		CHECK("private-file-parent-copy-kept", memcmp(pm, "PARENTal", 8) == 0);
		char buf[8];
		pread(fd, buf, 8, 0);
		CHECK("private-file-file-untouched", memcmp(buf, "original", 8) == 0);
		munmap(pm, PG);
		close(fd);
		unlink("/tmp/t_cow2.dat");
	}

	/* mprotect in the child after fork: its writes stay private, the parent's page stays
	 * read-only */
	{
		char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		m[0] = 'a';
		mprotect(m, PG, PROT_READ);
		pid_t pid = fork();
		if (pid == 0) {
			if (mprotect(m, PG, PROT_READ | PROT_WRITE) != 0)
				_exit(1);
			m[0] = 'b';
			_exit(m[0] == 'b' ? 0 : 2);
		}
		st = mt_reap(pid);
		CHECK("child-mprotect-write", EXITED_0(st));
		CHECK("parent-unchanged-after-child-mprotect", m[0] == 'a');
		pid = fork();
		if (pid == 0) {
			*(volatile char *)m = 'c';
			_exit(0);
		}
		st = mt_reap(pid);
		CHECK("parent-mapping-still-readonly-in-new-child",
		      st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		/* the parent makes it writable after the fork: a running child keeps its view */
		int go[2];
		pipe(go);
		pid = fork();
		if (pid == 0) {
			char c;
			read(go[0], &c, 1);
			_exit(m[0] == 'a' ? 0 : 1);
		}
		mprotect(m, PG, PROT_READ | PROT_WRITE);
		m[0] = 'z';
		write(go[1], "x", 1);
		st = mt_reap(pid);
		CHECK("child-view-after-parent-mprotect-write", EXITED_0(st));
		close(go[0]);
		close(go[1]);
		munmap(m, PG);
	}

	/* many children at once over one 2 MiB region, each rewriting all of it */
	{
		size_t sz = 2 << 20;
		unsigned char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
					-1, 0);
		memset(m, 0x5c, sz);
		int go[2];
		pipe(go);
		pid_t kids[8];
		for (int k = 0; k < 8; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				char c;
				read(go[0], &c, 1); /* all children exist before anyone writes */
				int bad = 0;
				for (size_t o = 0; o < sz; o += PG)
					bad |= m[o] != 0x5c;
				for (size_t o = 0; o < sz; o += PG)
					m[o] = (unsigned char)k;
				for (size_t o = 0; o < sz; o += PG)
					bad |= m[o] != (unsigned char)k;
				_exit(bad);
			}
		}
		for (int k = 0; k < 8; k++)
			write(go[1], "g", 1);
		int bad = 0;
		for (int k = 0; k < 8; k++) {
			st = mt_reap(kids[k]);
			bad += !EXITED_0(st);
		}
		int pbad = 0;
		for (size_t o = 0; o < sz; o += PG)
			pbad += m[o] != 0x5c;
		CHECK_EQ("eight-children-private-copies", bad, 0);
		CHECK_EQ("eight-children-parent-intact", pbad, 0);
		munmap(m, sz);
		close(go[0]);
		close(go[1]);
	}

	/* MADV_WIPEONFORK: the child sees zeros; MADV_DONTFORK: the child has no mapping */
	{
		char *w = mmap(NULL, PG * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *d = mmap(NULL, PG * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(w, 'w', PG * 2);
		memset(d, 'd', PG * 2);
		CHECK_EQ("madv-wipeonfork", madvise(w, PG * 2, MADV_WIPEONFORK), 0);
		CHECK_EQ("madv-dontfork", madvise(d, PG * 2, MADV_DONTFORK), 0);
		pid_t pid = fork();
		if (pid == 0)
			_exit(w[0] == 0 && w[PG * 2 - 1] == 0 ? 0 : 1);
		st = mt_reap(pid);
		CHECK("wipeonfork-child-zero", EXITED_0(st));
		CHECK("wipeonfork-parent-kept", w[0] == 'w');
		pid = fork();
		if (pid == 0) {
			volatile char c = d[0];
			(void)c;
			_exit(0);
		}
		st = mt_reap(pid);
		CHECK("dontfork-child-segv", st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		CHECK("dontfork-parent-kept", d[0] == 'd');
		munmap(w, PG * 2);
		munmap(d, PG * 2);
	}

	/* mremap */
	{
		char *m = mmap(NULL, PG * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (size_t i = 0; i < PG * 4; i++)
			m[i] = (char)(i * 7);
		char *g = mremap(m, PG * 4, PG * 64, MREMAP_MAYMOVE);
		CHECK("mremap-grow", g != MAP_FAILED);
		int bad = 0;
		for (size_t i = 0; i < PG * 4; i++)
			bad += g[i] != (char)(i * 7);
		CHECK_EQ("mremap-grow-keeps-contents", bad, 0);
		bad = 0;
		for (size_t i = PG * 4; i < PG * 64; i += 512)
			bad += g[i] != 0;
		CHECK_EQ("mremap-grow-new-part-zero", bad, 0);
		g[PG * 63] = 9;
		/* the moved mapping is still copy-on-write across fork */
		pid_t pid = fork();
		if (pid == 0) {
			int ok = g[PG * 63] == 9 && g[5] == (char)35;
			g[5] = 1;
			_exit(ok ? 0 : 1);
		}
		st = mt_reap(pid);
		CHECK("mremap-then-fork", EXITED_0(st) && g[5] == (char)35);
		char *s = mremap(g, PG * 64, PG * 2, 0);
		CHECK("mremap-shrink-in-place", s == g);
		CHECK("mremap-shrink-keeps-contents", s[PG + 1] == (char)((PG + 1) * 7));
		/* MREMAP_FIXED to a chosen place */
		char *target = mmap(NULL, PG * 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *f = mremap(s, PG * 2, PG * 2, MREMAP_MAYMOVE | MREMAP_FIXED, target);
		CHECK("mremap-fixed", f == target);
		CHECK("mremap-fixed-contents", f[PG + 1] == (char)((PG + 1) * 7));
		/* errors */
		char *volatile unal = f + 1;
		CHECK("mremap-unaligned-einval",
		      mremap(unal, PG, PG * 2, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
		CHECK("mremap-bad-flags-einval",
		      mremap(f, PG, PG * 2, 0x80) == MAP_FAILED && errno == EINVAL);
		CHECK("mremap-fixed-without-maymove-einval",
		      mremap(f, PG, PG, MREMAP_FIXED, target + PG * 8) == MAP_FAILED && errno == EINVAL);
		CHECK("mremap-zero-len-einval",
		      mremap(f, PG, 0, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
		munmap(f, PG * 2);
		CHECK("mremap-unmapped-efault",
		      mremap(f, PG, PG * 2, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
		/* growing in place without MREMAP_MAYMOVE when the next page is taken: ENOMEM */
		char *two = mmap(NULL, PG * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mprotect(two + PG, PG, PROT_READ); /* a different vma right after the first page */
		CHECK("mremap-no-room-enomem",
		      mremap(two, PG, PG * 2, 0) == MAP_FAILED && errno == ENOMEM);
		munmap(two, PG * 2);
		/* a shared anonymous mapping stays shared after mremap */
		volatile int *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		sh[0] = 1;
		volatile int *sh2 = mremap((void *)sh, PG, PG * 8, MREMAP_MAYMOVE);
		CHECK("mremap-shared-grow", sh2 != MAP_FAILED && sh2[0] == 1);
		pid = fork();
		if (pid == 0) {
			sh2[0] = 2;
			_exit(0);
		}
		mt_reap(pid);
		CHECK("mremap-shared-still-shared", sh2[0] == 2);
		/* the shmem object behind it keeps its size: past it is SIGBUS (in a child) */
		pid = fork();
		if (pid == 0) {
			sh2[PG * 7 / sizeof(int)] = 3;
			_exit(0);
		}
		st = mt_reap(pid);
		CHECK("mremap-shared-past-object-sigbus",
		      st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
		munmap((void *)sh2, PG * 8);
	}
	mt_end();
}
