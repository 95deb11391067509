/* t_tracefs.c - tracefs (/sys/kernel/tracing) and the function_graph tracer over a fork.
 *
 * Linux: kernel/trace/trace.c, trace_functions_graph.c.  The checks hold on Linux
 * (CONFIG_FUNCTION_GRAPH_TRACER, CONFIG_DYNAMIC_FTRACE) and on MenuOS (kernel/trace.rs,
 * fs/tracefs.rs): tracing_on reads back what was written, an unknown tracer or filter
 * function is EINVAL (Linux checks each name when its token ends: at whitespace, or at close,
 * where the error is lost, so the names are written as echo writes them, newline-terminated), O_TRUNC on trace empties the buffer, and a fork traced with
 * set_ftrace_filter = "kernel_clone copy_process" shows both in the call graph.
 */
#include "mtest.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define T "/sys/kernel/tracing/"

/* Writes v to T f (open flags: O_WRONLY | extra); 0 or -1 with errno. */
static int wr(const char *f, const char *v, int extra)
{
	char p[256];
	snprintf(p, sizeof p, T "%s", f);
	int fd = open(p, O_WRONLY | extra);
	if (fd < 0)
		return -1;
	/* as echo does: on until everything is written (Linux's set_ftrace_filter takes one
	 * name per write) */
	size_t len = strlen(v), off = 0;
	ssize_t n = 0;
	while (off < len && (n = write(fd, v + off, len - off)) > 0)
		off += n;
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static char big[1 << 17];

/* Reads T f into big (NUL-terminated); the length, or -1. */
static long rd(const char *f)
{
	char p[256];
	snprintf(p, sizeof p, T "%s", f);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	long len = 0;
	for (;;) {
		ssize_t n = read(fd, big + len, sizeof big - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	big[len] = 0;
	return len;
}

int main(void)
{
	mt_begin("t_tracefs");
	mkdir("/sys", 0755);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tracefs", T, "tracefs", 0, NULL);
	CHECK("tracing_on-exists", access(T "tracing_on", F_OK) == 0);

	CHECK_EQ("tracing_on-write0", wr("tracing_on", "0", 0), 0);
	CHECK("tracing_on-read0", rd("tracing_on") == 2 && strcmp(big, "0\n") == 0);
	CHECK_ERR("current_tracer-bogus", wr("current_tracer", "no_such_tracer", O_TRUNC), EINVAL);
	CHECK_EQ("current_tracer-graph", wr("current_tracer", "function_graph", O_TRUNC), 0);
	CHECK("current_tracer-read", rd("current_tracer") > 0 && strcmp(big, "function_graph\n") == 0);
	CHECK("available_tracers", rd("available_tracers") > 0 && strstr(big, "function_graph") && strstr(big, "nop"));
	CHECK("available_filter_functions", rd("available_filter_functions") > 0 && strstr(big, "copy_process"));
	CHECK_ERR("filter-bogus", wr("set_ftrace_filter", "no_such_function_xyz\n", O_TRUNC), EINVAL);
	CHECK_EQ("filter-set", wr("set_ftrace_filter", "kernel_clone\n", O_TRUNC), 0);
	CHECK_EQ("filter-append", wr("set_ftrace_filter", "wake_up_new_task\n", O_APPEND), 0);
	CHECK("filter-read", rd("set_ftrace_filter") > 0 && strstr(big, "kernel_clone") && strstr(big, "wake_up_new_task"));

	CHECK_EQ("trace-clear", wr("trace", "", O_TRUNC), 0);
	CHECK_EQ("tracing_on-write1", wr("tracing_on", "1", 0), 0);
	CHECK("tracing_on-read1", rd("tracing_on") == 2 && strcmp(big, "1\n") == 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	int st = -1;
	CHECK_EQ("waitpid", waitpid(pid, &st, 0), pid);
	CHECK_EQ("tracing_on-off", wr("tracing_on", "0", 0), 0);
	long n = rd("trace");
	CHECK("trace-header", n > 0 && strncmp(big, "# tracer: function_graph", 24) == 0 && strstr(big, "FUNCTION CALLS"));
	char *kc = strstr(big, "kernel_clone(");
	char *wk = strstr(big, "wake_up_new_task(");
	CHECK("trace-kernel_clone", kc != NULL);
	CHECK("trace-wake_up_new_task-inside", kc && wk && wk > kc && strstr(big, "kernel_clone(") < wk);
	CHECK("trace-unfiltered-absent", strstr(big, "dup_task_struct") == NULL);
	CHECK("trace-duration", strstr(big, " us ") != NULL);
	if (1) /* the trace, for the log */
		printf("%s\n", big);

	CHECK_EQ("trace-clear-again", wr("trace", "", O_TRUNC), 0);
	CHECK("trace-empty", rd("trace") > 0 && strstr(big, "kernel_clone(") == NULL);

	/* trace events under the nop tracer: Linux's one line per event */
	CHECK_EQ("nop", wr("current_tracer", "nop", O_TRUNC), 0);
	CHECK_EQ("event-enable", wr("events/sched/sched_process_fork/enable", "1", O_TRUNC), 0);
	CHECK("event-enable-read", rd("events/sched/sched_process_fork/enable") == 2 && strcmp(big, "1\n") == 0);
	CHECK("event-system-mixed", rd("events/sched/enable") == 2 && strcmp(big, "X\n") == 0);
	CHECK_ERR("event-enable-bogus", wr("events/sched/sched_process_fork/enable", "2", O_TRUNC), EINVAL);
	CHECK_EQ("event-clear", wr("trace", "", O_TRUNC), 0);
	CHECK_EQ("event-on", wr("tracing_on", "1", 0), 0);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK_EQ("event-waitpid", waitpid(pid, &st, 0), pid);
	CHECK_EQ("event-off", wr("tracing_on", "0", 0), 0);
	n = rd("trace");
	char want[64];
	snprintf(want, sizeof want, "child_pid=%d", (int)pid);
	CHECK("event-nop-header", n > 0 && strncmp(big, "# tracer: nop", 13) == 0);
	CHECK("event-line", strstr(big, "sched_process_fork: comm=") && strstr(big, want));
	CHECK("event-no-graph", strstr(big, "kernel_clone") == NULL);
	printf("%s\n", big);
	CHECK_EQ("event-disable", wr("events/sched/sched_process_fork/enable", "0", O_TRUNC), 0);
	CHECK("event-system-off", rd("events/sched/enable") == 2 && strcmp(big, "0\n") == 0);

	/* put everything back: nop, no filter */
	CHECK_EQ("filter-reset", wr("set_ftrace_filter", "", O_TRUNC), 0);
	CHECK("filter-empty", rd("set_ftrace_filter") >= 0 && strstr(big, "kernel_clone") == NULL);
	CHECK_EQ("current_tracer-nop", wr("current_tracer", "nop", O_TRUNC), 0);
	mt_end();
}
