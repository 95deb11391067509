/* t_syslog - syslog(2) (klogctl) does Linux's work: READ consumes records, READ_ALL and
 * READ_CLEAR give whole records since the last clear, CLEAR clears without consuming, and
 * CONSOLE_OFF/ON save and restore the console level.
 *
 * Boot: rdinit=/tests/t_syslog (-m 512M).  Runs as root (CAP_SYSLOG).
 *
 * What Linux 6.1 (kernel/printk/printk.c do_syslog) does, and this test expects:
 *  - READ/READ_ALL/READ_CLEAR: NULL buffer or negative length EINVAL, length 0 returns 0.
 *  - every record reads as "<level>[timestamp] text\n"; READ_ALL with a small buffer gives
 *    only whole records (syslog_print_all's find_first_fitting_seq).
 *  - SIZE_UNREAD is what READ has still to return: it falls by what READ returned (more
 *    records may come meanwhile, so: it falls), and CLEAR does not change it.
 *  - CLEAR: READ_ALL afterwards gives less than before.
 *  - CONSOLE_OFF sets console_loglevel (/proc/sys/kernel/printk's first field) to
 *    minimum_console_loglevel (its third), saving the old level once; CONSOLE_ON restores
 *    it; CONSOLE_LEVEL forgets what was saved (a later CONSOLE_ON does nothing).
 */
#include "mtest.h"

#include <sys/klog.h>

enum { CLOSE, OPEN, READ, READ_ALL, READ_CLEAR, CLEAR, CONSOLE_OFF, CONSOLE_ON, CONSOLE_LEVEL,
       SIZE_UNREAD, SIZE_BUFFER };

static char big[1 << 20];

static int printk_field(int i)
{
	char b[64] = "";
	int fd = open("/proc/sys/kernel/printk", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0)
		return -1;
	char *p = b;
	for (int k = 0; k < i; k++) {
		strtol(p, &p, 10);
	}
	return (int)strtol(p, NULL, 10);
}

/* whether b[0..n) is whole records, each "<digits>[...] ...\n" */
static int whole_records(const char *b, int n)
{
	if (n == 0)
		return 1;
	if (b[n - 1] != '\n')
		return 0;
	for (int i = 0; i < n;) {
		if (b[i] != '<' || b[i + 1] < '0' || b[i + 1] > '9')
			return 0;
		const char *nl = memchr(b + i, '\n', n - i);
		i = nl - b + 1;
	}
	return 1;
}

int main(void)
{
	mt_begin("t_syslog");
	mt_mount_proc();

	CHECK("size-buffer", klogctl(SIZE_BUFFER, NULL, 0) > 0);
	CHECK_ERR("read-null-einval", klogctl(READ, NULL, 10), EINVAL);
	CHECK_ERR("read-all-neg-einval", klogctl(READ_ALL, big, -1), EINVAL);
	CHECK_ERR("read-clear-null-einval", klogctl(READ_CLEAR, NULL, 10), EINVAL);
	CHECK_EQ("read-len0", klogctl(READ, big, 0), 0);
	CHECK_EQ("read-all-len0", klogctl(READ_ALL, big, 0), 0);
	CHECK_EQ("open", klogctl(OPEN, NULL, 0), 0);
	CHECK_EQ("close", klogctl(CLOSE, NULL, 0), 0);

	int n0 = klogctl(READ_ALL, big, sizeof big);
	CHECK("read-all", n0 > 0);
	CHECK("read-all-records", n0 > 0 && whole_records(big, n0));
	int ns = klogctl(READ_ALL, big, 100);
	CHECK("read-all-small-whole-records", ns >= 0 && ns <= 100 && whole_records(big, ns));

	/* READ consumes */
	int u0 = klogctl(SIZE_UNREAD, NULL, 0);
	CHECK("size-unread", u0 > 0);
	int r1 = u0 > 0 ? klogctl(READ, big, 40) : -1;
	CHECK("read-some", r1 > 0 && r1 <= 40);
	int u1 = klogctl(SIZE_UNREAD, NULL, 0);
	CHECK("read-consumes", u1 >= 0 && u1 < u0);
	int r2 = u1 > 0 ? klogctl(READ, big, sizeof big) : 0;
	CHECK("read-rest", r2 >= 0 && r2 <= u1 + 4096);
	int u2 = klogctl(SIZE_UNREAD, NULL, 0);
	CHECK("read-rest-consumed", u2 >= 0 && (u1 == 0 || u2 < u1));

	/* CLEAR: READ_ALL gives less, and nothing is consumed */
	n0 = klogctl(READ_ALL, big, sizeof big);
	int ub = klogctl(SIZE_UNREAD, NULL, 0);
	CHECK_EQ("clear", klogctl(CLEAR, NULL, 0), 0);
	int n1 = klogctl(READ_ALL, big, sizeof big);
	CHECK("clear-read-all-less", n0 > 0 && n1 >= 0 && n1 < n0);
	CHECK("clear-keeps-unread", klogctl(SIZE_UNREAD, NULL, 0) >= ub);
	int rc = klogctl(READ_CLEAR, big, sizeof big);
	CHECK("read-clear", rc >= 0 && whole_records(big, rc));
	int n2 = klogctl(READ_ALL, big, sizeof big);
	CHECK("read-clear-cleared", n2 >= 0 && n2 <= rc);

	/* the console level */
	int lvl = printk_field(0), min = printk_field(2);
	CHECK("printk-sysctl", lvl > 0 && min > 0 && lvl != min);
	CHECK_EQ("console-off", klogctl(CONSOLE_OFF, NULL, 0), 0);
	CHECK_EQ("console-off-level", printk_field(0), min);
	klogctl(CONSOLE_OFF, NULL, 0);
	CHECK_EQ("console-on", klogctl(CONSOLE_ON, NULL, 0), 0);
	CHECK_EQ("console-on-restores", printk_field(0), lvl);
	klogctl(CONSOLE_ON, NULL, 0);
	CHECK_EQ("console-on-twice", printk_field(0), lvl);
	klogctl(CONSOLE_OFF, NULL, 0);
	CHECK_EQ("console-level", klogctl(CONSOLE_LEVEL, NULL, 5), 0);
	klogctl(CONSOLE_ON, NULL, 0);
	CHECK_EQ("console-level-forgets-saved", printk_field(0), 5);
	CHECK_ERR("console-level-einval", klogctl(CONSOLE_LEVEL, NULL, 9), EINVAL);
	klogctl(CONSOLE_LEVEL, NULL, lvl);
	CHECK_EQ("console-level-back", printk_field(0), lvl);

	/* unprivileged: reading the whole log is allowed (dmesg_restrict 0), consuming is not */
	pid_t c = fork();
	if (c == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		int ok = klogctl(READ_ALL, big, 64) >= 0;
		errno = 0;
		ok = ok && klogctl(READ, big, 64) == -1 && errno == EPERM;
		errno = 0;
		ok = ok && klogctl(SIZE_UNREAD, NULL, 0) == -1 && errno == EPERM;
		errno = 0;
		ok = ok && klogctl(CLEAR, NULL, 0) == -1 && errno == EPERM;
		_exit(ok ? 0 : 1);
	}
	int st = mt_reap(c);
	CHECK("unprivileged", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	mt_end();
}
