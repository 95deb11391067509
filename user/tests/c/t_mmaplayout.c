/* t_mmaplayout: the two mmap layouts Linux picks at exec (mm/util.c arch_pick_mmap_layout,
 * mmap_is_legacy) and the NULL page (personality MMAP_PAGE_ZERO, vm.mmap_min_addr):
 *  - by default the mmap area is top-down below the stack's room: a second mapping lands
 *    below the first, high in the address space;
 *  - an unlimited RLIMIT_STACK, personality(ADDR_COMPAT_LAYOUT) or vm.legacy_va_layout = 1 make
 *    the next exec bottom-up from TASK_UNMAPPED_BASE (TASK_SIZE / 3, plus up to 1 GiB of
 *    randomness): the second mapping lands above the first, and brk still grows;
 *  - personality(MMAP_PAGE_ZERO) maps page 0 read+exec at exec for a caller with CAP_SYS_RAWIO
 *    and silently not for one without; mmap(MAP_FIXED) below mmap_min_addr needs CAP_SYS_RAWIO
 *    (EPERM).
 * The same binary passes on the reference Linux. */
#include "mtest.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define TASK_SIZE 0x4000000000UL /* riscv64 Sv39 */
#define TASK_UNMAPPED_BASE 0x1555556000UL /* PAGE_ALIGN(TASK_SIZE / 3) */

struct report {
	uintptr_t m1, m2;
	int brk_grows;
	int page0; /* 1: /proc/self/maps starts with a r-xp page at 0 and it reads as zero */
	unsigned int pers;
};

static int child_main(void)
{
	struct report r;
	memset(&r, 0, sizeof r);
	r.m1 = (uintptr_t)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r.m2 = (uintptr_t)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *b0 = sbrk(0);
	r.brk_grows = b0 != (void *)-1 && sbrk(65536) == b0 && sbrk(0) == (char *)b0 + 65536;
	r.pers = personality(0xffffffff);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256];
	if (f && fgets(line, sizeof line, f) && strncmp(line, "00000000-00001000 r-xp", 22) == 0) {
		static volatile uintptr_t zero = 0;
		r.page0 = *(volatile unsigned char *)zero == 0 ? 1 : 2;
	}
	if (f)
		fclose(f);
	write(3, &r, sizeof r);
	return 0;
}

static const char *self;

/* Runs self as a child in a fresh process after setup(arg); 0 when its report arrived. */
static int run(void (*setup)(long), long arg, struct report *r)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 3);
		if (setup)
			setup(arg);
		char *argv[] = {(char *)self, "child", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = read(p[0], r, sizeof *r);
	close(p[0]);
	int st = mt_reap(pid);
	return n == sizeof *r && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void unlimited_stack(long unused)
{
	(void)unused;
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	if (setrlimit(RLIMIT_STACK, &rl) != 0)
		_exit(126);
}

static void set_personality(long p)
{
	personality(p);
}

static void as_user_with_personality(long p)
{
	if (setuid(1000) != 0)
		_exit(125);
	personality(p);
}

/* a bottom-up layout: the first mapping near TASK_UNMAPPED_BASE, the second above it */
static int legacy(const struct report *r)
{
	return r->m1 >= TASK_UNMAPPED_BASE && r->m1 < TASK_UNMAPPED_BASE + (1UL << 30) + (64UL << 20) &&
	       r->m2 > r->m1;
}

static void show(const char *what, const struct report *r)
{
	printf("%s: mmap %#lx then %#lx, brk grows %d, page0 %d, personality %#x\n", what, (unsigned long)r->m1,
	       (unsigned long)r->m2, r->brk_grows, r->page0, r->pers);
}

static void user_maps_zero(long unused)
{
	(void)unused;
	if (setuid(1000) != 0)
		_exit(125);
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	_exit(p == MAP_FAILED && errno == EPERM ? 0 : 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_main();
	mt_begin("t_mmaplayout");
	mt_mount_proc();
	self = argv[0];
	struct report r;

	CHECK_EQ("default-runs", run(NULL, 0, &r), 0);
	show("default", &r);
	CHECK("default-top-down", r.m2 < r.m1);
	CHECK("default-high", r.m1 > TASK_SIZE / 4 * 3 && r.m1 < TASK_SIZE);
	CHECK("default-brk-grows", r.brk_grows);
	CHECK("default-no-page0", r.page0 == 0);

	CHECK_EQ("unlimited-stack-runs", run(unlimited_stack, 0, &r), 0);
	show("RLIMIT_STACK unlimited", &r);
	CHECK("unlimited-stack-bottom-up", legacy(&r));
	CHECK("unlimited-stack-brk-grows", r.brk_grows);

	CHECK_EQ("compat-layout-runs", run(set_personality, ADDR_COMPAT_LAYOUT, &r), 0);
	show("ADDR_COMPAT_LAYOUT", &r);
	CHECK("compat-layout-bottom-up", legacy(&r));
	CHECK("compat-layout-kept", r.pers == ADDR_COMPAT_LAYOUT);

	const char *lva = "/proc/sys/vm/legacy_va_layout";
	CHECK_EQ("legacy-va-layout-default", mt_read_long(lva), 0);
	CHECK_EQ("legacy-va-layout-set", mt_write_str(lva, "1\n"), 0);
	CHECK_EQ("legacy-va-layout-reads-1", mt_read_long(lva), 1);
	CHECK_EQ("legacy-va-layout-runs", run(NULL, 0, &r), 0);
	show("vm.legacy_va_layout=1", &r);
	CHECK("legacy-va-layout-bottom-up", legacy(&r));
	CHECK_ERR("legacy-va-layout-negative", mt_write_str(lva, "-1\n"), EINVAL);
	CHECK_EQ("legacy-va-layout-reset", mt_write_str(lva, "0\n"), 0);
	CHECK_EQ("after-reset-runs", run(NULL, 0, &r), 0);
	CHECK("after-reset-top-down", r.m2 < r.m1 && r.m1 > TASK_SIZE / 4 * 3);

	CHECK_EQ("page-zero-runs", run(set_personality, MMAP_PAGE_ZERO, &r), 0);
	show("MMAP_PAGE_ZERO", &r);
	CHECK_EQ("page-zero-mapped-rx-and-zero", r.page0, 1);
	CHECK_EQ("page-zero-user-runs", run(as_user_with_personality, MMAP_PAGE_ZERO, &r), 0);
	CHECK_EQ("page-zero-user-not-mapped", r.page0, 0);

	/* mmap below mmap_min_addr: CAP_SYS_RAWIO (root has it) or EPERM */
	void *z = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK("root-maps-page-zero", z == NULL);
	if (z == NULL)
		munmap(z, 4096);
	pid_t pid = fork();
	if (pid == 0)
		user_maps_zero(0);
	int st = mt_reap(pid);
	CHECK("user-maps-page-zero-eperm", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	mt_end();
}
