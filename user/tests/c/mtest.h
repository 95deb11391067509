/* mtest.h - the MenuOS in-guest test protocol (header-only, C, static glibc).
 *
 * A test program runs its checks and prints one line per check on stdout:
 *     PASS <test>/<check>
 *     FAIL <test>/<check>: <what went wrong>
 * then a closing line
 *     TEST-END <test> <npass> <nfail>
 * and, when it runs as PID 1 (booted as rdinit=/tests/<test>), powers the machine off with
 * reboot(LINUX_REBOOT_CMD_POWER_OFF), so that QEMU exits.  Run as an ordinary process (from the
 * menu or a shell) it exits with status 0 when every check passed, 1 otherwise.
 *
 * The host harness (tools/qemutest.py) counts the PASS and FAIL lines of each boot; a boot that
 * never prints TEST-END (crash, hang, timeout) counts as a failure of that test.  The same binary
 * runs unchanged on MenuOS and on the reference Linux: expectations are Linux's.
 */
#ifndef MTEST_H
#define MTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

static const char *mt_test_name = "?";
static int mt_npass, mt_nfail;

static void mt_begin(const char *name)
{
#ifdef MT_SUFFIX
	/* the same test built again (tools/build-user-c.sh: dynamically linked, <name>_dyn) */
	static char mt_name_buf[64];
	snprintf(mt_name_buf, sizeof mt_name_buf, "%s%s", name, MT_SUFFIX);
	name = mt_name_buf;
#endif
	mt_test_name = name;
	setvbuf(stdout, NULL, _IONBF, 0); /* lines must not be lost or doubled across fork */
}

static void mt_report(int ok, const char *check, const char *fmt, ...)
{
	if (ok) {
		mt_npass++;
		printf("PASS %s/%s\n", mt_test_name, check);
	} else {
		char buf[512];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		mt_nfail++;
		printf("FAIL %s/%s: %s\n", mt_test_name, check, buf);
	}
}

/* CHECK(name, cond): cond must hold. */
#define CHECK(check, cond) mt_report(!!(cond), (check), "%s (line %d)", #cond, __LINE__)

/* CHECK_EQ(name, got, want): integers compared, both printed on failure. */
#define CHECK_EQ(check, got, want)                                                         \
	do {                                                                               \
		long long mt_g = (long long)(got), mt_w = (long long)(want);               \
		mt_report(mt_g == mt_w, (check), "%s = %lld, want %lld (line %d)", #got,   \
			  mt_g, mt_w, __LINE__);                                           \
	} while (0)

/* CHECK_ERR(name, expr, errno): expr must return -1 with that errno. */
#define CHECK_ERR(check, expr, want_errno)                                                 \
	do {                                                                               \
		errno = 0;                                                                 \
		long long mt_r = (long long)(expr);                                        \
		int mt_e = errno;                                                          \
		mt_report(mt_r == -1 && mt_e == (want_errno), (check),                     \
			  "%s = %lld errno %d (%s), want -1 errno %d (%s) (line %d)", #expr, \
			  mt_r, mt_e, strerror(mt_e), (want_errno), strerror(want_errno),  \
			  __LINE__);                                                       \
	} while (0)

/* mt_meminfo_kb("MemFree:"): a /proc/meminfo value in kB, -1 when absent.  Reads into a
 * static buffer, so it allocates nothing (the leak tests call it between measurements). */
#include <fcntl.h>
static __attribute__((unused)) long mt_meminfo_kb(const char *key)
{
	static char buf[8192];
	int fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* mt_write_str(path, s): writes s to an existing file (a sysctl, a /proc file) in one
 * write; 0, or -1 with errno. */
static __attribute__((unused)) int mt_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

/* mt_read_long(path): the number a file (a sysctl) starts with; -1 when it cannot be read. */
static __attribute__((unused)) long mt_read_long(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof b - 1);
	close(fd);
	return n > 0 ? strtol(b, NULL, 10) : -1;
}

/* Helpers many tests share (unused ones cost nothing: static, marked unused). */
#include <sys/wait.h>
#include <time.h>

/* mt_reap_flags(pid, flags): waitpid(pid, &st, flags), retried on EINTR.  Returns the wait
 * status, or -1 when waitpid did not return pid (error, or 0 with WNOHANG). */
static __attribute__((unused)) int mt_reap_flags(pid_t pid, int flags)
{
	int st;
	pid_t r;
	do
		r = waitpid(pid, &st, flags);
	while (r < 0 && errno == EINTR);
	return r == pid ? st : -1;
}

/* mt_reap(pid): waits for that child (blocking, EINTR retried); its wait status, or -1. */
static __attribute__((unused)) int mt_reap(pid_t pid)
{
	return mt_reap_flags(pid, 0);
}

/* mt_msleep(ms): sleeps ms milliseconds (nanosleep, resumed after a signal handler). */
static __attribute__((unused)) void mt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* mt_now(): CLOCK_MONOTONIC in seconds, for timing and timeouts within a test. */
static __attribute__((unused)) double mt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* mt_blocked_child(code, &wfd): forks a child that blocks reading a pipe until the parent
 * closes the write end it gets in *wfd (or writes a byte to it), then exits with `code`.
 * Returns the child's pid.  A child that is alive, and asleep, for as long as the test wants. */
static __attribute__((unused)) pid_t mt_blocked_child(int code, int *wfd)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(code);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

/* mt_mount_proc(): mounts /proc if it is not there yet (Linux boots rdinit= without it). */
#include <sys/mount.h>
#include <sys/stat.h>
static __attribute__((unused)) void mt_mount_proc(void)
{
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
}

/* Ends the test: summary line, then power off when PID 1, else exit status. */
static void __attribute__((noreturn)) mt_end(void)
{
	printf("TEST-END %s %d %d\n", mt_test_name, mt_npass, mt_nfail);
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	exit(mt_nfail ? 1 : 0);
}

#endif
