/* t_oom - memory hogs and the OOM killer: under memory pressure a process dies, never the
 * kernel.
 *
 * Boot: rdinit=/tests/t_oom (-m 512M, no swap).
 *
 * What Linux 6.1 does, and this test expects:
 *  - /proc/PID/oom_score grows with a process's resident memory; it is 0 for a process with
 *    oom_score_adj -1000, and above 1000 for one with oom_score_adj 1000 (the score is
 *    (1000 + badness * 1000 / totalpages) * 2 / 3, badness = rss + page tables + adj thousandths
 *    of memory).  oom_score_adj reads back what was written.
 *  - a hog that maps and touches anonymous memory until it is stopped is killed by SIGKILL
 *    (the OOM killer), while a protected process (oom_score_adj -1000) that holds 16 MiB keeps it,
 *    unchanged, and init (this test, PID 1) lives on.  MemFree comes back to within a few MiB
 *    of where it was.
 *  - with a process at oom_score_adj 1000 that holds only 16 MiB, and one at 0 that asks for
 *    all the free memory and 4 MiB more, the OOM killer chooses the 1000 one: the other gets
 *    its memory and exits 0.
 *  - a hog that populates (MAP_POPULATE) more than all the memory is killed by the OOM killer,
 *    and forks made then all work (MenuOS: the populate leaves the hog alive at the floor of
 *    free memory, and the fork's allocations invoke the OOM killer, as Linux's do).
 *  - after all of that, fork and a 64 MiB allocation still work.
 */
#include "mtest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MiB (1UL << 20)
#define PG 4096UL


static long read_long(const char *path)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -99999;
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -99999;
}

static long pid_long(pid_t pid, const char *file)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
	return read_long(path);
}

static void set_adj(const char *v)
{
	if (mt_write_str("/proc/self/oom_score_adj", v))
		_exit(90);
}

static void touch(unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += PG)
		p[i] = v;
}

/* At oom_score_adj 0, maps and touches 1 MiB at a time for ever. */
static void __attribute__((noreturn)) hog(void)
{
	set_adj("0"); /* init runs at -1000, and a child inherits it */
	for (;;) {
		unsigned char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(91); /* Linux overcommits: mmap itself does not fail here */
		touch(p, MiB, 0x5a);
	}
}

/* A child that holds `mb` MiB filled with `v`, reports on `ready`, and waits for `go`: then
 * checks its memory and exits 0 if it is intact. */
static pid_t holder(const char *adj, size_t mb, int *ready_rd, int *go_wr)
{
	int r[2], g[2];
	if (pipe(r) || pipe(g))
		return -1;
	pid_t c = fork();
	if (c == 0) {
		close(r[0]);
		close(g[1]);
		set_adj(adj);
		unsigned char *p = mmap(NULL, mb * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(92);
		touch(p, mb * MiB, 0xa5);
		(void)!write(r[1], "r", 1);
		char ch;
		(void)!read(g[0], &ch, 1);
		for (size_t i = 0; i < mb * MiB; i += PG)
			if (p[i] != 0xa5)
				_exit(93);
		_exit(0);
	}
	close(r[1]);
	close(g[0]);
	*ready_rd = r[0];
	*go_wr = g[1];
	char ch;
	if (read(r[0], &ch, 1) != 1)
		return -1;
	return c;
}

int main(void)
{
	mt_begin("t_oom");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	CHECK_EQ("init-protects-itself", mt_write_str("/proc/self/oom_score_adj", "-1000"), 0);
	CHECK_EQ("adj-reads-back", read_long("/proc/self/oom_score_adj"), -1000);
	CHECK_EQ("score-of-protected-is-0", read_long("/proc/self/oom_score"), 0);

	/* oom_score follows memory and oom_score_adj */
	int rd, go;
	pid_t small = holder("0", 1, &rd, &go);
	int rd2, go2;
	pid_t big = holder("0", 64, &rd2, &go2);
	int rd3, go3;
	pid_t pref = holder("1000", 1, &rd3, &go3);
	long s_small = pid_long(small, "oom_score"), s_big = pid_long(big, "oom_score"),
	     s_pref = pid_long(pref, "oom_score");
	mt_report(s_big > s_small, "score-grows-with-rss", "64 MiB: %ld, 1 MiB: %ld", s_big, s_small);
	mt_report(s_pref > 1000, "score-adj-1000-above-1000", "%ld", s_pref);
	CHECK_EQ("child-adj-reads-back", pid_long(pref, "oom_score_adj"), 1000);
	close(go);
	close(go2);
	close(go3);
	int st;
	waitpid(small, &st, 0);
	waitpid(big, &st, 0);
	waitpid(pref, &st, 0);
	close(rd);
	close(rd2);
	close(rd3);

	/* a hog is killed, a protected holder keeps its memory */
	long free0 = mt_meminfo_kb("MemFree:");
	pid_t prot = holder("-1000", 16, &rd, &go);
	CHECK("protected-holder-ready", prot > 0);
	pid_t h = fork();
	if (h == 0) {
		hog();
	}
	waitpid(h, &st, 0);
	mt_report(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "hog-killed-by-sigkill", "status %#x", st);
	close(go);
	waitpid(prot, &st, 0);
	mt_report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "protected-memory-intact", "status %#x", st);
	close(rd);
	long free1 = mt_meminfo_kb("MemFree:");
	mt_report(free1 >= free0 - 8192, "memfree-back", "MemFree %ld kB -> %ld kB", free0, free1);

	/* oom_score_adj 1000 goes first: a holds 16 MiB at 1000; b, at 0, asks for all of MemFree
	 * and 4 MiB more, which only a's death covers (the reserve and page tables are ~4 MiB) */
	int p[2];
	CHECK_EQ("pipe", pipe(p), 0);
	pid_t a = fork();
	if (a == 0) {
		close(p[0]);
		set_adj("1000");
		unsigned char *m = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(92);
		touch(m, 16 * MiB, 1);
		(void)!write(p[1], "r", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	char ch;
	CHECK_EQ("adj-1000-holder-ready", read(p[0], &ch, 1), 1);
	close(p[0]);
	size_t want = (size_t)mt_meminfo_kb("MemFree:") * 1024 + 4 * MiB;
	pid_t b = fork();
	if (b == 0) {
		set_adj("0");
		unsigned char *m = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(91);
		touch(m, want, 2);
		_exit(0); /* got it all: the killer chose a */
	}
	/* b first: while it runs, init writes nothing (a write to a page it still shares with b
	 * copies it, and an allocation by init at -1000 could make the OOM killer take b). */
	waitpid(b, &st, 0);
	kill(a, SIGTERM); /* not SIGKILL: if the killer left a alone, the check below fails */
	int st_a;
	waitpid(a, &st_a, 0);
	mt_report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "adj-1000-chosen-before-hog", "hog status %#x", st);
	mt_report(WIFSIGNALED(st_a) && WTERMSIG(st_a) == SIGKILL, "adj-1000-killed", "status %#x", st_a);

	/* fork with the memory held to the last frame: a hog populates (MAP_POPULATE) more than
	 * all the memory.  Linux's populate faults invoke the OOM killer, which kills the hog; a
	 * kernel that leaves it alive with the free memory at its floor must still not fail the
	 * fork (Linux: copy_process's allocations invoke the OOM killer too).  Either way the
	 * forks work and the hog ends by SIGKILL (SIGTERM ends it otherwise: a failure).  NORESERVE:
	 * Linux's overcommit heuristic refuses a mapping larger than RAM otherwise. */
	int hp[2];
	CHECK_EQ("populate-hog-pipe", pipe(hp), 0);
	pid_t ph = fork();
	if (ph == 0) {
		close(hp[0]);
		set_adj("0");
		size_t want = (size_t)(mt_meminfo_kb("MemTotal:") + 64 * 1024) * 1024;
		void *m = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE, -1, 0);
		(void)!write(hp[1], m == MAP_FAILED ? "f" : "p", 1);
		for (;;)
			pause();
	}
	close(hp[1]);
	char hc = 0;
	(void)!read(hp[0], &hc, 1); /* 'p' (populated, the hog lives on) or EOF (killed) */
	close(hp[0]);
	int forks_ok = 0;
	for (int i = 0; i < 8; i++) {
		pid_t k = fork();
		if (k == 0)
			_exit(0);
		if (k > 0 && waitpid(k, &st, 0) == k && WIFEXITED(st))
			forks_ok++;
	}
	CHECK_EQ("fork-at-the-floor", forks_ok, 8);
	kill(ph, SIGTERM);
	waitpid(ph, &st, 0);
	mt_report(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "populate-hog-oom-killed", "hog status %#x (it said %c)",
		  st, hc ? hc : '-');

	/* the system still works */
	pid_t c = fork();
	if (c == 0) {
		unsigned char *m = malloc(64 * MiB);
		if (!m)
			_exit(1);
		touch(m, 64 * MiB, 7);
		_exit(0);
	}
	CHECK("fork-after", c > 0);
	waitpid(c, &st, 0);
	mt_report(WIFEXITED(st) && WEXITSTATUS(st) == 0, "alloc-64m-after", "status %#x", st);
	long free2 = mt_meminfo_kb("MemFree:");
	mt_report(free2 >= free0 - 8192, "memfree-back-at-end", "MemFree %ld kB -> %ld kB", free0, free2);
	mt_end();
}
