//! /proc/PID/maps and the numbers of an address space.  Linux: fs/proc/task_mmu.c (task_mem,
//! task_statm, show_map_vma).

use crate::fs::inode::Inode;
use crate::kernel::task::TaskStruct;
use crate::mm::mm_types::{Backing, MmInner, VmFlags};
use crate::mm::{page_align_down, page_align_up, PAGE_SIZE};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

// Linux (Sv39): a leaf page table maps 2 MiB (PMD_SHIFT), a middle one 1 GiB (PUD_SHIFT).
const PMD_SHIFT: usize = 21;
const PUD_SHIFT: usize = 30;

/// Address-space numbers (in bytes, rss in pages).  Linux: task_mem(), task_statm().
#[derive(Default)]
pub(super) struct MmStats {
    pub vsize: usize,
    pub rss: usize,
    pub data: usize,
    pub stack: usize,
    pub exe: usize,
    pub pte: usize,
    pub shmem: usize,
    pub file: usize,
    /// VM_LOCKED bytes (Linux: mm->locked_vm, VmLck).
    pub locked: usize,
}

pub(super) fn mm_stats(m: &MmInner) -> MmStats {
    let mut s = MmStats::default();
    for v in m.vmas.values() {
        let len = v.end.saturating_sub(v.start);
        s.vsize += len;
        if v.flags.contains(VmFlags::STACK) || v.flags.contains(VmFlags::GROWSDOWN) {
            s.stack += len;
        } else if v.flags.contains(VmFlags::WRITE) && !v.flags.contains(VmFlags::SHARED) {
            s.data += len;
        }
    }
    let mut kinds: Vec<(usize, usize, u8)> = Vec::new();
    for v in m.vmas.values() {
        let k = match v.backing {
            Backing::Anon => 0,
            Backing::Shared { .. } => 1,
            Backing::File { .. } => 2,
        };
        kinds.push((v.start, v.end, k));
    }
    let mut tables = alloc::collections::BTreeSet::new();
    for (start, end, k) in kinds {
        let mut n = 0;
        m.pgt.for_each_leaf_ro(start, end, |va, _| {
            n += 1;
            tables.insert(va >> PMD_SHIFT);
        });
        s.rss += n;
        match k {
            1 => s.shmem += n,
            2 => s.file += n,
            _ => {}
        }
    }
    // Page-table pages: one root, a middle table per 1 GiB in use, a leaf table per 2 MiB.
    let mids: alloc::collections::BTreeSet<usize> = tables.iter().map(|t| t >> (PUD_SHIFT - PMD_SHIFT)).collect();
    s.pte = (1 + mids.len() + tables.len()) * PAGE_SIZE;
    if m.end_code > m.start_code {
        s.exe = page_align_up(m.end_code) - page_align_down(m.start_code);
    }
    s.locked = m.locked_vm() * PAGE_SIZE;
    s
}

fn kb(s: &mut String, key: &str, bytes: usize) {
    let _ = writeln!(s, "{}\t{:>8} kB", key, bytes >> 10);
}

/// Linux: task_mem(): the Vm and Rss lines of /proc/PID/status.
pub(super) fn task_mem(s: &mut String, st: &MmStats) {
    let rss = st.rss * PAGE_SIZE;
    kb(s, "VmPeak:", st.vsize);
    kb(s, "VmSize:", st.vsize);
    kb(s, "VmLck:", st.locked);
    kb(s, "VmPin:", 0);
    kb(s, "VmHWM:", rss);
    kb(s, "VmRSS:", rss);
    kb(s, "RssAnon:", rss - (st.file + st.shmem) * PAGE_SIZE);
    kb(s, "RssFile:", st.file * PAGE_SIZE);
    kb(s, "RssShmem:", st.shmem * PAGE_SIZE);
    kb(s, "VmData:", st.data);
    kb(s, "VmStk:", st.stack);
    kb(s, "VmExe:", st.exe);
    kb(s, "VmLib:", 0);
    kb(s, "VmPTE:", st.pte);
    kb(s, "VmSwap:", 0);
}

/// Linux: show_map_vma(): "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " padded to 73 columns,
/// then the name.
pub(super) fn maps_text(t: &TaskStruct) -> String {
    let mut s = String::new();
    let Some(mm) = t.mm.lock().clone() else { return s };
    let vmas: Vec<crate::mm::mm_types::Vma> = {
        let m = mm.inner.lock();
        m.vmas.values().cloned().collect()
    };
    let vdso = mm.inner.lock().vdso;
    let line =
        |s: &mut String, start: usize, end: usize, fl: VmFlags, off: usize, dev: u32, ino: u64, name: Option<&str>| {
            let len0 = s.len();
            let _ = write!(
                s,
                "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
                start,
                end,
                if fl.contains(VmFlags::READ) { 'r' } else { '-' },
                if fl.contains(VmFlags::WRITE) { 'w' } else { '-' },
                if fl.contains(VmFlags::EXEC) { 'x' } else { '-' },
                if fl.contains(VmFlags::SHARED) { 's' } else { 'p' },
                off,
                dev >> 8,
                dev & 0xff,
                ino
            );
            if let Some(n) = name {
                while s.len() - len0 < 72 {
                    s.push(' ');
                }
                s.push(' ');
                s.push_str(n);
            }
            s.push('\n');
        };
    // One path per inode (the tree search is not free).
    let mut paths: Vec<(u64, String)> = Vec::new();
    for v in vmas.iter().filter(|v| v.end > v.start) {
        let special = if v.start == vdso {
            Some("[vdso]")
        } else if v.flags.contains(VmFlags::HEAP) {
            Some("[heap]")
        } else if v.flags.contains(VmFlags::STACK) {
            Some("[stack]")
        } else {
            None
        };
        match &v.backing {
            Backing::File { inode, off, file_end } => {
                let path = path_of(&mut paths, inode);
                // The zero-filled part past the file's bytes shows as anonymous (Linux maps
                // it with a separate anonymous VMA, the bss).
                let split = if *file_end >= v.end { v.end } else { page_align_up(*file_end).clamp(v.start, v.end) };
                let split = if split == v.start { v.end } else { split };
                line(&mut s, v.start, split, v.flags, *off, 1, inode.ino, Some(&path));
                if split < v.end {
                    line(&mut s, split, v.end, v.flags, 0, 0, 0, special);
                }
            }
            Backing::Shared { obj, pgoff, .. } => match obj.source_inode() {
                // MAP_SHARED of a file: the file's path
                Some(inode) => {
                    let path = path_of(&mut paths, &inode);
                    line(&mut s, v.start, v.end, v.flags, pgoff * PAGE_SIZE, 1, inode.ino, Some(&path));
                }
                // MAP_SHARED|MAP_ANONYMOUS: Linux's shmem file "/dev/zero (deleted)"
                None => line(
                    &mut s,
                    v.start,
                    v.end,
                    v.flags,
                    pgoff * PAGE_SIZE,
                    1,
                    0,
                    Some(special.unwrap_or("/dev/zero (deleted)")),
                ),
            },
            Backing::Anon => line(&mut s, v.start, v.end, v.flags, 0, 0, 0, special),
        }
    }
    s
}

/// An inode's path for maps, looked up once per inode.
fn path_of(paths: &mut Vec<(u64, String)>, inode: &Arc<Inode>) -> String {
    if let Some((_, p)) = paths.iter().find(|(i, _)| *i == inode.ino) {
        return p.clone();
    }
    let p = crate::fs::d_path::inode_path(inode).unwrap_or_default();
    paths.push((inode.ino, p.clone()));
    p
}
