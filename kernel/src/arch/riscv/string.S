/* SPDX-License-Identifier: GPL-2.0
 * memcpy, memmove, memset: the kernel's own, as Linux has in arch/riscv/lib/memcpy.S,
 * memmove.S and memset.S.  They replace compiler-builtins' generic weak definitions (a
 * strong symbol wins at link time): those move one word per five instructions and take a
 * shifting loop with stack traffic when source and destination are not co-aligned.  Here:
 * 64 bytes per loop iteration when co-aligned, one word per nine instructions when not
 * (aligned loads combined with shifts, as Linux 6.2's lib/string copy_misaligned does; no
 * misaligned access, which real harts trap to M-mode), bytes only for the ends and for
 * short lengths.  Every load of the misaligned loop is an aligned word holding at least
 * one source byte, so it never touches a page the source does not.
 *
 * tools/string_test.c runs all three against a byte-wise model under qemu-riscv64 for
 * every length 0..300 and every alignment of source and destination (make test).
 */
	.section .text, "ax"

/* void *memcpy(void *dst a0, const void *src a1, size_t n a2): returns dst. */
	.globl memcpy
	.type memcpy, @function
memcpy:
	mv	t6, a0
	li	t0, 16
	bltu	a2, t0, .Lcpy_bytes
	xor	t0, a0, a1
	andi	t0, t0, 7
	bnez	t0, .Lcpy_misaligned
	/* co-aligned: bytes up to the first word boundary of dst (and so of src) */
	andi	t0, a0, 7
	beqz	t0, .Lcpy_aligned
	addi	t0, t0, -8
	add	a2, a2, t0
1:	lbu	t1, 0(a1)
	sb	t1, 0(t6)
	addi	a1, a1, 1
	addi	t6, t6, 1
	addi	t0, t0, 1
	bnez	t0, 1b
.Lcpy_aligned:
	andi	t0, a2, -64
	beqz	t0, .Lcpy_words
	add	t0, t0, t6
2:	ld	a3, 0(a1)
	ld	a4, 8(a1)
	ld	a5, 16(a1)
	ld	a6, 24(a1)
	ld	a7, 32(a1)
	ld	t1, 40(a1)
	ld	t2, 48(a1)
	ld	t3, 56(a1)
	sd	a3, 0(t6)
	sd	a4, 8(t6)
	sd	a5, 16(t6)
	sd	a6, 24(t6)
	sd	a7, 32(t6)
	sd	t1, 40(t6)
	sd	t2, 48(t6)
	sd	t3, 56(t6)
	addi	a1, a1, 64
	addi	t6, t6, 64
	bltu	t6, t0, 2b
	andi	a2, a2, 63
.Lcpy_words:
	andi	t0, a2, -8
	beqz	t0, .Lcpy_bytes
	add	t0, t0, t6
3:	ld	t1, 0(a1)
	sd	t1, 0(t6)
	addi	a1, a1, 8
	addi	t6, t6, 8
	bltu	t6, t0, 3b
	andi	a2, a2, 7
.Lcpy_bytes:
	beqz	a2, .Lcpy_done
	add	t0, t6, a2
4:	lbu	t1, 0(a1)
	sb	t1, 0(t6)
	addi	a1, a1, 1
	addi	t6, t6, 1
	bltu	t6, t0, 4b
.Lcpy_done:
	ret
.Lcpy_misaligned:
	/* n >= 16: align dst with bytes (at most 7), leaving n >= 9 */
	andi	t0, a0, 7
	beqz	t0, 6f
	addi	t0, t0, -8
	add	a2, a2, t0
5:	lbu	t1, 0(a1)
	sb	t1, 0(t6)
	addi	a1, a1, 1
	addi	t6, t6, 1
	addi	t0, t0, 1
	bnez	t0, 5b
6:	/* dst aligned, src = a4 + k with a4 aligned and 0 < k < 8: each dst word is the
	 * high bytes of one source word and the low bytes of the next (little-endian). */
	andi	t3, a1, 7
	slli	t3, t3, 3		# right shift 8k
	neg	t4, t3		# left shift 64 - 8k (mod 64)
	andi	a4, a1, -8
	ld	a5, 0(a4)
	andi	t0, a2, -8
	add	t0, t0, t6
7:	ld	a6, 8(a4)
	srl	a7, a5, t3
	sll	t1, a6, t4
	or	a7, a7, t1
	sd	a7, 0(t6)
	mv	a5, a6
	addi	a4, a4, 8
	addi	t6, t6, 8
	bltu	t6, t0, 7b
	andi	a1, a1, 7
	add	a1, a1, a4
	andi	a2, a2, 7
	j	.Lcpy_bytes
	.size memcpy, . - memcpy

/* void *memmove(void *dst a0, const void *src a1, size_t n a2): returns dst.  A forward
 * copy is memcpy's (each loop reads a source word before it writes below it); a copy to a
 * higher, overlapping address runs backwards, by words when co-aligned. */
	.globl memmove
	.type memmove, @function
memmove:
	bgeu	a1, a0, memcpy		# dst <= src: forward is safe
	add	t0, a1, a2
	bgeu	a0, t0, memcpy		# dst past the source's end: no overlap
	add	t5, a1, a2		# src end
	add	t6, a0, a2		# dst end
	xor	t0, a0, a1
	andi	t0, t0, 7
	bnez	t0, .Lmov_bytes
	li	t0, 16
	bltu	a2, t0, .Lmov_bytes
	/* co-aligned, backwards: bytes down to a word boundary of the dst end */
	andi	t0, t6, 7
	sub	a2, a2, t0
	beqz	t0, 2f
1:	addi	t5, t5, -1
	addi	t6, t6, -1
	lbu	t1, 0(t5)
	sb	t1, 0(t6)
	addi	t0, t0, -1
	bnez	t0, 1b
2:	andi	t0, a2, -8
	sub	t0, t6, t0		# the lowest word stored
	beq	t0, t6, 4f
3:	addi	t5, t5, -8
	addi	t6, t6, -8
	ld	t1, 0(t5)
	sd	t1, 0(t6)
	bltu	t0, t6, 3b
4:	andi	a2, a2, 7
.Lmov_bytes:
	beqz	a2, .Lmov_done
	sub	t0, t6, a2
5:	addi	t5, t5, -1
	addi	t6, t6, -1
	lbu	t1, 0(t5)
	sb	t1, 0(t6)
	bltu	t0, t6, 5b
.Lmov_done:
	ret
	.size memmove, . - memmove

/* void *memset(void *dst a0, int c a1, size_t n a2): returns dst. */
	.globl memset
	.type memset, @function
memset:
	mv	t6, a0
	li	t0, 16
	bltu	a2, t0, .Lset_bytes
	andi	a1, a1, 0xff		# the byte in every lane
	slli	t1, a1, 8
	or	a1, a1, t1
	slli	t1, a1, 16
	or	a1, a1, t1
	slli	t1, a1, 32
	or	a1, a1, t1
	andi	t0, a0, 7
	beqz	t0, 2f
	addi	t0, t0, -8
	add	a2, a2, t0
1:	sb	a1, 0(t6)
	addi	t6, t6, 1
	addi	t0, t0, 1
	bnez	t0, 1b
2:	andi	t0, a2, -64
	beqz	t0, 4f
	add	t0, t0, t6
3:	sd	a1, 0(t6)
	sd	a1, 8(t6)
	sd	a1, 16(t6)
	sd	a1, 24(t6)
	sd	a1, 32(t6)
	sd	a1, 40(t6)
	sd	a1, 48(t6)
	sd	a1, 56(t6)
	addi	t6, t6, 64
	bltu	t6, t0, 3b
	andi	a2, a2, 63
4:	andi	t0, a2, -8
	beqz	t0, .Lset_bytes
	add	t0, t0, t6
5:	sd	a1, 0(t6)
	addi	t6, t6, 8
	bltu	t6, t0, 5b
	andi	a2, a2, 7
.Lset_bytes:
	beqz	a2, .Lset_done
	add	t0, t6, a2
6:	sb	a1, 0(t6)
	addi	t6, t6, 1
	bltu	t6, t0, 6b
.Lset_done:
	ret
	.size memset, . - memset
