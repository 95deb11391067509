/* t_aslr: address-space layout randomisation as Linux does it at exec (fs/binfmt_elf.c,
 * mm/util.c, riscv64's constants) and personality(2) (kernel/exec_domain.c):
 *  - with randomize_va_space 2 (the default) two execs of one program get different stacks
 *    (randomize_stack_top: up to 2^18 pages below STACK_TOP), mmap areas (mmap_base: below the
 *    stack's 8 MiB + guard gap + 1 GiB of stack randomness, then up to 2^18 pages lower) and
 *    brk (a page past .bss, then anywhere in 1 GiB), and /proc/PID/stat's flags have
 *    PF_RANDOMIZE;
 *  - with 1 the stack and mmap still move but brk does not; with 0 nothing moves;
 *  - personality(ADDR_NO_RANDOMIZE) makes the next exec unrandomised, survives fork and exec,
 *    and personality(0xffffffff) reads it back; READ_IMPLIES_EXEC makes PROT_READ mappings
 *    executable (/proc/self/maps).
 * The same binary passes on the reference Linux. */
#include "mtest.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>

#define STACK_TOP 0x4000000000UL /* riscv64 Sv39 TASK_SIZE */
#define PF_RANDOMIZE 0x00400000UL

struct layout {
	uintptr_t stack, mmap, brk;
	unsigned long flags;
	unsigned int pers;
};

/* the child: reports its layout on fd 3 */
static int child_main(void)
{
	struct layout l;
	int local;
	l.stack = (uintptr_t)&local;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l.mmap = (uintptr_t)m;
	l.brk = (uintptr_t)sbrk(0);
	l.pers = personality(0xffffffff);
	l.flags = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	if (f) {
		char buf[1024];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		/* after "(comm)": state ppid pgrp session tty_nr tpgid flags */
		if (p)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &l.flags);
		fclose(f);
	}
	write(3, &l, sizeof l);
	return 0;
}

static const char *self;

static int run(struct layout *l)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 3);
		char *argv[] = {(char *)self, "child", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = read(p[0], l, sizeof *l);
	close(p[0]);
	int st = mt_reap(pid);
	return n == sizeof *l && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int set_rva(int v)
{
	int fd = open("/proc/sys/kernel/randomize_va_space", O_WRONLY);
	if (fd < 0)
		return -1;
	char c = '0' + v;
	int r = write(fd, &c, 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

static int get_rva(void)
{
	int fd = open("/proc/sys/kernel/randomize_va_space", O_RDONLY);
	char c = 0;
	if (fd < 0 || read(fd, &c, 1) != 1)
		c = '?';
	if (fd >= 0)
		close(fd);
	return c - '0';
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_main();
	mt_begin("t_aslr");
	mt_mount_proc();
	self = argv[0];

	CHECK_EQ("randomize-va-space-default", get_rva(), 2);
	struct layout a, b;
	int ok = run(&a) == 0 && run(&b) == 0;
	CHECK("two-execs", ok);
	CHECK("stack-differs", a.stack != b.stack);
	CHECK("mmap-differs", a.mmap != b.mmap);
	CHECK("brk-differs", a.brk != b.brk);
	CHECK("pf-randomize", (a.flags & PF_RANDOMIZE) && (b.flags & PF_RANDOMIZE));
	/* the stack: at most 2^18 pages (1 GiB) and the initial frames below STACK_TOP */
	CHECK("stack-range", a.stack < STACK_TOP && a.stack > STACK_TOP - (1UL << 30) - (1UL << 20));
	/* mmap_base: STACK_TOP - (8 MiB + 1 MiB + (2^18 - 1) pages) - up to 2^18 pages */
	uintptr_t gap = (8UL << 20) + (1UL << 20) + (0x3ffffUL << 12);
	CHECK("mmap-range", a.mmap < STACK_TOP - gap && a.mmap > STACK_TOP - gap - (1UL << 30) - (64UL << 20));
	printf("layout: stack %#lx %#lx, mmap %#lx %#lx, brk %#lx %#lx, flags %#lx\n", (unsigned long)a.stack,
	       (unsigned long)b.stack, (unsigned long)a.mmap, (unsigned long)b.mmap, (unsigned long)a.brk,
	       (unsigned long)b.brk, a.flags);

	/* randomize_va_space 1: brk stays where .bss ends, the rest still moves */
	CHECK_EQ("set-rva-1", set_rva(1), 0);
	ok = run(&a) == 0 && run(&b) == 0;
	CHECK("rva1-execs", ok);
	CHECK("rva1-stack-differs", a.stack != b.stack);
	CHECK("rva1-brk-same", a.brk == b.brk);
	CHECK("rva1-pf-randomize", a.flags & PF_RANDOMIZE);

	/* 0: nothing moves */
	CHECK_EQ("set-rva-0", set_rva(0), 0);
	ok = run(&a) == 0 && run(&b) == 0;
	CHECK("rva0-execs", ok);
	CHECK("rva0-stack-same", a.stack == b.stack);
	CHECK("rva0-mmap-same", a.mmap == b.mmap);
	CHECK("rva0-brk-same", a.brk == b.brk);
	CHECK("rva0-no-pf-randomize", !(a.flags & PF_RANDOMIZE));
	/* unrandomised, mmap_base is STACK_TOP - max(8 MiB + 1 MiB, 128 MiB) */
	CHECK("rva0-mmap-below-128m", a.mmap < STACK_TOP - (128UL << 20) && a.mmap > STACK_TOP - (256UL << 20));
	uintptr_t fixed_stack = a.stack;
	CHECK_EQ("set-rva-2", set_rva(2), 0);

	/* personality */
	int old = personality(0xffffffff);
	CHECK_EQ("personality-query-linux", old, PER_LINUX);
	CHECK_EQ("personality-set-returns-old", personality(ADDR_NO_RANDOMIZE), PER_LINUX);
	CHECK_EQ("personality-query-after-set", personality(0xffffffff), ADDR_NO_RANDOMIZE);
	ok = run(&a) == 0 && run(&b) == 0;
	CHECK("no-randomize-execs", ok);
	CHECK("no-randomize-stack-same", a.stack == b.stack && a.stack == fixed_stack);
	CHECK("no-randomize-mmap-same", a.mmap == b.mmap);
	CHECK("no-randomize-brk-same", a.brk == b.brk);
	CHECK("no-randomize-survives-exec", a.pers == ADDR_NO_RANDOMIZE);
	CHECK("no-randomize-no-pf-randomize", !(a.flags & PF_RANDOMIZE));
	CHECK_EQ("personality-back", personality(PER_LINUX), ADDR_NO_RANDOMIZE);
	ok = run(&a) == 0;
	CHECK("personality-linux-randomizes-again", ok && (a.flags & PF_RANDOMIZE) && a.pers == PER_LINUX);

	/* READ_IMPLIES_EXEC: PROT_READ becomes PROT_READ | PROT_EXEC */
	personality(READ_IMPLIES_EXEC);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *w = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	personality(PER_LINUX);
	char *n = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char line[256], perm_m[8] = "", perm_w[8] = "", perm_n[8] = "";
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
			continue;
		if ((unsigned long)m >= lo && (unsigned long)m < hi)
			strcpy(perm_m, perm);
		if ((unsigned long)w >= lo && (unsigned long)w < hi)
			strcpy(perm_w, perm);
		if ((unsigned long)n >= lo && (unsigned long)n < hi)
			strcpy(perm_n, perm);
	}
	if (f)
		fclose(f);
	CHECK("read-implies-exec-r-x", strcmp(perm_m, "r-xp") == 0);
	CHECK("read-implies-exec-write-only-unchanged", strcmp(perm_w, "-w-p") == 0);
	CHECK("per-linux-read-only", strcmp(perm_n, "r--p") == 0);
	printf("maps perms: %s %s %s\n", perm_m, perm_w, perm_n);
	mt_end();
}
