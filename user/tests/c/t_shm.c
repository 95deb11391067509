/* t_shm: System V shared memory — shmget's key rules and limits, shmat's address rules
 * (SHM_RND, SHM_REMAP, SHM_RDONLY), the segment shared by every process that attaches it (and by
 * fork children), shmdt, shmctl (IPC_STAT, IPC_SET, IPC_RMID while attached, IPC_INFO, SHM_INFO,
 * SHM_STAT), /proc/sysvipc/shm, the errors, IPC namespaces (a new one sees none of the old one's
 * segments), and no pages leaked.  Linux: ipc/shm.c.  (A futex in a segment attached at two
 * addresses by two processes is the futex tests' to check: futexes are keyed by the page.) */
#include "mtest.h"
#include <time.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PG 4096

static char text[16384];

/* The text of a file (into `text`), its length or -1. */
static int slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int n = 0, r;
	while (n < (int)sizeof text - 1 && (r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	return n;
}

/* Whether /proc/sysvipc/shm has a line for segment `id` (its second column). */
static int proc_has(int id)
{
	if (slurp("/proc/sysvipc/shm") < 0)
		return 0;
	char *line = strchr(text, '\n');
	while (line && line[1]) {
		int key, sid;
		if (sscanf(line + 1, "%d %d", &key, &sid) == 2 && sid == id)
			return 1;
		line = strchr(line + 1, '\n');
	}
	return 0;
}

/* Runs fn in a child; its exit status (or 128 + signal). */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t c = fork();
	if (c == 0)
		_exit(fn(arg));
	int st = mt_reap(c);
	if (st < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int write_ro(void *arg)
{
	int id = *(int *)arg;
	volatile char *p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		return 2;
	if (p[0] != 'A')
		return 3;
	p[0] = 'x'; /* SIGSEGV */
	return 0;
}

static int new_ipcns_sees(void *arg)
{
	int id = *(int *)arg;
	struct shmid_ds ds;
	if (unshare(CLONE_NEWIPC) != 0)
		return 2;
	if (shmctl(id, IPC_STAT, &ds) != -1 || errno != EINVAL)
		return 3;
	if (shmget(0x5e9a11, 0, 0) != -1 || errno != ENOENT)
		return 4;
	/* and its own segments, from id 0 up, in an empty /proc/sysvipc/shm */
	int mine = shmget(0x5e9a11, PG, IPC_CREAT | 0600);
	if (mine < 0)
		return 5;
	if (!proc_has(mine))
		return 6;
	int lines = 0;
	for (char *t = text; *t; t++)
		lines += *t == '\n';
	if (lines != 2) /* the header and this namespace's one segment */
		return 7;
	return 0;
}

/* The time at the start (CLOCK_REALTIME seconds, at least 2: MenuOS's clock starts at boot),
 * and whether an object's time stamp was set since then. */
static time_t t_start;
static void start_clock(void)
{
	while (time(NULL) < 2)
		mt_msleep(100);
	t_start = time(NULL);
}
static int recent(time_t t)
{
	return t >= t_start && t <= time(NULL);
}

int main(void)
{
	mt_begin("t_shm");
	start_clock();
	if (access("/proc/self/stat", R_OK) != 0) {
		mkdir("/proc", 0555);
		mount("proc", "/proc", "proc", 0, NULL);
	}

	/* shmget: keys, IPC_CREAT, IPC_EXCL, sizes. */
	int id = shmget(0x5e9a11, 3 * PG, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("shmget-create", id >= 0);
	CHECK_EQ("shmget-same-key", shmget(0x5e9a11, PG, 0), id);
	CHECK_EQ("shmget-size-0-existing", shmget(0x5e9a11, 0, 0), id);
	CHECK_ERR("shmget-excl", shmget(0x5e9a11, PG, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	CHECK_ERR("shmget-bigger-than-existing", shmget(0x5e9a11, 4 * PG, 0), EINVAL);
	CHECK_ERR("shmget-no-key", shmget(0x5e9a12, PG, 0), ENOENT);
	CHECK_ERR("shmget-size-0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR("shmget-past-shmmax", shmget(IPC_PRIVATE, (size_t)-1, IPC_CREAT | 0600), EINVAL);
	/* more than there is memory (no SHM_NORESERVE): ENOMEM */
	CHECK_ERR("shmget-past-ram", shmget(IPC_PRIVATE, (size_t)1 << 40, IPC_CREAT | 0600), ENOMEM);
	int priv = shmget(IPC_PRIVATE, 100, IPC_CREAT | 0600);
	CHECK("shmget-private", priv >= 0 && priv != id);
	int priv2 = shmget(IPC_PRIVATE, 100, 0600);
	CHECK("shmget-private-always-new", priv2 >= 0 && priv2 != priv);

	/* IPC_STAT of a new segment. */
	struct shmid_ds ds;
	memset(&ds, 0xff, sizeof ds);
	CHECK_EQ("stat", shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ("stat-segsz", ds.shm_segsz, 3 * PG);
	CHECK_EQ("stat-key", ds.shm_perm.__key, 0x5e9a11);
	CHECK_EQ("stat-mode", ds.shm_perm.mode, 0600);
	CHECK_EQ("stat-cpid", ds.shm_cpid, getpid());
	CHECK_EQ("stat-lpid-none", ds.shm_lpid, 0);
	CHECK_EQ("stat-nattch-0", ds.shm_nattch, 0);
	CHECK_EQ("stat-atime-0", ds.shm_atime, 0);
	CHECK("stat-ctime", recent(ds.shm_ctime));
	CHECK_EQ("stat-uid", ds.shm_perm.uid, 0);
	CHECK_ERR("stat-efault", shmctl(id, IPC_STAT, (struct shmid_ds *)8), EFAULT);
	CHECK_ERR("stat-bad-id", shmctl(id + 1000000, IPC_STAT, &ds), EINVAL);
	CHECK_ERR("stat-neg-id", shmctl(-1, IPC_STAT, &ds), EINVAL);
	CHECK_ERR("ctl-bad-cmd", shmctl(id, 999, &ds), EINVAL);
	CHECK("proc-sysvipc", proc_has(id) && proc_has(priv));
	CHECK("proc-sysvipc-header", slurp("/proc/sysvipc/shm") > 0 &&
					     !strncmp(text, "       key      shmid perms", 27));

	/* shmat anywhere: zeroed, writable, page-aligned. */
	char *p = shmat(id, NULL, 0);
	CHECK("shmat", p != (void *)-1 && ((uintptr_t)p & (PG - 1)) == 0);
	if (p == (void *)-1)
		mt_end();
	CHECK("shmat-zeroed", p[0] == 0 && p[3 * PG - 1] == 0);
	p[0] = 'A';
	p[3 * PG - 1] = 'Z';
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("stat-nattch-1", ds.shm_nattch, 1);
	CHECK_EQ("stat-lpid", ds.shm_lpid, getpid());
	CHECK("stat-atime", recent(ds.shm_atime));

	/* A second attach of the same segment maps the same pages. */
	char *q = shmat(id, NULL, 0);
	CHECK("shmat-twice", q != (void *)-1 && q != p && q[0] == 'A' && q[3 * PG - 1] == 'Z');
	q[1] = 'B';
	CHECK("shared-pages", p[1] == 'B');
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("stat-nattch-2", ds.shm_nattch, 2);
	CHECK_EQ("shmdt", shmdt(q), 0);
	CHECK_ERR("shmdt-again", shmdt(q), EINVAL);
	CHECK_ERR("shmdt-unaligned", shmdt(p + 1), EINVAL);
	CHECK_ERR("shmdt-not-shm", shmdt(text), EINVAL);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("stat-nattch-after-dt", ds.shm_nattch, 1);
	CHECK("stat-dtime", recent(ds.shm_dtime));

	/* Another process attaching by id sees and changes the same memory. */
	pid_t c = fork();
	if (c == 0) {
		char *r = shmat(id, NULL, 0);
		if (r == (void *)-1 || r[0] != 'A')
			_exit(2);
		r[2] = 'C';
		_exit(0);
	}
	int st = mt_reap(c);
	CHECK("other-process", WIFEXITED(st) && WEXITSTATUS(st) == 0 && p[2] == 'C');
	/* A fork child inherits the attachment (nattch counts it) and shares the pages. */
	int pfd[2];
	pipe(pfd);
	c = fork();
	if (c == 0) {
		char ch;
		close(pfd[1]);
		p[3] = 'D';
		read(pfd[0], &ch, 1);
		_exit(0);
	}
	close(pfd[0]);
	mt_msleep(50);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("fork-nattch", ds.shm_nattch, 2);
	CHECK("fork-shares", p[3] == 'D');
	close(pfd[1]);
	mt_reap(c);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("fork-child-exit-detaches", ds.shm_nattch, 1);

	/* SHM_RDONLY: readable, a write is SIGSEGV. */
	CHECK_EQ("rdonly-write-segv", in_child(write_ro, &id), 128 + SIGSEGV);

	/* Address rules: SHMLBA alignment, SHM_RND, SHM_REMAP. */
	char *area = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(area, 8 * PG);
	CHECK_ERR("shmat-unaligned", shmat(id, area + 100, 0), EINVAL);
	char *r = shmat(id, area + PG + 100, SHM_RND);
	CHECK("shmat-rnd", r == area + PG && r[0] == 'A');
	CHECK_ERR("shmat-occupied", shmat(id, area + PG, 0), EINVAL);
	char *m = mmap(area + 5 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK_ERR("shmat-overlap", shmat(id, area + 4 * PG, 0), EINVAL);
	char *r2 = shmat(id, area + 4 * PG, SHM_REMAP);
	CHECK("shmat-remap", r2 == area + 4 * PG && r2[0] == 'A' && m == area + 5 * PG);
	CHECK_ERR("shmat-remap-null", shmat(id, NULL, SHM_REMAP), EINVAL);
	CHECK_ERR("shmat-beyond-user", shmat(id, (void *)(1UL << 60), 0), ENOMEM);
	CHECK_ERR("shmat-bad-id", shmat(id + 1000000, NULL, 0), EINVAL);
	CHECK_ERR("shmat-neg-id", shmat(-1, NULL, 0), EINVAL);
	shmdt(r);
	shmdt(r2);

	/* IPC_SET: the mode's permission bits, and ctime. */
	shmctl(id, IPC_STAT, &ds);
	ds.shm_perm.mode = 0640 | 01000; /* only the permission bits are taken */
	CHECK_EQ("ipc-set", shmctl(id, IPC_SET, &ds), 0);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQ("ipc-set-mode", ds.shm_perm.mode, 0640);
	CHECK_ERR("ipc-set-efault", shmctl(id, IPC_SET, (struct shmid_ds *)8), EFAULT);

	/* IPC_INFO and SHM_INFO: the limits (Linux's defaults) and the use. */
	struct shminfo info;
	int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
	CHECK("ipc-info", max >= 0 && max >= id % 32768);
	CHECK_EQ("ipc-info-shmmni", info.shmmni, 4096);
	CHECK_EQ("ipc-info-shmmin", info.shmmin, 1);
	CHECK("ipc-info-shmmax", info.shmmax >= (1UL << 40));
	struct shm_info sinfo;
	CHECK("shm-info", shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo) >= 0 && sinfo.used_ids >= 3);
	/* SHM_STAT takes an index and answers the id. */
	CHECK_EQ("shm-stat", shmctl(id % 32768, SHM_STAT, &ds), id);
	CHECK_EQ("shm-stat-segsz", ds.shm_segsz, 3 * PG);

	/* IPC_RMID while attached: gone for shmget, stat shows SHM_DEST and the private key, the
	 * attached memory still works; the last detach destroys it. */
	CHECK_EQ("rmid", shmctl(id, IPC_RMID, NULL), 0);
	CHECK_ERR("rmid-key-gone", shmget(0x5e9a11, PG, 0), ENOENT);
	CHECK_EQ("rmid-stat", shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ("rmid-stat-mode", ds.shm_perm.mode, 0640 | 01000);
	CHECK_EQ("rmid-stat-key", ds.shm_perm.__key, IPC_PRIVATE);
	CHECK("rmid-memory-works", p[0] == 'A' && (p[4] = 'E') == 'E');
	int id2 = shmget(0x5e9a11, PG, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("rmid-key-reusable", id2 >= 0 && id2 != id);
	CHECK_EQ("last-shmdt", shmdt(p), 0);
	CHECK_ERR("destroyed", shmctl(id, IPC_STAT, &ds), EINVAL);
	CHECK("destroyed-proc", !proc_has(id) && proc_has(id2));
	CHECK_EQ("rmid-unattached", shmctl(priv, IPC_RMID, NULL), 0);
	CHECK_ERR("rmid-unattached-gone", shmctl(priv, IPC_STAT, &ds), EINVAL);
	CHECK_ERR("rmid-twice", shmctl(priv, IPC_RMID, NULL), EINVAL);
	shmctl(priv2, IPC_RMID, NULL);

	/* A new IPC namespace has none of these, and its own ids. */
	CHECK_EQ("new-ipc-ns", in_child(new_ipcns_sees, &id2), 0);
	CHECK("ipc-ns-own", proc_has(id2));

	/* Segments come and go without leaking their pages. */
	long before = mt_meminfo_kb("MemFree:");
	for (int i = 0; i < 64; i++) {
		int s = shmget(IPC_PRIVATE, 16 * PG, IPC_CREAT | 0600);
		char *a = shmat(s, NULL, 0);
		if (a == (void *)-1)
			break;
		for (int j = 0; j < 16; j++)
			a[j * PG] = 1;
		shmctl(s, IPC_RMID, NULL);
		shmdt(a);
	}
	long after = mt_meminfo_kb("MemFree:");
	CHECK("no-leak", before > 0 && after > before - 1024);

	shmctl(id2, IPC_RMID, NULL);
	mt_end();
}
