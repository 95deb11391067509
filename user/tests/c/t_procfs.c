/* t_procfs: /proc in Linux's formats (Linux: fs/proc/), checked field by field against what
 * Linux 6.1 prints.  Boot: rdinit=/tests/t_procfs (PID 1).  On Linux the test mounts proc on
 * /proc itself (nothing else does when a test is init); on MenuOS /proc is always there.
 *
 *  - /proc/self/stat: 52 fields; pid, "(comm)" (also a comm with blanks and parentheses, parsed
 *    to the last ')' as procps and the menu's ps do), state R, ppid, pgrp, session, num_threads,
 *    start_time, vsize (= VmSize), rsslim, start_code <= main < end_code, a local below
 *    start_stack, arg_start = argv[0], env_start = environ[0], the obsolete signal words,
 *    exit_code 0; statm's size = vsize;
 *  - /proc/self/status: the keys in Linux's order; Name, Umask, State, Tgid, Pid, PPid, Uid,
 *    FDSize, Threads, SigBlk / SigIgn / SigCgt in 16 hex digits, ctxt switches last;
 *    read in 7-byte pieces it is the same text (a snapshot, seq_file style);
 *  - a child exec'd with arguments: cmdline NUL-separated (an empty argument, and a long one
 *    whose bytes cross a page boundary), environ,
 *    comm, state S while it sleeps, ppid, exe, its fd as "pipe:[ino]", exit_signal 17;
 *  - a second thread: Threads 2, num_threads 2, task/ lists both tids, task/TID/stat is the
 *    thread's, /proc/thread-self -> PID/task/TID;
 *  - maps: the "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu" lines, names at column 73, the
 *    executable's path on the line holding main, [heap], [stack] around a local, [vdso]; a
 *    private and a shared file mapping (offset, dev, ino, path), a shared anonymous one
 *    ("/dev/zero (deleted)");
 *  - fd/: 0 1 2 and a pipe, /dev/console, "pipe:[N]" with N = fstat's st_ino, a file and a
 *    directory by path, a pidfd as "anon_inode:[pidfd]", the link modes (lr-x / l-wx), opening
 *    fd/N of a pipe reads the pipe, of a file the file;
 *  - ".." of /proc is /, of /proc/PID is /proc, of /proc/PID/fd is /proc/PID;
 *  - exe, cwd (after chdir), root, /proc/self -> pid;
 *  - meminfo ("%-16s%8lu kB" lines, MemTotal MemFree MemAvailable Buffers Cached first),
 *    uptime ("%lu.%02lu %lu.%02lu", near CLOCK_BOOTTIME), loadavg ("0.00 0.00 0.00 R/T last"),
 *    cpuinfo (processor, hart, isa, mmu, mvendorid, marchid, mimpid), version;
 *  - getdents on /proc: "1", "self" (DT_LNK), pids as DT_DIR, the fixed files; a reaped child
 *    is gone;
 *  - a forked child: statm size = the parent's, resident and VmRSS > 0, and it still
 *    breaks copy-on-write after its /proc files were read;
 *  - a zombie: state Z, exit_code 768 in field 52, no memory, empty cmdline, exe ENOENT,
 *    status "Z (zombie)"; after the reap ENOENT;
 *  - ENOENT for /proc/99999/stat, /proc/99999, /proc/self/nosuch; writes: stat EINVAL,
 *    meminfo EIO; creat and mkdir in /proc ENOENT; comm is writable by the process itself;
 *  - every /proc/<pid>/stat parses as the menu's `ps` parses it (pid (comm) state ppid).
 *  - st_blksize (stat, statx) is /proc's s_blocksize, 1024 (stdio reads /proc files in
 *    1024-byte calls, as strace shows), and a page on the root file system.
 */
#include "mtest.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static char buf[65536], buf2[65536];

/* The whole file, read in `chunk`-byte pieces; -errno on failure. */
static long slurp_chunked(const char *path, char *out, size_t size, size_t chunk)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		size_t want = size - 1 - n < chunk ? size - 1 - n : chunk;
		if (want == 0)
			break;
		ssize_t r = read(fd, out + n, want);
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	out[n] = 0;
	return n;
}

static long slurp(const char *path, char *out, size_t size)
{
	return slurp_chunked(path, out, size, size);
}

/* Splits a stat line into its fields: f[1] = pid, f[2] = comm (without parentheses), f[3] =
 * state, ... as proc(5) numbers them.  Returns the number of fields. */
static int stat_fields(char *line, char **f, int max)
{
	char *open = strchr(line, '(');
	char *close = strrchr(line, ')');
	if (!open || !close || close < open)
		return 0;
	*open = 0;
	*close = 0;
	f[1] = line;
	f[2] = open + 1;
	int n = 2;
	char *save, *tok = strtok_r(close + 1, " \n", &save);
	while (tok && n + 1 < max) {
		f[++n] = tok;
		tok = strtok_r(NULL, " \n", &save);
	}
	return n;
}

static unsigned long long ull(const char *s)
{
	return strtoull(s, NULL, 10);
}

/* The value of "Key:\t..." in a status text, copied to out (without the newline). */
static int status_val(const char *text, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	const char *p = text;
	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':' && p[kl + 1] == '\t') {
			const char *v = p + kl + 2, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);
			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static int key_index(const char *text, const char *key)
{
	size_t kl = strlen(key);
	int i = 0;
	for (const char *p = text; p && *p; i++) {
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return i;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static char proc_state(pid_t pid)
{
	char path[64], s[4096], *f[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (slurp(path, s, sizeof s) <= 0)
		return '?';
	if (stat_fields(s, f, 64) < 3)
		return '?';
	return f[3][0];
}

/* Polls until pid shows `want` in /proc/pid/stat (at most ~3 s). */
static int wait_state(pid_t pid, char want)
{
	for (int i = 0; i < 300; i++) {
		if (proc_state(pid) == want)
			return 1;
		usleep(10000);
	}
	return 0;
}

static int rdlink(const char *path, char *out, size_t size)
{
	ssize_t n = readlink(path, out, size - 1);
	if (n < 0) {
		out[0] = 0;
		return -errno;
	}
	out[n] = 0;
	return n;
}

static void on_hup(int s)
{
	(void)s;
}

static int thread_pipe[2];
static volatile pid_t thread_tid;
static void *thread_main(void *a)
{
	char c;
	(void)a;
	thread_tid = gettid();
	while (read(thread_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Does one maps line have Linux's shape?  Fills the range and the name. */
static int maps_line(const char *l, unsigned long *lo, unsigned long *hi, char *perms, const char **name)
{
	unsigned long off, ino;
	unsigned maj, min;
	int pos = 0, ino_end = 0;
	if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu%n %n", lo, hi, perms, &off, &maj, &min, &ino, &ino_end, &pos) != 7)
		return 0;
	const char *dash = strchr(l, '-');
	if (!dash || dash - l < 8 || strlen(perms) != 4)
		return 0;
	/* "%08llx" offset and "%02x:%02x" device */
	const char *sp = strchr(dash, ' ');
	if (!sp || strlen(sp) < 24 || sp[5] != ' ' || sp[14] != ' ' || sp[17] != ':')
		return 0;
	const char *nl = strchr(l, '\n');
	size_t len = nl ? (size_t)(nl - l) : strlen(l);
	if ((size_t)pos >= len) {
		*name = "";
		return 1;
	}
	/* "%lu " then a name at column 73 (seq_pad to 72, then a blank), or one blank further
	 * when the prefix is longer */
	if (l[ino_end] != ' ' || pos != (ino_end + 2 > 73 ? ino_end + 2 : 73))
		return 0;
	*name = l + pos;
	return 1;
}

/* ---- the files added for Linux's programs and kselftests: limits, syscall, wchan, oom_*,
 * mounts, mountinfo, cmdline, fdinfo, map_files, task/TID (no task/ inside, children) ---- */
static void *sleeping_thread(void *a)
{
	(void)a;
	mt_msleep(300);
	return NULL;
}

static void test_more_files(const char *self_path)
{
	char path[300], tmp[4096];
	long n;
	/* limits: Linux's table, columns of 25, 20, 20, 10 */
	n = slurp("/proc/self/limits", buf, sizeof buf);
	CHECK("limits-header", !strncmp(buf, "Limit                     Soft Limit           Hard Limit           Units     \n", 79));
	CHECK("limits-nofile", strstr(buf, "\nMax open files            1024                 4096                 files     \n") != NULL);
	CHECK("limits-stack", strstr(buf, "\nMax stack size            8388608              unlimited            bytes     \n") != NULL);
	CHECK("limits-nice-no-unit", strstr(buf, "\nMax nice priority         0                    0                    \n") != NULL);
	CHECK("limits-17-lines", n > 0 && buf[n - 1] == '\n' && strstr(buf, "\nMax realtime timeout      unlimited            unlimited            us        \n"));

	/* syscall: our own read(2) of it, read by a raw syscall as the kselftest does */
	int fd = open("/proc/self/syscall", O_RDONLY);
	char want[128];
	snprintf(want, sizeof want, "%ld 0x%lx 0x%lx 0x%lx ", (long)SYS_read, (long)fd, (long)tmp, (long)sizeof tmp);
	memset(tmp, 0, sizeof tmp);
	n = syscall(SYS_read, fd, tmp, sizeof tmp);
	close(fd);
	mt_report(n > 0 && !strncmp(tmp, want, strlen(want)) && tmp[n - 1] == '\n', "syscall-self", "\"%s\", want \"%s...\"", tmp, want);
	/* wchan: 0 while running; a child waiting for its own child waits in do_wait */
	n = slurp("/proc/self/wchan", buf, sizeof buf);
	mt_report(n == 1 && buf[0] == '0', "wchan-self-0", "read %ld \"%s\"", n, buf);
	pid_t w = fork();
	if (w == 0) {
		if (fork() == 0) {
			mt_msleep(400);
			_exit(0);
		}
		wait(NULL);
		_exit(0);
	}
	mt_msleep(150);
	snprintf(path, sizeof path, "/proc/%d/wchan", w);
	n = slurp(path, buf, sizeof buf);
	mt_report(n > 0 && !strcmp(buf, "do_wait"), "wchan-do_wait", "read %ld \"%s\"", n, buf);
	snprintf(path, sizeof path, "/proc/%d/syscall", w);
	n = slurp(path, buf, sizeof buf);
	snprintf(want, sizeof want, "%ld 0x", (long)SYS_wait4);
	mt_report(n > 0 && !strncmp(buf, want, strlen(want)), "syscall-of-sleeper", "\"%s\"", buf);
	mt_reap(w);
	snprintf(path, sizeof path, "/proc/%d/syscall", w);
	CHECK_ERR("syscall-of-reaped", open(path, O_RDONLY), ENOENT);

	/* oom_score_adj, oom_adj, oom_score */
	int p[2];
	pipe(p);
	w = fork();
	if (w == 0) {
		char r[128];
		int k = 0;
		k += (slurp("/proc/self/oom_score_adj", buf, sizeof buf) == 2 && !strcmp(buf, "0\n"));
		int f = open("/proc/self/oom_score_adj", O_WRONLY);
		k += (write(f, "500", 3) == 3);
		close(f);
		k += (slurp("/proc/self/oom_score_adj", buf, sizeof buf) > 0 && !strcmp(buf, "500\n"));
		k += (slurp("/proc/self/oom_adj", buf, sizeof buf) > 0 && !strcmp(buf, "8\n"));
		f = open("/proc/self/oom_score_adj", O_WRONLY);
		errno = 0;
		k += (write(f, "1001", 4) == -1 && errno == EINVAL);
		errno = 0;
		k += (write(f, "-1001", 5) == -1 && errno == EINVAL);
		errno = 0;
		k += (write(f, "abc", 3) == -1 && errno == EINVAL);
		k += (write(f, " 1000\n", 6) == 6);
		close(f);
		long hi = atol((slurp("/proc/self/oom_score", buf, sizeof buf), buf));
		k += (hi >= 1300 && hi <= 2000);
		f = open("/proc/self/oom_adj", O_WRONLY);
		k += (write(f, "-17", 3) == 3);
		close(f);
		k += (slurp("/proc/self/oom_score_adj", buf, sizeof buf) > 0 && !strcmp(buf, "-1000\n"));
		k += (slurp("/proc/self/oom_score", buf, sizeof buf) > 0 && !strcmp(buf, "0\n"));
		snprintf(r, sizeof r, "%d %ld", k, hi);
		write(p[1], r, strlen(r) + 1);
		_exit(0);
	}
	close(p[1]);
	memset(tmp, 0, sizeof tmp);
	read(p[0], tmp, sizeof tmp);
	close(p[0]);
	mt_reap(w);
	mt_report(atoi(tmp) == 12, "oom-files", "child's score \"%s\" (12 checks)", tmp);
	n = slurp("/proc/1/oom_score", buf, sizeof buf);
	mt_report(getpid() != 1 || !strcmp(buf, "0\n"), "oom_score-init-0", "\"%s\"", buf);

	/* mounts, mountinfo, /proc/mounts, /proc/cmdline */
	n = slurp("/proc/self/mounts", buf, sizeof buf);
	CHECK("mounts-proc", strstr(buf, "\nproc /proc proc rw,relatime 0 0\n") != NULL);
	CHECK("mounts-rootfs-first", !strncmp(buf, "rootfs / rootfs rw", 18));
	n = slurp("/proc/self/mountinfo", buf, sizeof buf);
	CHECK("mountinfo-proc", strstr(buf, " / /proc rw,relatime - proc proc rw\n") != NULL);
	CHECK("mountinfo-root", !strncmp(buf, "1 1 0:", 6) && strstr(buf, " / / rw - rootfs rootfs rw"));
	n = rdlink("/proc/mounts", tmp, sizeof tmp);
	CHECK("proc-mounts-link", n > 0 && !strcmp(tmp, "self/mounts"));
	n = slurp("/proc/cmdline", buf, sizeof buf);
	snprintf(want, sizeof want, "rdinit=%s", self_path);
	mt_report(n > 0 && buf[n - 1] == '\n' && strstr(buf, want) && !strncmp(buf, "console=ttyS0", 13),
		  "cmdline", "\"%s\"", buf);

	/* fdinfo of a file: its position and flags */
	fd = open("/proc/self/stat", O_RDONLY);
	read(fd, tmp, 5);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	n = slurp(path, buf, sizeof buf);
	CHECK("fdinfo-pos", !strncmp(buf, "pos:\t5\nflags:\t0100000\nmnt_id:\t", 30));
	close(fd);
	CHECK_ERR("fdinfo-closed", open(path, O_RDONLY), ENOENT);

	/* map_files: a private mapping of our own executable and of /dev/zero */
	fd = open(self_path, O_RDONLY);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)m, (unsigned long)m + 4096);
	n = rdlink(path, tmp, sizeof tmp);
	mt_report(n > 0 && !strcmp(tmp, self_path), "map_files-link", "%s -> \"%s\"", path, n > 0 ? tmp : "");
	struct stat st;
	CHECK("map_files-lstat", lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	snprintf(path, sizeof path, "/proc/self/map_files/0%lx-%lx", (unsigned long)m, (unsigned long)m + 4096);
	CHECK_ERR("map_files-leading-zero", lstat(path, &st), ENOENT);
	snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)m, (unsigned long)m + 8192);
	CHECK_ERR("map_files-not-exact", lstat(path, &st), ENOENT);
	munmap(m, 4096);
	fd = open("/dev/zero", O_RDONLY);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK("dev-zero-mmap", m != MAP_FAILED && m[0] == 0 && m[8191] == 0);
	m[100] = 5;
	CHECK_EQ("dev-zero-private-write", m[100], 5);
	snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)m, (unsigned long)m + 8192);
	n = rdlink(path, tmp, sizeof tmp);
	mt_report(n > 0 && !strcmp(tmp, "/dev/zero"), "map_files-dev-zero", "-> \"%s\"", n > 0 ? tmp : "");
	munmap(m, 8192);
	DIR *d = opendir("/proc/self/map_files");
	int entries = 0, bad = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		entries++;
		unsigned long lo, hi;
		char c;
		if (sscanf(de->d_name, "%lx-%lx%c", &lo, &hi, &c) != 2 || de->d_type != DT_LNK)
			bad++;
	}
	if (d)
		closedir(d);
	mt_report(entries > 0 && !bad, "map_files-listing", "%d entries, %d malformed", entries, bad);

	/* a thread's directory has no task/ of its own; children lists a thread's children */
	pthread_t t;
	pthread_create(&t, NULL, sleeping_thread, NULL);
	snprintf(path, sizeof path, "/proc/self/task/%d/task", getpid());
	CHECK_ERR("task-tid-no-task", access(path, F_OK), ENOENT);
	snprintf(path, sizeof path, "/proc/self/task/%d", getpid());
	d = opendir(path);
	int has_task = 0, has_children = 0;
	while (d && (de = readdir(d))) {
		has_task |= !strcmp(de->d_name, "task");
		has_children |= !strcmp(de->d_name, "children");
	}
	if (d)
		closedir(d);
	CHECK("task-tid-listing", !has_task && has_children);
	int wfd;
	pid_t c1 = mt_blocked_child(0, &wfd);
	snprintf(path, sizeof path, "/proc/self/task/%d/children", getpid());
	n = slurp(path, buf, sizeof buf);
	snprintf(want, sizeof want, "%d ", c1);
	mt_report(n > 0 && strstr(buf, want), "children", "\"%s\", want \"%s\" in it", buf, want);
	close(wfd);
	mt_reap(c1);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child")) {
		/* exec'd child: tell the parent we are past exec, then sleep until killed */
		(void)!write(10, "x", 1);
		for (;;)
			pause();
	}
	mt_begin("t_procfs");
	const char *self_path = argv[0][0] == '/' ? argv[0] : "/tests/t_procfs";
	const char *base = strrchr(self_path, '/') + 1;

	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	CHECK("proc-mounted", access("/proc/self/stat", R_OK) == 0);

	char *f[80];
	char tmp[4096], path[300];
	long n;

	/* ---- /proc/self/stat ---- */
	void *heap = malloc(1000); /* the [heap] exists */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, on_hup);
	int local = 0;
	n = slurp("/proc/self/stat", buf, sizeof buf);
	CHECK("stat-read", n > 0 && buf[n - 1] == '\n');
	int nf = stat_fields(buf, f, 80);
	CHECK_EQ("stat-52-fields", nf, 52);
	if (nf >= 52) {
		CHECK_EQ("stat-pid", atoi(f[1]), getpid());
		CHECK("stat-comm", !strcmp(f[2], base));
		CHECK("stat-state-R", !strcmp(f[3], "R"));
		CHECK_EQ("stat-ppid", atoi(f[4]), getppid());
		CHECK_EQ("stat-pgrp", atoi(f[5]), getpgrp());
		CHECK_EQ("stat-session", atoi(f[6]), getsid(0));
		CHECK_EQ("stat-tty-nr-none", atoi(f[7]), 0);
		CHECK_EQ("stat-tpgid-none", atoi(f[8]), -1);
		CHECK_EQ("stat-priority-20", atoi(f[18]), 20);
		CHECK_EQ("stat-nice-0", atoi(f[19]), 0);
		CHECK_EQ("stat-num-threads-1", atoi(f[20]), 1);
		CHECK_EQ("stat-itrealvalue-0", atoi(f[21]), 0);
		struct timespec ts;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		unsigned long long now_ticks = ts.tv_sec * 100ULL + ts.tv_nsec / 10000000;
		CHECK("stat-start-time-ticks", ull(f[22]) <= now_ticks);
		CHECK("stat-vsize", ull(f[23]) > 0 && ull(f[23]) % 4096 == 0);
		CHECK("stat-rss", ull(f[24]) > 0);
		CHECK("stat-rsslim-infinity", !strcmp(f[25], "18446744073709551615"));
		CHECK("stat-code-range", ull(f[26]) <= (uintptr_t)main && (uintptr_t)main < ull(f[27]));
		CHECK("stat-start-stack", (uintptr_t)&local < ull(f[28]));
		CHECK_EQ("stat-blocked-usr1", ull(f[32]), 1ULL << (SIGUSR1 - 1));
		CHECK_EQ("stat-sigignore-usr2", ull(f[33]), 1ULL << (SIGUSR2 - 1));
		CHECK_EQ("stat-sigcatch-hup", ull(f[34]), 1ULL << (SIGHUP - 1));
		CHECK("stat-wchan-0-running", !strcmp(f[35], "0"));
		CHECK_EQ("stat-processor-0", atoi(f[39]), 0);
		CHECK_EQ("stat-arg-start", ull(f[48]), (uintptr_t)argv[0]);
		CHECK_EQ("stat-arg-end", ull(f[49]) - ull(f[48]), strlen(argv[0]) + 1);
		CHECK("stat-env-start", !environ[0] || ull(f[50]) == (uintptr_t)environ[0]);
		CHECK("stat-data-brk", ull(f[45]) <= ull(f[46]) && ull(f[46]) <= ull(f[47]));
		CHECK("stat-exit-code-0", !strcmp(f[52], "0"));
	}
	unsigned long long vsize = nf >= 23 ? ull(f[23]) : 0;

	/* ---- /proc/self/status ---- */
	mode_t old_umask = umask(027);
	n = slurp("/proc/self/status", buf, sizeof buf);
	umask(old_umask);
	CHECK("status-read", n > 0);
	const char *order[] = {"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid",
			       "Gid", "FDSize", "Groups", "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS",
			       "RssAnon", "RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE",
			       "VmSwap", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
			       "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "voluntary_ctxt_switches",
			       "nonvoluntary_ctxt_switches", NULL};
	int last = -1, ordered = 1;
	for (int i = 0; order[i]; i++) {
		int k = key_index(buf, order[i]);
		if (k <= last) {
			ordered = 0;
			printf("t_procfs: status key %s at line %d (previous at %d)\n", order[i], k, last);
		}
		last = k;
	}
	CHECK("status-keys-in-linux-order", ordered);
	CHECK("status-first-line-name", !strncmp(buf, "Name:\t", 6));
	char v[256];
	snprintf(tmp, sizeof tmp, "%d", getpid());
	CHECK("status-name", status_val(buf, "Name", v, sizeof v) && !strcmp(v, base));
	CHECK("status-umask", status_val(buf, "Umask", v, sizeof v) && !strcmp(v, "0027"));
	CHECK("status-state", status_val(buf, "State", v, sizeof v) && !strcmp(v, "R (running)"));
	CHECK("status-tgid", status_val(buf, "Tgid", v, sizeof v) && !strcmp(v, tmp));
	CHECK("status-pid", status_val(buf, "Pid", v, sizeof v) && !strcmp(v, tmp));
	snprintf(tmp, sizeof tmp, "%d", getppid());
	CHECK("status-ppid", status_val(buf, "PPid", v, sizeof v) && !strcmp(v, tmp));
	CHECK("status-tracerpid", status_val(buf, "TracerPid", v, sizeof v) && !strcmp(v, "0"));
	CHECK("status-uid", status_val(buf, "Uid", v, sizeof v) && !strcmp(v, "0\t0\t0\t0"));
	CHECK("status-gid", status_val(buf, "Gid", v, sizeof v) && !strcmp(v, "0\t0\t0\t0"));
	CHECK("status-fdsize", status_val(buf, "FDSize", v, sizeof v) && !strcmp(v, "64"));
	CHECK("status-threads", status_val(buf, "Threads", v, sizeof v) && !strcmp(v, "1"));
	CHECK("status-sigblk", status_val(buf, "SigBlk", v, sizeof v) && !strcmp(v, "0000000000000200"));
	CHECK("status-sigign", status_val(buf, "SigIgn", v, sizeof v) && !strcmp(v, "0000000000000800"));
	CHECK("status-sigcgt", status_val(buf, "SigCgt", v, sizeof v) && !strcmp(v, "0000000000000001"));
	CHECK("status-sigpnd", status_val(buf, "SigPnd", v, sizeof v) && !strcmp(v, "0000000000000000"));
	CHECK("status-capeff", status_val(buf, "CapEff", v, sizeof v) && strlen(v) == 16);
	CHECK("status-vmsize-kb", status_val(buf, "VmSize", v, sizeof v) && strlen(v) == 11 &&
					  !strcmp(v + 8, " kB") && strtoull(v, NULL, 10) * 1024 == vsize);
	CHECK("status-sigq", status_val(buf, "SigQ", v, sizeof v) && strchr(v, '/'));
	CHECK("status-ends-with-ctxt-switches", n > 0 && buf[n - 1] == '\n' &&
							strstr(buf, "\nnonvoluntary_ctxt_switches:\t"));
	/* a snapshot read in pieces is one text */
	n = slurp_chunked("/proc/self/comm", buf2, sizeof buf2, 1);
	snprintf(tmp, sizeof tmp, "%s\n", base);
	CHECK("comm-bytewise", n == (long)strlen(tmp) && !strcmp(buf2, tmp));
	n = slurp_chunked("/proc/self/status", buf2, sizeof buf2, 7);
	CHECK("status-7-byte-reads", n > 0 && !strncmp(buf2, "Name:\t", 6) &&
					     strstr(buf2, "\nnonvoluntary_ctxt_switches:\t") && buf2[n - 1] == '\n');
	int fd = open("/proc/self/cmdline", O_RDONLY);
	char c1[256], c2[256];
	ssize_t r1 = read(fd, c1, sizeof c1);
	lseek(fd, 0, SEEK_SET);
	ssize_t r2 = read(fd, c2, sizeof c2);
	close(fd);
	CHECK("cmdline-self", r1 == (ssize_t)strlen(argv[0]) + 1 && !strcmp(c1, argv[0]));
	CHECK("cmdline-reread-after-lseek", r1 == r2 && !memcmp(c1, c2, r1));

	/* statm: size in pages */
	n = slurp("/proc/self/statm", buf, sizeof buf);
	unsigned long sm[7];
	CHECK("statm-7-fields", n > 0 && sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &sm[0], &sm[1], &sm[2], &sm[3],
						&sm[4], &sm[5], &sm[6]) == 7);
	CHECK_EQ("statm-size-is-vsize", (unsigned long long)sm[0] * 4096, vsize);

	/* comm with blanks and parentheses: still 52 fields after the last ')' */
	prctl(PR_SET_NAME, "a) b(c");
	n = slurp("/proc/self/stat", buf, sizeof buf);
	nf = stat_fields(buf, f, 80);
	CHECK("stat-odd-comm", nf == 52 && !strcmp(f[2], "a) b(c") && !strcmp(f[3], "R"));
	/* comm is writable by the process itself */
	fd = open("/proc/self/comm", O_WRONLY);
	CHECK("comm-write", fd >= 0 && write(fd, "renamed", 7) == 7);
	close(fd);
	char pname[17] = {0};
	prctl(PR_GET_NAME, pname);
	CHECK("comm-write-sets-name", !strcmp(pname, "renamed"));
	prctl(PR_SET_NAME, base);

	/* ---- maps ---- */
	int mfd = open("/tmp/procfs-map", O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char page[4096 * 3];
	memset(page, 'm', sizeof page);
	(void)!write(mfd, page, sizeof page);
	struct stat mst;
	fstat(mfd, &mst);
	char *mpriv = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, mfd, 4096);
	char *mshared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	char *manon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK("maps-mmap", mpriv != MAP_FAILED && mshared != MAP_FAILED && manon != MAP_FAILED);
	int priv_ok = 0, shared_ok = 0, anon_ok = 0;
	n = slurp("/proc/self/maps", buf, sizeof buf);
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8], name[256] = "";
		if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %255s", &lo, &hi, perms, &off, &maj, &min, &ino, name) < 7)
			continue;
		int same_file = !strcmp(name, "/tmp/procfs-map") && ino == mst.st_ino && maj == major(mst.st_dev) &&
				min == minor(mst.st_dev);
		if (lo == (uintptr_t)mpriv && hi == lo + 8192 && !strcmp(perms, "r--p") && off == 4096 && same_file)
			priv_ok = 1;
		if (lo == (uintptr_t)mshared && hi == lo + 4096 && !strcmp(perms, "rw-s") && off == 0 && same_file)
			shared_ok = 1;
		if (lo == (uintptr_t)manon && !strcmp(perms, "rw-s") && strstr(l, " /dev/zero (deleted)\n"))
			anon_ok = 1;
	}
	CHECK("maps-private-file-mapping", priv_ok);
	CHECK("maps-shared-file-mapping", shared_ok);
	CHECK("maps-shared-anon-dev-zero-deleted", anon_ok);
	munmap(mpriv, 8192);
	munmap(mshared, 4096);
	munmap(manon, 4096);
	close(mfd);
	unlink("/tmp/procfs-map");
	n = slurp("/proc/self/maps", buf, sizeof buf);
	CHECK("maps-read", n > 0 && buf[n - 1] == '\n');
	int shapes = 1, exe_text = 0, stack = 0, heap_seen = 0, vdso = 0, lines = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long lo, hi;
		char perms[8];
		const char *name;
		lines++;
		if (!maps_line(l, &lo, &hi, perms, &name)) {
			shapes = 0;
			printf("t_procfs: odd maps line: %.100s\n", l);
			continue;
		}
		size_t nl = strcspn(name, "\n");
		if (nl == strlen(self_path) && !strncmp(name, self_path, nl) && lo <= (uintptr_t)main &&
		    (uintptr_t)main < hi && perms[0] == 'r' && perms[2] == 'x' && perms[3] == 'p')
			exe_text = 1;
		if (!strncmp(name, "[stack]\n", 8) && lo <= (uintptr_t)&local && (uintptr_t)&local < hi &&
		    !strcmp(perms, "rw-p"))
			stack = 1;
		if (!strncmp(name, "[heap]\n", 7) && lo <= (uintptr_t)heap && (uintptr_t)heap < hi)
			heap_seen = 1;
		if (!strncmp(name, "[vdso]\n", 7) && !strcmp(perms, "r-xp"))
			vdso = 1;
	}
	CHECK("maps-line-format", shapes && lines >= 4);
	CHECK("maps-exe-text", exe_text);
	CHECK("maps-stack", stack);
	CHECK("maps-heap", heap_seen);
	CHECK("maps-vdso", vdso);
	free(heap);

	/* ---- links ---- */
	char l[512];
	snprintf(tmp, sizeof tmp, "%d", getpid());
	CHECK("self-link", rdlink("/proc/self", l, sizeof l) > 0 && !strcmp(l, tmp));
	struct stat st;
	CHECK("self-is-symlink", lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK("exe-link", rdlink("/proc/self/exe", l, sizeof l) > 0 && !strcmp(l, self_path));
	CHECK("exe-follows-to-binary", stat("/proc/self/exe", &st) == 0 && S_ISREG(st.st_mode));
	CHECK("cwd-link-root", rdlink("/proc/self/cwd", l, sizeof l) > 0 && !strcmp(l, "/"));
	chdir("/tmp");
	CHECK("cwd-link-after-chdir", rdlink("/proc/self/cwd", l, sizeof l) > 0 && !strcmp(l, "/tmp"));
	chdir("/");
	CHECK("root-link", rdlink("/proc/self/root", l, sizeof l) > 0 && !strcmp(l, "/"));
	CHECK("stat-file-mode", stat("/proc/self/stat", &st) == 0 && st.st_mode == (S_IFREG | 0444));
	struct stat st2;
	CHECK("proc-dotdot-is-root", stat("/proc/..", &st) == 0 && stat("/", &st2) == 0 && st.st_ino == st2.st_ino &&
					     st.st_dev == st2.st_dev);
	CHECK("pid-dir-dotdot-is-proc", stat("/proc/self/..", &st) == 0 && stat("/proc", &st2) == 0 &&
						st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	CHECK("fd-dir-dotdot-is-pid-dir", stat("/proc/self/fd/..", &st) == 0 && stat("/proc/self", &st2) == 0 &&
						  st.st_ino == st2.st_ino);
	snprintf(path, sizeof path, "/proc/%d", getpid());
	CHECK("pid-dir-mode", stat(path, &st) == 0 && st.st_mode == (S_IFDIR | 0555));

	/* ---- fd ---- */
	int p[2];
	CHECK("pipe", pipe(p) == 0);
	int ffd = open(self_path, O_RDONLY);
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	int seen[64] = {0};
	DIR *d = opendir("/proc/self/fd");
	CHECK("fd-opendir", d != NULL);
	struct dirent *e;
	int all_links = 1;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int i = atoi(e->d_name);
		if (i >= 0 && i < 64)
			seen[i] = 1;
		if (e->d_type != DT_LNK)
			all_links = 0;
	}
	if (d)
		closedir(d);
	CHECK("fd-lists-0-1-2", seen[0] && seen[1] && seen[2]);
	CHECK("fd-lists-pipe", seen[p[0]] && seen[p[1]]);
	CHECK("fd-entries-dt-lnk", all_links);
	CHECK("fd0-console", rdlink("/proc/self/fd/0", l, sizeof l) > 0 && !strcmp(l, "/dev/console"));
	fstat(p[0], &st);
	snprintf(tmp, sizeof tmp, "pipe:[%lu]", (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	CHECK("fd-pipe-read-end", rdlink(path, l, sizeof l) > 0 && !strcmp(l, tmp));
	CHECK("fd-pipe-read-mode", lstat(path, &st) == 0 && st.st_mode == (S_IFLNK | 0500));
	int reopened = open(path, O_RDONLY);
	CHECK("fd-pipe-reopen", reopened >= 0);
	fstat(p[1], &st);
	snprintf(tmp, sizeof tmp, "pipe:[%lu]", (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	CHECK("fd-pipe-write-end", rdlink(path, l, sizeof l) > 0 && !strcmp(l, tmp));
	CHECK("fd-pipe-write-mode", lstat(path, &st) == 0 && st.st_mode == (S_IFLNK | 0300));
	if (reopened >= 0) {
		char hb[4] = {0};
		(void)!write(p[1], "hi", 2);
		CHECK("fd-pipe-reopen-reads-pipe", read(reopened, hb, 2) == 2 && !strcmp(hb, "hi"));
		close(reopened);
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", ffd);
	CHECK("fd-file-path", rdlink(path, l, sizeof l) > 0 && !strcmp(l, self_path));
	int rf = open(path, O_RDONLY);
	char elf[4] = {0};
	CHECK("fd-file-reopen-reads-file", rf >= 0 && read(rf, elf, 4) == 4 && !memcmp(elf, "\177ELF", 4));
	if (rf >= 0)
		close(rf);
	int pfd = syscall(SYS_pidfd_open, getpid(), 0);
	snprintf(path, sizeof path, "/proc/self/fd/%d", pfd);
	CHECK("fd-pidfd-anon-inode", pfd >= 0 && rdlink(path, l, sizeof l) > 0 && !strcmp(l, "anon_inode:[pidfd]"));
	close(pfd);
	snprintf(path, sizeof path, "/proc/self/fd/%d", dfd);
	CHECK("fd-dir-path", rdlink(path, l, sizeof l) > 0 && !strcmp(l, "/tmp"));
	close(ffd);
	close(dfd);
	snprintf(path, sizeof path, "/proc/self/fd/%d", ffd);
	CHECK_ERR("fd-closed-enoent", readlink(path, l, sizeof l), ENOENT);

	/* ---- a child exec'd with arguments ---- */
	int sync_pipe[2];
	pipe(sync_pipe);
	pid_t child = fork();
	if (child == 0) {
		dup2(sync_pipe[1], 10);
		/* a long last argument: the text crosses a page boundary */
		static char longarg[5001];
		memset(longarg, 'L', 5000);
		char *cargv[] = {(char *)self_path, "--child", "two words", "", "x", longarg, NULL};
		char *cenv[] = {"PROCFS_T=1", "B=2", NULL};
		execve(self_path, cargv, cenv);
		_exit(127);
	}
	char sb;
	CHECK("child-started", read(sync_pipe[0], &sb, 1) == 1);
	snprintf(path, sizeof path, "/proc/%d/cmdline", child);
	n = slurp(path, buf, sizeof buf);
	size_t spl = strlen(self_path);
	CHECK_EQ("child-cmdline-length", n, (long)(spl + 22 + 5001));
	CHECK("child-cmdline-nul-separated", n > 0 && !memcmp(buf, self_path, spl + 1) &&
						     !memcmp(buf + spl + 1, "--child\0two words\0\0x\0", 21));
	int long_ok = n == (long)(spl + 22 + 5001) && buf[n - 1] == 0;
	for (long i = spl + 22; long_ok && i < n - 1; i++)
		long_ok = buf[i] == 'L';
	CHECK("child-cmdline-long-arg-across-pages", long_ok);
	snprintf(path, sizeof path, "/proc/%d/environ", child);
	n = slurp(path, buf, sizeof buf);
	CHECK("child-environ", n == 15 && !memcmp(buf, "PROCFS_T=1\0B=2\0", 15));
	CHECK("child-sleeps-S", wait_state(child, 'S'));
	snprintf(path, sizeof path, "/proc/%d/stat", child);
	n = slurp(path, buf, sizeof buf);
	nf = stat_fields(buf, f, 80);
	CHECK_EQ("child-stat-52-fields", nf, 52);
	if (nf >= 52) {
		CHECK_EQ("child-stat-pid", atoi(f[1]), child);
		CHECK("child-stat-comm", !strcmp(f[2], base));
		CHECK_EQ("child-stat-ppid", atoi(f[4]), getpid());
		CHECK_EQ("child-stat-exit-signal-sigchld", atoi(f[38]), SIGCHLD);
		CHECK("child-stat-wchan-1-sleeping", !strcmp(f[35], "1"));
		CHECK("child-stat-arg-range", ull(f[49]) - ull(f[48]) == spl + 22 + 5001);
	}
	snprintf(path, sizeof path, "/proc/%d/status", child);
	n = slurp(path, buf, sizeof buf);
	snprintf(tmp, sizeof tmp, "%d", getpid());
	CHECK("child-status-ppid", status_val(buf, "PPid", v, sizeof v) && !strcmp(v, tmp));
	CHECK("child-status-state", status_val(buf, "State", v, sizeof v) && !strcmp(v, "S (sleeping)"));
	snprintf(path, sizeof path, "/proc/%d/exe", child);
	CHECK("child-exe", rdlink(path, l, sizeof l) > 0 && !strcmp(l, self_path));
	fstat(sync_pipe[1], &st);
	snprintf(tmp, sizeof tmp, "pipe:[%lu]", (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "/proc/%d/fd/10", child);
	CHECK("child-fd-pipe", rdlink(path, l, sizeof l) > 0 && !strcmp(l, tmp));

	/* ---- getdents on /proc ---- */
	int saw_1 = 0, saw_self = 0, saw_child = 0, saw_me = 0, saw_meminfo = 0, pid_dirs = 1, all_parse = 1;
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, "1"))
			saw_1 = 1;
		if (!strcmp(e->d_name, "self") && e->d_type == DT_LNK)
			saw_self = 1;
		if (!strcmp(e->d_name, "meminfo") && e->d_type == DT_REG)
			saw_meminfo = 1;
		if (atoi(e->d_name) == child)
			saw_child = 1;
		if (atoi(e->d_name) == getpid())
			saw_me = 1;
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
			if (e->d_type != DT_DIR)
				pid_dirs = 0;
			/* the menu's ps: parse_stat() of /proc/<pid>/stat: pid (comm) state ppid */
			snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
			char sl[4096], *g[80];
			if (slurp(path, sl, sizeof sl) > 0) {
				int k = stat_fields(sl, g, 80);
				char *end;
				long pp = k >= 4 ? strtol(g[4], &end, 10) : -1;
				if (k != 52 || atoi(g[1]) != atoi(e->d_name) || strlen(g[3]) != 1 || pp < 0 || *end) {
					all_parse = 0;
					printf("t_procfs: /proc/%s/stat does not parse\n", e->d_name);
				}
			}
		}
	}
	if (d)
		closedir(d);
	CHECK("proc-dir-has-1", saw_1);
	CHECK("proc-dir-has-self", saw_self);
	CHECK("proc-dir-has-meminfo", saw_meminfo);
	CHECK("proc-dir-has-child", saw_child);
	CHECK("proc-dir-has-me", saw_me);
	CHECK("proc-dir-pids-are-dirs", pid_dirs);
	CHECK("proc-dir-every-stat-parses-like-ps", all_parse);
	/* its directories, open before it dies, list nothing afterwards: getdents says ENOENT
	 * (Linux: proc_pident_readdir, proc_task_readdir, proc_readfd_common), EINVAL for net/ */
	const char *subdirs[] = {"", "/task", "/fd", "/ns", "/net"};
	int gone_fds[5];
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "/proc/%d%s", child, subdirs[i]);
		gone_fds[i] = open(path, O_RDONLY | O_DIRECTORY);
	}
	kill(child, SIGKILL);
	mt_reap(child);
	for (int i = 0; i < 5; i++) {
		char dents[1024];
		errno = 0;
		long r = gone_fds[i] >= 0 ? syscall(SYS_getdents64, gone_fds[i], dents, sizeof dents) : -2;
		int want = i == 4 ? EINVAL : ENOENT;
		mt_report(r == -1 && errno == want, i == 0 ? "getdents-reaped-pid-dir" : i == 1 ? "getdents-reaped-task-dir"
			  : i == 2 ? "getdents-reaped-fd-dir" : i == 3 ? "getdents-reaped-ns-dir" : "getdents-reaped-net-dir",
			  "/proc/%d%s: getdents64 gave %ld errno %d, want -1 errno %d", child, subdirs[i], r, errno, want);
		if (gone_fds[i] >= 0)
			close(gone_fds[i]);
	}
	close(sync_pipe[0]);
	close(sync_pipe[1]);
	saw_child = 0;
	d = opendir("/proc");
	while (d && (e = readdir(d)))
		if (atoi(e->d_name) == child)
			saw_child = 1;
	if (d)
		closedir(d);
	CHECK("proc-dir-reaped-child-gone", !saw_child);

	/* ---- a second thread ---- */
	pipe(thread_pipe);
	pthread_t th;
	if (pthread_create(&th, NULL, thread_main, NULL) == 0) {
		usleep(20000);
		n = slurp("/proc/self/status", buf, sizeof buf);
		CHECK("status-threads-2", status_val(buf, "Threads", v, sizeof v) && !strcmp(v, "2"));
		n = slurp("/proc/self/stat", buf, sizeof buf);
		nf = stat_fields(buf, f, 80);
		CHECK("stat-num-threads-2", nf == 52 && atoi(f[20]) == 2);
		int saw_main = 0, saw_thread = 0, others = 0;
		d = opendir("/proc/self/task");
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (atoi(e->d_name) == getpid() && e->d_type == DT_DIR)
				saw_main = 1;
			else if (atoi(e->d_name) == thread_tid && e->d_type == DT_DIR)
				saw_thread = 1;
			else
				others++;
		}
		if (d)
			closedir(d);
		CHECK("task-dir-lists-both-threads", saw_main && saw_thread && !others);
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", thread_tid);
		n = slurp(path, buf, sizeof buf);
		nf = stat_fields(buf, f, 80);
		CHECK("task-thread-stat", nf == 52 && atoi(f[1]) == thread_tid && !strcmp(f[2], base));
		snprintf(tmp, sizeof tmp, "%d/task/%d", getpid(), getpid());
		CHECK("thread-self-link", rdlink("/proc/thread-self", l, sizeof l) > 0 && !strcmp(l, tmp));
		(void)!write(thread_pipe[1], "x", 1);
		pthread_join(th, NULL);
	} else {
		CHECK("pthread-create", 0);
	}

	/* ---- a forked child (no exec): its memory is counted, reading it changes nothing ---- */
	static volatile int cow_word = 1;
	int cp[2];
	pipe(cp);
	unsigned long parent_size = 0;
	if (slurp("/proc/self/statm", buf, sizeof buf) > 0)
		parent_size = strtoul(buf, NULL, 10);
	pid_t fc = fork();
	if (fc == 0) {
		char c;
		(void)!read(cp[0], &c, 1);
		cow_word = 2; /* a write after the parent read our /proc files */
		_exit(cow_word == 2 ? 0 : 1);
	}
	snprintf(path, sizeof path, "/proc/%d/statm", fc);
	n = slurp(path, buf, sizeof buf);
	CHECK("forked-child-statm", n > 0 && sscanf(buf, "%lu %lu", &sm[0], &sm[1]) == 2 && sm[0] == parent_size &&
					    sm[1] > 0);
	snprintf(path, sizeof path, "/proc/%d/status", fc);
	n = slurp(path, buf, sizeof buf);
	CHECK("forked-child-vmrss", status_val(buf, "VmRSS", v, sizeof v) && strtoul(v, NULL, 10) > 0);
	(void)!write(cp[1], "x", 1);
	int fst = mt_reap(fc);
	CHECK("forked-child-cow-after-proc-read", WIFEXITED(fst) && WEXITSTATUS(fst) == 0 && cow_word == 1);
	close(cp[0]);
	close(cp[1]);

	/* ---- a zombie ---- */
	pid_t z = fork();
	if (z == 0)
		_exit(3);
	CHECK("zombie-state-Z", wait_state(z, 'Z'));
	snprintf(path, sizeof path, "/proc/%d/stat", z);
	n = slurp(path, buf, sizeof buf);
	nf = stat_fields(buf, f, 80);
	CHECK_EQ("zombie-stat-52-fields", nf, 52);
	if (nf >= 52) {
		CHECK_EQ("zombie-stat-ppid", atoi(f[4]), getpid());
		CHECK("zombie-stat-comm", !strcmp(f[2], base));
		CHECK("zombie-stat-no-mm", !strcmp(f[23], "0") && !strcmp(f[24], "0") && !strcmp(f[26], "0") &&
						   !strcmp(f[48], "0"));
		CHECK_EQ("zombie-stat-exit-code", atoi(f[52]), 3 << 8);
	}
	snprintf(path, sizeof path, "/proc/%d/status", z);
	n = slurp(path, buf, sizeof buf);
	CHECK("zombie-status-state", status_val(buf, "State", v, sizeof v) && !strcmp(v, "Z (zombie)"));
	CHECK("zombie-status-no-umask-no-vm", n > 0 && !strstr(buf, "Umask:") && !strstr(buf, "VmSize:"));
	snprintf(path, sizeof path, "/proc/%d/cmdline", z);
	CHECK_EQ("zombie-cmdline-empty", slurp(path, buf, sizeof buf), 0);
	snprintf(path, sizeof path, "/proc/%d/exe", z);
	CHECK_ERR("zombie-exe-enoent", readlink(path, l, sizeof l), ENOENT);
	mt_reap(z);
	snprintf(path, sizeof path, "/proc/%d/stat", z);
	CHECK_ERR("reaped-stat-enoent", open(path, O_RDONLY), ENOENT);

	/* ---- errors and writes ---- */
	CHECK_ERR("missing-pid-enoent", open("/proc/99999/stat", O_RDONLY), ENOENT);
	CHECK_ERR("missing-pid-dir-enoent", open("/proc/99999", O_RDONLY), ENOENT);
	CHECK_ERR("missing-entry-enoent", open("/proc/self/nosuch", O_RDONLY), ENOENT);
	CHECK_ERR("missing-top-enoent", open("/proc/nosuch", O_RDONLY), ENOENT);
	CHECK_ERR("creat-in-proc-enoent", open("/proc/procfs-new", O_CREAT | O_WRONLY, 0644), ENOENT);
	CHECK_ERR("mkdir-in-proc-enoent", mkdir("/proc/procfs-dir", 0755), ENOENT);
	fd = open("/proc/self/stat", O_WRONLY);
	CHECK_ERR("write-stat-einval", write(fd, "x", 1), EINVAL);
	close(fd);
	fd = open("/proc/meminfo", O_WRONLY);
	CHECK_ERR("write-meminfo-eio", write(fd, "x", 1), EIO);
	close(fd);
	fd = open("/proc/self/stat", O_RDONLY);
	CHECK_ERR("read-only-fd-write-ebadf", write(fd, "x", 1), EBADF);
	close(fd);

	/* ---- meminfo ---- */
	n = slurp("/proc/meminfo", buf, sizeof buf);
	const char *mkeys[] = {"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", NULL};
	int mok = n > 0;
	char *ml = buf;
	unsigned long mv[8] = {0};
	for (int i = 0; mkeys[i] && mok; i++) {
		/* "%-16s%8lu kB\n": the key and colon padded to 16, the number right-aligned in 8 */
		char *nl = strchr(ml, '\n');
		size_t kl = strlen(mkeys[i]);
		if (!nl || strncmp(ml, mkeys[i], kl) || ml[kl] != ':' || nl - ml != 27 || strncmp(nl - 3, " kB", 3)) {
			printf("t_procfs: meminfo line %d: %.40s\n", i, ml);
			mok = 0;
			break;
		}
		mv[i] = strtoul(ml + 16, NULL, 10);
		ml = nl + 1;
	}
	CHECK("meminfo-first-lines", mok);
	CHECK("meminfo-memtotal-kb", !strncmp(buf, "MemTotal:       ", 16) && mv[0] > 256 * 1024 && mv[0] <= 512 * 1024);
	CHECK("meminfo-free-le-total", mv[1] > 0 && mv[1] <= mv[0] && mv[2] <= mv[0]);

	/* ---- uptime ---- */
	n = slurp("/proc/uptime", buf, sizeof buf);
	unsigned long us, uc, is, ic;
	char nlc = 0;
	int un = sscanf(buf, "%lu.%lu %lu.%lu%c", &us, &uc, &is, &ic, &nlc);
	char *dot1 = strchr(buf, '.'), *sp1 = strchr(buf, ' ');
	CHECK("uptime-format", un == 5 && nlc == '\n' && dot1 && sp1 && sp1 - dot1 == 3 &&
				       strlen(strrchr(buf, '.')) == 4);
	struct timespec bt;
	clock_gettime(CLOCK_BOOTTIME, &bt);
	double up = us + uc / 100.0, btd = bt.tv_sec + bt.tv_nsec / 1e9;
	CHECK("uptime-near-boottime", up <= btd + 0.02 && up > btd - 1.0);

	/* ---- loadavg ---- */
	n = slurp("/proc/loadavg", buf, sizeof buf);
	int la[6], run, tot, lastpid;
	int ln = sscanf(buf, "%d.%d %d.%d %d.%d %d/%d %d%c", &la[0], &la[1], &la[2], &la[3], &la[4], &la[5], &run, &tot,
			&lastpid, &nlc);
	CHECK("loadavg-format", ln == 10 && nlc == '\n' && buf[1] == '.' && buf[4] == ' ');
	CHECK("loadavg-counts", run >= 1 && tot >= run && lastpid >= z);

	/* ---- cpuinfo, version ---- */
	n = slurp("/proc/cpuinfo", buf, sizeof buf);
	CHECK("cpuinfo-fields", n > 0 && !strncmp(buf, "processor\t: 0\n", 14) && strstr(buf, "\nhart\t\t: ") &&
					strstr(buf, "\nisa\t\t: rv64") && strstr(buf, "\nmmu\t\t: sv39\n") && strstr(buf, "\nmvendorid\t: 0x") &&
					strstr(buf, "\nmarchid\t\t: 0x") && strstr(buf, "\nmimpid\t\t: 0x"));
	n = slurp("/proc/version", buf, sizeof buf);
	CHECK("version", n > 0 && !strncmp(buf, "Linux version ", 14) && buf[n - 1] == '\n');

	/* ---- st_blksize: proc_fill_super's s_blocksize (1024), not a page ---- */
	{
		struct stat sb;
		struct statx sx;
		CHECK("blksize-proc-stat", stat("/proc/self/maps", &sb) == 0 && sb.st_blksize == 1024);
		CHECK("blksize-proc-dir", stat("/proc", &sb) == 0 && sb.st_blksize == 1024);
		CHECK("blksize-proc-statx", statx(AT_FDCWD, "/proc/self/status", 0, STATX_BASIC_STATS, &sx) == 0 &&
						    sx.stx_blksize == 1024);
		CHECK("blksize-rootfs-page", stat("/", &sb) == 0 && sb.st_blksize == 4096);
	}

	test_more_files(self_path);
	mt_end();
}
