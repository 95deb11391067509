/* BUILD-CFLAGS: -static-pie -Wl,--no-dynamic-linker -nostdlib -fPIE -O2 -Wall -ffreestanding -fno-stack-protector */
/* t_pie - a static-PIE program (ET_DYN without PT_INTERP) runs as PID 1.
 *
 * Debian's riscv64 glibc has no static-PIE start file (rcrt1.o), so this test is freestanding:
 * position-independent code with no relocations, raw ecalls, and its own mtest-protocol lines.
 * It checks that the kernel loaded it where Linux does (in the mmap area, with brk moved to
 * ELF_ET_DYN_BASE), that the
 * auxv describes the loaded image (AT_ENTRY, AT_PHDR, AT_PHNUM, AT_BASE), that argv/envp are
 * where the ABI puts them, and that fork from it works.
 */
#pragma GCC visibility push(hidden) /* PC-relative addressing, no GOT: nothing to relocate */
typedef unsigned long ul;
#define ET_DYN 3
#define AT_PHDR 3
#define AT_PHNUM 5
#define AT_BASE 7
#define AT_ENTRY 9

static long sys(long n, long a, long b, long c, long d)
{
	register long a0 asm("a0") = a, a1 asm("a1") = b, a2 asm("a2") = c, a3 asm("a3") = d;
	register long a7 asm("a7") = n;
	asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a7) : "memory");
	return a0;
}

static int npass, nfail;
static ul slen(const char *s) { ul n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { sys(64, 1, (long)s, slen(s), 0); }
static void check(const char *name, int ok)
{
	out(ok ? "PASS t_pie/" : "FAIL t_pie/");
	out(name);
	out(ok ? "\n" : ": check failed\n");
	if (ok) npass++; else nfail++;
}
static void num(int v) { char b[12]; int i = 11; b[i] = 0; do { b[--i] = '0' + v % 10; v /= 10; } while (v); out(b + i); }

extern char __ehdr_start[];
void _start(void);
void pie_main(ul *sp);

asm(".globl _start\n_start:\n\tmv a0, sp\n\tandi sp, sp, -16\n\tcall pie_main\n");

void pie_main(ul *sp)
{
	long argc = (long)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	while (*e) e++;
	ul *auxv = (ul *)(e + 1);
	ul at[64];
	for (int i = 0; i < 64; i++)
		((volatile ul *)at)[i] = 0;
	for (ul *a = auxv; a[0]; a += 2)
		if (a[0] < 64) at[a[0]] = a[1];
	const unsigned char *eh = (const unsigned char *)__ehdr_start;
	unsigned short type = eh[16] | eh[17] << 8;
	ul phoff = *(const ul *)(eh + 32);
	unsigned short phnum = eh[56] | eh[57] << 8;
	check("elf-type-dyn", type == ET_DYN);
	check("loaded-above-zero", (ul)__ehdr_start >= 0x10000);
	/* Linux: a static PIE is a "loader": load_bias 0 and no MAP_FIXED, so mmap places it
	 * in the mmap area, just below mmap_base (high in the 256 GiB of Sv39 user space), not
	 * at ELF_ET_DYN_BASE as a PIE program with an interpreter. */
	check("loaded-in-mmap-area", (ul)__ehdr_start > 0x3000000000UL && (ul)__ehdr_start < 0x4000000000UL);
	/* ... and its brk moves to ELF_PAGEALIGN(ELF_ET_DYN_BASE), then (randomize_va_space 2)
	 * anywhere in the 1 GiB above. */
	ul brk0 = (ul)sys(214, 0, 0, 0, 0);
	check("brk-at-elf-et-dyn-base", brk0 >= 0x2aaaaab000UL && brk0 < 0x2aaaaab000UL + (1UL << 30));
	check("at-entry-is-start", at[AT_ENTRY] == (ul)_start);
	check("at-phdr", at[AT_PHDR] == (ul)__ehdr_start + phoff);
	check("at-phnum", at[AT_PHNUM] == phnum);
	check("at-base-zero", at[AT_BASE] == 0);
	check("argv0", argc >= 1 && argv[0] && argv[0][0] == '/');
	static volatile int counter = 5;
	long pid = sys(220, 17 /* SIGCHLD */, 0, 0, 0); /* fork */
	if (pid == 0) {
		counter = 9;
		sys(93, counter == 9 ? 0 : 1, 0, 0, 0);
	}
	int st = -1;
	check("fork", pid > 0 && sys(260, pid, (long)&st, 0, 0) == pid);
	check("fork-child-exit-0", st == 0);
	check("fork-parent-unchanged", counter == 5);
	out("TEST-END t_pie ");
	num(npass);
	out(" ");
	num(nfail);
	out("\n");
	if (sys(172, 0, 0, 0, 0) == 1) /* getpid: PID 1 powers off */
		sys(142, 0xfee1dead, 672274793, 0x4321fedc, 0);
	sys(93, nfail ? 1 : 0, 0, 0, 0);
}
