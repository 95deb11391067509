//! /proc/net and /proc/PID/net: the network namespace's files.  Linux: fs/proc/proc_net.c
//! (proc_net_init's "net" -> "self/net" link, proc_tgid_net_lookup, proc_tgid_net_readdir,
//! get_proc_task_net, seq_open_net), net/unix/af_unix.c for the one file MenuOS has (unix).
//!
//! /proc/PID/net shows the network namespace of the task the directory was made for, as it
//! is when a name is looked up (after setns(2) the same directory shows the new namespace); a
//! file, once open, keeps showing the namespace it was opened in (seq_open_net holds it).
//! /proc/net is a link to self/net, so it follows whoever walks it.  Of Linux's many files
//! only unix is here: the other families, devices and protocols do not exist in MenuOS.

use super::{mk, mk_link, task_of, ProcFsInfo, ProcNode, ProcPid};
use crate::errno::*;
use crate::fs::file_table::{File, FileOps};
use crate::fs::inode::*;
use crate::fs::readdir::DT_REG;
use crate::fs::seq_file::SeqText;
use crate::net::core::net_namespace::Net;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The files of /proc/PID/net.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NetFile {
    /// Linux: /proc/net/unix (unix_seq_ops).
    Unix,
}

const NET_FILES: [(&str, NetFile); 1] = [("unix", NetFile::Unix)];

/// The /proc root's "net" link (Linux: proc_symlink("net", NULL, "self/net")).
const NET_LINK_INO: u64 = 0xf000_0104;
/// Inode numbers of the files: base.rs's pid_ino(pid, INO_NET_FILES + index).
const INO_NET_FILES: u64 = 0x70;

/// Linux: proc_net_init()'s link.
pub(super) fn proc_net_link(fs: &Arc<ProcFsInfo>) -> Arc<Inode> {
    mk_link(fs, NET_LINK_INO, S_IFLNK | 0o777, String::from("self/net"))
}

pub(super) fn net_link_ino() -> u64 {
    NET_LINK_INO
}

/// Linux: get_proc_task_net(): the network namespace of the directory's task (ENOENT once it
/// has exited and left its namespaces).
fn task_net(p: &ProcPid) -> KResult<Arc<Net>> {
    let t = task_of(p)?;
    let nsp = crate::kernel::nsproxy::task_nsproxy(&t).ok_or(ENOENT)?;
    Ok(nsp.net_ns.clone())
}

/// Linux: proc_tgid_net_readdir().
pub(super) fn proc_tgid_net_readdir(p: &ProcPid) -> Vec<(String, u64, u8)> {
    if task_net(p).is_err() {
        return Vec::new();
    }
    NET_FILES
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (String::from(*name), super::base::pid_ino(p.nr(), INO_NET_FILES + i as u64), DT_REG))
        .collect()
}

/// Linux: proc_tgid_net_lookup().
pub(super) fn proc_tgid_net_lookup(fs: &Arc<ProcFsInfo>, p: &ProcPid, name: &str) -> KResult<Arc<Inode>> {
    task_net(p)?;
    let i = NET_FILES.iter().position(|(n, _)| *n == name).ok_or(ENOENT)?;
    let ino = super::base::pid_ino(p.nr(), INO_NET_FILES + i as u64);
    Ok(mk(fs, ino, S_IFREG | 0o444, ProcNode::Net(p.clone(), Some(NET_FILES[i].1))))
}

/// The name of a file (for /proc/PID/fd's links).
pub(super) fn net_file_name(f: NetFile) -> &'static str {
    NET_FILES.iter().find(|(_, x)| *x == f).map_or("", |(n, _)| *n)
}

/// An open /proc/net file: the namespace it was opened in, and its text.
struct ProcNetFile {
    net: Arc<Net>,
    file: NetFile,
    text: SeqText,
}

impl FileOps for ProcNetFile {
    fn read(&self, f: &File, buf: &mut [u8]) -> KResult<usize> {
        self.text.read(f, buf, || match self.file {
            NetFile::Unix => Ok(crate::net::unix::af_unix::unix_seq_show(&self.net).into_bytes()),
        })
    }
    /// Linux: proc_net files without a write op (EIO from proc_reg_write).
    fn write(&self, _f: &File, _buf: &[u8]) -> KResult<usize> {
        Err(EIO)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "proc"
    }
}

/// Linux: seq_open_net(): the file holds the namespace of the moment it is opened.
pub(super) fn proc_net_open(p: &ProcPid, file: NetFile) -> KResult<Arc<dyn FileOps>> {
    Ok(Arc::new(ProcNetFile { net: task_net(p)?, file, text: SeqText::new() }))
}
