/* t_cred: struct cred as user space sees it — the ids and the set*id rules, supplementary
 * groups, capabilities (capget/capset, the capability prctls, what setuid does to them),
 * PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, /proc/PID/status, RLIMIT_NPROC per user, and who may
 * signal whom (kill, tkill, tgkill, pidfd_send_signal).
 *
 * The test runs as root (PID 1); every refusal is checked in a forked child that dropped its
 * privileges first, with Linux's errno.  Linux: kernel/sys.c, kernel/groups.c,
 * kernel/capability.c, security/commoncap.c, kernel/fork.c (copy_process's RLIMIT_NPROC),
 * kernel/signal.c (check_kill_permission), fs/proc/array.c.
 */
#include "mtest.h"
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#define SECBIT_KEEP_CAPS (1 << 4)
#define SECBIT_KEEP_CAPS_LOCKED (1 << 5)
#define FULL_LO 0xffffffffu
#define FULL_HI 0x1ffu /* CAP_LAST_CAP 40 */

static int capget_(int pid, struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
	return syscall(SYS_capget, &h, d);
}

static int capset_(unsigned long long eff, unsigned long long prm, unsigned long long inh)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(unsigned)eff, (unsigned)prm, (unsigned)inh},
		{(unsigned)(eff >> 32), (unsigned)(prm >> 32), (unsigned)(inh >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

/* A line of /proc/<pid>/status ("self" for pid 0), the text after "Key:\t". */
static int status_line(int pid, const char *key, char *out, size_t n)
{
	char path[64], buf[4096];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/status", pid);
	else
		snprintf(path, sizeof path, "/proc/self/status");
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = 0;
	char k[64];
	snprintf(k, sizeof k, "\n%s:\t", key);
	char *p = strstr(buf, k);
	if (!p)
		return 0;
	p += strlen(k);
	size_t i = 0;
	while (p[i] && p[i] != '\n' && i + 1 < n) {
		out[i] = p[i];
		i++;
	}
	out[i] = 0;
	return 1;
}

static int status_is(const char *key, const char *want)
{
	char v[256];
	if (!status_line(0, key, v, sizeof v)) {
		printf("  (no %s line)\n", key);
		return 0;
	}
	if (strcmp(v, want)) {
		printf("  %s: got \"%s\", want \"%s\"\n", key, v, want);
		return 0;
	}
	return 1;
}

/* Runs fn in a child that first becomes uid/gid (real, effective and saved) with no
 * supplementary groups; the child's checks print their own lines.  The parent checks that
 * the child could drop its privileges and exited 0. */
static void as_user(const char *name, uid_t uid, gid_t gid, void (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		mt_nfail = 0;
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
			printf("FAIL %s/%s-drop: %s\n", mt_test_name, name, strerror(errno));
			_exit(1);
		}
		fn();
		_exit(mt_nfail ? 1 : 0);
	}
	int st = mt_reap(p);
	mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, name, "child status %#x", st);
}

/* Runs fn in a forked child (still root); the child's checks print their own lines. */
static void in_child(const char *name, void (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		mt_nfail = 0;
		fn();
		_exit(mt_nfail ? 1 : 0);
	}
	int st = mt_reap(p);
	mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, name, "child status %#x", st);
}

static void ids_root(void)
{
	CHECK_EQ("root-getuid", getuid(), 0);
	CHECK_EQ("root-geteuid", geteuid(), 0);
	CHECK_EQ("root-getgid", getgid(), 0);
	CHECK_EQ("root-getegid", getegid(), 0);
	uid_t r = 9, e = 9, s = 9;
	CHECK("root-getresuid", getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0);
	CHECK("root-status-uid", status_is("Uid", "0\t0\t0\t0"));
	CHECK("root-status-gid", status_is("Gid", "0\t0\t0\t0"));
	CHECK("root-status-capprm", status_is("CapPrm", "000001ffffffffff"));
	CHECK("root-status-capeff", status_is("CapEff", "000001ffffffffff"));
	CHECK("root-status-capbnd", status_is("CapBnd", "000001ffffffffff"));
	CHECK("root-status-capinh", status_is("CapInh", "0000000000000000"));
	CHECK("root-status-capamb", status_is("CapAmb", "0000000000000000"));
	CHECK("root-status-nonewprivs", status_is("NoNewPrivs", "0"));
	CHECK_ERR("setuid-minus-one-einval", setuid(-1), EINVAL);
	CHECK_ERR("setgid-minus-one-einval", setgid(-1), EINVAL);
	CHECK_ERR("getresuid-efault", syscall(SYS_getresuid, (void *)8, &e, &s), EFAULT);
}

/* setresuid(1000, 2000, 3000) as root: then the unprivileged rules. */
static void setresuid_rules(void)
{
	CHECK_EQ("setresuid-root", setresuid(1000, 2000, 3000), 0);
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	CHECK("setresuid-ids", r == 1000 && e == 2000 && s == 3000);
	CHECK_EQ("fsuid-follows-euid", setfsuid(-1), 2000);
	CHECK("status-uid-4", status_is("Uid", "1000\t2000\t3000\t2000"));
	/* every uid left 0: no capabilities */
	CHECK("status-capprm-0", status_is("CapPrm", "0000000000000000"));
	CHECK("status-capeff-0", status_is("CapEff", "0000000000000000"));
	struct __user_cap_data_struct d[2];
	CHECK("capget-empty", capget_(0, d) == 0 && d[0].effective == 0 && d[0].permitted == 0 && d[1].permitted == 0);
	CHECK_ERR("setuid-0-eperm", setuid(0), EPERM);
	CHECK_ERR("setresuid-new-eperm", setresuid(-1, 4000, -1), EPERM);
	CHECK_ERR("setreuid-ruid-to-saved-eperm", setreuid(3000, -1), EPERM);
	/* without CAP_SETUID setuid changes the effective uid only, to the real or saved one */
	CHECK_EQ("setuid-to-saved", setuid(3000), 0);
	getresuid(&r, &e, &s);
	CHECK("setuid-to-saved-ids", r == 1000 && e == 3000 && s == 3000);
	CHECK_EQ("setuid-to-real", setuid(1000), 0);
	getresuid(&r, &e, &s);
	CHECK("setuid-to-real-ids", r == 1000 && e == 1000 && s == 3000);
	/* setreuid: euid to the saved uid, ruid unchanged: the saved uid becomes the euid */
	CHECK_EQ("setreuid-euid", setreuid(-1, 3000), 0);
	getresuid(&r, &e, &s);
	CHECK("setreuid-euid-ids", r == 1000 && e == 3000 && s == 3000);
	CHECK_EQ("setreuid-swap", setreuid(3000, 1000), 0);
	getresuid(&r, &e, &s);
	CHECK("setreuid-swap-ids", r == 3000 && e == 1000 && s == 1000);
	CHECK_EQ("setresuid-noop", setresuid(-1, -1, -1), 0);
	/* setfsuid: the old fsuid back, always; a stranger's uid is refused silently */
	CHECK_EQ("setfsuid-stranger", setfsuid(5), 1000);
	CHECK_EQ("setfsuid-unchanged", setfsuid(-1), 1000);
	CHECK_EQ("setfsuid-real", setfsuid(3000), 1000);
	CHECK_EQ("setfsuid-now", setfsuid(-1), 3000);
	CHECK("status-uid-fs", status_is("Uid", "3000\t1000\t1000\t3000"));
	/* a set*uid that changes the euid makes the process non-dumpable */
	CHECK_EQ("dumpable-after-setuid", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_EQ("set-dumpable", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	CHECK_EQ("get-dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	CHECK_ERR("set-dumpable-2-einval", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
}

static void setresgid_rules(void)
{
	CHECK_EQ("setresgid-root", setresgid(10, 20, 30), 0);
	gid_t r, e, s;
	getresgid(&r, &e, &s);
	CHECK("setresgid-ids", r == 10 && e == 20 && s == 30);
	CHECK_EQ("getgid", getgid(), 10);
	CHECK_EQ("getegid", getegid(), 20);
	CHECK_EQ("fsgid-follows-egid", setfsgid(-1), 20);
	CHECK("status-gid-4", status_is("Gid", "10\t20\t30\t20"));
	/* the gids do not change capabilities */
	CHECK("status-capeff-kept", status_is("CapEff", "000001ffffffffff"));
	CHECK_EQ("drop-uid", setresuid(1000, 1000, 1000), 0);
	CHECK_ERR("setgid-stranger-eperm", setgid(40), EPERM);
	CHECK_ERR("setgid-0-eperm", setgid(0), EPERM);
	CHECK_EQ("setgid-saved", setgid(30), 0);
	getresgid(&r, &e, &s);
	CHECK("setgid-saved-ids", r == 10 && e == 30 && s == 30);
	CHECK_ERR("setregid-stranger-eperm", setregid(-1, 99), EPERM);
	CHECK_ERR("setresgid-stranger-eperm", setresgid(99, -1, -1), EPERM);
	CHECK_EQ("setfsgid-stranger", setfsgid(99), 30);
	CHECK_EQ("setfsgid-real", setfsgid(10), 30);
	CHECK_EQ("setfsgid-now", setfsgid(-1), 10);
	CHECK_ERR("setgroups-eperm", setgroups(0, NULL), EPERM);
}

static void groups_rules(void)
{
	gid_t set[3] = {20, 5, 10}, got[8];
	CHECK_EQ("setgroups", setgroups(3, set), 0);
	CHECK_EQ("getgroups-count", getgroups(0, NULL), 3);
	int n = getgroups(8, got);
	CHECK("getgroups-sorted", n == 3 && got[0] == 5 && got[1] == 10 && got[2] == 20);
	CHECK_ERR("getgroups-small-einval", getgroups(2, got), EINVAL);
	CHECK_ERR("getgroups-negative-einval", syscall(SYS_getgroups, -1, got), EINVAL);
	CHECK_ERR("getgroups-efault", syscall(SYS_getgroups, 3, (gid_t *)8), EFAULT);
	CHECK("status-groups", status_is("Groups", "5 10 20 "));
	CHECK_ERR("setgroups-too-many-einval", setgroups(65537, set), EINVAL);
	CHECK_ERR("setgroups-efault", setgroups(2, (gid_t *)8), EFAULT);
	CHECK_EQ("setgroups-empty", setgroups(0, NULL), 0);
	CHECK("status-groups-empty", status_is("Groups", " "));
}

static void capget_rules(void)
{
	struct __user_cap_data_struct d[2];
	CHECK("capget-root", capget_(0, d) == 0 && d[0].effective == FULL_LO && d[1].effective == FULL_HI &&
				     d[0].permitted == FULL_LO && d[1].permitted == FULL_HI && d[0].inheritable == 0);
	CHECK("capget-pid1", capget_(1, d) == 0 && d[0].effective == FULL_LO);
	CHECK_ERR("capget-esrch", capget_(99999, d), ESRCH);
	CHECK_ERR("capget-negative-einval", capget_(-1, d), EINVAL);
	struct __user_cap_header_struct h = {0x12345678, 0};
	CHECK_ERR("capget-bad-version-einval", syscall(SYS_capget, &h, d), EINVAL);
	CHECK_EQ("capget-version-written", h.version, _LINUX_CAPABILITY_VERSION_3);
	h.version = 0;
	CHECK_EQ("capget-null-data-asks-version", syscall(SYS_capget, &h, NULL), 0);
	CHECK_EQ("capget-null-data-version", h.version, _LINUX_CAPABILITY_VERSION_3);
	/* version 1: one 32-bit word */
	struct __user_cap_data_struct d1[2] = {{0, 0, 0}, {7, 7, 7}};
	h.version = _LINUX_CAPABILITY_VERSION_1;
	h.pid = 0;
	CHECK("capget-v1", syscall(SYS_capget, &h, d1) == 0 && d1[0].effective == FULL_LO && d1[1].effective == 7);
	struct __user_cap_header_struct h2 = {_LINUX_CAPABILITY_VERSION_3, 99999};
	CHECK_ERR("capset-other-pid-eperm", syscall(SYS_capset, &h2, d), EPERM);
}

static void capset_rules(void)
{
	unsigned long long kill = 1ULL << CAP_KILL, chown = 1ULL << CAP_CHOWN;
	CHECK_EQ("capset-drop", capset_(kill, kill | chown, 0), 0);
	struct __user_cap_data_struct d[2];
	CHECK("capget-after-drop", capget_(0, d) == 0 && d[0].effective == kill && d[0].permitted == (kill | chown) &&
					   d[1].permitted == 0);
	CHECK("status-after-capset", status_is("CapEff", "0000000000000020"));
	CHECK_ERR("capset-grow-permitted-eperm", capset_(kill, kill | chown | (1ULL << CAP_SETUID), 0), EPERM);
	CHECK_ERR("capset-effective-beyond-permitted-eperm", capset_(1ULL << CAP_SETUID, kill | chown, 0), EPERM);
	/* inheritable without CAP_SETPCAP: only bits already permitted */
	CHECK_ERR("capset-inheritable-eperm", capset_(kill, kill | chown, 1ULL << CAP_SETUID), EPERM);
	CHECK_EQ("capset-inheritable-permitted", capset_(kill, kill | chown, chown), 0);
	CHECK("status-capinh", status_is("CapInh", "0000000000000001"));
	/* root without CAP_SETUID cannot become someone else */
	CHECK_ERR("setuid-without-cap-setuid-eperm", setuid(1000), EPERM);
	/* CAP_CHOWN permitted but not effective: chown is refused, then raised it works */
	int fd = open("/tmp/t_cred.chown", O_CREAT | O_RDWR, 0644);
	CHECK_ERR("chown-without-effective-cap-eperm", fchown(fd, 1000, 1000), EPERM);
	CHECK_EQ("raise-effective", capset_(kill | chown, kill | chown, chown), 0);
	CHECK_EQ("chown-with-cap", fchown(fd, 1000, 1000), 0);
	close(fd);
	unlink("/tmp/t_cred.chown");
}

static void prctl_caps(void)
{
	CHECK_EQ("capbset-read", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0), 1);
	CHECK_ERR("capbset-read-einval", prctl(PR_CAPBSET_READ, 41, 0, 0, 0), EINVAL);
	CHECK_EQ("capbset-drop", prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0), 0);
	CHECK_EQ("capbset-read-dropped", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0), 0);
	CHECK("status-capbnd", status_is("CapBnd", "000001fffffffffe"));
	CHECK_ERR("capbset-drop-einval", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0), EINVAL);
	/* keepcaps */
	CHECK_EQ("get-keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	CHECK_ERR("set-keepcaps-einval", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	CHECK_EQ("set-keepcaps", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
	CHECK_EQ("get-keepcaps-1", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
	CHECK_EQ("get-securebits", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_KEEP_CAPS);
	/* ambient: needs permitted and inheritable */
	CHECK_EQ("ambient-is-set-0", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 0);
	CHECK_ERR("ambient-raise-eperm", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), EPERM);
	unsigned long long all = 0x1ffffffffffULL & ~1ULL, raw = 1ULL << CAP_NET_RAW;
	CHECK_EQ("capset-inheritable-raw", capset_(all, all, raw), 0);
	CHECK_EQ("ambient-raise", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), 0);
	CHECK_EQ("ambient-is-set-1", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 1);
	CHECK("status-capamb", status_is("CapAmb", "0000000000002000"));
	CHECK_ERR("ambient-bad-op-einval", prctl(PR_CAP_AMBIENT, 9, CAP_NET_RAW, 0, 0), EINVAL);
	CHECK_ERR("ambient-bad-cap-einval", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41, 0, 0), EINVAL);
	CHECK_ERR("ambient-clear-arg-einval", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
	/* with KEEPCAPS, leaving uid 0 keeps the permitted set; effective and ambient go */
	CHECK_EQ("keepcaps-setresuid", setresuid(1000, 1000, 1000), 0);
	CHECK("keepcaps-status-prm", status_is("CapPrm", "000001fffffffffe"));
	CHECK("keepcaps-status-eff", status_is("CapEff", "0000000000000000"));
	CHECK("keepcaps-status-amb", status_is("CapAmb", "0000000000000000"));
	/* and the kept permitted set can be made effective again */
	CHECK_EQ("keepcaps-capset", capset_(1ULL << CAP_KILL, all, raw), 0);
	CHECK("keepcaps-status-eff-kill", status_is("CapEff", "0000000000000020"));
	CHECK_EQ("ambient-raise-as-user", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), 0);
	CHECK_EQ("ambient-clear", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 0);
	CHECK_EQ("ambient-cleared", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 0);
}

static void securebits_locks(void)
{
	CHECK_EQ("securebits-lock", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), 0);
	CHECK_ERR("securebits-locked-eperm", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), EPERM);
	CHECK_ERR("securebits-unlock-eperm", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), EPERM);
	CHECK_ERR("securebits-unknown-eperm", prctl(PR_SET_SECUREBITS, 1 << 8, 0, 0, 0), EPERM);
}

static void no_new_privs(void)
{
	CHECK_EQ("nnp-get-0", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	CHECK_ERR("nnp-set-0-einval", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("nnp-set-arg3-einval", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	CHECK_EQ("nnp-set", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	CHECK_EQ("nnp-get-1", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	CHECK_ERR("nnp-get-arg-einval", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	CHECK("nnp-status", status_is("NoNewPrivs", "1"));
	pid_t p = fork();
	if (p == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	int st = mt_reap(p);
	CHECK("nnp-inherited", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* RLIMIT_NPROC counts the processes of the real uid; root is exempt. */
static void nproc_limit(void)
{
	struct rlimit one = {1, 2};
	CHECK_EQ("setrlimit-nproc-1", setrlimit(RLIMIT_NPROC, &one), 0);
	pid_t p = fork(); /* root: no limit */
	if (p == 0)
		_exit(0);
	CHECK("nproc-root-exempt", p > 0 && mt_reap(p) == 0);
	CHECK_EQ("nproc-become-user", setresuid(2000, 2000, 2000), 0);
	/* this process is uid 2000's one: a second is over the limit */
	errno = 0;
	p = fork();
	if (p == 0)
		_exit(0);
	mt_report(p == -1 && errno == EAGAIN, "nproc-fork-eagain", "fork = %d errno %d", p, errno);
	if (p > 0)
		mt_reap(p);
	/* the hard limit may not be raised without CAP_SYS_RESOURCE; the soft one up to it may */
	struct rlimit three = {3, 3}, two = {2, 2};
	CHECK_ERR("setrlimit-raise-hard-eperm", setrlimit(RLIMIT_NPROC, &three), EPERM);
	CHECK_EQ("setrlimit-nproc-2", setrlimit(RLIMIT_NPROC, &two), 0);
	p = fork();
	if (p == 0)
		_exit(0);
	CHECK("nproc-fork-under-limit", p > 0 && mt_reap(p) == 0);
}

/* A set*uid to a user already over RLIMIT_NPROC succeeds, but the next execve is EAGAIN. */
static void nproc_exec(void)
{
	struct rlimit zero = {0, 0};
	int p[2];
	pipe(p);
	pid_t a = fork();
	if (a == 0) {
		close(p[1]);
		setresuid(3000, 3000, 3000);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	mt_msleep(50);
	pid_t b = fork();
	if (b == 0) {
		mt_nfail = 0;
		setrlimit(RLIMIT_NPROC, &zero);
		CHECK_EQ("nproc-setuid-over-limit", setresuid(3000, 3000, 3000), 0);
		char *argv[] = {"exit-code", "0", NULL};
		CHECK_ERR("nproc-exec-eagain", execve("/bin/exit-code", argv, NULL), EAGAIN);
		/* the flag goes with the failed exec's check only once the count is back under */
		_exit(mt_nfail ? 1 : 0);
	}
	int st = mt_reap(b);
	CHECK("nproc-exec-child", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[1]);
	mt_reap(a);
}

static volatile int got_uid = -1, got_sig;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_uid = si->si_uid;
}

static pid_t sleeper_as(uid_t uid, int *wfd)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (uid)
			setresuid(uid, uid, uid);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static pid_t g_root_child, g_user_child, g_other_child, g_new_session;
static int g_pidfd;

static void kill_as_user(void)
{
	CHECK_ERR("kill-init-eperm", kill(1, SIGTERM), EPERM);
	CHECK_ERR("kill-init-sig0-eperm", kill(1, 0), EPERM);
	CHECK_ERR("kill-root-child-eperm", kill(g_root_child, SIGUSR1), EPERM);
	CHECK_ERR("kill-other-user-eperm", kill(g_other_child, 0), EPERM);
	CHECK_EQ("kill-same-user", kill(g_user_child, 0), 0);
	CHECK_ERR("tkill-root-eperm", syscall(SYS_tkill, g_root_child, SIGUSR1), EPERM);
	CHECK_ERR("tgkill-root-eperm", syscall(SYS_tgkill, g_root_child, g_root_child, SIGUSR1), EPERM);
	CHECK_EQ("tgkill-same-user", syscall(SYS_tgkill, g_user_child, g_user_child, 0), 0);
	CHECK_ERR("pidfd-send-signal-eperm", syscall(SYS_pidfd_send_signal, g_pidfd, SIGUSR1, NULL, 0), EPERM);
	CHECK_ERR("kill-nonexistent-esrch", kill(99999, 0), ESRCH);
	/* SIGCONT is allowed within the session, refused outside it */
	CHECK_EQ("sigcont-same-session", kill(g_root_child, SIGCONT), 0);
	CHECK_ERR("sigcont-other-session-eperm", kill(g_new_session, SIGCONT), EPERM);
	/* a process group with root's members only: EPERM */
	CHECK_ERR("kill-pgrp-eperm", kill(-g_new_session, 0), EPERM);
}

static void signal_uid(void)
{
	/* si_uid is the sender's real uid */
	struct sigaction sa = {0};
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, &old);
	setresuid(1000, 1000, 1000);
	pid_t me = getpid();
	pid_t p = fork();
	if (p == 0) {
		kill(me, SIGUSR1);
		_exit(0);
	}
	mt_reap(p);
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK("si-uid", got_sig == SIGUSR1 && got_uid == 1000);
}

static void kill_rules(void)
{
	int w1, w2, w3, w4;
	g_root_child = sleeper_as(0, &w1);
	g_user_child = sleeper_as(1000, &w2);
	g_other_child = sleeper_as(2000, &w3);
	int p[2];
	pipe(p);
	g_new_session = fork();
	if (g_new_session == 0) {
		close(p[1]);
		setsid();
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	w4 = p[1];
	g_pidfd = syscall(SYS_pidfd_open, g_root_child, 0);
	mt_msleep(50);
	as_user("kill-as-user", 1000, 1000, kill_as_user);
	in_child("signal-si-uid", signal_uid);
	close(w1);
	close(w2);
	close(w3);
	close(w4);
	mt_reap(g_root_child);
	mt_reap(g_user_child);
	mt_reap(g_other_child);
	mt_reap(g_new_session);
	close(g_pidfd);
}

/* what only root may do: each is a capability check (capable()) in the kernel */
static void root_only(void)
{
	CHECK_ERR("reboot-eperm", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL), EPERM);
	CHECK_ERR("reboot-bad-magic-eperm-first", syscall(SYS_reboot, 1, 2, 0x4321fedc, NULL), EPERM);
	char b[64];
	CHECK("syslog-read-all", syscall(SYS_syslog, 3 /* READ_ALL */, b, sizeof b) >= 0);
	CHECK("syslog-size", syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0) > 0);
	CHECK_ERR("syslog-clear-eperm", syscall(SYS_syslog, 5 /* CLEAR */, NULL, 0), EPERM);
	CHECK_ERR("syslog-console-level-eperm", syscall(SYS_syslog, 8 /* CONSOLE_LEVEL */, NULL, 7), EPERM);
	CHECK_ERR("mount-eperm", mount("proc", "/proc", "proc", 0, NULL), EPERM);
	CHECK_ERR("chroot-eperm", chroot("/"), EPERM);
	CHECK_ERR("setgroups-eperm", setgroups(0, NULL), EPERM);
	CHECK_ERR("capset-raise-eperm", capset_(1, 1, 0), EPERM);
	CHECK_ERR("capbset-drop-eperm", prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0), EPERM);
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	r.rlim_max += 1;
	CHECK_ERR("rlimit-raise-hard-eperm", setrlimit(RLIMIT_NOFILE, &r), EPERM);
	CHECK_ERR("prlimit-other-user-eperm", prlimit(1, RLIMIT_NOFILE, NULL, &r), EPERM);
	/* setting the clock or the timezone needs CAP_SYS_TIME (cap_settime) */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK_ERR("clock-settime-eperm", clock_settime(CLOCK_REALTIME, &now), EPERM);
	struct timeval tv = { now.tv_sec, 0 };
	CHECK_ERR("settimeofday-eperm", settimeofday(&tv, NULL), EPERM);
	struct timezone tz = { 0, 0 };
	CHECK_ERR("settimeofday-tz-eperm", settimeofday(NULL, &tz), EPERM);
	CHECK_ERR("clock-settime-bad-nsec-einval-first",
		  clock_settime(CLOCK_REALTIME, &(struct timespec){ now.tv_sec, 2000000000L }), EINVAL);
	/* kcmp needs ptrace read access to both tasks: init is root's */
	CHECK_ERR("kcmp-other-user-eperm", syscall(SYS_kcmp, getpid(), 1, 0 /* KCMP_FILE */, 0, 0), EPERM);
	CHECK_EQ("kcmp-self", syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0), 0);
	/* /proc/sys: the entry's mode for a user (test_perm); reading is open to all */
	int fd = open("/proc/sys/kernel/threads-max", O_WRONLY);
	mt_report(fd == -1 && errno == EACCES, "sysctl-write-eacces", "open = %d errno %d", fd, errno);
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sys/kernel/threads-max", O_RDONLY);
	CHECK("sysctl-read", fd >= 0);
	close(fd);
	/* another user's fds: pidfd_getfd needs ptrace access (EPERM) */
	int pfd = syscall(SYS_pidfd_open, 1, 0);
	CHECK("pidfd-open-init", pfd >= 0);
	CHECK_ERR("pidfd-getfd-eperm", syscall(SYS_pidfd_getfd, pfd, 0, 0), EPERM);
	close(pfd);
	/* oom_score_adj: up is anyone's, down below the floor needs CAP_SYS_RESOURCE */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	CHECK("oom-score-adj-open", fd >= 0);
	CHECK_EQ("oom-score-adj-raise", write(fd, "5", 1), 1);
	CHECK_ERR("oom-score-adj-lower-eacces", write(fd, "-5", 2), EACCES);
	close(fd);
}

int main(void)
{
	mt_begin("t_cred");
	mt_mount_proc();
	ids_root();
	in_child("setresuid-rules", setresuid_rules);
	in_child("setresgid-rules", setresgid_rules);
	in_child("groups-rules", groups_rules);
	capget_rules();
	in_child("capset-rules", capset_rules);
	in_child("prctl-caps", prctl_caps);
	in_child("securebits-locks", securebits_locks);
	in_child("no-new-privs", no_new_privs);
	in_child("nproc-limit", nproc_limit);
	nproc_exec();
	kill_rules();
	as_user("root-only", 1000, 1000, root_only);
	mt_end();
}
