/* SPDX-License-Identifier: GPL-2.0
 * entry.S - trap entry and exit, ret_from_fork, __switch_to.
 * Linux: arch/riscv/kernel/entry.S (handle_exception, ret_from_exception, ret_from_fork,
 * __switch_to).
 *
 * Conventions, as in Linux: in the kernel tp holds `current` (the task_struct, whose first
 * member is struct thread_info) and sscratch is 0; in user mode sscratch holds the task
 * pointer.  A trap from user mode swaps them, saves the user sp in thread_info.user_sp and
 * switches to thread_info.kernel_sp, the top of the task's kernel stack, where struct pt_regs
 * is built.  Offsets (TI_*, PT_*, TASK_THREAD, THREAD_*) come from Rust (asm-offsets).
 */
/* The general registers but sp, tp and x0 into the pt_regs at sp (Linux: the SAVE_ALL part
 * of handle_exception): the trap entry and the stack-overflow path build the same frame. */
	.macro SAVE_GPRS
	sd	x1,  {PT_RA}(sp)
	sd	x3,  {PT_GP}(sp)
	sd	x5,  {PT_T0}(sp)
	sd	x6,  {PT_T1}(sp)
	sd	x7,  {PT_T2}(sp)
	sd	x8,  {PT_S0}(sp)
	sd	x9,  {PT_S1}(sp)
	sd	x10, {PT_A0}(sp)
	sd	x11, {PT_A1}(sp)
	sd	x12, {PT_A2}(sp)
	sd	x13, {PT_A3}(sp)
	sd	x14, {PT_A4}(sp)
	sd	x15, {PT_A5}(sp)
	sd	x16, {PT_A6}(sp)
	sd	x17, {PT_A7}(sp)
	sd	x18, {PT_S2}(sp)
	sd	x19, {PT_S3}(sp)
	sd	x20, {PT_S4}(sp)
	sd	x21, {PT_S5}(sp)
	sd	x22, {PT_S6}(sp)
	sd	x23, {PT_S7}(sp)
	sd	x24, {PT_S8}(sp)
	sd	x25, {PT_S9}(sp)
	sd	x26, {PT_S10}(sp)
	sd	x27, {PT_S11}(sp)
	sd	x28, {PT_T3}(sp)
	sd	x29, {PT_T4}(sp)
	sd	x30, {PT_T5}(sp)
	sd	x31, {PT_T6}(sp)
	.endm

	.section .text.entry, "ax"
	.balign 4
	.globl handle_exception
handle_exception:
	csrrw	tp, sscratch, tp
	bnez	tp, _save_context
_restore_kernel_tpsp:
	/* From the kernel: sscratch was 0, so tp is 0 now and sscratch holds the kernel tp. */
	csrr	tp, sscratch
	sd	sp, {TI_KERNEL_SP}(tp)
	/* Linux (CONFIG_VMAP_STACK): would pt_regs fit on this stack?  Stacks are THREAD_ALIGN-
	 * aligned, so bit THREAD_SHIFT of an address is clear inside a stack and set in the
	 * unmapped THREAD_SIZE below it: a fault on the guard (or no room left for pt_regs)
	 * goes to the overflow stack instead of faulting again for ever. */
	addi	sp, sp, -{PT_SIZE}
	srli	sp, sp, {THREAD_SHIFT}
	andi	sp, sp, 1
	bnez	sp, handle_kernel_stack_overflow
	ld	sp, {TI_KERNEL_SP}(tp)
_save_context:
	sd	sp, {TI_USER_SP}(tp)
	ld	sp, {TI_KERNEL_SP}(tp)
	addi	sp, sp, -{PT_SIZE}
	SAVE_GPRS

	/* Disable user-memory access (SUM) and the FPU while in the kernel, as Linux does. */
	li	t0, (1 << 18) | (3 << 13)
	ld	s0, {TI_USER_SP}(tp)
	csrrc	s1, sstatus, t0
	csrr	s2, sepc
	csrr	s3, stval
	csrr	s4, scause
	csrr	s5, sscratch
	sd	s0, {PT_SP}(sp)
	sd	s1, {PT_STATUS}(sp)
	sd	s2, {PT_EPC}(sp)
	sd	s3, {PT_BADADDR}(sp)
	sd	s4, {PT_CAUSE}(sp)
	sd	s5, {PT_TP}(sp)
	/* A nested trap from the kernel must see sscratch = 0. */
	csrw	sscratch, zero

	/* Frame pointer chain for backtraces: pretend the trapped pc called us. */
	mv	s0, sp
	mv	a0, sp
	call	do_trap
	/* fall through */

	.globl ret_from_exception
ret_from_exception:
	/* Interrupts stay off from here to sret (they are off in the whole kernel but idle). */
	csrci	sstatus, 2
	ld	s0, {PT_STATUS}(sp)
	andi	s0, s0, (1 << 8)	# SR_SPP: trapped from the kernel?
	bnez	s0, restore_all
resume_userspace:
	/* Back to user mode: the kernel stack is empty again, remember its top. */
	addi	s0, sp, {PT_SIZE}
	sd	s0, {TI_KERNEL_SP}(tp)
	csrw	sscratch, tp
restore_all:
	ld	a0, {PT_STATUS}(sp)
	ld	a2, {PT_EPC}(sp)
	csrw	sstatus, a0
	csrw	sepc, a2
	ld	x1,  {PT_RA}(sp)
	ld	x3,  {PT_GP}(sp)
	ld	x4,  {PT_TP}(sp)
	ld	x5,  {PT_T0}(sp)
	ld	x6,  {PT_T1}(sp)
	ld	x7,  {PT_T2}(sp)
	ld	x8,  {PT_S0}(sp)
	ld	x9,  {PT_S1}(sp)
	ld	x10, {PT_A0}(sp)
	ld	x11, {PT_A1}(sp)
	ld	x12, {PT_A2}(sp)
	ld	x13, {PT_A3}(sp)
	ld	x14, {PT_A4}(sp)
	ld	x15, {PT_A5}(sp)
	ld	x16, {PT_A6}(sp)
	ld	x17, {PT_A7}(sp)
	ld	x18, {PT_S2}(sp)
	ld	x19, {PT_S3}(sp)
	ld	x20, {PT_S4}(sp)
	ld	x21, {PT_S5}(sp)
	ld	x22, {PT_S6}(sp)
	ld	x23, {PT_S7}(sp)
	ld	x24, {PT_S8}(sp)
	ld	x25, {PT_S9}(sp)
	ld	x26, {PT_S10}(sp)
	ld	x27, {PT_S11}(sp)
	ld	x28, {PT_T3}(sp)
	ld	x29, {PT_T4}(sp)
	ld	x30, {PT_T5}(sp)
	ld	x31, {PT_T6}(sp)
	ld	x2,  {PT_SP}(sp)
	sret

/*
 * handle_kernel_stack_overflow: a trap from the kernel whose stack has no room for pt_regs
 * (entry above).  Linux: arch/riscv/kernel/entry.S, the same name.  The registers go into a
 * pt_regs at the top of overflow_stack (head.S), the trapped sp from thread_info.kernel_sp,
 * and handle_bad_stack (traps.rs) prints the oops naming the task and panics: it never returns.
 */
handle_kernel_stack_overflow:
	la	sp, overflow_stack_top
	addi	sp, sp, -{PT_SIZE}
	SAVE_GPRS
	ld	s0, {TI_KERNEL_SP}(tp)
	csrr	s1, sstatus
	csrr	s2, sepc
	csrr	s3, stval
	csrr	s4, scause
	csrr	s5, sscratch
	sd	s0, {PT_SP}(sp)
	sd	s1, {PT_STATUS}(sp)
	sd	s2, {PT_EPC}(sp)
	sd	s3, {PT_BADADDR}(sp)
	sd	s4, {PT_CAUSE}(sp)
	sd	s5, {PT_TP}(sp)
	csrw	sscratch, zero
	mv	s0, zero
	mv	a0, sp
	call	handle_bad_stack
1:	wfi
	j	1b

/*
 * ret_from_fork: where every new task runs first.  copy_thread() set thread.ra to this
 * address and thread.sp to the child's pt_regs, so the first __switch_to to the child
 * "returns" here with sp = its pt_regs.  a0 = the previous task (from __switch_to).
 * Kernel threads have s0 = fn, s1 = arg (Linux 6.3+ folds ret_from_kernel_thread in here too);
 * a kernel thread that returns (kernel_init after kernel_execve) goes on to user mode.
 */
	.globl ret_from_fork
ret_from_fork:
	call	schedule_tail
	beqz	s0, 1f
	mv	a0, s1
	jalr	s0
1:
	mv	a0, sp
	call	ret_from_fork_user
	j	ret_from_exception

/*
 * __switch_to(prev, next): save prev's callee-saved registers into prev->thread, load next's,
 * make next current (tp), and return on next's stack.  Returns prev in a0, as Linux's does.
 */
	.globl __switch_to
__switch_to:
	li	a4, {TASK_THREAD}
	add	a3, a0, a4
	add	a4, a1, a4
	sd	ra,  {THREAD_RA}(a3)
	sd	sp,  {THREAD_SP}(a3)
	sd	s0,  {THREAD_S0}(a3)
	sd	s1,  {THREAD_S0}+8(a3)
	sd	s2,  {THREAD_S0}+16(a3)
	sd	s3,  {THREAD_S0}+24(a3)
	sd	s4,  {THREAD_S0}+32(a3)
	sd	s5,  {THREAD_S0}+40(a3)
	sd	s6,  {THREAD_S0}+48(a3)
	sd	s7,  {THREAD_S0}+56(a3)
	sd	s8,  {THREAD_S0}+64(a3)
	sd	s9,  {THREAD_S0}+72(a3)
	sd	s10, {THREAD_S0}+80(a3)
	sd	s11, {THREAD_S0}+88(a3)
	ld	ra,  {THREAD_RA}(a4)
	ld	sp,  {THREAD_SP}(a4)
	ld	s0,  {THREAD_S0}(a4)
	ld	s1,  {THREAD_S0}+8(a4)
	ld	s2,  {THREAD_S0}+16(a4)
	ld	s3,  {THREAD_S0}+24(a4)
	ld	s4,  {THREAD_S0}+32(a4)
	ld	s5,  {THREAD_S0}+40(a4)
	ld	s6,  {THREAD_S0}+48(a4)
	ld	s7,  {THREAD_S0}+56(a4)
	ld	s8,  {THREAD_S0}+64(a4)
	ld	s9,  {THREAD_S0}+72(a4)
	ld	s10, {THREAD_S0}+80(a4)
	ld	s11, {THREAD_S0}+88(a4)
	mv	tp, a1
	ret

/* __fstate_save(fp) / __fstate_restore(fp): f0-f31 and fcsr.  Linux: arch/riscv/kernel/fpu.S */
	.globl __fstate_save
__fstate_save:
	li	a2, (3 << 13)
	csrs	sstatus, a2
	frcsr	t0
	fsd	f0, 0(a0);   fsd f1, 8(a0);   fsd f2, 16(a0);  fsd f3, 24(a0)
	fsd	f4, 32(a0);  fsd f5, 40(a0);  fsd f6, 48(a0);  fsd f7, 56(a0)
	fsd	f8, 64(a0);  fsd f9, 72(a0);  fsd f10, 80(a0); fsd f11, 88(a0)
	fsd	f12, 96(a0); fsd f13, 104(a0); fsd f14, 112(a0); fsd f15, 120(a0)
	fsd	f16, 128(a0); fsd f17, 136(a0); fsd f18, 144(a0); fsd f19, 152(a0)
	fsd	f20, 160(a0); fsd f21, 168(a0); fsd f22, 176(a0); fsd f23, 184(a0)
	fsd	f24, 192(a0); fsd f25, 200(a0); fsd f26, 208(a0); fsd f27, 216(a0)
	fsd	f28, 224(a0); fsd f29, 232(a0); fsd f30, 240(a0); fsd f31, 248(a0)
	sw	t0, 256(a0)
	csrc	sstatus, a2
	ret

	.globl __fstate_restore
__fstate_restore:
	li	a2, (3 << 13)
	csrs	sstatus, a2
	lw	t0, 256(a0)
	fld	f0, 0(a0);   fld f1, 8(a0);   fld f2, 16(a0);  fld f3, 24(a0)
	fld	f4, 32(a0);  fld f5, 40(a0);  fld f6, 48(a0);  fld f7, 56(a0)
	fld	f8, 64(a0);  fld f9, 72(a0);  fld f10, 80(a0); fld f11, 88(a0)
	fld	f12, 96(a0); fld f13, 104(a0); fld f14, 112(a0); fld f15, 120(a0)
	fld	f16, 128(a0); fld f17, 136(a0); fld f18, 144(a0); fld f19, 152(a0)
	fld	f20, 160(a0); fld f21, 168(a0); fld f22, 176(a0); fld f23, 184(a0)
	fld	f24, 192(a0); fld f25, 200(a0); fld f26, 208(a0); fld f27, 216(a0)
	fld	f28, 224(a0); fld f29, 232(a0); fld f30, 240(a0); fld f31, 248(a0)
	fscsr	t0
	csrc	sstatus, a2
	ret
