//! memfd_create and the seals of a tmpfs file.  Linux: mm/memfd.c (SYSCALL_DEFINE2(memfd_create),
//! memfd_add_seals, memfd_get_seals, memfd_fcntl), mm/shmem.c (shmem_file_setup).
//!
//! A memfd is a regular file of the kernel's internal tmpfs (shm_mnt: no size limit), with no
//! name in any directory (nlink 0): its pages live until the last fd and mapping go.  The
//! seals are kept with the pages (mm/shmem.rs), which check them on write, truncate, fallocate
//! and mmap.

use super::shmem::{ShmObject, F_ALL_SEALS};
use crate::errno::*;
use crate::fs::file::fd_install;
use crate::fs::file_table::File;
use crate::fs::inode::Inode;
use crate::fs::ramfs::file_mmu::RegOps;
use crate::mm::uaccess::UserCStr;
use alloc::string::String;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    F_ADD_SEALS, F_GET_SEALS, MFD_ALLOW_SEALING, MFD_CLOEXEC, MFD_HUGETLB, MFD_HUGE_MASK, MFD_HUGE_SHIFT, O_LARGEFILE,
    O_RDWR, S_IRWXG, S_IRWXO, S_IRWXU,
};

/// Linux: MFD_ALL_FLAGS (6.1: no MFD_NOEXEC_SEAL or MFD_EXEC yet).
const MFD_ALL_FLAGS: u32 = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB;
/// Linux: MFD_NAME_MAX_LEN: NAME_MAX less "memfd:".
const MFD_NAME_MAX_LEN: usize = 255 - 6;

/// Linux: SYSCALL_DEFINE2(memfd_create): EINVAL for unknown flags (huge-page sizes only with
/// MFD_HUGETLB) or a name longer than 249 bytes, EFAULT for a bad name, ENOSYS for
/// MFD_HUGETLB (no hugetlbfs: CONFIG_HUGETLBFS is off, as on the reference kernel).  The file
/// is open O_RDWR; without MFD_ALLOW_SEALING it carries F_SEAL_SEAL, so no seal can be added.
pub fn sys_memfd_create(uname: UserCStr, flags: u32) -> KResult<usize> {
    let allowed =
        if flags & MFD_HUGETLB == 0 { MFD_ALL_FLAGS } else { MFD_ALL_FLAGS | (MFD_HUGE_MASK << MFD_HUGE_SHIFT) };
    if flags & !allowed != 0 {
        return Err(EINVAL);
    }
    let name = uname.read_bytes(MFD_NAME_MAX_LEN + 1).map_err(|e| if e == E2BIG { EINVAL } else { e })?;
    if flags & MFD_HUGETLB != 0 {
        return Err(ENOSYS);
    }
    let sealable = flags & MFD_ALLOW_SEALING != 0;
    // Linux: shmem_file_setup() -> shmem_get_inode(): ENOMEM.
    let pages = ShmObject::try_file(sealable, None)?;
    let ino = Inode::try_new_reg(Some(crate::fs::super_block::shm_sb()), S_IRWXU | S_IRWXG | S_IRWXO, pages)?;
    // Linux: shmem_file_setup(): "It is unlinked".
    ino.nlink.store(0, Ordering::Relaxed);
    ino.get_write_access()?;
    let mut path = String::from("/memfd:");
    path.push_str(&String::from_utf8_lossy(&name));
    // Linux: alloc_file_pseudo(): ENOMEM.
    let f = File::try_new(crate::mm::slab::try_arc(RegOps)?, Some(ino), O_RDWR | O_LARGEFILE, path)?;
    f.write_access.store(true, Ordering::Relaxed);
    fd_install(f, flags & MFD_CLOEXEC != 0)
}

/// Linux: memfd_fcntl(): F_ADD_SEALS (EINVAL past 32 bits or for unknown seals, EPERM unless
/// open for writing or once F_SEAL_SEAL is set, EBUSY for F_SEAL_WRITE while a shared
/// writable mapping exists) and F_GET_SEALS; EINVAL for a file that is not tmpfs's.
pub fn memfd_fcntl(f: &File, cmd: u32, arg: usize) -> KResult<usize> {
    let mapping = f.inode.as_ref().and_then(|i| i.mapping());
    match cmd {
        F_ADD_SEALS => {
            if arg > u32::MAX as usize {
                return Err(EINVAL);
            }
            if !f.writable() {
                return Err(EPERM);
            }
            let seals = arg as u32;
            if seals & !F_ALL_SEALS != 0 {
                return Err(EINVAL);
            }
            mapping.ok_or(EINVAL)?.add_seals(seals)?;
            Ok(0)
        }
        F_GET_SEALS => Ok(mapping.ok_or(EINVAL)?.seals() as usize),
        _ => Err(EINVAL),
    }
}
