//! The path of an inode, and getcwd.  Linux: fs/d_path.c (d_path, prepend_path, getcwd).
//!
//! Linux keeps a dentry per file and walks d_parent up to the root.  The rootfs here keeps
//! names only in directories: a directory knows its name and parent (dir_path), any other
//! inode is found by searching the tree (inode_path).

use super::inode::*;
use super::namespace::root;
use crate::errno::*;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

impl Inode {
    /// The absolute path of a directory, through its parent links (getcwd, /proc/PID/cwd).
    pub fn dir_path(self: &Arc<Self>) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut cur = self.clone();
        for _ in 0..256 {
            let (name, parent) = match &cur.kind {
                InodeKind::Dir(d) => {
                    let d = d.lock();
                    (d.name.clone(), d.parent.upgrade())
                }
                _ => break,
            };
            match parent {
                Some(p) if !Arc::ptr_eq(&p, &cur) => {
                    parts.push(name);
                    cur = p;
                }
                // The root of a mounted tree: on to the directory it is mounted on.
                _ => match super::namespace::mountpoint_above(&cur) {
                    Some(mp) => cur = mp,
                    None => break,
                },
            }
        }
        if parts.is_empty() {
            return "/".into();
        }
        let mut s = String::new();
        for p in parts.iter().rev() {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}

/// The absolute path of `target` in the rootfs (Linux: d_path()), None when unlinked.
pub fn inode_path(target: &Arc<Inode>) -> Option<String> {
    if target.is_dir() {
        return Some(target.dir_path());
    }
    fn search(dir: &Arc<Inode>, target: &Arc<Inode>, prefix: &mut String, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let entries: Vec<(String, Arc<Inode>)> = match &dir.kind {
            InodeKind::Dir(d) => d.lock().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => return false,
        };
        for (name, child) in entries.iter() {
            if Arc::ptr_eq(child, target) {
                prefix.push('/');
                prefix.push_str(name);
                return true;
            }
        }
        for (name, child) in entries.iter() {
            if matches!(child.kind, InodeKind::Dir(_)) {
                let len = prefix.len();
                prefix.push('/');
                prefix.push_str(name);
                if search(child, target, prefix, depth + 1) {
                    return true;
                }
                prefix.truncate(len);
            }
        }
        false
    }
    let mut s = String::new();
    if search(&root(), target, &mut s, 0) {
        Some(s)
    } else {
        None
    }
}

/// Linux: getcwd() in fs/d_path.c: ERANGE when the buffer is too small.
pub fn sys_getcwd(buf: UserPtr<u8>, size: usize) -> KResult<usize> {
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let cwd = fs.inner.lock().cwd.clone();
    let mut p = cwd.dir_path().into_bytes();
    p.push(0);
    if p.len() > size {
        return Err(ERANGE);
    }
    buf.copy_out(&p)?;
    Ok(p.len())
}
