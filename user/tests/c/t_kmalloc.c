/* t_kmalloc - big kernel buffers give their memory back: MemFree returns to its baseline after
 * a workload that held more kernel memory at once than MenuOS's kernel heap starts with.
 *
 * Boot: rdinit=/tests/t_kmalloc (PID 1, -m 512M).  Mounts /proc when it is not there.
 *
 * What Linux does, and this test expects (run as root):
 *  - 24 pipes, each grown to 1 MiB with F_SETPIPE_SZ (pipe-max-size) and filled: 24 MiB of
 *    pipe buffers at once; once the pipes are closed, MemFree is back to its baseline (taken
 *    after a warm-up round of 2 pipes): exactly on MenuOS (whose MemFree is its free-frame count), within
 *    4 MiB on Linux (per-CPU lists, slab), after each of 3 rounds.
 *  MenuOS's kernel heap used to keep every frame it grew by, so the first round cost it about
 *  8 MiB for good; now buffers above 64 KiB are runs of frames straight from the page
 *  allocator, given back when freed (Linux's kmalloc_large, as pipe buffers are pages there).
 */
#include "mtest.h"

#include <fcntl.h>
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

int main(void)
{
	mt_begin("t_kmalloc");
	mt_mount_proc();
	struct utsname u;
	int menuos = uname(&u) == 0 && strstr(u.release, "menuos") != NULL;
	long tol = menuos ? 0 : 4096;
	memset(chunk, 'k', sizeof chunk);

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
