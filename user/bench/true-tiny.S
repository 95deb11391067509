/* true-tiny - the smallest static `true`: no libc, _start calls exit(0) with ecall.
 * Built with -nostdlib -static -s (tools/build-bench.sh): a ~700-byte ELF, the same kind of
 * program as the 728-byte one of /work/shared/linux-reference.md. */
	.text
	.globl _start
_start:
	li	a0, 0
	li	a7, 93		/* __NR_exit */
	ecall
1:	j	1b
