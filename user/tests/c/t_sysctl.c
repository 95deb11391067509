/* t_sysctl: /proc/sys as Linux's kernel/sysctl.c and fs/proc/proc_sysctl.c keep it.
 * Boot: rdinit=/tests/t_sysctl (PID 1, root).  On Linux the test mounts /proc itself.
 *
 *  - the tree: /proc/sys/{fs,kernel,vm} are 0555 directories, each entry a regular file with
 *    its Linux mode (0644 tunables, 0444 facts), size 0; listing /proc/sys/kernel shows them;
 *  - reads: the whole value and "\n" from position 0 in one read, EOF after it (a second
 *    read, a read at position 3), cut to the buffer ("327" of "32768\n"), pread at 0 again;
 *    strings (ostype, osrelease, version: uname's) read in 2-byte pieces;
 *  - writes (proc_dointvec): "N", "N\n", blanks around; EINVAL for garbage, blanks only, a
 *    number out of the entry's range, out of int range; a partial write ("400 500" takes
 *    "400 ", returns 4); a write at a position past 0 is accepted and ignored; O_WRONLY on a
 *    0444 entry is EACCES even for root;
 *  - kernel/pid_max: in [301, PID_MAX_LIMIT]; 300 and 4194305 EINVAL; lowered to 340, 300
 *    forks get pids below 340 and wrap around to 300 (RESERVED_PIDS); ns_last_pid: the next
 *    fork gets ns_last_pid + 1, and writing it moves the next pid;
 *  - kernel/threads-max: >= 20; 0 EINVAL; set to 1, fork fails with EAGAIN; restored, works;
 *  - kernel/tainted 0; ostype "Linux"; cap_last_cap 40; ngroups_max 65536; overflow[ug]id
 *    65534 in 0..65535; printk "7\t4\t1\t7" (4 values: "8" sets the first only);
 *    randomize_va_space 2 (any int is taken, as Linux's proc_dointvec);
 *  - kernel/hostname and domainname: "(none)"; a write sets uname()'s nodename/domainname
 *    (a trailing newline dropped, cut at 64 bytes, a second write on the same fd appends);
 *  - kernel/sched_child_runs_first: 0 by default: after fork the parent runs on first (its
 *    byte comes first in a pipe both write at once, in at least 6 of 9 forks: a tick may
 *    preempt one); 1: the child runs first;
 *  - fs/pipe-max-size 1048576, rounded up to a power of two of at least a page (5000 ->
 *    8192), EINVAL for -1 and 2^31 + 1; pipe-user-pages-soft 16384; file-max >= 8192;
 *    fs/nr_open 1048576 in [64, 2147483584], and setrlimit(RLIMIT_NOFILE) may not raise the
 *    hard limit above it (EPERM, RLIM_INFINITY too);
 *  - fs/mqueue (msg_max 10, msgsize_max 8192, queues_max 256) and kernel/sem, msgmni, shmmni:
 *    Linux's defaults; each IPC namespace has its own;
 *  - vm/max_map_count 65530 (>= 0); overcommit_memory 0 in 0..2; overcommit_ratio 50.
 *  - kernel/ctrl-alt-del is 1; reboot(LINUX_REBOOT_CMD_CAD_OFF) makes it 0 and CAD_ON 1 again
 *    (C_A_D), bad magic is EINVAL; RESTART2 with an unreadable command string is EFAULT.
 */
#include "mtest.h"
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static char buf[8192];

/* One read() of at most n bytes from the start of the file; the byte count or -errno. */
static long rd(const char *path, char *out, size_t n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	long r = read(fd, out, n);
	int e = errno;
	close(fd);
	if (r >= 0 && (size_t)r < n)
		out[r] = 0;
	return r < 0 ? -e : r;
}

/* The file's text (one read), "" on failure. */
static const char *txt(const char *path)
{
	if (rd(path, buf, sizeof buf - 1) < 0)
		buf[0] = 0;
	return buf;
}

/* A write of s to the file (a fresh open); write()'s result (-1 and errno on failure). */
static long wr(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static long num(const char *path)
{
	return strtol(txt(path), NULL, 0);
}

static void check_text(const char *name, const char *path, const char *want)
{
	const char *got = txt(path);
	mt_report(strcmp(got, want) == 0, name, "%s reads \"%s\", want \"%s\"", path, got, want);
}

static void check_mode(const char *name, const char *path, unsigned mode)
{
	struct stat st;
	int r = stat(path, &st);
	mt_report(r == 0 && st.st_mode == mode && st.st_size == 0, name, "%s: stat %d mode %o size %ld, want %o",
		  path, r, r == 0 ? st.st_mode : 0, r == 0 ? (long)st.st_size : -1L, mode);
}

/* fork + _exit + wait; the child's pid (or -errno). */
static long fork_pid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	if (p < 0)
		return -errno;
	mt_reap(p);
	return p;
}

#define K "/proc/sys/kernel/"
#define F "/proc/sys/fs/"
#define V "/proc/sys/vm/"

static void test_tree(void)
{
	check_mode("sys-dir", "/proc/sys", S_IFDIR | 0555);
	check_mode("kernel-dir", "/proc/sys/kernel", S_IFDIR | 0555);
	check_mode("fs-dir", "/proc/sys/fs", S_IFDIR | 0555);
	check_mode("vm-dir", "/proc/sys/vm", S_IFDIR | 0555);
	check_mode("pid_max-mode", K "pid_max", S_IFREG | 0644);
	check_mode("ostype-mode", K "ostype", S_IFREG | 0444);
	check_mode("cap_last_cap-mode", K "cap_last_cap", S_IFREG | 0444);
	check_mode("nr_open-mode", F "nr_open", S_IFREG | 0644);
	check_mode("max_map_count-mode", V "max_map_count", S_IFREG | 0644);
	const char *want[] = { "pid_max", "threads-max", "tainted", "ostype", "osrelease", "version",
			       "hostname", "domainname", "sched_child_runs_first", "randomize_va_space",
			       "cap_last_cap", "ngroups_max", "overflowuid", "overflowgid", "printk", NULL };
	int found = 0, n = 0;
	DIR *d = opendir("/proc/sys/kernel");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		for (int i = 0; want[i]; i++)
			if (strcmp(e->d_name, want[i]) == 0 && e->d_type == DT_REG)
				found++;
		n++;
	}
	if (d)
		closedir(d);
	CHECK_EQ("kernel-listing", found, 15);
	struct stat st;
	CHECK_ERR("nosuch-entry", stat(K "nosuch", &st), ENOENT);
}

static void test_read_rules(void)
{
	char b[64];
	long pm = num(K "pid_max");
	char want[32];
	snprintf(want, sizeof want, "%ld\n", pm);
	int fd = open(K "pid_max", O_RDONLY);
	long r1 = read(fd, b, sizeof b);
	b[r1 > 0 ? r1 : 0] = 0;
	mt_report(r1 == (long)strlen(want) && strcmp(b, want) == 0, "read-whole", "read %ld \"%s\"", r1, b);
	CHECK_EQ("read-then-eof", read(fd, b, sizeof b), 0);
	CHECK_EQ("pread-at-0-again", pread(fd, b, sizeof b, 0), (long)strlen(want));
	CHECK_EQ("pread-at-3-eof", pread(fd, b, sizeof b, 3), 0);
	close(fd);
	/* a short buffer: cut, no newline, then EOF */
	fd = open(K "pid_max", O_RDONLY);
	CHECK_EQ("read-short", read(fd, b, 3), 3);
	CHECK("read-short-bytes", memcmp(b, want, 3) == 0);
	CHECK_EQ("read-short-then-eof", read(fd, b, sizeof b), 0);
	close(fd);
	/* strings read in pieces */
	struct utsname u;
	uname(&u);
	char s[200] = "";
	fd = open(K "osrelease", O_RDONLY);
	long n, tot = 0;
	while ((n = read(fd, s + tot, 2)) > 0 && tot < 190)
		tot += n;
	s[tot] = 0;
	close(fd);
	char w[200];
	snprintf(w, sizeof w, "%s\n", u.release);
	mt_report(strcmp(s, w) == 0, "osrelease-in-pieces", "\"%s\", want \"%s\"", s, w);
	snprintf(w, sizeof w, "%s\n", u.version);
	check_text("version", K "version", w);
	check_text("ostype", K "ostype", "Linux\n");
	CHECK_ERR("ostype-not-writable", open(K "ostype", O_WRONLY), EACCES);
	CHECK_ERR("version-not-writable", open(K "version", O_RDWR), EACCES);
	CHECK_ERR("cap_last_cap-not-writable", open(K "cap_last_cap", O_WRONLY), EACCES);
}

static void test_pid_max(void)
{
	long pm = num(K "pid_max");
	mt_report(pm >= 301 && pm <= 4194304, "pid_max-range", "pid_max %ld", pm);
	CHECK_ERR("pid_max-300", wr(K "pid_max", "300"), EINVAL);
	CHECK_ERR("pid_max-limit+1", wr(K "pid_max", "4194305"), EINVAL);
	CHECK_ERR("pid_max-garbage", wr(K "pid_max", "abc"), EINVAL);
	CHECK_ERR("pid_max-trailing-garbage", wr(K "pid_max", "400x"), EINVAL);
	CHECK_ERR("pid_max-blanks", wr(K "pid_max", "   \n"), EINVAL);
	CHECK_ERR("pid_max-int-range", wr(K "pid_max", "99999999999"), EINVAL);
	CHECK_EQ("pid_max-unchanged", num(K "pid_max"), pm);
	CHECK_EQ("pid_max-partial-write", wr(K "pid_max", "400 500"), 4);
	CHECK_EQ("pid_max-partial-took-first", num(K "pid_max"), 400);
	CHECK_EQ("pid_max-blanks-around", wr(K "pid_max", "  350 \n"), 7);
	CHECK_EQ("pid_max-350", num(K "pid_max"), 350);
	/* a second write on the same open file (position 3) is accepted and ignored */
	int fd = open(K "pid_max", O_WRONLY);
	CHECK_EQ("write-at-0", write(fd, "340", 3), 3);
	CHECK_EQ("write-at-3-ignored", write(fd, "999", 3), 3);
	close(fd);
	CHECK_EQ("pid_max-340", num(K "pid_max"), 340);
	/* new pids stay below pid_max and wrap to 300 (RESERVED_PIDS) */
	long maxpid = 0, wrapped = 0, prev = 0, bad = 0;
	for (int i = 0; i < 400 && !(wrapped && i > 60); i++) {
		long p = fork_pid();
		if (p < 0) {
			bad = p;
			break;
		}
		if (p > maxpid)
			maxpid = p;
		if (prev && p < prev)
			wrapped = p;
		prev = p;
	}
	CHECK_EQ("forks-ok", bad, 0);
	mt_report(maxpid > 0 && maxpid < 340, "pids-below-pid_max", "largest pid %ld", maxpid);
	mt_report(wrapped >= 300 && wrapped < 340, "pids-wrap-to-300", "wrapped to %ld", wrapped);
	char b[32];
	snprintf(b, sizeof b, "%ld", pm);
	CHECK_EQ("pid_max-restored", wr(K "pid_max", b), (long)strlen(b));
	CHECK_EQ("pid_max-back", num(K "pid_max"), pm);
	/* ns_last_pid: the last pid handed out; the next fork takes the next one */
	long last = num(K "ns_last_pid");
	long p = fork_pid();
	CHECK_EQ("ns_last_pid-next", p, last + 1);
	CHECK_EQ("ns_last_pid-moved", num(K "ns_last_pid"), p);
	snprintf(b, sizeof b, "%ld", p + 10);
	CHECK_EQ("ns_last_pid-write", wr(K "ns_last_pid", b), (long)strlen(b));
	CHECK_EQ("ns_last_pid-next-after-write", fork_pid(), p + 11);
}

static void test_threads_max(void)
{
	long tm = num(K "threads-max");
	mt_report(tm >= 20, "threads-max-default", "threads-max %ld", tm);
	CHECK_ERR("threads-max-0", wr(K "threads-max", "0"), EINVAL);
	CHECK_ERR("threads-max-too-big", wr(K "threads-max", "1073741824"), EINVAL);
	CHECK_EQ("threads-max-1", wr(K "threads-max", "1"), 1);
	CHECK_EQ("threads-max-is-1", num(K "threads-max"), 1);
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	int e = errno;
	if (p > 0)
		mt_reap(p);
	mt_report(p < 0 && e == EAGAIN, "fork-eagain-at-threads-max", "fork %d errno %d", p, e);
	char b[32];
	snprintf(b, sizeof b, "%ld\n", tm);
	CHECK_EQ("threads-max-restored", wr(K "threads-max", b), (long)strlen(b));
	CHECK("fork-works-again", fork_pid() > 0);
}

static void test_kernel_facts(void)
{
	check_text("tainted", K "tainted", "0\n");
	CHECK_EQ("tainted-write-0", wr(K "tainted", "0"), 1);
	check_text("tainted-still-0", K "tainted", "0\n");
	check_text("cap_last_cap", K "cap_last_cap", "40\n");
	check_text("ngroups_max", K "ngroups_max", "65536\n");
	check_text("overflowuid", K "overflowuid", "65534\n");
	check_text("overflowgid", K "overflowgid", "65534\n");
	CHECK_ERR("overflowuid-65536", wr(K "overflowuid", "65536"), EINVAL);
	CHECK_ERR("overflowuid-negative", wr(K "overflowuid", "-1"), EINVAL);
	CHECK_EQ("overflowuid-65534", wr(K "overflowuid", "65534"), 5);
	check_text("printk", K "printk", "7\t4\t1\t7\n");
	CHECK_EQ("printk-one-value", wr(K "printk", "8"), 1);
	check_text("printk-first-set", K "printk", "8\t4\t1\t7\n");
	CHECK_EQ("printk-back", wr(K "printk", "7 4 1 7\n"), 8);
	check_text("printk-restored", K "printk", "7\t4\t1\t7\n");
	check_text("randomize_va_space", K "randomize_va_space", "2\n");
	CHECK_EQ("randomize_va_space-any-int", wr(K "randomize_va_space", "5"), 1);
	check_text("randomize_va_space-5", K "randomize_va_space", "5\n");
	CHECK_EQ("randomize_va_space-back", wr(K "randomize_va_space", "2"), 1);
	check_text("fs-overflowuid", F "overflowuid", "65534\n");
}

static void test_names(void)
{
	struct utsname u;
	check_text("hostname-default", K "hostname", "(none)\n");
	check_text("domainname-default", K "domainname", "(none)\n");
	CHECK_EQ("hostname-write", wr(K "hostname", "menuos-test\n"), 12);
	check_text("hostname-read", K "hostname", "menuos-test\n");
	uname(&u);
	mt_report(strcmp(u.nodename, "menuos-test") == 0, "uname-nodename", "nodename \"%s\"", u.nodename);
	int fd = open(K "domainname", O_WRONLY);
	CHECK_EQ("domainname-write", write(fd, "example", 7), 7);
	CHECK_EQ("domainname-append", write(fd, ".org", 4), 4);
	close(fd);
	uname(&u);
	mt_report(strcmp(u.domainname, "example.org") == 0, "uname-domainname", "domainname \"%s\"", u.domainname);
	char longname[100];
	memset(longname, 'h', 99);
	longname[99] = 0;
	CHECK_EQ("hostname-long-write", wr(K "hostname", longname), 99);
	uname(&u);
	CHECK_EQ("hostname-cut-at-64", strlen(u.nodename), 64);
	CHECK_EQ("hostname-reset", wr(K "hostname", "(none)"), 6);
	CHECK_EQ("domainname-reset", wr(K "domainname", "(none)"), 6);
}

/* Who writes first into a pipe after fork: "PC" when the parent runs on, "CP" otherwise. */
static void fork_order(char out[3])
{
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		write(p[1], "C", 1);
		_exit(0);
	}
	write(p[1], "P", 1);
	mt_reap(c);
	out[0] = out[1] = '?';
	read(p[0], out, 2);
	out[2] = 0;
	close(p[0]);
	close(p[1]);
}

/* How many of 9 forks had the parent's byte first (a timer tick at the wrong moment may
 * preempt one of them: the order is the scheduler's decision, not a guarantee; on a loaded
 * host the guest's clock jumps and ticks land anywhere, so the checks ask for two thirds). */
static int parent_first_of_9(void)
{
	int n = 0;
	char o[3];
	for (int i = 0; i < 9; i++) {
		fork_order(o);
		n += strcmp(o, "PC") == 0;
	}
	return n;
}

static void test_child_runs_first(void)
{
	int n;
	check_text("sched_child_runs_first-default", K "sched_child_runs_first", "0\n");
	n = parent_first_of_9();
	mt_report(n >= 6, "parent-runs-first", "the parent first in %d of 9 forks", n);
	CHECK_EQ("sched_child_runs_first-set", wr(K "sched_child_runs_first", "1"), 1);
	n = parent_first_of_9();
	mt_report(n <= 3, "child-runs-first", "the parent first in %d of 9 forks", n);
	CHECK_EQ("sched_child_runs_first-reset", wr(K "sched_child_runs_first", "0"), 1);
	n = parent_first_of_9();
	mt_report(n >= 6, "parent-runs-first-again", "the parent first in %d of 9 forks", n);
}

static void test_fs(void)
{
	check_text("pipe-max-size", F "pipe-max-size", "1048576\n");
	CHECK_EQ("pipe-max-size-5000", wr(F "pipe-max-size", "5000"), 4);
	check_text("pipe-max-size-rounded", F "pipe-max-size", "8192\n");
	CHECK_ERR("pipe-max-size-negative", wr(F "pipe-max-size", "-1"), EINVAL);
	CHECK_ERR("pipe-max-size-too-big", wr(F "pipe-max-size", "2147483649"), EINVAL);
	CHECK_EQ("pipe-max-size-back", wr(F "pipe-max-size", "1048576"), 7);
	check_text("pipe-user-pages-soft", F "pipe-user-pages-soft", "16384\n");
	CHECK_ERR("pipe-user-pages-soft-negative", wr(F "pipe-user-pages-soft", "-5"), EINVAL);
	mt_report(num(F "file-max") >= 8192, "file-max", "file-max %s", txt(F "file-max"));
	check_text("nr_open", F "nr_open", "1048576\n");
	CHECK_ERR("nr_open-below-64", wr(F "nr_open", "63"), EINVAL);
	CHECK_ERR("nr_open-above-max", wr(F "nr_open", "2147483585"), EINVAL);
	CHECK_EQ("nr_open-2048", wr(F "nr_open", "2048"), 4);
	check_text("nr_open-is-2048", F "nr_open", "2048\n");
	struct rlimit rl = { 2049, 2049 };
	CHECK_ERR("rlimit-above-nr_open", setrlimit(RLIMIT_NOFILE, &rl), EPERM);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	CHECK_ERR("rlimit-infinity-above-nr_open", setrlimit(RLIMIT_NOFILE, &rl), EPERM);
	rl.rlim_cur = 1024;
	rl.rlim_max = 2048;
	CHECK_EQ("rlimit-at-nr_open", setrlimit(RLIMIT_NOFILE, &rl), 0);
	CHECK_EQ("nr_open-back", wr(F "nr_open", "1048576"), 7);
}

/* The IPC limits (fs/mqueue, kernel/sem, msgmni, shmmni): Linux's defaults, each IPC
 * namespace its own. */
static void test_ipc(void)
{
	check_text("mqueue-msg_max", F "mqueue/msg_max", "10\n");
	check_text("mqueue-msgsize_max", F "mqueue/msgsize_max", "8192\n");
	check_text("mqueue-queues_max", F "mqueue/queues_max", "256\n");
	CHECK_ERR("mqueue-msg_max-0", wr(F "mqueue/msg_max", "0"), EINVAL);
	CHECK_EQ("mqueue-msg_max-20", wr(F "mqueue/msg_max", "20"), 2);
	check_text("mqueue-msg_max-is-20", F "mqueue/msg_max", "20\n");
	check_text("sem", K "sem", "32000\t1024000000\t500\t32000\n");
	check_text("msgmni", K "msgmni", "32000\n");
	check_text("shmmni", K "shmmni", "4096\n");
	pid_t p = fork();
	if (p == 0)
		_exit(unshare(CLONE_NEWIPC) == 0 && num(F "mqueue/msg_max") == 10 ? 0 : 1);
	CHECK_EQ("mqueue-per-ipc-ns", WEXITSTATUS(mt_reap(p)), 0);
	CHECK_EQ("mqueue-msg_max-back", wr(F "mqueue/msg_max", "10"), 2);
}

static void test_vm(void)
{
	check_text("max_map_count", V "max_map_count", "65530\n");
	CHECK_ERR("max_map_count-negative", wr(V "max_map_count", "-1"), EINVAL);
	check_text("overcommit_memory", V "overcommit_memory", "0\n");
	CHECK_ERR("overcommit_memory-3", wr(V "overcommit_memory", "3"), EINVAL);
	CHECK_EQ("overcommit_memory-1", wr(V "overcommit_memory", "1"), 1);
	check_text("overcommit_memory-is-1", V "overcommit_memory", "1\n");
	CHECK_EQ("overcommit_memory-back", wr(V "overcommit_memory", "0"), 1);
	check_text("overcommit_ratio", V "overcommit_ratio", "50\n");
}

static long cad_reboot(unsigned cmd)
{
	return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, NULL);
}

static void test_ctrl_alt_del(void)
{
	CHECK_EQ("ctrl-alt-del", mt_read_long("/proc/sys/kernel/ctrl-alt-del"), 1);
	CHECK_EQ("cad-off", cad_reboot(LINUX_REBOOT_CMD_CAD_OFF), 0);
	CHECK_EQ("cad-off-sysctl", mt_read_long("/proc/sys/kernel/ctrl-alt-del"), 0);
	CHECK_EQ("cad-on", cad_reboot(LINUX_REBOOT_CMD_CAD_ON), 0);
	CHECK_EQ("cad-on-sysctl", mt_read_long("/proc/sys/kernel/ctrl-alt-del"), 1);
	CHECK_ERR("cad-bad-magic", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 1, LINUX_REBOOT_CMD_CAD_OFF, NULL), EINVAL);
	CHECK_EQ("cad-bad-magic-unchanged", mt_read_long("/proc/sys/kernel/ctrl-alt-del"), 1);
	/* RESTART2 reads its command string first: a bad pointer is EFAULT, no restart */
	CHECK_ERR("restart2-efault", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
					     LINUX_REBOOT_CMD_RESTART2, (void *)8), EFAULT);
}

int main(void)
{
	mt_begin("t_sysctl");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	test_tree();
	test_read_rules();
	test_pid_max();
	test_threads_max();
	test_kernel_facts();
	test_names();
	test_child_runs_first();
	test_fs();
	test_ipc();
	test_vm();
	test_ctrl_alt_del();
	mt_end();
}
