//! reboot(2): power off, halt or restart the machine through the SBI.  Linux: kernel/reboot.c.

use crate::errno::*;
use crate::mm::uaccess::UserPtr;
use linux_raw_sys::general::{
    LINUX_REBOOT_CMD_CAD_OFF, LINUX_REBOOT_CMD_CAD_ON, LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_POWER_OFF,
    LINUX_REBOOT_CMD_RESTART, LINUX_REBOOT_CMD_RESTART2, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
    LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C,
};

/// Linux: C_A_D — what Ctrl-Alt-Del does: 1 reboots at once, 0 sends SIGINT to init
/// (/proc/sys/kernel/ctrl-alt-del; reboot(LINUX_REBOOT_CMD_CAD_ON/OFF) sets it).  This
/// machine has no keyboard to press it on, so only the setting is kept.
pub static C_A_D: [core::sync::atomic::AtomicI32; 1] = [core::sync::atomic::AtomicI32::new(1)];

/// Linux: SYSCALL_DEFINE4(reboot) in kernel/reboot.c
pub fn sys_reboot(magic1: i32, magic2: i32, cmd: u32, arg: UserPtr<u8>) -> KResult<usize> {
    // Linux: "We only trust the superuser with rebooting the system" (CAP_SYS_BOOT), before
    // the magic numbers.
    if !crate::kernel::capability::capable(crate::kernel::capability::CAP_SYS_BOOT) {
        return Err(EPERM);
    }
    if magic1 as u32 != LINUX_REBOOT_MAGIC1
        || ![LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C]
            .contains(&(magic2 as u32))
    {
        return Err(EINVAL);
    }
    match cmd {
        LINUX_REBOOT_CMD_POWER_OFF => {
            crate::pr_notice!("reboot: Power down");
            crate::arch::riscv::sbi::shutdown(None);
        }
        LINUX_REBOOT_CMD_HALT => {
            crate::pr_notice!("reboot: System halted");
            crate::arch::riscv::sbi::shutdown(None);
        }
        LINUX_REBOOT_CMD_RESTART2 => {
            // Linux: the command string (at most 255 bytes) for the firmware: EFAULT if it
            // cannot be read; the SBI's reset takes none, so it is only logged.
            let b = crate::mm::uaccess::strncpy_bytes_from_user(arg.addr(), 255).or_else(|e| {
                if e == E2BIG {
                    crate::mm::uaccess::UserPtr::<[u8; 255]>::new(arg.addr()).read().map(|a| a.to_vec())
                } else {
                    Err(e)
                }
            })?;
            crate::pr_notice!(
                "reboot: Restarting system with command '{}'",
                alloc::string::String::from_utf8_lossy(&b)
            );
            sbi_rt::system_reset(sbi_rt::ColdReboot, sbi_rt::NoReason);
            crate::arch::riscv::sbi::shutdown(None);
        }
        LINUX_REBOOT_CMD_RESTART => {
            crate::pr_notice!("reboot: Restarting system");
            sbi_rt::system_reset(sbi_rt::ColdReboot, sbi_rt::NoReason);
            crate::arch::riscv::sbi::shutdown(None);
        }
        LINUX_REBOOT_CMD_CAD_ON | LINUX_REBOOT_CMD_CAD_OFF => {
            C_A_D[0].store((cmd == LINUX_REBOOT_CMD_CAD_ON) as i32, core::sync::atomic::Ordering::Relaxed);
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}
