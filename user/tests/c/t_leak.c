/* t_leak - thousands of fork/exit/wait rounds (and vfork+exec, clone3, pipes, files, children
 * killed by a signal's default action: SIGKILL, SIGTERM, their own SIGSEGV; a new user with its
 * groups and an exec as it) leave the kernel's memory exactly where it was.
 *
 * Reads MemFree and Slab from /proc/meminfo before and after (after a warm-up that fills the
 * page cache of /bin/true and grows every kernel table to its steady size).  On MenuOS, whose
 * MemFree is its free-frame count and whose Slab is the kernel heap's bytes in use, both must
 * come back exactly.  On Linux (the oracle), per-CPU page lists, the page cache and slab
 * caches move a little on their own, so there both must come back within 1 MiB.
 * No allocation happens between the two readings (static buffers, unbuffered stdout).
 */
#include "mtest.h"
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/sched.h>


static void round_trip(int i)
{
	pid_t p = fork();
	if (p == 0)
		_exit(i & 0x7f);
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f))
		printf("round %d: bad status %#x\n", i, st);
	if (i % 10 == 0) {
		char *argv[] = { "true", NULL }, *envp[] = { NULL };
		p = vfork();
		if (p == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		waitpid(p, &st, 0);
		struct clone_args ca = { .exit_signal = SIGCHLD };
		p = syscall(SYS_clone3, &ca, sizeof ca);
		if (p == 0)
			_exit(0);
		waitpid(p, &st, 0);
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) == 0) {
			write(fds[1], "x", 1);
			close(fds[0]);
			close(fds[1]);
		}
		int fd = open("/hello", O_RDONLY);
		if (fd >= 0)
			close(fd);
		/* deaths by signal: sent (before or after the child first ran), and a fault */
		p = fork();
		if (p == 0) {
			if (i % 20 == 0)
				*(volatile int *)0 = 0;
			pause();
			_exit(0);
		}
		if (i % 20 != 0)
			kill(p, i % 30 == 0 ? SIGTERM : SIGKILL);
		if (waitpid(p, &st, 0) != p || !WIFSIGNALED(st))
			printf("round %d: killed child status %#x\n", i, st);
		/* credentials: a new user (a per-user count made and freed), groups, an exec as it */
		p = fork();
		if (p == 0) {
			gid_t g = 20000 + i;
			if (setgroups(1, &g) || setresgid(g, g, g) || setresuid(20000 + i, 20000 + i, 20000 + i))
				_exit(1);
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			printf("round %d: cred child status %#x\n", i, st);
	}
}

int main(void)
{
	mt_begin("t_leak");
	struct utsname u;
	uname(&u);
	int menuos = strstr(u.release, "menuos") != NULL;
	/* Linux boots with rdinit= without /proc mounted */
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	for (int i = 0; i < 200; i++) /* warm-up */
		round_trip(i);
	mt_meminfo_kb("MemFree:"); /* fault in mt_meminfo_kb()'s own code and data before measuring */
	mt_meminfo_kb("Slab:");
	/* Nothing but the rounds between the two readings: the first printf would fault in
	 * (page-cache) pages of this program's own text. */
	long free0 = mt_meminfo_kb("MemFree:"), slab0 = mt_meminfo_kb("Slab:");
	for (int i = 0; i < 2000; i++)
		round_trip(i);
	long free1 = mt_meminfo_kb("MemFree:"), slab1 = mt_meminfo_kb("Slab:");
	CHECK("meminfo-readable", free0 > 0 && slab0 >= 0);
	long tol = menuos ? 0 : 1024; /* kB */
	mt_report(labs(free1 - free0) <= tol, "memfree-back", "MemFree %ld kB -> %ld kB (tolerance %ld kB)", free0, free1, tol);
	mt_report(labs(slab1 - slab0) <= tol, "slab-back", "Slab %ld kB -> %ld kB (tolerance %ld kB)", slab0, slab1, tol);
	mt_end();
}
