//! Unit tests of the decisions, and a model of MenuOS's fork that runs random sequences of
//! fork / write / read / exit over shared leaf tables and checks the invariants:
//!  - a page's refcount equals the number of leaf tables that map it;
//!  - a table's refcount equals the number of mms that point at it;
//!  - a page writable in some mm is mapped by exactly one table and that table by one mm;
//!  - every mm reads what it last wrote (isolation), and after every mm exits, no page and no
//!    table is left (nothing leaks).
use super::*;
use std::collections::BTreeMap;

const REGION: usize = 4; // pages per leaf table in the model (512 in the kernel)

fn v(start: usize, end: usize) -> VmaDesc {
    VmaDesc { start, end, shared: false, dontcopy: false, wipeonfork: false }
}

#[test]
fn vma_actions() {
    assert_eq!(vma_fork(&v(0, 1)), VmaFork::Cow);
    assert_eq!(vma_fork(&VmaDesc { shared: true, ..v(0, 1) }), VmaFork::Share);
    assert_eq!(vma_fork(&VmaDesc { dontcopy: true, shared: true, ..v(0, 1) }), VmaFork::Skip);
    assert_eq!(vma_fork(&VmaDesc { wipeonfork: true, ..v(0, 1) }), VmaFork::Empty);
}

#[test]
fn regions_merge_and_taint() {
    // two plain VMAs in one region, a shared one in the next, a region spanned by one VMA
    let vmas = [v(0x0000, 0x1000), v(0x1000, 0x3000), VmaDesc { shared: true, ..v(0x4000, 0x5000) }, v(0x8000, 0xc000)];
    let r: Vec<_> = fork_regions(vmas, 0x4000).collect();
    assert_eq!(r, vec![(0x0000, true), (0x4000, false), (0x8000, true)]);
    // a VMA crossing regions taints both
    let r: Vec<_> = fork_regions([VmaDesc { wipeonfork: true, ..v(0x3000, 0x5000) }], 0x4000).collect();
    assert_eq!(r, vec![(0x0000, false), (0x4000, false)]);
    // a plain VMA, then one that starts in its last region: that region is tainted
    let r: Vec<_> = fork_regions([v(0x0000, 0x6000), VmaDesc { shared: true, ..v(0x7000, 0x9000) }], 0x4000).collect();
    assert_eq!(r, vec![(0x0000, true), (0x4000, false), (0x8000, false)]);
    assert_eq!(fork_regions([], 0x4000).next(), None);
}

#[test]
fn regions_of_a_huge_vma_cost_no_memory() {
    // 2^40 bytes in 2 MiB regions: 524,288 of them, counted lazily
    let mut it = fork_regions([v(0, 1 << 40)], 0x20_0000);
    assert_eq!(it.next(), Some((0, true)));
    assert_eq!(it.count(), (1 << 19) - 1);
    // a VMA ending at the top of the address space does not wrap
    let top = usize::MAX & !0xfff;
    let r: Vec<_> = fork_regions([v(top - 0x1000, top)], 0x1000).collect();
    assert_eq!(r, vec![(top - 0x1000, true)]);
}

#[test]
fn pte_and_faults() {
    assert_eq!(fork_pte(true, VmaFork::Cow), (false, false));
    assert_eq!(fork_pte(true, VmaFork::Share), (true, true));
    assert_eq!(fork_pte(false, VmaFork::Share), (false, false));
    assert!(must_unshare_table(2) && !must_unshare_table(1));
    assert_eq!(write_fault(false, 1), WriteFault::Reuse);
    assert_eq!(write_fault(false, 2), WriteFault::Copy);
    assert_eq!(write_fault(true, 3), WriteFault::Reuse);
}

// ---- the model ------------------------------------------------------------------------
#[derive(Clone, Copy)]
struct Pte {
    page: usize,
    w: bool,
}

#[derive(Default)]
struct World {
    pages: BTreeMap<usize, (u32, u64)>,                    // id -> (refcount, contents)
    tables: BTreeMap<usize, (u32, [Option<Pte>; REGION])>, // id -> (refcount, entries)
    next: usize,
}

struct Mm {
    pmd: BTreeMap<usize, usize>, // region -> table id
}

impl World {
    fn new_id(&mut self) -> usize {
        self.next += 1;
        self.next
    }
    fn get_page(&mut self, p: usize) {
        self.pages.get_mut(&p).unwrap().0 += 1;
    }
    fn put_page(&mut self, p: usize) {
        let e = self.pages.get_mut(&p).unwrap();
        e.0 -= 1;
        if e.0 == 0 {
            self.pages.remove(&p);
        }
    }
    /// pgtable.rs unshare_pte_table(): copy the table, each mapped page gains a reference.
    fn unshare(&mut self, mm: &mut Mm, region: usize) {
        let t = mm.pmd[&region];
        if !must_unshare_table(self.tables[&t].0) {
            return;
        }
        let entries = self.tables[&t].1;
        for p in entries.iter().flatten() {
            self.get_page(p.page);
        }
        let nt = self.new_id();
        self.tables.insert(nt, (1, entries));
        self.tables.get_mut(&t).unwrap().0 -= 1;
        mm.pmd.insert(region, nt);
    }
    /// memory.rs handle_mm_fault() for a write.
    fn write(&mut self, mm: &mut Mm, page_va: usize, val: u64) {
        let region = page_va / REGION;
        mm.pmd.entry(region).or_insert_with(|| {
            let t = self.new_id();
            self.tables.insert(t, (1, [None; REGION]));
            t
        });
        self.unshare(mm, region);
        let t = mm.pmd[&region];
        let slot = self.tables[&t].1[page_va % REGION];
        let new = match slot {
            None => {
                let p = self.new_id();
                self.pages.insert(p, (1, 0));
                p
            }
            Some(pte) if pte.w => pte.page,
            Some(pte) => match write_fault(false, self.pages[&pte.page].0) {
                WriteFault::Reuse => pte.page,
                WriteFault::Copy => {
                    let p = self.new_id();
                    let c = self.pages[&pte.page].1;
                    self.pages.insert(p, (1, c));
                    self.put_page(pte.page);
                    p
                }
            },
        };
        self.tables.get_mut(&t).unwrap().1[page_va % REGION] = Some(Pte { page: new, w: true });
        self.pages.get_mut(&new).unwrap().1 = val;
    }
    fn read(&self, mm: &Mm, page_va: usize) -> u64 {
        mm.pmd
            .get(&(page_va / REGION))
            .and_then(|t| self.tables[t].1[page_va % REGION])
            .map_or(0, |p| self.pages[&p.page].1)
    }
    /// mmap.rs dup_mmap() with every VMA plain: share each leaf table (pgtable.rs
    /// share_pte_table()), write-protecting it first when this mm is its only user.
    fn fork(&mut self, mm: &Mm) -> Mm {
        let mut child = Mm { pmd: BTreeMap::new() };
        for (&r, &t) in mm.pmd.iter() {
            if self.tables[&t].0 == 1 {
                for e in self.tables.get_mut(&t).unwrap().1.iter_mut().flatten() {
                    e.w = fork_pte(e.w, VmaFork::Cow).0;
                }
            }
            self.tables.get_mut(&t).unwrap().0 += 1;
            child.pmd.insert(r, t);
        }
        child
    }
    /// pgtable.rs free_pte_table() for every table of an exiting mm.
    fn exit(&mut self, mm: Mm) {
        for (_, t) in mm.pmd {
            let (refs, entries) = self.tables[&t];
            if refs == 1 {
                for p in entries.iter().flatten() {
                    self.put_page(p.page);
                }
                self.tables.remove(&t);
            } else {
                self.tables.get_mut(&t).unwrap().0 -= 1;
            }
        }
    }
    fn check(&self, mms: &[Mm]) {
        let mut page_refs: BTreeMap<usize, u32> = BTreeMap::new();
        let mut table_refs: BTreeMap<usize, u32> = BTreeMap::new();
        for mm in mms {
            for t in mm.pmd.values() {
                *table_refs.entry(*t).or_default() += 1;
            }
        }
        for (t, (refs, entries)) in self.tables.iter() {
            assert_eq!(Some(refs), table_refs.get(t), "table {t}: refcount vs mms pointing at it");
            for p in entries.iter().flatten() {
                *page_refs.entry(p.page).or_default() += 1;
                if p.w {
                    assert_eq!(*refs, 1, "a writable page sits in a shared table");
                }
            }
        }
        for (p, (refs, _)) in self.pages.iter() {
            assert_eq!(Some(refs), page_refs.get(p), "page {p}: refcount vs tables mapping it");
        }
        for (p, n) in page_refs.iter() {
            if *n > 1 {
                for (_, entries) in self.tables.values() {
                    for e in entries.iter().flatten() {
                        assert!(!(e.page == *p && e.w), "page {p} writable while mapped by {n} tables");
                    }
                }
            }
        }
    }
}

#[test]
fn model_random_sequences_keep_invariants_and_leak_nothing() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _round in 0..200 {
        let mut w = World::default();
        let mut mms: Vec<Mm> = vec![Mm { pmd: BTreeMap::new() }];
        let mut shadow: Vec<BTreeMap<usize, u64>> = vec![BTreeMap::new()];
        for step in 0..300 {
            let i = rnd(mms.len());
            match rnd(10) {
                0 | 1 if mms.len() < 8 => {
                    let c = w.fork(&mms[i]);
                    mms.push(c);
                    shadow.push(shadow[i].clone());
                }
                2 if mms.len() > 1 => {
                    let m = mms.swap_remove(i);
                    shadow.swap_remove(i);
                    w.exit(m);
                }
                _ => {
                    let va = rnd(REGION * 3);
                    let val = (step as u64) << 8 | i as u64;
                    let mut m = std::mem::replace(&mut mms[i], Mm { pmd: BTreeMap::new() });
                    w.write(&mut m, va, val);
                    mms[i] = m;
                    shadow[i].insert(va, val);
                }
            }
            w.check(&mms);
            for (m, s) in mms.iter().zip(shadow.iter()) {
                for va in 0..REGION * 3 {
                    assert_eq!(w.read(m, va), *s.get(&va).unwrap_or(&0), "an mm sees another's write");
                }
            }
        }
        for m in mms.drain(..) {
            w.exit(m);
        }
        assert!(w.pages.is_empty() && w.tables.is_empty(), "pages or tables leaked");
    }
}
