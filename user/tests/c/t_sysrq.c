/* t_sysrq - the magic SysRq key: /proc/sysrq-trigger and /proc/sys/kernel/sysrq.
 *
 * Boot: rdinit=/tests/t_sysrq (-m 512M).  Runs as root, as pid 1 (the kill-all keys spare
 * init and would otherwise end the test itself).
 *
 * What Linux 6.1 (drivers/tty/sysrq.c, kernel/sched/core.c sched_show_task, lib/show_mem.c)
 * does, and this test expects:
 *  - /proc/sys/kernel/sysrq is 1 (CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE); /proc/sysrq-trigger is
 *    a root-owned S_IWUSR file: others cannot open it (EACCES), root's read is EIO
 *    (pde_read without ->proc_read).  /proc's own files and links are root's, whoever looks
 *    them up.
 *  - a write runs the key in its first byte at once, whatever sysrq says (the mask only
 *    guards the keyboard and serial keys), logging "sysrq: <action>" first; an empty write
 *    runs nothing; a bad buffer is EFAULT.
 *  - m: "Mem-Info:" and "N pages RAM"; t: "task:%-15.15s state:%c" for every task, the
 *    running writer with "  running task", then " stack:... pid:%-5d ppid:%-6d flags:", then
 *    "Call Trace:" and the sleeping task's kernel frames (here: a pipe read); w: only tasks in
 *    'D' (the pipe reader sleeps in 'S': not listed); an unknown key: the "HELP : " line;
 *    0-9: "Loglevel set to N", the console level becomes N.
 *  - e: SIGTERM to every process but init and kernel threads; i: SIGKILL likewise.
 */
#include "mtest.h"

#include <signal.h>
#include <sys/klog.h>
#include <sys/prctl.h>

#define SYSLOG_READ_ALL 3
#define SYSLOG_CLEAR 5

static char logbuf[1 << 18];

/* The kernel log since the last clear, NUL-terminated. */
static const char *log_since_clear(void)
{
	int n = klogctl(SYSLOG_READ_ALL, logbuf, sizeof logbuf - 1);
	logbuf[n > 0 ? n : 0] = 0;
	return logbuf;
}

/* Writes `k` to /proc/sysrq-trigger after clearing the log: 0 or -1 with errno. */
static int trigger(const char *k)
{
	klogctl(SYSLOG_CLEAR, NULL, 0);
	return mt_write_str("/proc/sysrq-trigger", k);
}

/* A child named `name` that blocks reading a pipe until *wfd is closed, SIGTERM ignored when
 * `ignore_term`; returns once it sleeps. */
static pid_t sleeper(const char *name, int ignore_term, int *wfd)
{
	int p[2], ready[2];
	pipe(p);
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		close(ready[0]);
		prctl(PR_SET_NAME, name);
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		close(ready[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	close(ready[1]);
	char c;
	read(ready[0], &c, 1); /* EOF: the child has its name and is about to read */
	close(ready[0]);
	/* until it sleeps in the read (/proc/PID/stat's state) */
	char path[64], st[256];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	for (int i = 0; i < 200; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, st, sizeof st - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			st[n] = 0;
			char *r = strrchr(st, ')');
			if (r && r[2] == 'S')
				break;
		}
		mt_msleep(10);
	}
	*wfd = p[1];
	return pid;
}

/* The text from the line containing `needle` up to the next "task:" line (or the end). */
static const char *task_block(const char *log, const char *needle, char *out, size_t size)
{
	const char *a = strstr(log, needle);
	out[0] = 0;
	if (!a)
		return NULL;
	const char *b = strstr(a + strlen(needle), "task:");
	size_t n = b ? (size_t)(b - a) : strlen(a);
	if (n >= size)
		n = size - 1;
	memcpy(out, a, n);
	out[n] = 0;
	return out;
}

int main(void)
{
	mt_begin("t_sysrq");
	mt_mount_proc();
	char want[128], block[8192];

	CHECK_EQ("sysctl_default_1", mt_read_long("/proc/sys/kernel/sysrq"), 1);
	struct stat st;
	CHECK_EQ("trigger_exists", stat("/proc/sysrq-trigger", &st), 0);
	CHECK_EQ("trigger_mode_0200", st.st_mode, S_IFREG | 0200);
	CHECK_EQ("trigger_owned_by_root", st.st_uid, 0);
	int fd = open("/proc/sysrq-trigger", O_RDONLY);
	CHECK("root_may_open_for_read", fd >= 0);
	char c;
	CHECK_ERR("read_is_eio", read(fd, &c, 1), EIO);
	close(fd);

	/* m */
	CHECK_EQ("write_m", trigger("m"), 0);
	log_since_clear();
	CHECK("m_logs_action", strstr(logbuf, "sysrq: Show Memory"));
	CHECK("m_mem_info", strstr(logbuf, "Mem-Info:"));
	CHECK("m_pages_ram", strstr(logbuf, " pages RAM"));

	/* t, with a child asleep in a pipe read */
	int wfd;
	pid_t kid = sleeper("sysrq_sleeper", 0, &wfd);
	CHECK_EQ("write_t", trigger("t"), 0);
	log_since_clear();
	CHECK("t_logs_action", strstr(logbuf, "sysrq: Show State"));
	snprintf(want, sizeof want, "task:%-15.15s state:R  running task", "t_sysrq");
	CHECK("t_shows_writer_running", strstr(logbuf, want));
	snprintf(want, sizeof want, "task:%-15.15s state:S", "sysrq_sleeper");
	CHECK("t_shows_sleeper_sleeping", task_block(logbuf, want, block, sizeof block));
	snprintf(want, sizeof want, " pid:%-5d ppid:%-6d flags:0x", kid, getpid());
	CHECK("t_sleeper_pid_ppid", strstr(block, want));
	CHECK("t_sleeper_call_trace", strstr(block, "Call Trace:"));
	CHECK("t_sleeper_waits_in_pipe_read", strstr(block, "pipe") && strstr(block, "read"));

	/* w: the sleeper is in S, not D */
	CHECK_EQ("write_w", trigger("w"), 0);
	log_since_clear();
	CHECK("w_logs_action", strstr(logbuf, "sysrq: Show Blocked State"));
	CHECK("w_leaves_out_s_sleeper", !strstr(logbuf, "task:sysrq_sleeper"));

	/* an unknown key: help */
	CHECK_EQ("write_h", trigger("h"), 0);
	log_since_clear();
	CHECK("h_help_line", strstr(logbuf, "sysrq: HELP : "));
	CHECK("h_lists_t", strstr(logbuf, "show-task-states(t)"));
	CHECK("h_lists_m", strstr(logbuf, "show-memory-usage(m)"));
	CHECK("h_lists_loglevel", strstr(logbuf, "loglevel(0-9)"));

	/* only the first byte counts; an empty write runs nothing; a bad buffer is EFAULT */
	CHECK_EQ("write_mx", trigger("mx"), 0);
	CHECK("first_byte_only", strstr(log_since_clear(), "sysrq: Show Memory") && !strstr(logbuf, "HELP"));
	klogctl(SYSLOG_CLEAR, NULL, 0);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	CHECK_EQ("empty_write_returns_0", write(fd, "", 0), 0);
	CHECK("empty_write_runs_nothing", !strstr(log_since_clear(), "sysrq:"));
	CHECK_ERR("bad_buffer_efault", write(fd, (void *)8, 1), EFAULT);
	close(fd);

	/* 0-9: the console level */
	long saved = mt_read_long("/proc/sys/kernel/printk");
	CHECK_EQ("write_5", trigger("5"), 0);
	log_since_clear();
	CHECK("loglevel_logs_action", strstr(logbuf, "sysrq: Changing Loglevel"));
	CHECK("loglevel_set_to_5", strstr(logbuf, "sysrq: Loglevel set to 5"));
	CHECK_EQ("console_level_is_5", mt_read_long("/proc/sys/kernel/printk"), 5);
	snprintf(want, sizeof want, "%ld", saved);
	mt_write_str("/proc/sys/kernel/printk", want);

	/* the mask guards the keyboard's keys, not the trigger */
	CHECK_EQ("sysctl_set_0", mt_write_str("/proc/sys/kernel/sysrq", "0"), 0);
	CHECK_EQ("sysctl_reads_0", mt_read_long("/proc/sys/kernel/sysrq"), 0);
	CHECK_EQ("trigger_with_mask_0", trigger("m"), 0);
	CHECK("trigger_ignores_mask", strstr(log_since_clear(), "sysrq: Show Memory"));
	CHECK_EQ("sysctl_set_1", mt_write_str("/proc/sys/kernel/sysrq", "1"), 0);

	/* not root: neither file may be written */
	pid_t u = fork();
	if (u == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		/* /proc's own files are root's whoever looks them up */
		struct stat us;
		if (stat("/proc/sysrq-trigger", &us) || us.st_uid != 0 || stat("/proc/meminfo", &us) ||
		    us.st_uid != 0 || lstat("/proc/self", &us) || us.st_uid != 0)
			_exit(15);
		if (open("/proc/sysrq-trigger", O_WRONLY) >= 0)
			_exit(11);
		if (errno != EACCES)
			_exit(12);
		if (open("/proc/sys/kernel/sysrq", O_WRONLY) >= 0)
			_exit(13);
		_exit(errno == EACCES ? 0 : 14);
	}
	int s = mt_reap(u);
	CHECK_EQ("user_gets_eacces", WIFEXITED(s) ? WEXITSTATUS(s) : -1, 0);

	/* e and i: every process but init (this test: pid 1) */
	if (getpid() == 1) {
		int wfd2;
		pid_t stubborn = sleeper("sysrq_stubborn", 1, &wfd2);
		CHECK_EQ("write_e", trigger("e"), 0);
		CHECK("e_logs_action", strstr(log_since_clear(), "sysrq: Terminate All Tasks"));
		s = mt_reap(kid);
		CHECK("e_sends_sigterm", WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM);
		mt_msleep(50);
		CHECK_EQ("e_stubborn_ignores_it", mt_reap_flags(stubborn, WNOHANG), -1);
		CHECK_EQ("write_i", trigger("i"), 0);
		CHECK("i_logs_action", strstr(log_since_clear(), "sysrq: Kill All Tasks"));
		s = mt_reap(stubborn);
		CHECK("i_sends_sigkill", WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL);
		CHECK("init_survives", getpid() == 1);
		close(wfd2);
		mt_write_str("/proc/sys/kernel/printk", want);
	} else {
		printf("SKIP t_sysrq/kill_keys: not pid 1 (SysRq e and i would end this test)\n");
	}
	close(wfd);
	mt_reap(kid);
	mt_end();
}
