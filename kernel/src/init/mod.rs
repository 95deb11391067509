//! Boot: start_kernel, mm_init, rest_init, kernel_init.  Linux: init/main.c, init/initramfs.c
//! (populate_rootfs's call).  setup_arch() is arch/riscv/setup.rs; paging_init is mm/pgtable.rs.

use crate::arch::riscv as arch;
use crate::kernel::fork::{kernel_thread, user_mode_thread, CLONE_FS};
use crate::kernel::sched;
use crate::mm::{page_alloc, virt_to_phys, PAGE_SHIFT, PAGE_SIZE};
use crate::{pr_info, pr_notice, pr_warn};
use alloc::string::String;
use alloc::vec::Vec;
use spin::Once;

pub mod initramfs;

struct BootInfo {
    initrd: Option<(usize, usize)>,
    cmdline: String,
    params: Option<bootparam::BootParams>,
}

static BOOT: Once<BootInfo> = Once::new();
static INITRD: Once<&'static [u8]> = Once::new();
/// The device tree's physical address (kept reserved, never freed): /proc/cpuinfo reads it.
static DTB_PA: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Linux: saved_command_line (/proc/cmdline).
pub fn saved_command_line() -> &'static str {
    BOOT.get().map_or("", |b| b.cmdline.as_str())
}

/// The initramfs image's size in bytes (its pages hold the rootfs's file data: meminfo's
/// Shmem).
pub fn initrd_size() -> usize {
    BOOT.get().and_then(|b| b.initrd).map_or(0, |(s, e)| e - s)
}

/// The device tree OpenSBI passed, if any.
pub fn device_tree() -> Option<fdt::Fdt<'static>> {
    let pa = DTB_PA.load(core::sync::atomic::Ordering::Relaxed);
    if pa == 0 {
        return None;
    }
    fdt::Fdt::new(crate::mm::mmio::boot_dtb(pa)).ok()
}

pub static MENUOS_BANNER: &str =
    concat!("MenuOS version ", env!("CARGO_PKG_VERSION"), " (Linux-compatible, riscv64) ", "#1 SMP");

extern "C" {
    static _end: u8;
    static _stext: u8;
}

/// Linux: start_kernel() — everything before the first task, as Linux's list of steps:
/// setup_arch, mm_init, trap_init, sched_init, rest_init (each a symbol gdb can break on).
#[no_mangle]
pub extern "C" fn start_kernel(hartid: usize, dtb_pa: usize) -> ! {
    crate::drivers::console_write(b"\n");
    DTB_PA.store(dtb_pa, core::sync::atomic::Ordering::Relaxed);
    let setup = arch::setup::setup_arch(dtb_pa);
    // Linux calls time_init() later; here it comes first so that printk's timestamps count
    // from boot.
    crate::kernel::time::time_init();
    pr_notice!("Linux version 6.1.0-menuos ({}) #1 SMP", MENUOS_BANNER);
    pr_info!("Machine model: {}", setup.model);
    pr_info!("hart {}: booted by OpenSBI, DTB at {:#x}", hartid, dtb_pa);
    pr_notice!("Kernel command line: {}", setup.cmdline);
    mm_init(&setup);
    crate::drivers::plic::init(setup.plic); // Linux: init_IRQ()
    arch::trap_init();
    crate::drivers::rtc::rtc_hctosys(); // Linux: a late_initcall; CLOCK_REALTIME from the RTC
    setup_command_line(&setup);
    sched::core::sched_init();
    crate::kernel::fork::fork_init();
    crate::fs::file_table::files_maxfiles_init();
    rest_init()
}

/// Linux: mm_init() (init/main.c) over memblock: RAM minus the kernel image, the initrd and
/// the DTB is free.  The frames go to the page allocator (the kernel heap's slabs come from
/// it: nothing allocates before this); then paging_init() drops the boot mappings.
#[no_mangle]
#[inline(never)]
fn mm_init(setup: &arch::setup::SetupInfo) {
    let (ram_start, ram_end, dtb_pa) = (setup.ram_start, setup.ram_end, setup.dtb_pa);
    let kend = virt_to_phys(core::ptr::addr_of!(_end) as usize);
    let mut reserved = [(ram_start, (kend + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)), (0, 0), (0, 0)];
    if let Some((s, e)) = setup.initrd {
        reserved[1] = (s & !(PAGE_SIZE - 1), (e + PAGE_SIZE - 1) & !(PAGE_SIZE - 1));
    }
    let dtb_size = setup.dtb_size;
    reserved[2] = (dtb_pa & !(PAGE_SIZE - 1), (dtb_pa + dtb_size + PAGE_SIZE - 1) & !(PAGE_SIZE - 1));
    let mut free: [(usize, usize); 4] = [(0, 0); 4];
    let mut nfree = 0;
    let mut cursor = ram_start;
    let mut rs = reserved;
    rs.sort_unstable();
    for (s, e) in rs.iter().copied().filter(|r| r.1 > r.0) {
        if s > cursor && nfree < 4 {
            free[nfree] = (cursor, s);
            nfree += 1;
        }
        cursor = cursor.max(e);
    }
    if ram_end > cursor && nfree < 4 {
        free[nfree] = (cursor, ram_end);
        nfree += 1;
    }
    // The struct-page arrays are carved from RAM here, sized from the DTB's RAM.
    let mem_map = page_alloc::init(&mut free[..nfree], ram_start >> PAGE_SHIFT, ram_end >> PAGE_SHIFT);
    // Linux: totalram_pages(): what memblock_free_all() gave the buddy allocator plus the
    // initrd (freed to it later in Linux; file data here): RAM less the image, the DTB and
    // mem_map.
    let held = |r: (usize, usize)| (r.1 - r.0) / PAGE_SIZE;
    page_alloc::set_totalram_pages(
        (ram_end - ram_start) / PAGE_SIZE - held(reserved[0]) - held(reserved[2]) - mem_map / PAGE_SIZE,
    );
    crate::mm::pgtable::paging_init(ram_start, ram_end);
    pr_info!("Memory: {}K/{}K available", page_alloc::nr_free_pages() * 4, (ram_end - ram_start) / 1024);
}

/// Linux: setup_command_line() + parse_args(): the command line as kernel_init will read it
/// (rdinit=, init=, and what goes to init as arguments and environment).
fn setup_command_line(setup: &arch::setup::SetupInfo) {
    let cmdline = String::from(setup.cmdline);
    let params = match bootparam::parse(cmdline.as_bytes()) {
        Ok(p) => Some(p),
        Err(_) => {
            pr_warn!("Too many boot init vars or args; ignoring the rest");
            None
        }
    };
    // Linux: __setup("norandmaps", disable_randmaps) in mm/memory.c.
    if params.as_ref().is_some_and(|p| p.norandmaps) {
        crate::mm::memory::disable_randmaps();
    }
    BOOT.call_once(|| BootInfo { initrd: setup.initrd, cmdline, params });
}

/// Linux: rest_init(): init (pid 1) as a user-mode thread; the boot CPU becomes idle.
#[no_mangle]
#[inline(never)]
fn rest_init() -> ! {
    let pid = user_mode_thread(kernel_init, 0, CLONE_FS).expect("cannot create init");
    debug_assert_eq!(pid, 1);
    // Linux: kthreadd is pid 2, the parent of every kernel thread made later.
    let _ = kernel_thread(kthreadd, 0, CLONE_FS | crate::kernel::fork::CLONE_FILES);
    sched::idle::cpu_idle_loop()
}

/// Linux: kthreadd() in kernel/kthread.c.  MenuOS creates no kernel threads on demand yet,
/// so it only sleeps; it is there so that pids and `ps` look as on Linux.
#[no_mangle]
extern "C" fn kthreadd(_: usize) -> usize {
    let cur = crate::kernel::task::current();
    cur.set_comm(b"kthreadd");
    loop {
        cur.set_state(crate::kernel::task::TASK_INTERRUPTIBLE);
        sched::schedule();
    }
}

/// Linux: kernel_init() — runs as pid 1: unpack the initramfs, open the console, exec init.
#[no_mangle]
extern "C" fn kernel_init(_: usize) -> usize {
    let boot = BOOT.get().unwrap();
    let cur = crate::kernel::task::current();
    cur.set_comm(b"init");
    // the debug kernel checks its stack's guard page (mm/vmalloc.rs)
    #[cfg(feature = "lockdep")]
    crate::mm::vmalloc::vmap_stack_selftest(cur.stack.base(), cur.stack.top());
    // pid 1 gets a root, a cwd and an fd table (Linux: init_fs / init_files).
    let root = crate::fs::root();
    *cur.fs.lock() = Some(crate::fs::FsStruct::new(root));
    *cur.files.lock() = Some(crate::fs::FilesStruct::new());
    // Linux: init runs in process group 0, session 0, without a controlling tty.

    // Linux: populate_rootfs()
    if let Some((s, e)) = boot.initrd {
        // The initrd region was kept out of the page allocator and is never freed.
        let image: &'static [u8] = crate::mm::mmio::boot_region(s, e - s);
        INITRD.call_once(|| image);
        // A gzip-compressed image is inflated on a larger stack than a task's 16 KiB.
        extern "C" fn unpack(_: usize) -> usize {
            let image: &'static [u8] = INITRD.get().unwrap();
            match crate::init::initramfs::populate_rootfs(image) {
                Ok(n) => n,
                Err(_) => usize::MAX,
            }
        }
        let n = if image.starts_with(&[0x1f, 0x8b]) { arch::call_on_stack(1 << 20, unpack, 0) } else { unpack(0) };
        match n {
            usize::MAX => pr_warn!("Initramfs unpacking failed"),
            n => pr_info!("Unpacking initramfs... {} entries", n),
        }
    } else {
        pr_warn!("No initramfs found");
    }
    crate::init::initramfs::populate_defaults();
    // Linux: console_on_rootfs(): fds 0, 1, 2 on /dev/console.
    match crate::fs::open::do_open(crate::fs::AT_FDCWD, "/dev/console", linux_raw_sys::general::O_RDWR, 0) {
        Ok(_) => {
            let _ = crate::fs::file::sys_dup(0);
            let _ = crate::fs::file::sys_dup(0);
        }
        Err(_) => pr_warn!("Warning: unable to open an initial console."),
    }
    pr_info!("Freeing unused kernel image memory: 0K");

    // (init candidates with their "panic if it fails" flag, init's environment, extra argv)
    type InitPlan = (Vec<(String, bool)>, Vec<Vec<u8>>, Vec<String>);
    let (cands, envp, extra_argv): InitPlan = match &boot.params {
        Some(p) => {
            let c =
                p.init_candidates().into_iter().map(|(s, f)| (s, matches!(f, bootparam::OnFailure::Panic))).collect();
            (c, p.init_envp.iter().map(|s| s.clone().into_bytes()).collect(), p.init_args.clone())
        }
        None => (
            alloc::vec![(String::from("/init"), false), (String::from("/sbin/init"), false)],
            alloc::vec![b"HOME=/".to_vec(), b"TERM=linux".to_vec()],
            Vec::new(),
        ),
    };
    let _ = &boot.cmdline;
    for (path, fatal) in cands {
        let mut argv: Vec<Vec<u8>> = alloc::vec![path.clone().into_bytes()];
        argv.extend(extra_argv.iter().map(|a| a.clone().into_bytes()));
        // Linux: kernel_init_freeable() checks rdinit= with init_eaccess() and
        // try_to_run_init_process() stays silent on ENOENT: a missing candidate is skipped.
        if crate::fs::namei_at(crate::fs::AT_FDCWD, &path, true).is_err() && !fatal {
            continue;
        }
        pr_info!("Run {} as init process", path);
        match crate::fs::exec::kernel_execve(&path, argv, envp.clone()) {
            Ok(_) => {
                crate::trace_point!(kernel_init, 1, 0);
                return 0; // ret_from_fork takes us to user mode in the new image
            }
            Err(e) => {
                if fatal {
                    panic!("Requested init {} failed (error {}).", path, -(e.0 as isize));
                }
                pr_warn!("Starting init: {} exists but couldn't execute it (error {})", path, -(e.0 as isize));
            }
        }
    }
    panic!("No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.");
}
