/* t_kmemoom - kernel memory that grows with user demand: when it exhausts memory, a process
 * dies (the OOM killer, run from the kernel allocation), never the kernel.
 *
 * Boot: rdinit=/tests/t_kmemoom (-m 512M, no swap).
 * QEMUTEST-TIMEOUT: 300
 *
 * What Linux 6.1 does, and this test expects:
 *  - a victim at oom_score_adj 1000 holds all of MemAvailable but a margin (24 MiB: more
 *    than the min watermark's reserve, so touching it invokes no OOM killer); it is still
 *    alive when the kernel objects start to grow;
 *  - this test (oom_score_adj -1000) then grows kernel memory only: System V message queues
 *    filled with 1 KiB messages (each one a kernel allocation, Linux's GFP_KERNEL_ACCOUNT
 *    kmalloc in load_msg; no user page is touched), until the victim is gone or msgsnd/msgget
 *    fail with Linux's errno (ENOMEM, ENOSPC at msgmni);
 *  - the kernel allocation that found no memory invoked the OOM killer ("invoked oom-killer:
 *    gfp_mask=0x..(GFP_KERNEL..": not a page fault's GFP_HIGHUSER_MOVABLE), which killed the
 *    victim: it died of SIGKILL and syslog(2) has "Killed process <its pid>";
 *  - once the queues are removed MemFree comes back to within 8 MiB of its baseline, and fork
 *    still works.
 */
#include "mtest.h"

#include <signal.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>

#define MiB (1UL << 20)
#define PG 4096UL
#define MAXQ 8192
#define MSGSZ 1000


static int queues[MAXQ];
static char logbuf[1 << 20];
static struct {
	long mtype;
	char text[MSGSZ];
} msg;

int main(void)
{
	mt_begin("t_kmemoom");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	CHECK_EQ("init-protects-itself", mt_write_str("/proc/self/oom_score_adj", "-1000"), 0);
	klogctl(5, NULL, 0); /* SYSLOG_ACTION_CLEAR: only this test's lines below */

	long free0 = mt_meminfo_kb("MemFree:");
	long avail = mt_meminfo_kb("MemAvailable:");
	size_t hold = ((size_t)avail * 1024 > 24 * MiB + 64 * MiB) ? (size_t)avail * 1024 - 24 * MiB : 0;
	CHECK("memory-to-hold", hold > 0);

	int p[2];
	CHECK_EQ("pipe", pipe(p), 0);
	pid_t v = fork();
	if (v == 0) {
		close(p[0]);
		if (mt_write_str("/proc/self/oom_score_adj", "1000"))
			_exit(90);
		unsigned char *m = mmap(NULL, hold, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(91);
		for (size_t i = 0; i < hold; i += PG)
			m[i] = 1;
		(void)!write(p[1], "r", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	char ch = 0;
	CHECK_EQ("victim-ready", read(p[0], &ch, 1), 1);
	close(p[0]);
	int st = 0;
	CHECK_EQ("victim-alive-before-growth", waitpid(v, &st, WNOHANG), 0);

	/* grow kernel memory only, until the victim is gone or the kernel says no */
	memset(msg.text, 0x5a, sizeof msg.text);
	msg.mtype = 1;
	int nq = 0, err = 0, dead = 0;
	long nmsg = 0;
	while (!dead && !err && nq < MAXQ) {
		int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q < 0) {
			err = errno;
			break;
		}
		queues[nq++] = q;
		/* msgmnb (16384) bytes a queue */
		for (int i = 0; i < 16384 / MSGSZ; i++) {
			if (msgsnd(q, &msg, MSGSZ, IPC_NOWAIT) < 0) {
				err = errno;
				break;
			}
			nmsg++;
			if (waitpid(v, &st, WNOHANG) == v) {
				dead = 1;
				break;
			}
		}
	}
	printf("# %d queues, %ld messages, errno %d (%s), victim %s\n", nq, nmsg, err, err ? strerror(err) : "-",
	       dead ? "dead" : "alive");
	if (!dead) {
		kill(v, SIGTERM); /* not SIGKILL: a victim the killer left alone fails the check */
		waitpid(v, &st, 0);
	}
	mt_report(!err || err == ENOMEM || err == ENOSPC, "growth-stops-with-linux-errno", "errno %d", err);
	mt_report(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim-killed-by-sigkill", "status %#x", st);

	int n = klogctl(3, logbuf, sizeof logbuf - 1); /* SYSLOG_ACTION_READ_ALL */
	logbuf[n > 0 ? n : 0] = 0;
	char want[64];
	snprintf(want, sizeof want, "Killed process %d (", v);
	char *killed = strstr(logbuf, want);
	mt_report(killed != NULL, "dmesg-killed-process", "no \"%s\" in %d bytes of log", want, n);
	/* the OOM killer was invoked by a kernel allocation, before the kill */
	char *inv = strstr(logbuf, "invoked oom-killer: gfp_mask=0x");
	mt_report(inv && killed && inv < killed && strstr(inv, "(GFP_KERNEL") && strstr(inv, "(GFP_KERNEL") < killed,
		  "invoked-by-kernel-allocation", "%.200s", inv ? inv : "(no invoked line)");

	for (int i = 0; i < nq; i++)
		msgctl(queues[i], IPC_RMID, NULL);
	long free1 = mt_meminfo_kb("MemFree:");
	mt_report(free1 >= free0 - 8192, "memfree-back", "MemFree %ld kB -> %ld kB", free0, free1);

	pid_t c = fork();
	if (c == 0)
		_exit(0);
	CHECK("fork-after", c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	mt_end();
}
