/* t_badelf - a corpus of malformed ELF files exec'd: truncated files, bad e_phnum/e_phentsize,
 * program headers past the end, segments past TASK_SIZE or wrapping, overlapping segments,
 * p_filesz > p_memsz, misaligned offsets, bad PT_INTERP; the kernel lives and answers as Linux.
 *
 * Boot: rdinit=/tests/t_badelf.  Needs a writable /tmp.  `make soak` boots it many times.
 *
 * Each file is built here from a minimal static riscv64 program (one PT_LOAD, three instructions:
 * exit_group(42)), then changed in one way, written to /tmp with mode 0755 and exec'd by a child.
 * The outcome is one of "exit N" (it ran), "errno E" (execve returned) or "signal S" (the exec
 * passed its point of no return and the process was killed: Linux's force_fatal_sig(SIGSEGV)
 * in do_execveat_common, or a fault once running).  What Linux 6.1 does (fs/binfmt_elf.c
 * load_elf_phdrs, load_elf_binary, elf_map, load_elf_interp; fs/exec.c) is the table below; each
 * case is one check.  Finally fork and exec of a good program still work.
 */
#include "mtest.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define BASE 0x10000UL
#define CODE_OFF 0x200UL
#define FILE_SZ 0x210UL
#define MAXBUF (1 << 14)

static unsigned char img[MAXBUF];
static size_t img_len;

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(img + eh()->e_phoff) + i; }

/* The good program: ehdr, `n` program headers at 64 (the first PT_LOAD over the whole file), the
 * code at CODE_OFF.  Returns nothing; img/img_len hold it. */
static void good(int n)
{
	memset(img, 0, sizeof img);
	Elf64_Ehdr *e = eh();
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_RISCV;
	e->e_version = EV_CURRENT;
	e->e_entry = BASE + CODE_OFF;
	e->e_phoff = 64;
	e->e_ehsize = 64;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = n;
	size_t code = CODE_OFF, end = FILE_SZ;
	if (64 + n * sizeof(Elf64_Phdr) > CODE_OFF) { /* many headers: code after them, page-aligned */
		code = (64 + n * sizeof(Elf64_Phdr) + 0xfff) & ~0xfffUL;
		end = code + 0x10;
		e->e_entry = BASE + code;
	}
	static const unsigned int insns[] = {
		0x02a00513, /* li a0, 42 */
		0x05e00893, /* li a7, 94 (exit_group) */
		0x00000073, /* ecall */
	};
	memcpy(img + code, insns, sizeof insns);
	for (int i = 0; i < n; i++)
		ph(i)->p_type = PT_NULL;
	Elf64_Phdr *p = ph(0);
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_X;
	p->p_offset = 0;
	p->p_vaddr = p->p_paddr = BASE;
	p->p_filesz = p->p_memsz = end;
	p->p_align = 0x1000;
	img_len = end;
}

/* Adds a PT_INTERP (header 1) naming `name` (len bytes, no NUL added) stored at 0x100. */
static void interp(const char *name, size_t len)
{
	Elf64_Phdr *p = ph(1);
	p->p_type = PT_INTERP;
	p->p_flags = PF_R;
	p->p_offset = 0x100;
	p->p_vaddr = p->p_paddr = BASE + 0x100;
	p->p_filesz = p->p_memsz = len;
	p->p_align = 1;
	memcpy(img + 0x100, name, len < 0x100 ? len : 0x100);
}

/* Writes img to path, execs it in a child, returns the outcome as text. */
static const char *outcome(const char *path)
{
	static char out[64];
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, img, img_len) != (ssize_t)img_len) {
		snprintf(out, sizeof out, "setup %s", strerror(errno));
		return out;
	}
	close(fd);
	pid_t c = fork();
	if (c == 0) {
		char *av[] = { (char *)path, NULL }, *ev[] = { NULL };
		execve(path, av, ev);
		_exit(100 + errno);
	}
	int st = mt_reap(c);
	if (st == -1)
		snprintf(out, sizeof out, "wait failed");
	else if (WIFSIGNALED(st))
		snprintf(out, sizeof out, "signal %d", WTERMSIG(st));
	else if (WEXITSTATUS(st) >= 100)
		snprintf(out, sizeof out, "errno %s", strerrorname_np(WEXITSTATUS(st) - 100));
	else
		snprintf(out, sizeof out, "exit %d", WEXITSTATUS(st));
	unlink(path);
	return out;
}

static void expect(const char *name, const char *want)
{
	char path[96];
	snprintf(path, sizeof path, "/tmp/badelf-%s", name);
	const char *got = outcome(path);
	mt_report(strcmp(got, want) == 0, name, "got \"%s\", want \"%s\"", got, want);
}

int main(void)
{
	mt_begin("t_badelf");
	mkdir("/tmp", 01777);

	good(1);
	expect("good", "exit 42");
	good(2);
	expect("good-two-headers", "exit 42");

	/* truncated files */
	good(1); img_len = 0;
	expect("trunc-empty", "errno ENOEXEC");
	good(1); img_len = 4;
	expect("trunc-magic", "errno ENOEXEC");
	good(1); img_len = 64;
	expect("trunc-ehdr", "errno ENOEXEC");
	good(1); img_len = 64 + 20;
	expect("trunc-phdr", "errno ENOEXEC");
	good(1); img_len = 0x100;
	expect("trunc-code", "signal 4");

	/* the ELF header */
	good(1); eh()->e_ident[EI_CLASS] = ELFCLASS32;
	expect("class32", "errno ENOEXEC");
	good(1); eh()->e_machine = EM_X86_64;
	expect("machine", "errno ENOEXEC");
	good(1); eh()->e_type = ET_REL;
	expect("type-rel", "errno ENOEXEC");
	good(1); eh()->e_phentsize = 32;
	expect("phentsize-small", "errno ENOEXEC");
	good(1); eh()->e_phentsize = 64;
	expect("phentsize-big", "errno ENOEXEC");
	good(1); eh()->e_phnum = 0;
	expect("phnum-zero", "errno ENOEXEC");
	good(1); eh()->e_phnum = 0xffff;
	expect("phnum-huge", "errno ENOEXEC");
	good(73); /* load_elf_phdrs: the table at most ELF_MIN_ALIGN (4096) bytes */
	expect("phnum-73", "exit 42");
	good(74);
	expect("phnum-74", "errno ENOEXEC");
	good(1); eh()->e_phoff = 0x100000;
	expect("phoff-past-eof", "errno ENOEXEC");
	good(1); eh()->e_phoff = 0xfffffffffffffff0UL;
	expect("phoff-wrap", "errno ENOEXEC");
	good(1); eh()->e_entry = 0;
	expect("entry-unmapped", "signal 11");
	good(1); eh()->e_entry = 0xffffffff80000000UL;
	expect("entry-kernel", "signal 11");

	/* segments */
	good(1); ph(0)->p_vaddr = 0x3fffffe000UL; eh()->e_entry = 0x3fffffe000UL + CODE_OFF;
	ph(0)->p_memsz = 0x10000;
	expect("seg-crosses-task-size", "signal 11");
	good(1); ph(0)->p_vaddr = 0x8000000000UL; eh()->e_entry = 0x8000000000UL + CODE_OFF;
	expect("seg-past-task-size", "signal 11");
	good(1); ph(0)->p_vaddr = 0xffffffff80000000UL; eh()->e_entry = 0xffffffff80000000UL + CODE_OFF;
	expect("seg-kernel", "signal 11");
	good(1); ph(0)->p_vaddr = 0xfffffffffffff000UL; eh()->e_entry = 0xfffffffffffff000UL + CODE_OFF;
	ph(0)->p_memsz = 0x2000;
	expect("seg-wraps", "signal 11");
	good(1); ph(0)->p_memsz = 0xffffffffffff0000UL;
	expect("memsz-huge", "signal 11");
	good(1); ph(0)->p_memsz = 0x100;
	expect("filesz-over-memsz", "signal 11");
	good(1); ph(0)->p_offset = 0x10;
	expect("offset-misaligned", "signal 11");
	good(1); ph(0)->p_offset = 0x100000000UL;
	expect("offset-past-eof", "signal 7");
	good(1); ph(0)->p_align = 3;
	expect("align-not-pow2", "exit 42");
	good(2); *ph(1) = *ph(0);
	expect("overlap-same", "exit 42");
	good(2); *ph(1) = *ph(0); ph(1)->p_filesz = 0; ph(1)->p_memsz = 0x3000; ph(1)->p_flags = PF_R | PF_W;
	expect("overlap-bss-over-code", "signal 11");
	good(2); *ph(1) = *ph(0); ph(1)->p_vaddr = BASE - 0x1000; ph(1)->p_memsz = 0x2000;
	ph(1)->p_filesz = 0x2000;
	expect("overlap-descending", "signal 7");
	good(1); eh()->e_type = ET_DYN; ph(0)->p_vaddr = 0; eh()->e_entry = CODE_OFF;
	ph(0)->p_memsz = 0x4000000000UL;
	expect("dyn-whole-space", "signal 11");
	good(1); eh()->e_type = ET_DYN; ph(0)->p_vaddr = 0; eh()->e_entry = CODE_OFF;
	expect("dyn-good", "exit 42");

	/* PT_INTERP */
	int nf = open("/tmp/badelf-notelf", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	(void)!write(nf, "just text, no ELF here\n", 23);
	close(nf);
	good(2); interp("/nonexistent/ld.so", 19);
	expect("interp-missing", "errno ENOENT");
	good(2); interp("/tmp/badelf-notelf", 18);
	expect("interp-unterminated", "errno ENOEXEC");
	good(2); interp("/", 1);
	expect("interp-short", "errno ENOEXEC");
	good(2); interp("/tmp/badelf-notelf", 19); ph(1)->p_filesz = 0x10000;
	expect("interp-huge", "errno ENOEXEC");
	good(2); interp("/tmp/badelf-notelf", 19);
	expect("interp-not-elf", "errno EIO") /* 23 bytes: its header cannot be read */;
	good(2); interp("/tmp", 5);
	expect("interp-dir", "errno EACCES");
	good(2); interp("/tmp/badelf-notelf", 19); ph(1)->p_offset = 0x100000;
	expect("interp-past-eof", "errno EIO");
	unlink("/tmp/badelf-notelf");

	/* still alive */
	good(1);
	expect("good-after", "exit 42");
	mt_end();
}
