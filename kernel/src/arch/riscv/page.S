/* SPDX-License-Identifier: GPL-2.0
 * copy_page / clear_page: 4 KiB, 64 bytes per iteration.  Linux: arch/riscv/lib/memcpy.S,
 * clear_page() (generic).  The generic memcpy of compiler-builtins costs about four times
 * as many instructions per page; pages are copied on every copy-on-write fault.
 */
	.section .text, "ax"
	.globl __copy_page
__copy_page:			# a0 = dst, a1 = src (both page-aligned)
	li	t6, 4096
	add	t6, t6, a0
1:	ld	t0, 0(a1)
	ld	t1, 8(a1)
	ld	t2, 16(a1)
	ld	t3, 24(a1)
	ld	t4, 32(a1)
	ld	t5, 40(a1)
	ld	a2, 48(a1)
	ld	a3, 56(a1)
	sd	t0, 0(a0)
	sd	t1, 8(a0)
	sd	t2, 16(a0)
	sd	t3, 24(a0)
	sd	t4, 32(a0)
	sd	t5, 40(a0)
	sd	a2, 48(a0)
	sd	a3, 56(a0)
	addi	a0, a0, 64
	addi	a1, a1, 64
	bltu	a0, t6, 1b
	ret

	.globl __clear_page
__clear_page:			# a0 = dst (page-aligned)
	li	t6, 4096
	add	t6, t6, a0
1:	sd	zero, 0(a0)
	sd	zero, 8(a0)
	sd	zero, 16(a0)
	sd	zero, 24(a0)
	sd	zero, 32(a0)
	sd	zero, 40(a0)
	sd	zero, 48(a0)
	sd	zero, 56(a0)
	addi	a0, a0, 64
	bltu	a0, t6, 1b
	ret

/* usize __call_on_stack(usize arg, usize fn, usize stack_top): run fn(arg) on another stack
 * (Linux: call_on_irq_stack()).  For the rare deep callers (gzip inflate of the initramfs). */
	.globl __call_on_stack
__call_on_stack:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	sd	s0, 0(sp)
	mv	s0, sp
	mv	sp, a2
	jalr	a1
	mv	sp, s0
	ld	s0, 0(sp)
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret
