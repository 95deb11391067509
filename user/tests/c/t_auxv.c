/* t_auxv - the initial process stack: argv, envp, auxiliary vector.
 *
 * Boot: rdinit=/tests/t_auxv with the plain command line "console=ttyS0 rdinit=/tests/t_auxv".
 *
 * What Linux 6.1 does, and this test expects (static non-PIE ELF, so no interpreter):
 *  - argc == 1, argv[0] == "/tests/t_auxv" (the rdinit= path), argv[argc] == NULL.
 *  - envp is exactly { "HOME=/", "TERM=linux" } (the kernel's envp_init for init; nothing else on
 *    this command line is passed on), and it starts right after argv's NULL: the layout at entry is
 *    argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL; glibc's environ and the auxv that
 *    getauxval reads are that same memory (getauxval of an absent type is 0 with ENOENT).
 *  - sp at entry is 16-byte aligned (RISC-V psABI), so argv (= sp + 8) is 8 mod 16.
 *  - auxv: AT_PAGESZ 4096, AT_PHDR = load address of the ELF header (__ehdr_start) + e_phoff,
 *    AT_PHNUM = e_phnum, AT_PHENT = e_phentsize = sizeof(Elf64_Phdr), AT_ENTRY = e_entry = &_start,
 *    AT_BASE 0 (no interpreter), AT_FLAGS 0, AT_UID AT_EUID AT_GID AT_EGID present and 0,
 *    AT_SECURE present and 0, AT_CLKTCK 100, AT_HWCAP non-zero with the I, M, A bits
 *    (1 << (letter - 'A')), AT_RANDOM points to 16 readable bytes (not all zero), AT_EXECFN points
 *    to "/tests/t_auxv".  Every entry appears once, and pointers (AT_RANDOM, AT_EXECFN) point
 *    into the stack area above the auxv (Linux copies the strings and random bytes there), and
 *    are mapped (checked with mincore first, so that a bad pointer fails a check, not the boot).
 *  Linux 6.1 also passes AT_SYSINFO_EHDR (its vDSO) and AT_L1I_CACHESIZE..AT_L3_CACHEGEOMETRY
 *  (40..47, all 0 on QEMU virt), and no AT_HWCAP2/AT_PLATFORM/AT_MINSIGSTKSZ: not checked.
 */
#include "mtest.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>

extern const ElfW(Ehdr) __ehdr_start;
extern char _start[];
extern char **environ;

static ElfW(auxv_t) *auxv;
static int nauxv;

/* value of the entry, *found = how many times it appears */
static unsigned long aux(unsigned long type, int *found)
{
	unsigned long v = 0;
	*found = 0;
	for (ElfW(auxv_t) *a = auxv; a < auxv + nauxv; a++)
		if (a->a_type == type) {
			v = a->a_un.a_val;
			(*found)++;
		}
	return v;
}

static int is_mapped(const void *p, size_t n)
{
	unsigned char vec[4];
	uintptr_t a = (uintptr_t)p & ~4095UL, e = (uintptr_t)p + n;
	return mincore((void *)a, e - a, vec) == 0;
}

#define CHECK_AUX(name, type, want)                                                         \
	do {                                                                                \
		int n_;                                                                     \
		unsigned long v_ = aux((type), &n_);                                        \
		mt_report(n_ == 1 && v_ == (unsigned long)(want), (name),                    \
			  "%s: found %d times, value %#lx, want once with %#lx", #type, n_, v_, \
			  (unsigned long)(want));                                            \
	} while (0)

int main(int argc, char **argv, char **envp)
{
	mt_begin("t_auxv");

	/* argv */
	CHECK_EQ("argc_is_1", argc, 1);
	CHECK("argv0_path", argv[0] && !strcmp(argv[0], "/tests/t_auxv"));
	CHECK("argv_null_terminated", argv[argc] == NULL);
	CHECK_EQ("argv_is_sp_plus_8", (uintptr_t)argv % 16, 8);
	CHECK_EQ("argc_word_before_argv", ((long *)argv)[-1], argc);

	/* envp */
	CHECK("envp_after_argv", envp == argv + argc + 1);
	CHECK("environ_is_envp", environ == envp);
	int envc = 0;
	while (envp[envc])
		envc++;
	CHECK_EQ("envc_is_2", envc, 2);
	for (int i = 0; i < envc; i++)
		printf("t_auxv: envp[%d] = \"%s\"\n", i, envp[i]);
	CHECK("env_home", envc >= 1 && !strcmp(envp[0], "HOME=/"));
	CHECK("env_term", envc >= 2 && !strcmp(envp[1], "TERM=linux"));
	CHECK("getenv_home", getenv("HOME") && !strcmp(getenv("HOME"), "/"));
	CHECK("getenv_term", getenv("TERM") && !strcmp(getenv("TERM"), "linux"));

	/* auxv, right after envp's NULL */
	auxv = (ElfW(auxv_t) *)(envp + envc + 1);
	int n = 0;
	while (auxv[n].a_type != AT_NULL && n < 100)
		n++;
	CHECK("auxv_terminated", n < 100 && n > 10);
	nauxv = n;
	printf("t_auxv: %d auxv entries:", n);
	for (int i = 0; i < n && i < 100; i++)
		printf(" %lu=%#lx", (unsigned long)auxv[i].a_type, (unsigned long)auxv[i].a_un.a_val);
	printf("\n");
	int mism = 0;
	for (int i = 0; i < n && i < 100; i++)
		if (getauxval(auxv[i].a_type) != auxv[i].a_un.a_val) {
			printf("t_auxv: getauxval(%lu) = %#lx, stack has %#lx\n",
			       (unsigned long)auxv[i].a_type, getauxval(auxv[i].a_type),
			       (unsigned long)auxv[i].a_un.a_val);
			mism++;
		}
	CHECK("getauxval_matches_stack", mism == 0);
	errno = 0;
	CHECK("getauxval_missing_enoent", getauxval(0x7777) == 0 && errno == ENOENT);

	const ElfW(Ehdr) *eh = &__ehdr_start;
	CHECK("ehdr_magic", memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
	CHECK_AUX("at_pagesz", AT_PAGESZ, 4096);
	CHECK_EQ("getauxval_pagesz", getauxval(AT_PAGESZ), 4096);
	CHECK_EQ("sysconf_pagesize", sysconf(_SC_PAGESIZE), 4096);
	CHECK_AUX("at_phdr", AT_PHDR, (uintptr_t)eh + eh->e_phoff);
	CHECK_AUX("at_phnum", AT_PHNUM, eh->e_phnum);
	CHECK_AUX("at_phent", AT_PHENT, eh->e_phentsize);
	CHECK_EQ("phentsize_is_phdr", eh->e_phentsize, sizeof(ElfW(Phdr)));
	CHECK_AUX("at_entry", AT_ENTRY, (uintptr_t)_start);
	CHECK_EQ("e_entry_is_start", eh->e_entry, (uintptr_t)_start);
	CHECK_AUX("at_base_0", AT_BASE, 0);
	CHECK_AUX("at_flags_0", AT_FLAGS, 0);
	CHECK_AUX("at_uid", AT_UID, 0);
	CHECK_AUX("at_euid", AT_EUID, 0);
	CHECK_AUX("at_gid", AT_GID, 0);
	CHECK_AUX("at_egid", AT_EGID, 0);
	CHECK_AUX("at_secure", AT_SECURE, 0);
	CHECK_AUX("at_clktck", AT_CLKTCK, 100);
	CHECK_EQ("sysconf_clk_tck", sysconf(_SC_CLK_TCK), 100);

	int found;
	unsigned long hw = aux(AT_HWCAP, &found);
	unsigned long ima = (1UL << ('I' - 'A')) | (1UL << ('M' - 'A')) | (1UL << ('A' - 'A'));
	CHECK("at_hwcap_present_nonzero", found == 1 && hw != 0);
	CHECK("at_hwcap_ima", (hw & ima) == ima);

	uintptr_t aux_end = (uintptr_t)(auxv + n + 1);
	unsigned char *rnd = (unsigned char *)aux(AT_RANDOM, &found);
	CHECK("at_random_present", found == 1 && rnd != NULL);
	/* mapped (mincore says ENOMEM otherwise), so that reading cannot crash the test */
	if (rnd && !is_mapped(rnd, 16))
		rnd = NULL;
	CHECK("at_random_mapped", rnd != NULL);
	if (rnd) {
		CHECK("at_random_above_auxv", (uintptr_t)rnd >= aux_end);
		int nz = 0;
		for (int i = 0; i < 16; i++)
			nz |= rnd[i];
		CHECK("at_random_16_bytes_readable", nz != 0);
	}
	const char *fn = (const char *)aux(AT_EXECFN, &found);
	CHECK("at_execfn_present", found == 1 && fn != NULL);
	if (fn && !is_mapped(fn, sizeof "/tests/t_auxv"))
		fn = NULL;
	CHECK("at_execfn_mapped", fn != NULL);
	if (fn) {
		CHECK("at_execfn_above_auxv", (uintptr_t)fn >= aux_end);
		CHECK("at_execfn_path", !strcmp(fn, "/tests/t_auxv"));
	}
	/* argv/envp strings are on the stack above the auxv too */
	CHECK("argv_strings_above_auxv", (uintptr_t)argv[0] >= aux_end);
	CHECK("envp_strings_above_auxv", envc == 0 || (uintptr_t)envp[0] >= aux_end);

	/* no entry type appears twice */
	int dup = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			dup |= auxv[i].a_type == auxv[j].a_type;
	CHECK("auxv_no_duplicates", !dup);

	mt_end();
}
