//! Backtraces through the frame-pointer chain, symbolised with the kernel's own symbol table.
//! Linux: arch/riscv/kernel/stacktrace.c (walk_stackframe), kernel/kallsyms.c.
//!
//! The kernel is built with frame pointers: each frame stores (fp - 8) = ra, (fp - 16) = the
//! caller's fp.  Symbols come from the kallsyms blob that tools/kallsyms.py patches into the
//! .kallsyms section after the link (addresses do not move: the section has a fixed size).

#[link_section = ".kallsyms"]
#[used]
#[no_mangle]
static KALLSYMS: [u8; 512 * 1024] = [0; 512 * 1024];

/// "name+0xoff/0xsize" for a kernel text address, or "?".
pub fn symbolize(addr: usize) -> SymName {
    SymName(lookup(addr))
}

pub struct SymName(Option<(&'static str, usize, usize)>);

impl core::fmt::Display for SymName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some((n, off, size)) => write!(f, "{}+{:#x}/{:#x}", n, off, size),
            None => write!(f, "?"),
        }
    }
}

/// Blob format: "KSYM" u32 count, then count × (u64 addr, u32 size, u32 name_off), then names
/// (NUL-terminated), sorted by address.
fn blob() -> &'static [u8] {
    // The post-link step (tools/kallsyms.py) changes the static's contents: the pointer is read
    // through a volatile load so the compiler does not fold the zero initialiser.
    let p = core::ptr::addr_of!(KALLSYMS) as *const u8;
    // SAFETY: `p` points at KALLSYMS, an immutable static of KALLSYMS.len() bytes that lives for
    // the whole run and that nothing writes at run time.
    unsafe { core::slice::from_raw_parts(core::ptr::read_volatile(&p), KALLSYMS.len()) }
}

fn rd32(b: &[u8], o: usize) -> usize {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as usize
}
fn rd64(b: &[u8], o: usize) -> usize {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a) as usize
}

pub fn lookup(addr: usize) -> Option<(&'static str, usize, usize)> {
    let b = blob();
    if &b[0..4] != b"KSYM" {
        return None;
    }
    let n = rd32(b, 4);
    let ent = |i: usize| 8 + i * 16;
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if rd64(b, ent(mid)) <= addr {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    if lo == 0 {
        return None;
    }
    let i = lo - 1;
    let a = rd64(b, ent(i));
    let size = rd32(b, ent(i) + 8);
    if size != 0 && addr >= a + size {
        return None;
    }
    let noff = rd32(b, ent(i) + 12);
    let names = &b[8 + n * 16..];
    let s = &names[noff..];
    let len = s.iter().position(|&c| c == 0)?;
    core::str::from_utf8(&s[..len]).ok().map(|name| (name, addr - a, size))
}

/// Address of a kernel function by name (for the tracer and gdb helpers' self-checks).
pub fn lookup_name(name: &str) -> Option<usize> {
    let b = blob();
    if &b[0..4] != b"KSYM" {
        return None;
    }
    let n = rd32(b, 4);
    let names = &b[8 + n * 16..];
    (0..n).find_map(|i| {
        let e = 8 + i * 16;
        let s = &names[rd32(b, e + 12)..];
        let len = s.iter().position(|&c| c == 0)?;
        (&s[..len] == name.as_bytes()).then(|| rd64(b, e))
    })
}

fn is_kernel_addr(a: usize) -> bool {
    a >= 0xffff_ffff_8000_0000
}

/// Linux: dump_backtrace() — walk the fp chain from (fp, pc).
pub fn dump_backtrace(mut fp: usize, pc: usize) {
    crate::pr_emerg!("Call Trace:");
    crate::pr_emerg!("[<{:016x}>] {}", pc, symbolize(pc));
    for _ in 0..32 {
        if fp < 16 || fp & 7 != 0 || fp < crate::mm::PAGE_OFFSET {
            break;
        }
        // SAFETY: two word reads, only printed and compared: fp is 8-aligned and at or above
        // PAGE_OFFSET (checked), so both words lie in the kernel's own mappings (the linear map
        // or the image), normally the kernel stack being walked.  A corrupt chain can at worst
        // fault again inside die(), which then stops (the oops path's rule).
        let (ra, next) = unsafe { (*((fp - 8) as *const usize), *((fp - 16) as *const usize)) };
        if !is_kernel_addr(ra) {
            break;
        }
        crate::pr_emerg!("[<{:016x}>] {}", ra, symbolize(ra));
        if next <= fp {
            break;
        }
        fp = next;
    }
}

/// The backtrace of the caller (for panics).
#[inline(never)]
pub fn dump_stack() {
    let fp: usize;
    // SAFETY: reading the frame pointer.
    unsafe { core::arch::asm!("mv {}, s0", out(reg) fp) };
    dump_backtrace(fp, dump_stack as *const () as usize);
}

/// The code addresses on a task's kernel stack, innermost first (Linux: walk_stackframe()):
/// the running task's from its caller, another task's from the frame __switch_to saved.  Only
/// frames inside the task's own stack are followed (a task that is not running does not
/// change its stack, on one CPU); the outermost frame's return address (ret_from_fork, the
/// trap entry) is the last.
struct TaskFrames {
    pc: usize,
    fp: usize,
    lo: usize,
    hi: usize,
    left: usize,
}

impl TaskFrames {
    #[inline(always)]
    fn of(t: &crate::kernel::task::TaskStruct, here: usize, max: usize) -> TaskFrames {
        let (pc, fp) = if super::with_current_task(|c| core::ptr::eq(c, t)) {
            let fp: usize;
            // SAFETY: reading the frame pointer.
            unsafe { core::arch::asm!("mv {}, s0", out(reg) fp) };
            (here, fp)
        } else {
            // SAFETY: a read of the thread struct's saved s0 (the frame pointer __switch_to
            // saved); on one CPU nothing writes it while another task runs (as thread_ra_sp).
            (super::process::thread_ra_sp(t).0, unsafe { (*t.thread.get()).s[0] })
        };
        TaskFrames { pc, fp, lo: t.stack.base(), hi: t.stack.top(), left: max }
    }
}

impl Iterator for TaskFrames {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.left == 0 || !is_kernel_addr(self.pc) {
            return None;
        }
        self.left -= 1;
        let pc = self.pc;
        let fp = self.fp;
        if fp & 7 != 0 || fp < self.lo + 16 || fp > self.hi {
            self.left = 0;
            return Some(pc);
        }
        // SAFETY: fp - 16 .. fp lies within [lo, hi), the task's kernel stack, which the task
        // (held by the caller) owns for its whole life; two aligned word reads.
        let (ra, next) = unsafe { (*((fp - 8) as *const usize), *((fp - 16) as *const usize)) };
        self.pc = ra;
        if next <= fp {
            // the outermost frame: its return address is the last one
            self.left = self.left.min(1);
        }
        self.fp = next;
        Some(pc)
    }
}

/// Linux: __get_wchan() (arch/riscv/kernel/stacktrace.c): where a sleeping task waits — the
/// first return address on its kernel stack, from the frame __switch_to saved, that is not in
/// the scheduler (Linux: in_sched_functions(): schedule, the wait-queue and completion
/// helpers).  None for a task that is running or whose frames cannot be followed.
pub fn get_wchan(t: &crate::kernel::task::TaskStruct) -> Option<&'static str> {
    for pc in TaskFrames::of(t, 0, 16) {
        let (name, _, _) = lookup(pc)?;
        if !in_sched_functions(name) {
            return Some(name);
        }
    }
    None
}

/// Linux: show_stack(task, NULL, KERN_INFO) (arch/riscv/kernel/stacktrace.c, for SysRq's
/// show-task-states): "Call Trace:" and the return addresses on `t`'s kernel stack, at info
/// level.
#[inline(never)]
pub fn show_stack(t: &crate::kernel::task::TaskStruct) {
    crate::pr_info!("Call Trace:");
    for pc in TaskFrames::of(t, show_stack as *const () as usize, 32) {
        crate::pr_info!("[<{:016x}>] {}", pc, symbolize(pc));
    }
}

/// Linux: in_sched_functions(): the scheduler's own frames (schedule(), the wait and
/// completion helpers) are not a task's wait channel.
fn in_sched_functions(name: &str) -> bool {
    name == "schedule"
        || name == "__switch_to"
        || name.contains("::sched::")
        || name.starts_with("schedule_")
        || name.contains("context_switch")
}
