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

pub fn readlink(_n: &ProcNode) -> KResult<String> {
    Err(EINVAL)
}
