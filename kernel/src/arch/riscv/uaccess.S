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
 * Used for both directions (to_user and from_user): both pointers may fault.
 * Co-aligned pointers go by words once aligned, and by 64-byte blocks (eight loads, then
 * eight stores) once dst is 64-byte aligned: a block then lies within one page on both
 * sides, so a fault in it comes before any of its stores and t5, counted down only after a
 * block's stores, stays exact (Linux's rule: the bytes past dst + n - returned are left
 * unmodified).  Pointers that are not co-aligned go by bytes. */
	.globl __asm_copy_to_user
	.globl __asm_copy_from_user
__asm_copy_to_user:
__asm_copy_from_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	mv	t5, a2	# bytes left, for the fixup
	beqz	a2, 3f
	or	t0, a0, a1
	andi	t0, t0, 7
	beqz	t0, 5f		# both aligned: the common case
	xor	t0, a0, a1
	andi	t0, t0, 7
	bnez	t0, 2f
	/* co-aligned: bytes up to a word boundary */
4:	andi	t0, a0, 7
	beqz	t0, 5f
	beqz	t5, 3f
	EX	"lb t2, 0(a1)", 10f
	EX	"sb t2, 0(a0)", 10f
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	t5, t5, -1
	j	4b
	/* short copies (most: structs) by words; long ones by words up to a 64-byte
	 * boundary of dst (t5 stays >= 64), then by blocks */
5:	li	t1, 128
	bltu	t5, t1, 1f
7:	andi	t0, a0, 63
	beqz	t0, 6f
	EX	"ld t2, 0(a1)", 10f
	EX	"sd t2, 0(a0)", 10f
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	t5, t5, -8
	j	7b
6:	li	t1, 64
	bltu	t5, t1, 1f
	EX	"ld a2, 0(a1)", 10f
	EX	"ld a3, 8(a1)", 10f
	EX	"ld a4, 16(a1)", 10f
	EX	"ld a5, 24(a1)", 10f
	EX	"ld a6, 32(a1)", 10f
	EX	"ld a7, 40(a1)", 10f
	EX	"ld t2, 48(a1)", 10f
	EX	"ld t3, 56(a1)", 10f
	EX	"sd a2, 0(a0)", 10f
	EX	"sd a3, 8(a0)", 10f
	EX	"sd a4, 16(a0)", 10f
	EX	"sd a5, 24(a0)", 10f
	EX	"sd a6, 32(a0)", 10f
	EX	"sd a7, 40(a0)", 10f
	EX	"sd t2, 48(a0)", 10f
	EX	"sd t3, 56(a0)", 10f
	addi	a0, a0, 64
	addi	a1, a1, 64
	addi	t5, t5, -64
	j	6b
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
 * length of the string copied (without its NUL; n if no NUL in the first n bytes), or -1 on a fault.
 * Word at a time once src is aligned, as Linux's do_strncpy_from_user(): an aligned word
 * with no zero byte ((w - 0x01..01) & ~w & 0x80..80 == 0) is stored whole; the word with the
 * NUL, and the last n % 8 bytes, go by bytes.  An aligned load never reaches past the page
 * of the string's next byte. */
	.globl __strncpy_from_user
__strncpy_from_user:
	li	t6, (1 << 18)
	csrs	sstatus, t6
	li	t5, 0
	/* bytes until src is aligned */
1:	beq	t5, a2, 2f
	add	t0, a1, t5
	andi	t1, t0, 7
	beqz	t1, 4f
	EX	"lb t1, 0(t0)", 10f
	add	t2, a0, t5
	sb	t1, 0(t2)
	beqz	t1, 2f
	addi	t5, t5, 1
	j	1b
4:	li	t3, 0x0101010101010101
	slli	t4, t3, 7
5:	sub	t0, a2, t5
	li	t1, 8
	bltu	t0, t1, 6f
	add	t0, a1, t5
	EX	"ld t1, 0(t0)", 10f
	sub	t2, t1, t3
	not	t0, t1
	and	t2, t2, t0
	and	t2, t2, t4
	bnez	t2, 6f
	add	t0, a0, t5
	andi	t2, t0, 7
	bnez	t2, 7f
	sd	t1, 0(t0)
	addi	t5, t5, 8
	j	5b
7:	sb	t1, 0(t0)
	srli	t1, t1, 8
	sb	t1, 1(t0)
	srli	t1, t1, 8
	sb	t1, 2(t0)
	srli	t1, t1, 8
	sb	t1, 3(t0)
	srli	t1, t1, 8
	sb	t1, 4(t0)
	srli	t1, t1, 8
	sb	t1, 5(t0)
	srli	t1, t1, 8
	sb	t1, 6(t0)
	srli	t1, t1, 8
	sb	t1, 7(t0)
	addi	t5, t5, 8
	j	5b
	/* the word with the NUL, or the last bytes before n */
6:	beq	t5, a2, 2f
	add	t0, a1, t5
	EX	"lb t1, 0(t0)", 10f
	add	t2, a0, t5
	sb	t1, 0(t2)
	beqz	t1, 2f
	addi	t5, t5, 1
	j	6b
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
