/* true-tiny - the smallest static `true`: no libc, _start does exit(0) with an ecall.
 * Built by tools/build-bench.sh with -nostdlib -static -O2 -s -Wl,--build-id=none: a 728-byte ELF
 * with one LOAD segment and a PT_GNU_STACK (non-executable stack), the program of
 * /work/shared/linux-reference.md's "fork + execve (728-byte static true)".  (An assembler-only
 * .S version has no PT_GNU_STACK: Linux then runs it with READ_IMPLIES_EXEC and its
 * fork + execve costs about 10,000 instructions more.) */
void _start(void)
{
	register long a0 __asm__("a0") = 0;  /* status */
	register long a7 __asm__("a7") = 93; /* __NR_exit */
	__asm__ volatile("ecall" : : "r"(a0), "r"(a7));
	for (;;)
		;
}
