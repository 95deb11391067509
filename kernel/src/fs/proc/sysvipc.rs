//! /proc/sysvipc/{msg,sem,shm}: the System V IPC objects of the opener's IPC namespace.
//! Linux: ipc/util.c (ipc_init_proc_interface(), sysvipc_proc_open(), sysvipc_proc_show()),
//! where proc_mkdir("sysvipc") makes the directory; the text itself is ipc/'s.

use super::{mk, ProcFsInfo, ProcNode};
use crate::errno::*;
use crate::fs::inode::*;
use crate::fs::readdir::DT_REG;
use crate::ipc::util::{SysvipcFile, SYSVIPC_FILES};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Inode numbers: the directory, then its files in SYSVIPC_FILES order.
pub(super) const SYSVIPC_INO: u64 = 0xf000_0200;

/// The /proc/sysvipc directory node.
pub(super) fn sysvipc_dir(fs: &Arc<ProcFsInfo>) -> Arc<Inode> {
    mk(fs, SYSVIPC_INO, S_IFDIR | 0o555, ProcNode::Sysvipc(None))
}

pub(super) fn sysvipc_readdir() -> Vec<(String, u64, u8)> {
    SYSVIPC_FILES.iter().enumerate().map(|(i, (n, _))| (String::from(*n), SYSVIPC_INO + 1 + i as u64, DT_REG)).collect()
}

pub(super) fn sysvipc_lookup(fs: &Arc<ProcFsInfo>, name: &str) -> KResult<Arc<Inode>> {
    let i = SYSVIPC_FILES.iter().position(|(n, _)| *n == name).ok_or(ENOENT)?;
    Ok(mk(fs, SYSVIPC_INO + 1 + i as u64, S_IFREG | 0o444, ProcNode::Sysvipc(Some(SYSVIPC_FILES[i].1))))
}

/// Linux: sysvipc_proc_open() takes the opener's IPC namespace (here: the reader's).
pub(super) fn sysvipc_text(f: SysvipcFile) -> Vec<u8> {
    crate::ipc::util::sysvipc_proc_show(f).into_bytes()
}
