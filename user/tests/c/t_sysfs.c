/* t_sysfs: /sys and the CPU and memory counts programs read.  Boot: rdinit=/tests/t_sysfs
 * (PID 1).  On Linux the test mounts /proc and /sys itself.
 *
 *  - /sys/devices/system/cpu/{online,possible,present} "0\n" (one CPU), offline "\n",
 *    kernel_max a number; cpu0/ a directory without an online file (the boot CPU cannot go
 *    offline); the attributes are 0444 regular files, the directories 0755, /sys 0555; an
 *    attribute opened for writing is EACCES, creating a file in /sys fails;
 *  - glibc's sysconf(_SC_NPROCESSORS_ONLN / _CONF), get_nprocs(), get_nprocs_conf() and the
 *    affinity mask all count 1 CPU; /proc/cpuinfo has one "processor" block, /proc/stat a
 *    "cpu" and a "cpu0" line and no "cpu1";
 *  - /sys/kernel/tracing is a directory (tracefs's mount point);
 *  - statfs: /proc is PROC_SUPER_MAGIC, /sys SYSFS_MAGIC, a pipe PIPEFS_MAGIC;
 *  - sysinfo(2) and /proc/meminfo agree: totalram is MemTotal, sharedram Shmem, bufferram
 *    Buffers, freeram MemFree (within 1 MiB: memory moves between the two reads); uptime
 *    near /proc/uptime's; MemTotal >= MemFree >= 0 and MemAvailable's line is there;
 *  - /proc/uptime's idle time does not exceed the uptime (one CPU) and both move forward.
 */
#include "mtest.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <linux/magic.h>

static char buf[16384];

static const char *txt(const char *path)
{
	int fd = open(path, O_RDONLY);
	buf[0] = 0;
	if (fd < 0)
		return buf;
	long n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static void check_text(const char *name, const char *path, const char *want)
{
	const char *got = txt(path);
	mt_report(strcmp(got, want) == 0, name, "%s reads \"%s\", want \"%s\"", path, got, want);
}

static void check_mode(const char *name, const char *path, unsigned mode)
{
	struct stat st;
	int r = stat(path, &st);
	mt_report(r == 0 && st.st_mode == mode, name, "%s: stat %d mode %o, want %o", path, r, r == 0 ? st.st_mode : 0,
		  mode);
}

static long count(const char *text, const char *needle)
{
	long n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define CPU "/sys/devices/system/cpu/"

static void test_cpu_files(void)
{
	check_text("online", CPU "online", "0\n");
	check_text("possible", CPU "possible", "0\n");
	check_text("present", CPU "present", "0\n");
	check_text("offline", CPU "offline", "\n");
	const char *km = txt(CPU "kernel_max");
	char *end;
	long k = strtol(km, &end, 10);
	mt_report(end != km && *end == '\n' && k >= 0, "kernel_max", "kernel_max \"%s\"", km);
	check_mode("sys-mode", "/sys", S_IFDIR | 0555);
	check_mode("cpu-dir-mode", "/sys/devices/system/cpu", S_IFDIR | 0755);
	check_mode("cpu0-dir", CPU "cpu0", S_IFDIR | 0755);
	check_mode("online-mode", CPU "online", S_IFREG | 0444);
	struct stat st;
	CHECK_ERR("cpu0-has-no-online", stat(CPU "cpu0/online", &st), ENOENT);
	CHECK_ERR("cpu1-absent", stat(CPU "cpu1", &st), ENOENT);
	CHECK_ERR("online-not-writable", open(CPU "online", O_WRONLY), EACCES);
	CHECK_ERR("no-create-in-sys", open("/sys/devices/system/cpu/newfile", O_CREAT | O_WRONLY, 0644), EACCES);
	mt_report(stat("/sys/kernel/tracing", &st) == 0 && S_ISDIR(st.st_mode), "tracing-dir", "stat errno %d", errno);
}

static void test_cpu_counts(void)
{
	CHECK_EQ("nprocessors-onln", sysconf(_SC_NPROCESSORS_ONLN), 1);
	CHECK_EQ("nprocessors-conf", sysconf(_SC_NPROCESSORS_CONF), 1);
	CHECK_EQ("get_nprocs", get_nprocs(), 1);
	CHECK_EQ("get_nprocs_conf", get_nprocs_conf(), 1);
	cpu_set_t set;
	CPU_ZERO(&set);
	CHECK_EQ("affinity", sched_getaffinity(0, sizeof set, &set), 0);
	CHECK_EQ("affinity-count", CPU_COUNT(&set), 1);
	const char *ci = txt("/proc/cpuinfo");
	CHECK_EQ("cpuinfo-one-processor", count(ci, "processor\t:"), 1);
	const char *st = txt("/proc/stat");
	mt_report(strncmp(st, "cpu  ", 5) == 0, "stat-cpu-line", "/proc/stat starts \"%.20s\"", st);
	CHECK_EQ("stat-cpu0", count(st, "\ncpu0 "), 1);
	CHECK_EQ("stat-no-cpu1", count(st, "\ncpu1 "), 0);
}

static void test_statfs(void)
{
	struct statfs s;
	CHECK_EQ("statfs-proc", statfs("/proc", &s) == 0 ? (long)s.f_type : -1L, PROC_SUPER_MAGIC);
	CHECK_EQ("statfs-proc-self", statfs("/proc/self/stat", &s) == 0 ? (long)s.f_type : -1L, PROC_SUPER_MAGIC);
	CHECK_EQ("statfs-sys", statfs("/sys/devices/system/cpu", &s) == 0 ? (long)s.f_type : -1L, SYSFS_MAGIC);
	int p[2];
	pipe(p);
	CHECK_EQ("fstatfs-pipe", fstatfs(p[0], &s) == 0 ? (long)s.f_type : -1L, PIPEFS_MAGIC);
	close(p[0]);
	close(p[1]);
	CHECK_ERR("statfs-nosuch", statfs("/nosuch", &s), ENOENT);
	CHECK_ERR("fstatfs-badfd", fstatfs(99, &s), EBADF);
}

static long meminfo(const char *key)
{
	return mt_meminfo_kb(key);
}

static void test_memory(void)
{
	struct sysinfo si;
	long total = meminfo("MemTotal:"), mfree = meminfo("MemFree:"), shmem = meminfo("Shmem:");
	long buffers = meminfo("Buffers:"), avail = meminfo("MemAvailable:");
	CHECK_EQ("sysinfo", sysinfo(&si), 0);
	CHECK_EQ("mem_unit", si.mem_unit, 1);
	CHECK_EQ("totalram-is-MemTotal", (long)(si.totalram >> 10), total);
	CHECK_EQ("sharedram-is-Shmem", (long)(si.sharedram >> 10), shmem);
	CHECK_EQ("bufferram-is-Buffers", (long)(si.bufferram >> 10), buffers);
	long df = (long)(si.freeram >> 10) - mfree;
	mt_report(labs(df) <= 1024, "freeram-is-MemFree", "freeram %lu kB, MemFree %ld kB", si.freeram >> 10, mfree);
	mt_report(total > 0 && mfree > 0 && mfree <= total && avail >= 0, "meminfo-sane",
		  "MemTotal %ld MemFree %ld MemAvailable %ld", total, mfree, avail);
	mt_report(si.procs >= 1, "procs", "procs %u", si.procs);
	double up = strtod(txt("/proc/uptime"), NULL);
	mt_report(si.uptime >= (long)up && si.uptime <= (long)up + 2, "uptime", "sysinfo %ld, /proc/uptime %.2f",
		  si.uptime, up);
}

static void test_uptime(void)
{
	char *end;
	double u0 = strtod(txt("/proc/uptime"), &end), i0 = strtod(end, NULL);
	mt_msleep(300); /* asleep: the CPU idles */
	double u1 = strtod(txt("/proc/uptime"), &end), i1 = strtod(end, NULL);
	mt_report(u1 > u0 && i1 >= i0, "uptime-moves", "uptime %.2f -> %.2f, idle %.2f -> %.2f", u0, u1, i0, i1);
	mt_report(i1 <= u1 + 0.01, "idle-within-uptime", "idle %.2f, uptime %.2f", i1, u1);
	mt_report(i1 - i0 >= 0.1, "idle-counts-sleep", "idle %.2f -> %.2f over a 0.3 s sleep", i0, i1);
}

int main(void)
{
	mt_begin("t_sysfs");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/sys", 0555);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	test_cpu_files();
	test_cpu_counts();
	test_statfs();
	test_memory();
	test_uptime();
	mt_end();
}
