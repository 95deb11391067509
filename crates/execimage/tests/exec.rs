use execimage::elf::*;
use execimage::script::*;
use execimage::stack::*;
use execimage::ExecError;

struct Ph {
    t: u32,
    f: u32,
    off: u64,
    va: u64,
    fsz: u64,
    msz: u64,
    al: u64,
}

fn elf(e_type: u16, machine: u16, entry: u64, phs: &[Ph], extra: &[(usize, &[u8])], len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&e_type.to_le_bytes());
    b[18..20].copy_from_slice(&machine.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&entry.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes());
    b[52..54].copy_from_slice(&64u16.to_le_bytes());
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, p) in phs.iter().enumerate() {
        let o = 64 + 56 * i;
        b[o..o + 4].copy_from_slice(&p.t.to_le_bytes());
        b[o + 4..o + 8].copy_from_slice(&p.f.to_le_bytes());
        b[o + 8..o + 16].copy_from_slice(&p.off.to_le_bytes());
        b[o + 16..o + 24].copy_from_slice(&p.va.to_le_bytes());
        b[o + 24..o + 32].copy_from_slice(&p.va.to_le_bytes());
        b[o + 32..o + 40].copy_from_slice(&p.fsz.to_le_bytes());
        b[o + 40..o + 48].copy_from_slice(&p.msz.to_le_bytes());
        b[o + 48..o + 56].copy_from_slice(&p.al.to_le_bytes());
    }
    for (o, d) in extra {
        b[*o..*o + d.len()].copy_from_slice(d);
    }
    b
}

fn static_exe() -> Vec<u8> {
    elf(
        ET_EXEC,
        EM_RISCV,
        0x10100,
        &[
            Ph { t: PT_LOAD, f: PF_R | PF_X, off: 0, va: 0x10000, fsz: 0x1200, msz: 0x1200, al: 0x1000 },
            Ph { t: PT_LOAD, f: PF_R | PF_W, off: 0x1200, va: 0x12200, fsz: 0x100, msz: 0x2000, al: 0x1000 },
            Ph { t: PT_GNU_STACK, f: PF_R | PF_W, off: 0, va: 0, fsz: 0, msz: 0, al: 16 },
        ],
        &[],
        0x1300,
    )
}

#[test]
fn static_exec_plan() {
    let f = static_exe();
    let p = inspect(&f, &LoadConfig::default()).unwrap();
    assert_eq!(p.load_bias, 0);
    assert_eq!(p.entry, 0x10100);
    assert_eq!(p.phdr, 0x10040);
    assert_eq!(p.pt_phdr, None);
    assert_eq!((p.phnum, p.phent), (3, 56));
    assert_eq!(p.stack, ExStack::DisableX);
    assert!(!p.exec_stack());
    assert_eq!(p.segments.len(), 2);
    let s = p.segments[1];
    assert_eq!((s.vaddr, s.memsz, s.offset, s.filesz), (0x12200, 0x2000, 0x1200, 0x100));
    assert_eq!(s.prot, Prot { read: true, write: true, exec: false });
    assert_eq!(s.prot.bits(), 3);
    assert_eq!(p.segments[0].prot.bits(), 5);
    assert_eq!((s.map_start(), s.map_end(), s.map_offset()), (0x12000, 0x15000, 0x1000));
    assert_eq!((p.start_code, p.end_code), (0x10000, 0x11200));
    assert_eq!((p.start_data, p.end_data), (0x12200, 0x12300));
    assert_eq!((p.elf_bss, p.elf_brk, p.brk_start()), (0x12300, 0x14200, 0x15000));
}

#[test]
fn static_pie_bias() {
    let f = elf(
        ET_DYN,
        EM_RISCV,
        0x500,
        &[
            Ph { t: PT_PHDR, f: PF_R, off: 64, va: 64, fsz: 112, msz: 112, al: 8 },
            Ph { t: PT_LOAD, f: PF_R | PF_X, off: 0, va: 0, fsz: 0x800, msz: 0x800, al: 0x10000 },
        ],
        &[],
        0x800,
    );
    let cfg = LoadConfig { dyn_base: 0x2a_aaaa_b123, ..LoadConfig::default() };
    let p = inspect(&f, &cfg).unwrap();
    assert_eq!(p.load_bias, 0x2a_aaaa_0000); // aligned to the 64 KiB p_align
    assert_eq!(p.entry, 0x2a_aaaa_0500);
    assert_eq!(p.phdr, 0x2a_aaaa_0040);
    assert_eq!(p.pt_phdr, Some(0x2a_aaaa_0040));
    assert_eq!(p.stack, ExStack::Default);
    assert_eq!(ELF_ET_DYN_BASE_SV39, 0x2a_aaaa_aaaa);
}

#[test]
fn static_pie_goes_to_the_mmap_area() {
    // Linux 6.1 load_elf_binary(): an ET_DYN image without PT_INTERP gets load_bias 0 and no
    // MAP_FIXED, so mmap places its whole image (0x12345 bytes here: 19 pages).
    let f = elf(
        ET_DYN,
        EM_RISCV,
        0x500,
        &[
            Ph { t: PT_LOAD, f: PF_R | PF_X, off: 0, va: 0, fsz: 0x800, msz: 0x800, al: 0x1000 },
            Ph { t: PT_LOAD, f: PF_R | PF_W, off: 0x800, va: 0x10800, fsz: 0, msz: 0x1b45, al: 0x1000 },
        ],
        &[],
        0x800,
    );
    let top = MmapArea { base: 0x3f_f000_0000, bottom_up: false };
    let p = inspect(&f, &LoadConfig { mmap: Some(top), ..LoadConfig::default() }).unwrap();
    assert_eq!(p.load_bias, 0x3f_f000_0000 - 0x13000);
    assert_eq!(p.entry, 0x3f_f000_0500 - 0x13000);
    let up = MmapArea { base: 0x15_5555_6000, bottom_up: true };
    let p = inspect(&f, &LoadConfig { mmap: Some(up), ..LoadConfig::default() }).unwrap();
    assert_eq!(p.load_bias, 0x15_5555_6000);
    // an image bigger than the area below mmap_base: mmap's ENOMEM, after the point of no return
    let small = MmapArea { base: 0x10000, bottom_up: false };
    let p = inspect(&f, &LoadConfig { mmap: Some(small), ..LoadConfig::default() }).unwrap();
    assert_eq!(p.fatal, Some(12));
    // without an mmap area (and for programs with PT_INTERP) the base is dyn_base
    let p = inspect(&f, &LoadConfig::default()).unwrap();
    assert_eq!(p.load_bias, ELF_ET_DYN_BASE_SV39 & !0xfff);
}

#[test]
fn interp() {
    let mk = |s: &[u8]| {
        elf(
            ET_DYN,
            EM_RISCV,
            0,
            &[
                Ph { t: PT_INTERP, f: PF_R, off: 0x200, va: 0x200, fsz: s.len() as u64, msz: 0, al: 1 },
                Ph { t: PT_LOAD, f: PF_R | PF_X, off: 0, va: 0, fsz: 0x300, msz: 0x300, al: 0x1000 },
            ],
            &[(0x200, s)],
            0x300,
        )
    };
    let f = mk(b"/lib/ld-linux-riscv64-lp64d.so.1\0");
    assert_eq!(
        inspect(&f, &LoadConfig::default()),
        Err(ExecError::NeedsInterpreter("/lib/ld-linux-riscv64-lp64d.so.1".into()))
    );
    assert_eq!(ExecError::NeedsInterpreter(String::new()).errno(), 8);
    let p = inspect(&f, &LoadConfig { allow_interp: true, ..Default::default() }).unwrap();
    assert_eq!(p.interp.as_deref(), Some("/lib/ld-linux-riscv64-lp64d.so.1"));
    assert_eq!(inspect(&mk(b"/lib/ld"), &LoadConfig::default()), Err(ExecError::NoExec)); // no NUL
    assert_eq!(inspect(&mk(b"\0"), &LoadConfig::default()), Err(ExecError::NoExec));
    // < 2
}

#[test]
fn header_errors() {
    let good = static_exe();
    let cfg = LoadConfig::default();
    let mut f = good.clone();
    f[0] = 0;
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    assert_eq!(inspect(b"\x7fELF", &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[4] = 1; // ELFCLASS32
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[18] = 62; // x86-64
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[16] = 1; // ET_REL
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[54] = 32; // phentsize
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[56] = 0; // phnum 0
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    let mut f = good.clone();
    f[56] = 74; // 74 * 56 > 4096
    assert_eq!(inspect(&f, &cfg), Err(ExecError::NoExec));
    assert_eq!(inspect(&good[..100], &cfg), Err(ExecError::NoExec)); // phdrs cut
    assert_eq!(ExecError::NoExec.errno(), 8);
}

#[test]
fn segment_errors() {
    let cfg = LoadConfig::default();
    let one = |ph: Ph, entry: u64| elf(ET_EXEC, EM_RISCV, entry, &[ph], &[], 0x200);
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0, va: 0x10000, fsz: 0x200, msz: 0x100, al: 0x1000 }, 0x10000);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(22)); // filesz > memsz
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0, va: TASK_SIZE_SV39, fsz: 0, msz: 0, al: 0x1000 }, 0x10000);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(22));
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0, va: TASK_SIZE_SV39 - 0x1000, fsz: 0, msz: 0x2000, al: 0x1000 }, 0);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(22));
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0x10, va: 0x10000, fsz: 0, msz: 0, al: 0x1000 }, 0x10000);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(22)); // vaddr/offset congruence
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0, va: 0x10000, fsz: 0x100, msz: 0x100, al: 0x1000 }, u64::MAX);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(22)); // entry
    let f = one(Ph { t: PT_GNU_STACK, f: PF_R | PF_W | PF_X, off: 0, va: 0, fsz: 0, msz: 0, al: 0 }, 0x100);
    assert!(inspect(&f, &cfg).unwrap().exec_stack());
    assert_eq!(ExecError::Inval.errno(), 22);
    // an ET_DYN image whose biased end passes TASK_SIZE: Linux's mmap fails (ENOMEM)
    let f = elf(
        ET_DYN,
        EM_RISCV,
        0x100,
        &[Ph { t: PT_LOAD, f: PF_R, off: 0, va: 0, fsz: 0x100, msz: TASK_SIZE_SV39, al: 0x1000 }],
        &[],
        0x200,
    );
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(12));
    // a file range that wraps: EOVERFLOW
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: !0xfffu64, va: 0x10000, fsz: 0, msz: 0x2000, al: 0x1000 }, 0x10000);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, Some(75));
    // a good one has none
    let f = one(Ph { t: PT_LOAD, f: PF_R, off: 0, va: 0x10000, fsz: 0x100, msz: 0x100, al: 0x1000 }, 0x10000);
    assert_eq!(inspect(&f, &cfg).unwrap().fatal, None);
}

fn sb(s: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), ExecError> {
    parse_shebang(s).map(|x| (x.interp, x.arg))
}
fn ok(i: &str, a: Option<&str>) -> Result<(Vec<u8>, Option<Vec<u8>>), ExecError> {
    Ok((i.as_bytes().to_vec(), a.map(|a| a.as_bytes().to_vec())))
}

#[test]
fn shebang_rules() {
    assert_eq!(sb(b"#!/bin/sh\necho"), ok("/bin/sh", None));
    assert_eq!(sb(b"#! \t/bin/sh  \t\n"), ok("/bin/sh", None));
    assert_eq!(sb(b"#!/usr/bin/env  python3 -u  x \nprint"), ok("/usr/bin/env", Some("python3 -u  x")));
    assert_eq!(sb(b"#!/bin/sh"), ok("/bin/sh", None)); // short file, NUL padded
    assert_eq!(sb(b"#!/bin/sh\t-e"), ok("/bin/sh", Some("-e")));
    assert_eq!(sb(b"#!\n"), Err(ExecError::NoExec));
    assert_eq!(sb(b"#!   \n"), Err(ExecError::NoExec));
    // "#!" then NUL padding: Linux finds an empty name (open_exec("") then
    // fails with ENOENT)
    assert_eq!(sb(b"#!"), ok("", None));
    assert_eq!(sb(b"#/bin/sh\n"), Err(ExecError::NoExec));
    assert_eq!(sb(b"\x7fELF"), Err(ExecError::NoExec));
    // NUL before the newline: strnchr stops; the name ends at the NUL
    assert_eq!(sb(b"#!/bin/sh\0junk\n"), ok("/bin/sh", None));
    // interpreter name filling the whole buffer without a newline: ENOEXEC
    let mut long = b"#!/".to_vec();
    long.extend(std::iter::repeat_n(b'a', 300));
    assert_eq!(sb(&long), Err(ExecError::NoExec));
    // all blanks without newline
    let mut blank = b"#!".to_vec();
    blank.extend(std::iter::repeat_n(b' ', 300));
    assert_eq!(sb(&blank), Err(ExecError::NoExec));
    // name complete, argument truncated: fine, last buffer byte dropped
    let mut t = b"#!/bin/sh ".to_vec();
    t.extend(std::iter::repeat_n(b'x', 300));
    let (i, a) = sb(&t).unwrap();
    assert_eq!(i, b"/bin/sh");
    assert_eq!(a.unwrap().len(), 256 - 10 - 1);
    // exactly-full name line with newline inside the buffer
    let mut e = b"#!/".to_vec();
    e.extend(std::iter::repeat_n(b'b', 252));
    e.push(b'\n');
    assert_eq!(e.len(), 256);
    assert_eq!(sb(&e).unwrap().0.len(), 253);
}

#[test]
fn script_argv_order() {
    let s = parse_shebang(b"#!/bin/sh -x\n").unwrap();
    let v = script_argv(&s, b"./t.sh", &[b"t.sh", b"a", b"b"]);
    assert_eq!(v, vec![b"/bin/sh".to_vec(), b"-x".to_vec(), b"./t.sh".to_vec(), b"a".to_vec(), b"b".to_vec()]);
    let s = parse_shebang(b"#!/bin/sh\n").unwrap();
    assert_eq!(script_argv(&s, b"/s", &[]), vec![b"/bin/sh".to_vec(), b"/s".to_vec()]);
    assert!(is_script(b"#!x") && !is_script(b"#"));
}

fn rd(st: &InitialStack, addr: u64) -> u64 {
    let o = (addr - st.sp) as usize;
    u64::from_le_bytes(st.data[o..o + 8].try_into().unwrap())
}
fn rs(st: &InitialStack, addr: u64) -> Vec<u8> {
    let o = (addr - st.sp) as usize;
    let e = st.data[o..].iter().position(|&c| c == 0).unwrap();
    st.data[o..o + e].to_vec()
}

#[test]
fn stack_layout() {
    let top = 0x3f_ffff_f000u64;
    let argv: [&[u8]; 3] = [b"/bin/prog", b"-v", b""];
    let envp: [&[u8]; 2] = [b"HOME=/", b"TERM=linux"];
    let mut b = StackBuilder::new(top, &argv, &envp, b"/bin/prog");
    b.random = *b"0123456789abcdef";
    b.aux.phdr = 0x10040;
    b.aux.phnum = 3;
    b.aux.entry = 0x10100;
    b.aux.sysinfo_ehdr = Some(0x3f_f000_0000);
    let st = b.build().unwrap();
    assert_eq!(st.sp % 16, 0);
    assert_eq!(st.data.len() as u64, top - st.sp);
    // top 8 bytes zero, execfn right below
    assert_eq!(&st.data[st.data.len() - 8..], &[0u8; 8]);
    assert_eq!(st.execfn, top - 8 - 10);
    assert_eq!(rs(&st, st.execfn), b"/bin/prog");
    // strings contiguous: argv then envp then execfn
    assert_eq!(st.env_end, st.execfn);
    assert_eq!(st.envp[1], st.execfn - 11);
    assert_eq!(st.envp[0], st.envp[1] - 7);
    assert_eq!(st.env_start, st.envp[0]);
    assert_eq!(st.argv[2], st.envp[0] - 1);
    assert_eq!(st.argv[1], st.argv[2] - 3);
    assert_eq!(st.argv[0], st.argv[1] - 10);
    assert_eq!(st.arg_start, st.argv[0]);
    assert_eq!(st.arg_end, st.env_start);
    // AT_RANDOM right below the strings (no arch_align_stack on 6.1)
    assert_eq!(st.random, st.arg_start - 16);
    let o = (st.random - st.sp) as usize;
    assert_eq!(&st.data[o..o + 16], b"0123456789abcdef");
    // table
    assert_eq!(rd(&st, st.sp), 3);
    for (i, want) in argv.iter().enumerate() {
        let p = rd(&st, st.sp + 8 + 8 * i as u64);
        assert_eq!(p, st.argv[i]);
        assert_eq!(rs(&st, p), *want);
    }
    assert_eq!(rd(&st, st.sp + 32), 0);
    for (i, want) in envp.iter().enumerate() {
        let p = rd(&st, st.sp + 40 + 8 * i as u64);
        assert_eq!(rs(&st, p), *want);
    }
    assert_eq!(rd(&st, st.sp + 56), 0);
    // auxv
    let mut a = st.sp + 64;
    let mut got = vec![];
    loop {
        let (k, v) = (rd(&st, a), rd(&st, a + 8));
        got.push((k, v));
        a += 16;
        if k == 0 {
            break;
        }
    }
    assert_eq!(got, st.auxv);
    let keys: Vec<u64> = got.iter().map(|x| x.0).collect();
    assert_eq!(keys, [33, 40, 41, 42, 43, 44, 45, 46, 47, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 31, 0]);
    let get = |k: u64| got.iter().find(|x| x.0 == k).unwrap().1;
    assert_eq!(get(3), 0x10040);
    assert_eq!(get(4), 56);
    assert_eq!(get(5), 3);
    assert_eq!(get(6), 4096);
    assert_eq!(get(9), 0x10100);
    assert_eq!(get(16), HWCAP_RV64IMAFDC);
    assert_eq!(get(17), 100);
    assert_eq!(get(25), st.random);
    assert_eq!(get(31), st.execfn);
    assert_eq!(get(33), 0x3f_f000_0000);
    // auxv ends at most 15 bytes below AT_RANDOM
    assert!(a <= st.random && st.random - a < 16);
}

#[test]
fn stack_optional_entries_and_align() {
    let top = 0x40_0000_0000u64;
    let argv: [&[u8]; 1] = [b"x"];
    let mut b = StackBuilder::new(top, &argv, &[], b"/x");
    b.aux.cache = None;
    b.aux.hwcap2 = Some(7);
    b.aux.minsigstksz = Some(0);
    b.aux.platform = Some(b"riscv".to_vec());
    b.aux.execfd = Some(3);
    b.align_stack = Some(0x123);
    let st = b.build().unwrap();
    let keys: Vec<u64> = st.auxv.iter().map(|x| x.0).collect();
    assert_eq!(keys, [1, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 2, 0]);
    let plat = st.auxv.iter().find(|x| x.0 == 15).unwrap().1;
    assert_eq!(rs(&st, plat), b"riscv");
    assert_eq!((plat + 6) % 16, 0); // aligned p, then the platform string
    assert_eq!(st.random, plat - 16);
    assert_eq!(st.sp % 16, 0);
    assert_eq!(rd(&st, st.sp), 1);
}

#[test]
fn empty_argv_gets_empty_string() {
    let st = StackBuilder::new(0x1000_0000, &[], &[], b"/x").build().unwrap();
    assert_eq!(st.argc, 1);
    assert_eq!(rd(&st, st.sp), 1);
    assert_eq!(rs(&st, rd(&st, st.sp + 8)), b"");
    assert_eq!(rd(&st, st.sp + 16), 0); // argv NULL
    assert_eq!(rd(&st, st.sp + 24), 0); // envp NULL
}

#[test]
fn stack_limits() {
    let top = 0x1_0000_0000u64;
    // one string of MAX_ARG_STRLEN - 1 bytes is fine, one more is E2BIG
    let s = vec![b'a'; MAX_ARG_STRLEN as usize - 1];
    let argv: [&[u8]; 1] = [&s];
    assert!(StackBuilder::new(top, &argv, &[], b"/x").build().is_ok());
    let s2 = vec![b'a'; MAX_ARG_STRLEN as usize];
    let argv: [&[u8]; 1] = [&s2];
    assert_eq!(StackBuilder::new(top, &argv, &[], b"/x").build().map(|_| ()), Err(ExecError::TooBig));
    // total limit: 2 MiB with the default 8 MiB rlimit
    assert_eq!(string_limit(8 << 20, 1, 0), Ok((2 << 20) - 8));
    assert_eq!(string_limit(u64::MAX, 0, 0), Ok((6 << 20) - 8));
    assert_eq!(string_limit(4096, 0, 0), Ok(131072 - 8));
    let chunk = vec![b'e'; 100_000];
    let many: Vec<&[u8]> = (0..21).map(|_| chunk.as_slice()).collect(); // ~2.1 MB
    let st = StackBuilder::new(top, &[b"a"], &many, b"/x").build();
    assert_eq!(st.map(|_| ()), Err(ExecError::TooBig));
    let fewer: Vec<&[u8]> = (0..20).map(|_| chunk.as_slice()).collect();
    assert!(StackBuilder::new(top, &[b"a"], &fewer, b"/x").build().is_ok());
    // a small rlimit still allows ARG_MAX
    let mut b = StackBuilder::new(top, &[b"a"], &fewer, b"/x");
    b.stack_rlimit = 1 << 20;
    assert_eq!(b.build().map(|_| ()), Err(ExecError::TooBig));
    assert_eq!(ExecError::TooBig.errno(), 7);
}

/// An ld.so-like interpreter: ET_DYN at 0, text then data + bss.
fn interp_so() -> Vec<u8> {
    elf(
        ET_DYN,
        EM_RISCV,
        0x1090,
        &[
            Ph { t: PT_LOAD, f: PF_R | PF_X, off: 0, va: 0, fsz: 0x1800, msz: 0x1800, al: 0x1000 },
            Ph { t: PT_LOAD, f: PF_R | PF_W, off: 0x1e00, va: 0x2e00, fsz: 0x100, msz: 0x300, al: 0x1000 },
        ],
        &[],
        0x1f00,
    )
}

#[test]
fn interpreter_plan() {
    let p = inspect_interp(&interp_so()).unwrap();
    assert_eq!(p.e_type, ET_DYN);
    assert_eq!(p.entry, 0x1090);
    assert_eq!(p.first_vaddr, 0);
    assert_eq!(p.total_size, 0x3100); // total_mapping_size(): 0 .. 0x2e00 + 0x300
    assert_eq!(p.segments.len(), 2);
    assert_eq!(p.segments[1].map_start(), 0x2000);
    assert_eq!(p.check_at(0x3f_f000_0000, TASK_SIZE_SV39), Ok(0x3f_f000_1090));
    assert_eq!(p.check_at(TASK_SIZE_SV39 - 0x1000, TASK_SIZE_SV39), Err(ExecError::Fatal(12)));
}

#[test]
fn interpreter_errors() {
    let good = interp_so();
    // elf_read() of the header: short file is EIO
    assert_eq!(inspect_interp(&good[..63]), Err(ExecError::Io));
    assert_eq!(ExecError::Io.errno(), 5);
    // not ELF, wrong class, wrong machine: ELIBBAD
    let mut f = good.clone();
    f[1] = b'X';
    assert_eq!(inspect_interp(&f), Err(ExecError::LibBad));
    assert_eq!(ExecError::LibBad.errno(), 80);
    let mut f = good.clone();
    f[4] = 1;
    assert_eq!(inspect_interp(&f), Err(ExecError::LibBad));
    let mut f = good.clone();
    f[18] = 62; // EM_X86_64
    assert_eq!(inspect_interp(&f), Err(ExecError::LibBad));
    // load_elf_phdrs(): bad phentsize, no phdrs, table past the end: ELIBBAD
    let mut f = good.clone();
    f[54] = 32;
    assert_eq!(inspect_interp(&f), Err(ExecError::LibBad));
    let mut f = good.clone();
    f[56] = 0;
    assert_eq!(inspect_interp(&f), Err(ExecError::LibBad));
    assert_eq!(inspect_interp(&good[..100]), Err(ExecError::LibBad));
    // after the point of no return: ET_REL (EPERM), no PT_LOAD (EINVAL), filesz > memsz
    let mut f = good.clone();
    f[16] = 1;
    assert_eq!(inspect_interp(&f), Err(ExecError::Fatal(1)));
    let mut f = good.clone();
    f[64] = 4; // PT_NOTE
    f[120] = 4;
    assert_eq!(inspect_interp(&f), Err(ExecError::Fatal(22)));
    let mut f = good.clone();
    f[120 + 40..120 + 48].copy_from_slice(&0x10u64.to_le_bytes());
    assert_eq!(inspect_interp(&f), Err(ExecError::Fatal(12)));
}

#[test]
fn stack_allocation_failure_is_enomem() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // fail the Nth allocation build() makes, for every N it makes (as /proc/PID/fail-nth)
    static LEFT: AtomicUsize = AtomicUsize::new(0);
    fn nth() -> bool {
        LEFT.fetch_sub(1, Ordering::Relaxed) == 1
    }
    let argv: [&[u8]; 2] = [b"prog", b"-x"];
    let envp: [&[u8]; 1] = [b"A=1"];
    let mut b = StackBuilder::new(0x40_0000_0000, &argv, &envp, b"/bin/prog");
    b.should_fail = nth;
    let mut failed = 0;
    for n in 1..20 {
        LEFT.store(n, Ordering::Relaxed);
        match b.build() {
            Err(e) => {
                assert_eq!(e, ExecError::NoMem);
                assert_eq!(e.errno(), 12);
                failed += 1;
            }
            Ok(st) => {
                assert_eq!(st.argc, 2);
                break;
            }
        }
    }
    assert_eq!(failed, 5); // strings, envp, argv, auxv, the image
}
