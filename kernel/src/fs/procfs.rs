//! /proc.  Linux: fs/proc/.  (Being filled in: the node types and their text.)

use super::file::*;
use super::inode::*;
use crate::errno::*;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

#[derive(Clone)]
pub enum ProcNode {
    Root,
}

pub fn mount(_root: &Arc<Inode>) {}

pub fn open(_n: &ProcNode) -> KResult<Arc<dyn FileOps>> {
    Err(ENOENT)
}

pub fn readdir(_n: &ProcNode) -> Vec<(String, u64, u8)> {
    Vec::new()
}

/// A name inside a /proc directory node (ENOENT when absent, ENOTDIR for a file node).
pub fn lookup(_n: &ProcNode, _name: &str) -> KResult<Arc<Inode>> {
    Err(ENOENT)
}

pub fn readlink(_n: &ProcNode) -> KResult<String> {
    Err(EINVAL)
}
