/* t_forknew: the seed's ForkProcess (the course's "fork-new" menu command).  It prints exactly
 *     This is Child Process!
 *     This is Parent Process!
 *     Child Complete!
 * where Linux allows the first two in either order and "Child Complete!" comes last, after the
 * parent's wait.  The direct run prints them on the console; captured runs (stdout on a pipe,
 * line buffered and fully buffered, so that each line is one write) check the order and the
 * child's exit status.  (glibc compiles these printf calls to puts, which on an unbuffered
 * stream writes the text and the newline separately: lines could interleave.) */
#include "mtest.h"
#include <sys/wait.h>

static const char CHILD[] = "This is Child Process!\n";
static const char PARENT[] = "This is Parent Process!\n";
static const char DONE[] = "Child Complete!\n";

/* the seed's ForkProcess, with the child's exit status kept; returns 0 in the child,
 * 1 in the parent */
static int ForkProcess(int argc, char *argv[], int *status)
{
	int pid;
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "Fork Failed!");
		exit(-1);
	} else if (pid == 0) {
		printf("This is Child Process!\n");
		return 0;
	} else {
		printf("This is Parent Process!\n");
		wait(status);
		printf("Child Complete!\n");
	}
	return 1;
}

/* runs ForkProcess in a child with stdout on a pipe; returns the text; *rstatus gets the
 * runner's status (0 when the ForkProcess child exited with status 0) */
static char *capture(int mode, int *rstatus)
{
	static char buf[1024];
	int p[2];
	pipe(p);
	pid_t runner = fork();
	if (runner == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		static char sbuf[BUFSIZ];
		setvbuf(stdout, sbuf, mode, sizeof sbuf);
		int status = -1;
		if (ForkProcess(0, NULL, &status) == 0)
			exit(0); /* the child: back to the "menu", which exits */
		exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(p[0]);
	waitpid(runner, rstatus, 0);
	return buf;
}

static int allowed(const char *out)
{
	char a[128], b[128];
	snprintf(a, sizeof a, "%s%s%s", CHILD, PARENT, DONE);
	snprintf(b, sizeof b, "%s%s%s", PARENT, CHILD, DONE);
	return strcmp(out, a) == 0 || strcmp(out, b) == 0;
}

int main(void)
{
	mt_begin("t_forknew");

	/* the direct run, on the console */
	int status = -1;
	if (ForkProcess(0, NULL, &status) == 0)
		exit(0);
	CHECK("child-exited", WIFEXITED(status));
	CHECK_EQ("child-exit-status-0", WEXITSTATUS(status), 0);

	/* captured, line buffered (each line is one write): either order of the first two */
	int bad = 0, rbad = 0, child_first = 0, parent_first = 0;
	char first_bad[256] = "";
	for (int i = 0; i < 20; i++) {
		int rs = -1;
		char *out = capture(_IOLBF, &rs);
		if (!allowed(out)) {
			if (!bad)
				snprintf(first_bad, sizeof first_bad, "%s", out);
			bad++;
		} else if (strncmp(out, CHILD, strlen(CHILD)) == 0)
			child_first++;
		else
			parent_first++;
		if (!(WIFEXITED(rs) && WEXITSTATUS(rs) == 0))
			rbad++;
	}
	mt_report(bad == 0, "captured-line-buffered-order", "%d bad runs, first: \"%s\"", bad, first_bad);
	CHECK_EQ("captured-child-status", rbad, 0);
	printf("t_forknew: child printed first in %d of 20 runs, parent first in %d\n", child_first,
	       parent_first);

	/* captured, fully buffered as stdio does for a pipe: the child's line is flushed at its
	 * exit, before the parent's wait returns; the parent's two lines at the parent's exit.
	 * Nothing is printed twice (the buffer was empty at fork). */
	{
		int rs = -1;
		char *out = capture(_IOFBF, &rs);
		char want[128];
		snprintf(want, sizeof want, "%s%s%s", CHILD, PARENT, DONE);
		mt_report(strcmp(out, want) == 0, "captured-buffered-order", "got \"%s\"", out);
		CHECK("captured-buffered-child-status", WIFEXITED(rs) && WEXITSTATUS(rs) == 0);
	}
	mt_end();
}
