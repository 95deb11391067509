/* SPDX-License-Identifier: GPL-2.0
 * uaccess.S - copies between kernel and user memory that turn a bad user pointer into an
 * error instead of a kernel fault.  Linux: arch/riscv/lib/uaccess.S.
 *
 * Every instruction that touches user memory has an __ex_table entry (insn, fixup).  When it
 * faults and do_page_fault() cannot map the page, the trap handler finds the entry and resumes
 * at the fixup, which returns the number of bytes NOT copied (non-zero = EFAULT).
 * SUM (sstatus bit 18) is set only for the duration of the copy.
 */
	.macro EX insn, fixup
99:	\insn
	.pushsection __ex_table, "a"
	.balign 8
	.dword 99b, \fixup
	.popsection
	.endm

	.section .text, "ax"
/* unsigned long __asm_copy_user(void *dst, const void *src, unsigned long n)
 * Used for both directions (to_user and from_user): both pointers may fault. */
	.globl __asm_copy_to_user
	.globl __asm_copy_from_user
__asm_copy_to_user:
__asm_copy_from_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	mv	t5, a2	# bytes left, for the fixup
	beqz	a2, 3f
	/* Word loop when both pointers are 8-byte aligned. */
	or	t0, a0, a1
	andi	t0, t0, 7
	bnez	t0, 2f
1:	li	t1, 8
	bltu	t5, t1, 2f
	EX	"ld t2, 0(a1)", 10f
	EX	"sd t2, 0(a0)", 10f
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	t5, t5, -8
	j	1b
2:	beqz	t5, 3f
	EX	"lb t2, 0(a1)", 10f
	EX	"sb t2, 0(a0)", 10f
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	t5, t5, -1
	j	2b
3:	csrc	sstatus, t6
	li	a0, 0
	ret
10:	csrc	sstatus, t6
	mv	a0, t5
	ret

/* unsigned long __clear_user(void *dst, unsigned long n): bytes not cleared */
	.globl __clear_user
__clear_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	mv	t5, a1
1:	beqz	t5, 2f
	EX	"sb zero, 0(a0)", 10f
	addi	a0, a0, 1
	addi	t5, t5, -1
	j	1b
2:	csrc	sstatus, t6
	li	a0, 0
	ret
10:	csrc	sstatus, t6
	mv	a0, t5
	ret

/* long __strncpy_from_user(char *dst, const char *src, long n):
 * length of the string copied (without its NUL; n if no NUL in the first n bytes), or -1 on a fault. */
	.globl __strncpy_from_user
__strncpy_from_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	li	t5, 0
1:	beq	t5, a2, 2f
	add	t0, a1, t5
	EX	"lb t1, 0(t0)", 10f
	add	t2, a0, t5
	sb	t1, 0(t2)
	beqz	t1, 2f
	addi	t5, t5, 1
	j	1b
2:	csrc	sstatus, t6
	mv	a0, t5
	ret
10:	csrc	sstatus, t6
	li	a0, -1
	ret

/* The futex word operations.  Linux: arch/riscv/include/asm/futex.h
 * (futex_atomic_cmpxchg_inatomic, arch_futex_atomic_op_inuser): lr/sc and AMOs on the user
 * word, each faulting instruction with its fixup.  The futex code calls them with page faults
 * disabled (mm/uaccess.rs pagefault_disable) under a hash-bucket lock, so a fault returns
 * -EFAULT at once and the caller faults the page in after unlocking.  The caller has checked
 * that uaddr is a 4-byte-aligned user address.
 *
 * long __futex_cmpxchg_user(u32 *uaddr, u32 oldval, u32 newval, u32 *curval):
 *   *curval = the word before; it became newval iff it was oldval.  0, or -EFAULT. */
	.globl __futex_cmpxchg_user
__futex_cmpxchg_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
1:	EX	"lr.w.aqrl t0, (a0)", 10f
	bne	t0, a1, 2f
	EX	"sc.w.aqrl t1, a2, (a0)", 10f
	bnez	t1, 1b
2:	csrc	sstatus, t6
	sw	t0, 0(a3)
	li	a0, 0
	ret
10:	csrc	sstatus, t6
	li	a0, -14
	ret

/* long __futex_atomic_op_user(u32 op, u32 *uaddr, u32 oparg, u32 *oldval):
 * FUTEX_OP_SET (0), ADD (1), OR (2), ANDN (3), XOR (4) on the word (the caller rejects
 * other ops); *oldval = the word before.  0, or -EFAULT. */
	.globl __futex_atomic_op_user
__futex_atomic_op_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	beqz	a0, 1f
	li	t1, 1
	beq	a0, t1, 2f
	li	t1, 2
	beq	a0, t1, 3f
	li	t1, 3
	beq	a0, t1, 4f
	EX	"amoxor.w.aqrl t0, a2, (a1)", 10f
	j	8f
1:	EX	"amoswap.w.aqrl t0, a2, (a1)", 10f
	j	8f
2:	EX	"amoadd.w.aqrl t0, a2, (a1)", 10f
	j	8f
3:	EX	"amoor.w.aqrl t0, a2, (a1)", 10f
	j	8f
4:	not	a2, a2
	EX	"amoand.w.aqrl t0, a2, (a1)", 10f
8:	csrc	sstatus, t6
	sw	t0, 0(a3)
	li	a0, 0
	ret
10:	csrc	sstatus, t6
	li	a0, -14
	ret
