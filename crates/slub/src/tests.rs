//! Host tests: the size classes, slab geometry, and a model run of a cache over an arena.
use super::*;
use std::collections::{BTreeMap, HashSet};

/// An arena of `pages` pages at a fake, well-aligned address; a buddy-like page source that
/// hands out naturally aligned runs (first fit), counting what it has out.
struct Arena {
    base: usize,
    words: Vec<usize>,
    used: Vec<bool>,
    out: usize,
    allocs: usize,
    frees: usize,
}

impl Arena {
    fn new(pages: usize) -> Self {
        Arena {
            base: 0x4000_0000,
            words: vec![0xdead; pages * PAGE_SIZE / 8],
            used: vec![false; pages],
            out: 0,
            allocs: 0,
            frees: 0,
        }
    }
}

impl SlabMem for Arena {
    fn alloc_pages(&mut self, order: u32) -> Option<usize> {
        let n = 1 << order;
        let mut i = 0;
        while i + n <= self.used.len() {
            if self.used[i..i + n].iter().all(|u| !u) {
                self.used[i..i + n].iter_mut().for_each(|u| *u = true);
                self.out += n;
                self.allocs += 1;
                return Some(self.base + i * PAGE_SIZE);
            }
            i += n;
        }
        None
    }
    fn free_pages(&mut self, addr: usize, order: u32) {
        let i = (addr - self.base) / PAGE_SIZE;
        let n = 1 << order;
        assert_eq!(i % n, 0);
        assert!(self.used[i..i + n].iter().all(|u| *u), "free of pages not out");
        self.used[i..i + n].iter_mut().for_each(|u| *u = false);
        self.out -= n;
        self.frees += 1;
    }
    fn load(&self, addr: usize) -> usize {
        assert_eq!(addr % 8, 0);
        assert!(self.used[(addr - self.base) / PAGE_SIZE], "load from a page not out");
        self.words[(addr - self.base) / 8]
    }
    fn store(&mut self, addr: usize, val: usize) {
        assert_eq!(addr % 8, 0);
        assert!(self.used[(addr - self.base) / PAGE_SIZE], "store to a page not out");
        self.words[(addr - self.base) / 8] = val;
    }
}

#[test]
fn kmalloc_index_is_the_smallest_fitting_class() {
    let mut align = 1;
    while align <= PAGE_SIZE {
        for size in 1..=KMALLOC_MAX_CACHE_SIZE + 64 {
            let want = KMALLOC_SIZES.iter().position(|&c| c >= size && c >= align && c % align == 0);
            assert_eq!(kmalloc_index(size, align), want, "size {} align {}", size, align);
        }
        align *= 2;
    }
    assert_eq!(kmalloc_index(1, 1), Some(0));
    assert_eq!(kmalloc_index(96, 8), Some(4));
    assert_eq!(kmalloc_index(96, 64), Some(5));
    assert_eq!(kmalloc_index(192, 64), Some(6));
    assert_eq!(kmalloc_index(192, 128), Some(7));
    assert_eq!(kmalloc_index(8192, 8), Some(12));
    assert_eq!(kmalloc_index(8193, 8), None);
    assert_eq!(kmalloc_index(8, 8192), Some(12));
}

#[test]
fn slab_geometry() {
    let orders: Vec<u32> = KMALLOC_SIZES.iter().map(|&s| calculate_order(s)).collect();
    assert_eq!(orders, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3]);
    for &s in &KMALLOC_SIZES {
        let o = calculate_order(s);
        let n = objects_per_slab(s, o);
        assert!(n >= 3, "size {}: {} objects", s, n);
        assert!(n * s + HDR <= PAGE_SIZE << o);
    }
    assert_eq!(objects_per_slab(8, 0), 508);
    assert_eq!(objects_per_slab(4096, 3), 7);
    assert_eq!(objects_per_slab(8192, 3), 3);
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random allocs and frees on every class: objects are distinct, aligned, inside their slab's
/// object area, keep their contents while live; the cache's counts match the arena's; once all
/// is freed at most min_partial slabs stay.
#[test]
fn model_run_every_class() {
    for idx in 0..NR_KMALLOC_CACHES {
        let mut c = Cache::kmalloc(idx);
        let mut mem = Arena::new(1024);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ idx as u64);
        let mut live: BTreeMap<usize, usize> = BTreeMap::new();
        let size = c.size();
        let slab_bytes = PAGE_SIZE << c.order();
        for step in 0..20_000 {
            let grow = (step / 2_000) % 2 == 0;
            if live.is_empty() || rng.next() % 100 < if grow { 70 } else { 30 } {
                match c.alloc(&mut mem) {
                    Some(p) => {
                        let off = p & (slab_bytes - 1);
                        assert_eq!(off % size, 0);
                        assert!(off + size <= slab_bytes - HDR);
                        let align = 1 << size.trailing_zeros().min(12);
                        assert_eq!(p % align, 0);
                        assert!(!live.contains_key(&p), "object handed out twice");
                        // The object's first word is ours now: mark it.
                        mem.store(p, step);
                        live.insert(p, step);
                    }
                    None => assert!(mem.out + (1 << c.order()) > 1024, "None with pages left"),
                }
            } else {
                let k = (rng.next() as usize) % live.len();
                let (&p, &v) = live.iter().nth(k).unwrap();
                assert_eq!(mem.load(p), v, "object changed while live");
                live.remove(&p);
                c.free(&mut mem, p);
            }
            assert_eq!(mem.out, c.nr_slabs() << c.order());
            assert!(c.nr_slabs() * c.objects() >= live.len());
        }
        for (&p, _) in live.clone().iter() {
            c.free(&mut mem, p);
        }
        assert!(c.nr_slabs() <= MIN_PARTIAL, "class {}: {} slabs kept", size, c.nr_slabs());
        assert_eq!(c.nr_slabs(), c.nr_empty());
        assert_eq!(c.nr_partial(), 0);
        c.shrink(&mut mem);
        assert_eq!(mem.out, 0);
        assert_eq!(c.bytes(), 0);
    }
}

/// Filling a slab exactly and churning one object at its boundary takes no pages from and
/// gives none back to the page source (the spare slab), as fork + exit does.
#[test]
fn no_page_churn_at_a_slab_boundary() {
    let mut c = Cache::kmalloc(KMALLOC_SIZES.iter().position(|&s| s == 1024).unwrap());
    let mut mem = Arena::new(64);
    let full: Vec<usize> = (0..c.objects()).map(|_| c.alloc(&mut mem).unwrap()).collect();
    assert_eq!(c.nr_partial(), 0);
    let (a, f) = (mem.allocs, mem.frees);
    for _ in 0..100 {
        let p = c.alloc(&mut mem).unwrap();
        c.free(&mut mem, p);
    }
    assert_eq!(mem.allocs, a + 1);
    assert_eq!(mem.frees, f);
    for p in full {
        c.free(&mut mem, p);
    }
    assert_eq!(c.nr_slabs(), 2);
}

/// A workload that grows a cache to many slabs and frees everything gives all but
/// min_partial slabs back, whatever the order of frees.
#[test]
fn emptied_slabs_go_back() {
    let mut c = Cache::kmalloc(0);
    let mut mem = Arena::new(256);
    let objs: Vec<usize> = (0..100 * c.objects()).map(|_| c.alloc(&mut mem).unwrap()).collect();
    assert_eq!(c.nr_slabs(), 100);
    // Free interleaved across slabs: every slab becomes partial before any becomes empty.
    let n = c.objects();
    for j in 0..n {
        for s in 0..100 {
            c.free(&mut mem, objs[s * n + j]);
        }
    }
    assert_eq!(c.nr_slabs(), MIN_PARTIAL);
    assert_eq!(mem.out, MIN_PARTIAL);
}

/// When the page source is dry, alloc is None and the cache is unchanged; it works again once
/// pages come back.
#[test]
fn out_of_pages() {
    let mut c = Cache::kmalloc(KMALLOC_SIZES.iter().position(|&s| s == 4096).unwrap());
    let mut mem = Arena::new(16);
    let mut got = Vec::new();
    while let Some(p) = c.alloc(&mut mem) {
        got.push(p);
    }
    assert_eq!(got.len(), 2 * c.objects());
    assert_eq!(c.nr_slabs(), 2);
    let set: HashSet<usize> = got.iter().copied().collect();
    assert_eq!(set.len(), got.len());
    c.free(&mut mem, got.pop().unwrap());
    assert!(c.alloc(&mut mem).is_some());
    assert!(c.alloc(&mut mem).is_none());
}
