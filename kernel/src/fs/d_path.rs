//! The path of an inode, and getcwd.  Linux: fs/d_path.c (d_path, prepend_path, getcwd).
//!
//! Linux keeps a dentry per file and walks d_parent up to the root.  The rootfs here keeps
//! names only in directories: a directory knows its name and parent (dir_path), any other
//! inode is found by searching the tree (inode_path).  Paths are relative to the calling
//! process's root, as d_path's are (a chroot sees itself at "/"); a directory the root
//! cannot reach is named from the real root (getcwd says "(unreachable)" before it).

use super::inode::*;
use super::namei::current_root;
use super::namespace::root;
use crate::errno::*;
use crate::kernel::task::current;
use crate::mm::uaccess::UserPtr;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux: prepend_path(): the path of directory `dir` from `root`, and whether `root` was on
/// the way up (false: the path is from the real root).  ENAMETOOLONG past PATH_MAX.
fn prepend_path(dir: &Arc<Inode>, root: &Arc<Inode>) -> KResult<(Vec<u8>, bool)> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut len = 0;
    let mut cur = dir.clone();
    let reachable = loop {
        if Arc::ptr_eq(&cur, root) {
            break true;
        }
        match cur.parent() {
            Some(p) if !Arc::ptr_eq(&p, &cur) => {
                let name = cur.dir_name();
                len += name.len() + 1;
                if len >= super::PATH_MAX {
                    return Err(ENAMETOOLONG);
                }
                parts.push(name);
                cur = p;
            }
            _ => break false,
        }
    };
    let mut s = Vec::with_capacity(len.max(1));
    for p in parts.iter().rev() {
        s.push(b'/');
        s.extend_from_slice(p);
    }
    if s.is_empty() {
        s.push(b'/');
    }
    Ok((s, reachable))
}

impl Inode {
    /// The path of a directory as the current process names it (Linux: d_path()): from its
    /// root, or from the real root when its root is not above the directory.
    pub fn dir_path_bytes(self: &Arc<Self>) -> Vec<u8> {
        let r = current_root();
        match prepend_path(self, &r) {
            Ok((p, true)) => p,
            Ok((_, false)) => prepend_path(self, &root()).map(|x| x.0).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
    /// dir_path_bytes as text (/proc's links; a name that is not UTF-8 shows as U+FFFD).
    pub fn dir_path(self: &Arc<Self>) -> String {
        String::from_utf8_lossy(&self.dir_path_bytes()).into_owned()
    }
}

/// The path of `target` (Linux: d_path()), None when no directory holds it (unlinked).
pub fn inode_path_bytes(target: &Arc<Inode>) -> Option<Vec<u8>> {
    if target.is_dir() {
        return Some(target.dir_path_bytes());
    }
    fn search(dir: &Arc<Inode>, target: &Arc<Inode>, prefix: &mut Vec<u8>, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let entries: Vec<(Vec<u8>, Arc<Inode>)> = match &dir.kind {
            InodeKind::Dir(d) => d.entries.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => return false,
        };
        for (name, child) in entries.iter() {
            if Arc::ptr_eq(child, target) {
                prefix.push(b'/');
                prefix.extend_from_slice(name);
                return true;
            }
        }
        for (name, child) in entries.iter() {
            if matches!(child.kind, InodeKind::Dir(_)) {
                let len = prefix.len();
                prefix.push(b'/');
                prefix.extend_from_slice(name);
                if search(child, target, prefix, depth + 1) {
                    return true;
                }
                prefix.truncate(len);
            }
        }
        false
    }
    let r = current_root();
    for start in [r.clone(), root()] {
        let mut s = Vec::new();
        if search(&start, target, &mut s, 0) {
            return Some(s);
        }
        if Arc::ptr_eq(&start, &root()) {
            break;
        }
    }
    None
}

/// inode_path_bytes as text (/proc's links and maps).
pub fn inode_path(target: &Arc<Inode>) -> Option<String> {
    inode_path_bytes(target).map(|p| String::from_utf8_lossy(&p).into_owned())
}

/// Linux: getcwd() in fs/d_path.c: ENOENT when the cwd was removed, "(unreachable)" before a
/// cwd outside the root, ERANGE when the buffer is too small.
pub fn sys_getcwd(buf: UserPtr<u8>, size: usize) -> KResult<usize> {
    let fs = current().fs.lock().clone().ok_or(ENOENT)?;
    let (cwd, r) = {
        let i = fs.inner.lock();
        (i.cwd.clone(), i.root.clone())
    };
    if cwd.nlink.load(core::sync::atomic::Ordering::Relaxed) == 0 {
        return Err(ENOENT);
    }
    let (mut p, reachable) = prepend_path(&cwd, &r)?;
    if !reachable {
        let (abs, _) = prepend_path(&cwd, &root())?;
        p = b"(unreachable)".to_vec();
        p.extend_from_slice(&abs);
    }
    p.push(0);
    if p.len() > super::PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    if p.len() > size {
        return Err(ERANGE);
    }
    buf.copy_out(&p)?;
    Ok(p.len())
}
