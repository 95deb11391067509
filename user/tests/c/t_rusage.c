/* t_rusage: what getrusage(2), wait4(2)'s rusage, waitid(2)'s rusage and times(2) count, as
 * Linux's kernel/sys.c getrusage() and kernel/exit.c wait_task_zombie():
 *  - RUSAGE_SELF is the whole process (threads that exited included), RUSAGE_THREAD the caller;
 *  - a child reaped by wait adds its own and its reaped children's counts to RUSAGE_CHILDREN
 *    (page faults too, not only CPU time); WNOWAIT and an autoreaped child (SIGCHLD ignored)
 *    add nothing;
 *  - wait4's rusage of an exited or stopped child is that child's (and its children's);
 *  - times() gives the whole process's CPU time.
 * Page faults are counted by touching fresh anonymous pages (one minor fault each). */
#include "mtest.h"
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

#define PAGES 64

static void touch_pages(int n)
{
	char *p = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(99);
	for (int i = 0; i < n; i++)
		p[i * 4096] = 1;
}

static long minflt(int who)
{
	struct rusage ru;
	if (getrusage(who, &ru) != 0)
		return -1;
	return ru.ru_minflt;
}

static double cpu_s(struct timeval a, struct timeval b)
{
	return a.tv_sec + b.tv_sec + (a.tv_usec + b.tv_usec) / 1e6;
}

static void *thread_touch(void *arg)
{
	(void)arg;
	touch_pages(PAGES);
	return NULL;
}

static void *thread_spin(void *arg)
{
	(void)arg;
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 0.3);
	return NULL;
}

int main(void)
{
	mt_begin("t_rusage");

	/* an exited child: wait4's rusage and RUSAGE_CHILDREN */
	long before = minflt(RUSAGE_CHILDREN);
	pid_t c = fork();
	if (c == 0) {
		touch_pages(PAGES);
		_exit(0);
	}
	struct rusage ru;
	int st;
	memset(&ru, 0, sizeof ru);
	pid_t r;
	do
		r = wait4(c, &st, 0, &ru);
	while (r < 0 && errno == EINTR);
	CHECK_EQ("wait4-reaps", r, c);
	CHECK("wait4-rusage-minflt", ru.ru_minflt >= PAGES);
	long after = minflt(RUSAGE_CHILDREN);
	CHECK("children-minflt-grows", after - before >= PAGES);
	printf("child: wait4 minflt %ld, RUSAGE_CHILDREN %ld -> %ld\n", ru.ru_minflt, before, after);

	/* a grandchild's faults reach us through the child that reaped it */
	before = after;
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			touch_pages(PAGES);
			_exit(0);
		}
		mt_reap(g);
		_exit(0);
	}
	memset(&ru, 0, sizeof ru);
	do
		r = wait4(c, &st, 0, &ru);
	while (r < 0 && errno == EINTR);
	CHECK("wait4-rusage-includes-grandchild", ru.ru_minflt >= PAGES);
	after = minflt(RUSAGE_CHILDREN);
	CHECK("children-minflt-includes-grandchild", after - before >= PAGES);

	/* WNOWAIT adds nothing; the real wait does */
	before = after;
	c = fork();
	if (c == 0) {
		touch_pages(PAGES);
		_exit(0);
	}
	siginfo_t si;
	memset(&ru, 0, sizeof ru);
	int w;
	do
		w = syscall(SYS_waitid, P_PID, c, &si, WEXITED | WNOWAIT, &ru);
	while (w < 0 && errno == EINTR);
	CHECK_EQ("waitid-wnowait", w, 0);
	CHECK("waitid-rusage-minflt", ru.ru_minflt >= PAGES);
	CHECK_EQ("wnowait-adds-nothing", minflt(RUSAGE_CHILDREN), before);
	mt_reap(c);
	CHECK("reap-after-wnowait-adds", minflt(RUSAGE_CHILDREN) - before >= PAGES);

	/* an autoreaped child (SIGCHLD ignored) adds nothing */
	before = minflt(RUSAGE_CHILDREN);
	signal(SIGCHLD, SIG_IGN);
	c = fork();
	if (c == 0) {
		touch_pages(PAGES);
		_exit(0);
	}
	do
		r = wait4(c, &st, 0, NULL);
	while (r < 0 && errno == EINTR);
	int e = errno;
	CHECK("autoreap-echild", r < 0 && e == ECHILD);
	CHECK_EQ("autoreap-adds-nothing", minflt(RUSAGE_CHILDREN), before);
	signal(SIGCHLD, SIG_DFL);

	/* a stopped child: wait4 WUNTRACED gives its rusage */
	c = fork();
	if (c == 0) {
		touch_pages(PAGES);
		raise(SIGSTOP);
		_exit(0);
	}
	memset(&ru, 0, sizeof ru);
	do
		r = wait4(c, &st, WUNTRACED, &ru);
	while (r < 0 && errno == EINTR);
	CHECK("wait4-stopped", r == c && WIFSTOPPED(st));
	CHECK("wait4-stopped-rusage-minflt", ru.ru_minflt >= PAGES);
	kill(c, SIGCONT);
	mt_reap(c);

	/* RUSAGE_SELF is the process: a thread's faults count after it exits; RUSAGE_THREAD
	 * is the caller's own */
	long self0 = minflt(RUSAGE_SELF), thr0 = minflt(RUSAGE_THREAD);
	pthread_t t;
	CHECK_EQ("thread-create", pthread_create(&t, NULL, thread_touch, NULL), 0);
	pthread_join(t, NULL);
	long self1 = minflt(RUSAGE_SELF), thr1 = minflt(RUSAGE_THREAD);
	CHECK("self-includes-exited-thread", self1 - self0 >= PAGES);
	CHECK("thread-is-own", thr1 - thr0 < PAGES);
	printf("RUSAGE_SELF %ld -> %ld, RUSAGE_THREAD %ld -> %ld\n", self0, self1, thr0, thr1);

	/* CPU time: a thread's 0.3 s shows in RUSAGE_SELF and times(), not in RUSAGE_THREAD */
	struct rusage s0, s1, th;
	struct tms tm0, tm1;
	getrusage(RUSAGE_SELF, &s0);
	times(&tm0);
	CHECK_EQ("spin-thread-create", pthread_create(&t, NULL, thread_spin, NULL), 0);
	pthread_join(t, NULL);
	getrusage(RUSAGE_SELF, &s1);
	times(&tm1);
	getrusage(RUSAGE_THREAD, &th);
	double self_cpu = cpu_s(s1.ru_utime, s1.ru_stime) - cpu_s(s0.ru_utime, s0.ru_stime);
	long ticks = (tm1.tms_utime + tm1.tms_stime) - (tm0.tms_utime + tm0.tms_stime);
	CHECK("self-cpu-includes-thread", self_cpu >= 0.25);
	CHECK("times-includes-thread", ticks >= 25);
	CHECK("thread-cpu-is-own", cpu_s(th.ru_utime, th.ru_stime) < cpu_s(s1.ru_utime, s1.ru_stime) - 0.25);
	printf("thread CPU: RUSAGE_SELF +%.3f s, times() +%ld ticks\n", self_cpu, ticks);

	/* Fault-around (Linux: do_fault_around() -> filemap_map_pages(), fault_around_bytes
	 * 64 KiB): a read fault on a private file mapping maps the page-cache pages of its 64 KiB
	 * window, so reading the other 15 pages of the window takes no fault of its own.  The file
	 * was just written: its pages are in the cache. */
	{
		const char *path = "/tmp/t_rusage_faultaround";
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		size_t len = 256 << 10, done = 0;
		static char page[4096];
		memset(page, 'x', sizeof page);
		while (fd >= 0 && done < len && write(fd, page, sizeof page) == (ssize_t)sizeof page)
			done += sizeof page;
		char *m = fd >= 0 && done == len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
		CHECK("faultaround-file-mapped", m != MAP_FAILED);
		if (m != MAP_FAILED) {
			/* the first 64 KiB-aligned window wholly inside the mapping */
			volatile char *w = (volatile char *)(((unsigned long)m + 0xffff) & ~0xffffUL);
			long f0 = minflt(RUSAGE_THREAD);
			int sum = w[0];
			long f1 = minflt(RUSAGE_THREAD);
			for (int i = 1; i < 16; i++)
				sum += w[i * 4096];
			long f2 = minflt(RUSAGE_THREAD);
			CHECK("faultaround-first-read-faults", f1 - f0 >= 1);
			CHECK_EQ("faultaround-window-no-more-faults", f2 - f1, 0);
			CHECK_EQ("faultaround-bytes-read", sum, 16 * 'x');
			printf("fault-around: first read %ld fault(s), the 15 pages after it %ld\n", f1 - f0, f2 - f1);
			munmap(m, len);
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}

	CHECK_ERR("bad-who-einval", getrusage(7, &ru), EINVAL);
	mt_end();
}
