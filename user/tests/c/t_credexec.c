/* t_credexec: the credentials exec computes — set-user-ID and set-group-ID files, AT_SECURE,
 * the capability sets of the new image (root's, an ordinary user's, ambient ones, after
 * PR_SET_KEEPCAPS), no_new_privs, scripts (whose set-id bits are ignored), dumpability — and
 * exec's permission check (EACCES without an execute bit, for a directory, or without search
 * permission).  And the exec stressor's way of running: drop to nobody, then exec.
 *
 * Each case runs /bin/cred-report (user/c/cred-report.c), or a copy of it with set-id bits,
 * in a child that first set its credentials; the report's one line is compared with what
 * Linux prints.  Linux: fs/exec.c (bprm_fill_uid, begin_new_exec), security/commoncap.c
 * (cap_bprm_creds_from_file), fs/binfmt_elf.c (create_elf_tables: AT_SECURE).
 */
#include "mtest.h"
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define U 1000
#define G 1000
#define FULL "1ffffffffff"

static void copy(const char *from, const char *to, mode_t mode, uid_t uid, gid_t gid)
{
	static char buf[1 << 16];
	unlink(to);
	int in = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0700);
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		write(out, buf, n);
	if (in < 0 || out < 0)
		printf("FAIL %s/setup: %s: %s\n", mt_test_name, to, strerror(errno));
	close(in);
	close(out);
	chown(to, uid, gid); /* (clears set-id bits: chmod after) */
	chmod(to, mode);
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

static void become_user(void)
{
	if (setgroups(0, NULL) || setresgid(G, G, G) || setresuid(U, U, U))
		printf("  drop failed: %s\n", strerror(errno));
}

static void nothing(void)
{
}
static void user_nnp(void)
{
	become_user();
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
static void keepcaps_user(void)
{
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	setgroups(0, NULL);
	setresuid(U, U, U);
	capset_(1ULL << CAP_KILL, 0x1ffffffffffULL, 0);
}
static void ambient_user(void)
{
	unsigned long long raw = 1ULL << CAP_NET_RAW;
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	setgroups(0, NULL);
	setresuid(U, U, U);
	if (capset_(raw, 0x1ffffffffffULL, raw) || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0))
		printf("  ambient setup failed: %s\n", strerror(errno));
}
static void real_root_effective_user(void)
{
	setresuid(0, U, 0);
}

/* Runs `path` in a child prepared by `prep`; returns the child's exit status (or -1) and its
 * first output line in `out`; errno of a failed execve in *exec_errno. */
static int run(const char *path, void (*prep)(void), char *out, size_t n, int *exec_errno)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		prep();
		dup2(p[1], 1);
		char *argv[] = {(char *)path, NULL};
		execve(path, argv, NULL);
		int e = errno;
		write(p[1], "exec-failed\n", 12);
		_exit(100 + e);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < n && (r = read(p[0], out + got, n - 1 - got)) > 0)
		got += r;
	close(p[0]);
	out[got] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	int st = mt_reap(pid);
	if (exec_errno)
		*exec_errno = (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) >= 100) ? WEXITSTATUS(st) - 100 : 0;
	return st;
}

static void expect(const char *name, const char *path, void (*prep)(void), const char *want)
{
	char out[512];
	int st = run(path, prep, out, sizeof out, NULL);
	mt_report(st == 0 && strcmp(out, want) == 0, name, "status %#x, got \"%s\", want \"%s\"", st, out, want);
}

static void expect_exec_errno(const char *name, const char *path, void (*prep)(void), int want)
{
	char out[512];
	int e = -1;
	run(path, prep, out, sizeof out, &e);
	mt_report(e == want, name, "execve errno %d (%s), want %d (%s)", e, strerror(e), want, strerror(want));
}

int main(void)
{
	mt_begin("t_credexec");
	mt_mount_proc();
	mkdir("/tmp/x", 0755);
	copy("/bin/cred-report", "/tmp/x/report", 0755, 0, 0);
	copy("/bin/cred-report", "/tmp/x/suid", 04755, 0, 0);
	copy("/bin/cred-report", "/tmp/x/sgid", 02755, 0, 50);
	copy("/bin/cred-report", "/tmp/x/sgidnox", 02745, 0, 50);
	copy("/bin/cred-report", "/tmp/x/suid2000", 04755, 2000, 2000);
	copy("/bin/cred-report", "/tmp/x/suidself", 04755, U, G);
	copy("/bin/cred-report", "/tmp/x/noexec", 0644, 0, 0);
	copy("/bin/cred-report", "/tmp/x/private", 0700, 0, 0);
	mkdir("/tmp/x/dir", 0755);
	mkdir("/tmp/x/closed", 0700);
	copy("/bin/cred-report", "/tmp/x/closed/report", 0755, 0, 0);
	int fd = open("/tmp/x/suidscript", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	write(fd, "#!/tmp/x/report\n", 16);
	close(fd);
	chmod("/tmp/x/suidscript", 04755);
	CHECK_EQ("suid-bit-set", (int)(({
			 struct stat st;
			 stat("/tmp/x/suid", &st);
			 st.st_mode;
		 }) & 07777),
		 04755);

	expect("root", "/tmp/x/report", nothing,
	       "uid=0,0,0,0 gid=0,0,0,0 secure=0 prm=" FULL " eff=" FULL " inh=0 amb=0 nnp=0 dumpable=1");
	expect("user", "/tmp/x/report", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	expect("user-suid-root", "/tmp/x/suid", become_user,
	       "uid=1000,0,0,0 gid=1000,1000,1000,1000 secure=1 prm=" FULL " eff=" FULL " inh=0 amb=0 nnp=0 dumpable=0");
	expect("user-sgid", "/tmp/x/sgid", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,50,50,50 secure=1 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=0");
	expect("user-sgid-without-gx", "/tmp/x/sgidnox", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	expect("user-suid-other-user", "/tmp/x/suid2000", become_user,
	       "uid=1000,2000,2000,2000 gid=1000,1000,1000,1000 secure=1 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=0");
	expect("user-suid-self", "/tmp/x/suidself", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	/* a nosuid mount: the set-user-ID bit does not count (Linux: mnt_may_suid) */
	mkdir("/tmp/nosuid", 0755);
	CHECK_EQ("mount-nosuid", mount("tmpfs", "/tmp/nosuid", "tmpfs", MS_NOSUID, NULL), 0);
	copy("/bin/cred-report", "/tmp/nosuid/suid", 04755, 0, 0);
	expect("user-suid-root-on-nosuid", "/tmp/nosuid/suid", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	CHECK_EQ("remount-suid", mount(NULL, "/tmp/nosuid", NULL, MS_REMOUNT, NULL), 0);
	expect("user-suid-root-after-remount", "/tmp/nosuid/suid", become_user,
	       "uid=1000,0,0,0 gid=1000,1000,1000,1000 secure=1 prm=" FULL " eff=" FULL " inh=0 amb=0 nnp=0 dumpable=0");
	umount("/tmp/nosuid");
	expect("root-suid-root", "/tmp/x/suid", nothing,
	       "uid=0,0,0,0 gid=0,0,0,0 secure=0 prm=" FULL " eff=" FULL " inh=0 amb=0 nnp=0 dumpable=1");
	expect("user-nnp-suid-ignored", "/tmp/x/suid", user_nnp,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=1 dumpable=1");
	expect("user-suid-script-ignored", "/tmp/x/suidscript", become_user,
	       "uid=1000,1000,1000,1000 gid=1000,1000,1000,1000 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	expect("keepcaps-cleared-by-exec", "/tmp/x/report", keepcaps_user,
	       "uid=1000,1000,1000,1000 gid=0,0,0,0 secure=0 prm=0 eff=0 inh=0 amb=0 nnp=0 dumpable=1");
	expect("ambient-kept-by-exec", "/tmp/x/report", ambient_user,
	       "uid=1000,1000,1000,1000 gid=0,0,0,0 secure=0 prm=2000 eff=2000 inh=2000 amb=2000 nnp=0 dumpable=1");
	expect("real-root-effective-user", "/tmp/x/report", real_root_effective_user,
	       "uid=0,1000,1000,1000 gid=0,0,0,0 secure=1 prm=" FULL " eff=0 inh=0 amb=0 nnp=0 dumpable=0");

	/* exec's permission check */
	expect_exec_errno("user-exec-no-x-eacces", "/tmp/x/noexec", become_user, EACCES);
	expect_exec_errno("user-exec-0700-eacces", "/tmp/x/private", become_user, EACCES);
	expect_exec_errno("user-exec-dir-eacces", "/tmp/x/dir", become_user, EACCES);
	expect_exec_errno("user-exec-search-eacces", "/tmp/x/closed/report", become_user, EACCES);
	expect_exec_errno("root-exec-no-x-eacces", "/tmp/x/noexec", nothing, EACCES);
	expect("root-exec-0700", "/tmp/x/private", nothing,
	       "uid=0,0,0,0 gid=0,0,0,0 secure=0 prm=" FULL " eff=" FULL " inh=0 amb=0 nnp=0 dumpable=1");

	/* the exec stressor's way: become nobody, then exec */
	pid_t p = fork();
	if (p == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(99);
		char *argv[] = {"exit-code", "7", NULL};
		execve("/bin/exit-code", argv, NULL);
		_exit(98);
	}
	int st = mt_reap(p);
	mt_report(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "nobody-execs", "status %#x", st);
	mt_end();
}
