/* BUILD-CFLAGS: -O2 -Wall
 * t_dynlink - a dynamically linked program (PT_INTERP /lib/ld-linux-riscv64-lp64d.so.1, libc.so.6
 * from /lib, built by plain riscv64-linux-gnu-gcc: a PIE) runs as PID 1, as on Linux:
 *   the auxiliary vector of binfmt_elf's interpreter path (AT_BASE is ld.so's mapping, AT_ENTRY
 *   the program's _start, AT_PHDR/AT_PHENT/AT_PHNUM its program headers, no AT_EXECFD), the
 *   PIE at ELF_ET_DYN_BASE, the libraries as private file mappings with relro made read-only;
 *   fork, exec of dynamic and static programs, ld.so run as a program, execveat(AT_EMPTY_PATH),
 *   threads and TLS, signals, dlopen of a library with a constructor, LD_PRELOAD,
 *   LD_LIBRARY_PATH, LD_BIND_NOW;
 *   the errors Linux gives for a bad interpreter: ENOENT, EACCES, EIO, ELIBBAD, ENOEXEC,
 *   ETXTBSY, and SIGSEGV for one that fails after the point of no return (ET_REL).
 * Uses /bin/true-dyn, /bin/true (static) and /lib/libdltest.so (user/lib/dltest.c).
 */
#include "mtest.h"
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define LDSO "/lib/ld-linux-riscv64-lp64d.so.1"
/* riscv64 Sv39: ELF_ET_DYN_BASE = TASK_SIZE / 3 * 2, page aligned; Linux adds up to 2^18 pages
 * of randomness (arch_mmap_rnd), as MenuOS does */
#define DYN_BASE 0x2aaaaaa000UL

extern char _start[];
static char *noenv[] = {NULL};

/* a child's exit status; 1000 + the signal that killed it */
static int reap(pid_t pid)
{
	int st = mt_reap(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

/* exit status of a child that runs execve(path, argv, envp); 100 + errno if execve fails */
static int run(const char *path, char *const argv[], char *const envp[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	return reap(pid);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	static char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	fchmod(out, mode);
	return close(out);
}

/* patch bytes at `off` of file `path` */
static int poke(const char *path, off_t off, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY);
	int r = fd >= 0 && pwrite(fd, b, n, off) == (ssize_t)n ? 0 : -1;
	close(fd);
	return r;
}

/* a copy of /bin/true-dyn at `to` whose PT_INTERP names `interp` (NUL padded; with
 * nonul, the whole string is 'a's without a NUL) */
static int make_prog(const char *to, const char *interp, int nonul)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char s[256] = {0};
	int fd, i;
	if (copy_file("/bin/true-dyn", to, 0755) < 0)
		return -1;
	fd = open(to, O_RDONLY);
	if (fd < 0 || pread(fd, &eh, sizeof eh, 0) != sizeof eh)
		return -1;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, eh.e_phoff + i * sizeof ph) != sizeof ph)
			return -1;
		if (ph.p_type != PT_INTERP)
			continue;
		close(fd);
		if (ph.p_filesz > sizeof s || strlen(interp) >= ph.p_filesz)
			return -1;
		if (nonul)
			memset(s, 'a', ph.p_filesz);
		else
			strcpy(s, interp);
		return poke(to, ph.p_offset, s, ph.p_filesz);
	}
	close(fd);
	return -1;
}

static int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return -1;
	fchmod(fd, mode);
	return close(fd);
}

/* the main program's dl_phdr_info (the first dl_iterate_phdr reports) */
static struct dl_phdr_info mainprog;
static int first_phdr(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	mainprog = *info;
	return 1;
}

/* the first /proc/self/maps line naming `name` whose permissions are `perms` (NULL: any):
 * its start address, 0 if none */
static unsigned long maps_find(const char *name, const char *perms, unsigned long *off)
{
	char line[512];
	unsigned long res = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e, o;
		char p[8];
		if (!strstr(line, name) || sscanf(line, "%lx-%lx %7s %lx", &s, &e, p, &o) != 4)
			continue;
		if (perms && strcmp(p, perms))
			continue;
		res = s;
		if (off)
			*off = o;
		break;
	}
	fclose(f);
	return res;
}

static __thread int tls_main = 11;
static int counter;
static void *thread_fn(void *arg)
{
	tls_main = (int)(long)arg;
	__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	return (void *)(long)(tls_main * 2);
}

static volatile sig_atomic_t got_sig, got_code;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
}

int main(void)
{
	mt_begin("t_dynlink");
	if (getpid() == 1)
		mt_mount_proc();

	/* the auxiliary vector of the interpreter path */
	unsigned long base = getauxval(AT_BASE), off = 1;
	CHECK("at-base-set", base != 0);
	CHECK_EQ("at-base-is-ldso", maps_find("ld-linux-riscv64-lp64d.so.1", NULL, &off), base);
	CHECK_EQ("at-base-ldso-offset-0", off, 0);
	CHECK_EQ("at-entry-is-start", getauxval(AT_ENTRY), (unsigned long)_start);
	dl_iterate_phdr(first_phdr, NULL);
	CHECK_EQ("at-phdr", getauxval(AT_PHDR), (unsigned long)mainprog.dlpi_phdr);
	CHECK_EQ("at-phent", getauxval(AT_PHENT), sizeof(Elf64_Phdr));
	CHECK_EQ("at-phnum", getauxval(AT_PHNUM), mainprog.dlpi_phnum);
	errno = 0;
	CHECK("at-execfd-absent", getauxval(AT_EXECFD) == 0 && errno == ENOENT);
	CHECK("pie-at-elf-et-dyn-base",
	      mainprog.dlpi_addr >= DYN_BASE && mainprog.dlpi_addr < DYN_BASE + (1UL << 30));
	CHECK("ldso-above-program", base > mainprog.dlpi_addr);

	/* libc.so.6: text, relro and data mapped from the file */
	CHECK("libc-text-mapped", maps_find("/lib/libc.so.6", "r-xp", NULL) != 0);
	CHECK("libc-relro-readonly", maps_find("/lib/libc.so.6", "r--p", NULL) != 0);
	CHECK("libc-data-writable", maps_find("/lib/libc.so.6", "rw-p", NULL) != 0);
	char *m = malloc(100000);
	CHECK("malloc", m != NULL);
	snprintf(m, 100, "%d-%s", 42, "x");
	CHECK("snprintf", strcmp(m, "42-x") == 0);
	free(m);

	/* threads, each with its own TLS */
	pthread_t th[4];
	void *ret;
	int ok = 1;
	for (long i = 0; i < 4; i++)
		ok &= pthread_create(&th[i], NULL, thread_fn, (void *)(i + 1)) == 0;
	for (long i = 0; i < 4; i++)
		ok &= pthread_join(th[i], &ret) == 0 && (long)ret == 2 * (i + 1);
	CHECK("pthread-create-join", ok);
	CHECK_EQ("pthread-ran", counter, 4);
	CHECK_EQ("tls-main-unchanged", tls_main, 11);

	/* signals: a handler through the dynamic libc's sigaction, back by rt_sigreturn */
	struct sigaction sa = {0};
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK_EQ("sigaction", sigaction(SIGUSR1, &sa, NULL), 0);
	raise(SIGUSR1);
	CHECK_EQ("signal-handled", got_sig, SIGUSR1);
	CHECK_EQ("signal-si-code-tkill", got_code, SI_TKILL);

	/* fork and exec */
	pid_t pid = fork();
	if (pid == 0)
		_exit(tls_main == 11 ? 7 : 8);
	CHECK_EQ("fork", reap(pid), 7);
	char *a_true5[] = {"true-dyn", "5", NULL};
	CHECK_EQ("exec-dynamic", run("/bin/true-dyn", a_true5, noenv), 5);
	char *a_true[] = {"true", NULL};
	CHECK_EQ("exec-static", run("/bin/true", a_true, noenv), 0);
	char *a_ldso[] = {LDSO, "/bin/true-dyn", "4", NULL};
	CHECK_EQ("exec-ldso-as-program", run(LDSO, a_ldso, noenv), 4);
	int fd = open("/bin/true-dyn", O_RDONLY);
	pid = fork();
	if (pid == 0) {
		char *a6[] = {"true-dyn", "6", NULL};
		syscall(SYS_execveat, fd, "", a6, noenv, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	CHECK_EQ("execveat-empty-path", reap(pid), 6);
	close(fd);

	/* dlopen of a library with a constructor, by name from /lib */
	void *h = dlopen("libdltest.so", RTLD_NOW);
	CHECK("dlopen", h != NULL);
	if (h) {
		int *ran = dlsym(h, "dltest_ctor_ran");
		int (*add)(int, int) = (int (*)(int, int))dlsym(h, "dltest_add");
		int (*tls_get)(void) = (int (*)(void))dlsym(h, "dltest_tls_get");
		CHECK("dlopen-constructor-ran", ran && *ran == 1);
		CHECK("dlsym-call", add && add(2, 3) == 5);
		CHECK("dlopen-tls", tls_get && tls_get() == 7);
		CHECK_EQ("dlclose", dlclose(h), 0);
	}
	CHECK("dlopen-missing-fails", dlopen("libno-such-lib.so", RTLD_NOW) == NULL && dlerror() != NULL);

	/* ld.so's environment */
	char *e_pre[] = {"LD_PRELOAD=/lib/libdltest.so", "DLTEST_CTOR_EXIT=42", NULL};
	CHECK_EQ("ld-preload", run("/bin/true-dyn", a_true, e_pre), 42);
	mkdir("/tmp/llp", 0755);
	copy_file("/lib/libdltest.so", "/tmp/llp/libdlx.so", 0755);
	char *e_llp[] = {"LD_LIBRARY_PATH=/tmp/llp", "LD_PRELOAD=libdlx.so", "DLTEST_CTOR_EXIT=43", NULL};
	CHECK_EQ("ld-library-path", run("/bin/true-dyn", a_true, e_llp), 43);
	char *e_bind[] = {"LD_BIND_NOW=1", NULL};
	CHECK_EQ("ld-bind-now", run("/bin/true-dyn", a_true5, e_bind), 5);

	/* private file mappings: a write is the process's own copy */
	copy_file("/lib/libdltest.so", "/tmp/copy.so", 0644);
	fd = open("/tmp/copy.so", O_RDONLY);
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("map-private-file", p != MAP_FAILED && memcmp(p, "\177ELF", 4) == 0);
	if (p != MAP_FAILED) {
		unsigned char b[4];
		p[0] = 'X';
		CHECK("map-private-cow", pread(fd, b, 4, 0) == 4 && memcmp(b, "\177ELF", 4) == 0);
		munmap(p, 4096);
	}
	close(fd);

	/* a bad interpreter: Linux's errors (execve returns them, the caller intact) */
	char *a_prog[] = {"prog", NULL};
	CHECK_EQ("interp-copy-runs", make_prog("/tmp/p-ok", "/tmp/ld.so", 0), 0);
	copy_file(LDSO, "/tmp/ld.so", 0755);
	CHECK_EQ("interp-elsewhere-runs", run("/tmp/p-ok", a_prog, noenv), 0);
	make_prog("/tmp/p-enoent", "/tmp/no-such-ld.so", 0);
	CHECK_ERR("interp-enoent", execve("/tmp/p-enoent", a_prog, noenv), ENOENT);
	make_prog("/tmp/p-dir", "/tmp", 0);
	CHECK_ERR("interp-eacces-directory", execve("/tmp/p-dir", a_prog, noenv), EACCES);
	copy_file(LDSO, "/tmp/ld-nox.so", 0644);
	make_prog("/tmp/p-nox", "/tmp/ld-nox.so", 0);
	CHECK_ERR("interp-eacces-no-x", execve("/tmp/p-nox", a_prog, noenv), EACCES);
	write_file("/tmp/ld-short", "#!/bin/sh\n", 0755);
	make_prog("/tmp/p-short", "/tmp/ld-short", 0);
	CHECK_ERR("interp-eio-short", execve("/tmp/p-short", a_prog, noenv), EIO);
	write_file("/tmp/ld-text",
		   "this is not an ELF interpreter, only text that is long enough for a header.....\n",
		   0755);
	make_prog("/tmp/p-text", "/tmp/ld-text", 0);
	CHECK_ERR("interp-elibbad-not-elf", execve("/tmp/p-text", a_prog, noenv), ELIBBAD);
	copy_file(LDSO, "/tmp/ld-x86.so", 0755);
	unsigned short em_x86_64 = EM_X86_64;
	poke("/tmp/ld-x86.so", offsetof(Elf64_Ehdr, e_machine), &em_x86_64, 2);
	make_prog("/tmp/p-x86", "/tmp/ld-x86.so", 0);
	CHECK_ERR("interp-elibbad-machine", execve("/tmp/p-x86", a_prog, noenv), ELIBBAD);
	make_prog("/tmp/p-nonul", "", 1);
	CHECK_ERR("interp-enoexec-no-nul", execve("/tmp/p-nonul", a_prog, noenv), ENOEXEC);
	copy_file(LDSO, "/tmp/ld-busy.so", 0755);
	make_prog("/tmp/p-busy", "/tmp/ld-busy.so", 0);
	int wfd = open("/tmp/ld-busy.so", O_WRONLY);
	CHECK_ERR("interp-etxtbsy", execve("/tmp/p-busy", a_prog, noenv), ETXTBSY);
	close(wfd);
	CHECK_EQ("interp-runs-once-closed", run("/tmp/p-busy", a_prog, noenv), 0);
	/* ET_REL: refused by load_elf_interp(), after the point of no return: SIGSEGV */
	copy_file(LDSO, "/tmp/ld-rel.so", 0755);
	unsigned short et_rel = ET_REL;
	poke("/tmp/ld-rel.so", offsetof(Elf64_Ehdr, e_type), &et_rel, 2);
	make_prog("/tmp/p-rel", "/tmp/ld-rel.so", 0);
	pid = fork();
	if (pid == 0) {
		execve("/tmp/p-rel", a_prog, noenv);
		_exit(100 + errno);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK("interp-et-rel-sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	mt_end();
}
