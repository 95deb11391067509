/* t_kmalloc - big kernel buffers give their memory back: MemFree returns to its baseline after
 * a workload that held more kernel memory at once than MenuOS's kernel heap starts with.
 *
 * Boot: rdinit=/tests/t_kmalloc (PID 1, -m 512M).  Mounts /proc when it is not there.
 *
 * What Linux does, and this test expects (run as root):
 *  - 24 pipes, each grown to 1 MiB with F_SETPIPE_SZ (pipe-max-size) and filled: 24 MiB of
 *    pipe buffers at once; once the pipes are closed, MemFree is back to its baseline (taken
 *    after a warm-up round of 2 pipes): within 256 kB on MenuOS (whose MemFree is its free-frame
 *    count; the pipe buffers go back whole, the kmalloc caches may keep up to 62 pages of empty
 *    slabs), within 4 MiB on Linux (per-CPU lists, slab), after each of 3 rounds.
 *  - 2,000 threads and 3,000 pipes holding 3,000 bytes each, alive at once in a child (tens of
 *    MiB of kernel objects of every size), then joined and the child reaped: MemFree is back to
 *    its baseline, taken before any such workload (after a warm-up of 8 threads and pipes), within
 *    256 kB on MenuOS (the kmalloc caches keep at most 2 empty slabs each: 62 pages at most,
 *    mm/slub.rs) and 4 MiB on Linux (slab caches keep partial and per-CPU slabs).  MenuOS's
 *    old buddy heap kept every 4 MiB it grew by for the threads' kernel objects.
 *  MenuOS's kernel heap used to keep every frame it grew by, so the first round cost it about
 *  8 MiB for good; now buffers above 8 KiB are runs of frames straight from the page
 *  allocator, given back when freed (Linux's kmalloc_large, as pipe buffers are pages there).
 */
#include "mtest.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/utsname.h>

#define NPIPES 24
#define PIPE_SZ (1 << 20)

static char chunk[65536];


/* One round of `npipes` pipes; how many were filled to PIPE_SZ. */
static int round_of_pipes(int npipes)
{
	int fds[NPIPES][2], full = 0;
	for (int i = 0; i < npipes; i++) {
		if (pipe2(fds[i], O_NONBLOCK) != 0) {
			fds[i][0] = fds[i][1] = -1;
			continue;
		}
		if (fcntl(fds[i][1], F_SETPIPE_SZ, PIPE_SZ) < PIPE_SZ)
			continue;
		long put = 0;
		ssize_t w;
		while (put < PIPE_SZ && (w = write(fds[i][1], chunk, sizeof chunk)) > 0)
			put += w;
		full += put == PIPE_SZ;
	}
	for (int i = 0; i < npipes; i++) {
		if (fds[i][0] >= 0)
			close(fds[i][0]);
		if (fds[i][1] >= 0)
			close(fds[i][1]);
	}
	return full;
}

#define NTHREADS 2000
#define NSPIPES 3000   /* small pipes: 3000 bytes each, a kmalloc-4k buffer */
#define SPIPE_BYTES 3000

static int thr_go[2];

static void *sleeper(void *arg)
{
	char c;
	(void)arg;
	(void)!read(thr_go[0], &c, 1); /* EOF when the parent closes the write end */
	return NULL;
}

/* A child that holds `npipes` pipes with SPIPE_BYTES in each and `nthreads` threads at once
 * (kernel objects of every size: tasks, files, inodes, pipe buffers), then lets go of them all;
 * how many threads and pipes were made (-1: the child failed).  MemFree and Slab while they
 * are held go to *held_free and *held_slab. */
static long round_of_objects(long nthreads, long npipes, long *held_free, long *held_slab)
{
	if (pipe(thr_go))
		return -1;
	int rep[2];
	if (pipe(rep))
		return -1;
	pid_t c = fork();
	if (c == 0) {
		close(rep[0]);
		close(thr_go[1]);
		struct rlimit rl = { 2 * NSPIPES + 64, 2 * NSPIPES + 64 };
		long made = 0;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			for (long i = 0; i < npipes; i++) {
				int p[2];
				if (pipe(p) || write(p[1], chunk, SPIPE_BYTES) != SPIPE_BYTES)
					break;
				made++;
			}
		}
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 1 << 16);
		static pthread_t t[NTHREADS];
		long nt = 0;
		while (nt < nthreads && pthread_create(&t[nt], &a, sleeper, NULL) == 0)
			nt++;
		made += nt;
		(void)!write(rep[1], &made, sizeof made);
		for (long i = 0; i < nt; i++)
			pthread_join(t[i], NULL);
		_exit(0); /* closes the pipes */
	}
	close(rep[1]);
	close(thr_go[0]);
	long made = -1;
	if (read(rep[0], &made, sizeof made) != sizeof made)
		made = -1;
	*held_free = mt_meminfo_kb("MemFree:");
	*held_slab = mt_meminfo_kb("Slab:");
	close(thr_go[1]);
	close(rep[0]);
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		made = -1;
	return made;
}

int main(void)
{
	mt_begin("t_kmalloc");
	mt_mount_proc();
	struct utsname u;
	int menuos = uname(&u) == 0 && strstr(u.release, "menuos") != NULL;
	long tol = menuos ? 256 : 4096; /* as ttol below */
	memset(chunk, 'k', sizeof chunk);

	/* threads: the baseline before any big workload (a warm-up of 8 threads brings in this
	 * program's and /proc's first-use memory) */
	long held_free, held_slab;
	CHECK_EQ("objects-warm-up", round_of_objects(8, 8, &held_free, &held_slab), 16);
	long tbase = mt_meminfo_kb("MemFree:");
	tbase = mt_meminfo_kb("MemFree:");
	long made = round_of_objects(NTHREADS, NSPIPES, &held_free, &held_slab);
	long tnow = mt_meminfo_kb("MemFree:");
	printf("t_kmalloc: %d threads and %d pipes: MemFree %ld kB, Slab %ld kB while held; "
	       "MemFree %ld kB after (baseline %ld kB)\n",
	       NTHREADS, NSPIPES, held_free, held_slab, tnow, tbase);
	CHECK_EQ("objects-made", made, NTHREADS + NSPIPES);
	long ttol = menuos ? 256 : 4096;
	mt_report(tbase - tnow <= ttol, "objects-memfree-back",
		  "MemFree fell by %ld kB after %d threads and %d pipes, tolerance %ld kB", tbase - tnow, NTHREADS,
		  NSPIPES, ttol);

	/* warm-up: a round of two pipes (2 MiB: less than the heap MenuOS starts with), so that
	 * first-use memory (this program's pages, /proc's) is in the baseline */
	CHECK_EQ("warm-up", round_of_pipes(2), 2);
	long now = mt_meminfo_kb("MemFree:");
	printf("t_kmalloc: warm-up: MemFree %ld kB\n", now);

	long base = mt_meminfo_kb("MemFree:");
	long worst = 0;
	int all_full = 1;
	for (int r = 0; r < 3; r++) {
		all_full &= round_of_pipes(NPIPES) == NPIPES;
		now = mt_meminfo_kb("MemFree:");
		printf("t_kmalloc: round %d: MemFree %ld kB (baseline %ld kB)\n", r, now, base);
		if (base - now > worst)
			worst = base - now;
	}
	CHECK("pipes-filled", all_full);
	mt_report(worst <= tol, "memfree-back", "MemFree fell by up to %ld kB after a round, tolerance %ld kB", worst,
		  tol);
	mt_end();
}
