/* SPDX-License-Identifier: GPL-2.0
 * head.S - the first instructions of MenuOS.  Linux: arch/riscv/kernel/head.S (_start,
 * _start_kernel, relocate_enable_mmu).
 *
 * OpenSBI (fw_jump, QEMU's -bios default) enters here in S-mode, at the physical load address
 * 0x80200000, with the MMU off, a0 = hart id and a1 = the physical address of the DTB: the Linux
 * RISC-V boot protocol (Documentation/riscv/boot.rst).  We switch on Sv39 with early_pg_dir,
 * which maps
 *   - the kernel image at its link address 0xffffffff80000000.. (entry 510),
 *   - the linear map of physical [0, 4 GiB) at PAGE_OFFSET 0xffffffc000000000 (entries 256-259),
 *   - an identity map of [2 GiB, 3 GiB) (entry 2), only to survive the instruction after the
 *     csrw satp; paging_init() drops it,
 * jump to the virtual address, zero .bss, and call start_kernel(hartid, dtb_pa).
 */
.equ PTE_KERN, 0xcf /* V R W X A D */
.equ PTE_G, 0x20

	.section .head.text, "ax"
	.globl _start
_start:
	csrw	sie, zero
	csrw	sip, zero
	/* Mask all interrupts and disable the FPU in kernel mode, as Linux does. */
	li	t0, (1 << 1) | (3 << 13)	/* SR_SIE | SR_FS */
	csrc	sstatus, t0

	/* satp = Sv39 | PPN(early_pg_dir); auipc gives the physical address here. */
	lla	t0, early_pg_dir
	srli	t0, t0, 12
	li	t1, 8 << 60
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/* Absolute (link-time) addresses from here on: the kernel runs at 0xffffffff80200000. */
	lui	t0, %hi(1f)
	addi	t0, t0, %lo(1f)
	jr	t0
1:
	/* Zero .bss (QEMU's ELF loader already did; a raw Image load would not). */
	lui	t0, %hi(__bss_start)
	addi	t0, t0, %lo(__bss_start)
	lui	t1, %hi(__bss_stop)
	addi	t1, t1, %lo(__bss_stop)
2:	bgeu	t0, t1, 3f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	2b
3:
	/* Boot stack: init_stack, the idle task's (pid 0) kernel stack. */
	lui	sp, %hi(init_stack_top)
	addi	sp, sp, %lo(init_stack_top)
	mv	tp, zero
	mv	gp, zero
	mv	s0, zero
	mv	ra, zero
	call	start_kernel
4:	wfi
	j	4b

	/* The early page table: constant entries, no code needed to build it. */
	.section .data.pgd, "aw"
	.balign 4096
	.globl early_pg_dir
early_pg_dir:
	.quad	0
	.quad	0
	.quad	(0x80000000 >> 2) | PTE_KERN		/* [2] identity 2..3 GiB */
	.fill	253, 8, 0
	.quad	(0x00000000 >> 2) | PTE_KERN | PTE_G	/* [256] PAGE_OFFSET + 0 GiB */
	.quad	(0x40000000 >> 2) | PTE_KERN | PTE_G	/* [257] PAGE_OFFSET + 1 GiB */
	.quad	(0x80000000 >> 2) | PTE_KERN | PTE_G	/* [258] PAGE_OFFSET + 2 GiB */
	.quad	(0xc0000000 >> 2) | PTE_KERN | PTE_G	/* [259] PAGE_OFFSET + 3 GiB */
	.fill	250, 8, 0
	.quad	(0x80000000 >> 2) | PTE_KERN | PTE_G	/* [510] kernel image */
	.quad	0

	/* init_stack: THREAD_SIZE (16 KiB), THREAD_ALIGN (32 KiB)-aligned, as Linux's init_stack
	 * with CONFIG_VMAP_STACK: bit THREAD_SHIFT of its addresses is clear (entry.S's overflow
	 * check).  Then overflow_stack, aligned the same way: where handle_kernel_stack_overflow
	 * runs (Linux: the per-CPU overflow_stack of arch/riscv/kernel/traps.c). */
	.section .bss.stack, "aw", @nobits
	.balign 32768
	.globl init_stack
init_stack:
	.space	16384
	.globl init_stack_top
init_stack_top:
	.balign 32768
	.globl overflow_stack
overflow_stack:
	.space	16384
	.globl overflow_stack_top
overflow_stack_top:
