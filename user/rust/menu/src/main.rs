//! menu: the MenuOS init, the menu shell of the course's MenuOS written with Rust std.
//!
//! A static riscv64 Linux binary (glibc, +crt-static): the kernel starts it as /init (PID 1).
//! It greets, prints the `MenuOS>>` prompt and runs commands (`help` lists them).  As PID 1 it
//! mounts /proc and /sys, never leaves on end of input, reaps orphans after each command, and
//! `quit` powers the machine off.  It also runs as an ordinary program (under
//! qemu-riscv64-static, or from a shell), where `quit` just leaves.

mod procfs;
mod raw;

use menu::term::Terminal;
use menu::{Hooks, Menu, Outcome};
use std::ffi::CString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::time::Duration;

const VERSION: &str = env!("CARGO_PKG_VERSION");

const BANNER: &str = r"
 __  __                   ___  ____
|  \/  | ___ _ __  _   _ / _ \/ ___|
| |\/| |/ _ \ '_ \| | | | | | \___ \
| |  | |  __/ | | | |_| | |_| |___) |
|_|  |_|\___|_| |_|\__,_|\___/|____/
";

fn pid1() -> bool {
    // SAFETY: getpid cannot fail.
    unsafe { libc::getpid() == 1 }
}

fn errno() -> io::Error {
    io::Error::last_os_error()
}

fn flush() {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
}

fn cstr(s: &[u8]) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{:?}: contains a NUL byte", String::from_utf8_lossy(s)))
}

/// Status words of waitpid, the way a shell tells them.
fn describe_status(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        // SAFETY: strsignal returns a static or thread-local string.
        let name = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(sig)) };
        format!("killed by signal {sig} ({})", name.to_string_lossy())
    } else {
        format!("status {status:#x}")
    }
}

/// waitpid(pid, &status, 0), again on EINTR.
fn wait_for(pid: libc::pid_t) -> io::Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid int.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return Ok(status);
        }
        let e = errno();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Commands.

fn version(_: &[String]) -> i32 {
    println!("MenuOS menu {VERSION} (Rust std, static riscv64 binary)");
    // SAFETY: utsname is plain data, filled by uname.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        println!("version: uname: {}", errno());
        return 1;
    }
    let f = |a: &[libc::c_char]| {
        #[allow(clippy::unnecessary_cast)] // c_char is i8 on some targets
        let b: Vec<u8> = a
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&b).into_owned()
    };
    println!(
        "uname: {} {} {} {} {}",
        f(&u.sysname),
        f(&u.nodename),
        f(&u.release),
        f(&u.version),
        f(&u.machine)
    );
    0
}

fn quit(_: &[String]) -> i32 {
    // SAFETY: sync has no arguments.
    unsafe { libc::sync() };
    if !pid1() {
        // reboot(2) acts on the machine that runs this process: under qemu-riscv64-static
        // that is the host itself (as root it would power it off), so only the init asks.
        println!("quit: not PID 1, so not powering off; leaving the menu");
        flush();
        std::process::exit(0);
    }
    println!("MenuOS: powering off");
    flush();
    // SAFETY: reboot with a valid command; it returns only on failure.
    unsafe { libc::reboot(libc::LINUX_REBOOT_CMD_POWER_OFF) };
    println!("quit: reboot(LINUX_REBOOT_CMD_POWER_OFF): {}", errno());
    1
}

fn time(_: &[String]) -> i32 {
    // SAFETY: time and localtime_r with valid pointers; tm is plain data.
    let t = unsafe { libc::time(std::ptr::null_mut()) };
    if t == -1 {
        println!("time: time(): {}", errno());
        return 1;
    }
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        println!("time: localtime_r({t}): {}", errno());
        return 1;
    }
    let mut buf = [0u8; 128];
    let fmt = c"%a %b %e %H:%M:%S %Z %Y";
    // SAFETY: buf has buf.len() bytes; fmt is NUL-terminated.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm) };
    println!("{}", String::from_utf8_lossy(&buf[..n]));
    0
}

fn time_asm(_: &[String]) -> i32 {
    match raw::clock_gettime(libc::CLOCK_REALTIME) {
        Ok((s, ns)) => {
            let (y, mo, d, h, mi, se) = raw::utc(s);
            println!(
                "clock_gettime(CLOCK_REALTIME) by ecall {}: {s}.{ns:09} s = \
                 {y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{se:02} UTC",
                raw::SYS_CLOCK_GETTIME
            );
            0
        }
        Err(e) => {
            let e = io::Error::from_raw_os_error(-e as i32);
            println!(
                "time-asm: clock_gettime by ecall {}: {e}",
                raw::SYS_CLOCK_GETTIME
            );
            1
        }
    }
}

fn write_libc(_: &[String]) -> i32 {
    flush();
    let msg = b"Hello World! (libc write)\n";
    // SAFETY: msg is valid for its length.
    let n = unsafe { libc::write(1, msg.as_ptr().cast(), msg.len()) };
    if n < 0 {
        println!("write: write(1): {}", errno());
        return 1;
    }
    0
}

fn write_asm(_: &[String]) -> i32 {
    flush();
    let n = raw::write(1, b"Hello World! (ecall write, syscall 64)\n");
    if n < 0 {
        println!(
            "write-asm: write by ecall {}: {}",
            raw::SYS_WRITE,
            io::Error::from_raw_os_error(-n as i32)
        );
        return 1;
    }
    0
}

/// The seed's ForkProcess: fork(); the child says so and ends; the parent says so, waits for
/// it (wait(NULL)) and says the child is complete.
fn fork_process(_: &[String]) -> i32 {
    flush();
    // SAFETY: the menu has a single thread here; the child only prints and exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        eprintln!("Fork Failed! fork(): {}", errno());
        return 1;
    } else if pid == 0 {
        println!("This is Child Process!");
        flush();
        // SAFETY: _exit ends the child at once.
        unsafe { libc::_exit(0) };
    } else {
        println!("This is Parent Process!");
        // wait(NULL), again until it is this child (an orphan adopted by PID 1 may end first)
        loop {
            // SAFETY: wait accepts NULL.
            let r = unsafe { libc::wait(std::ptr::null_mut()) };
            if r == pid {
                break;
            }
            if r < 0 && errno().kind() != io::ErrorKind::Interrupted {
                println!("fork-new: wait(NULL): {}", errno());
                return 1;
            }
        }
        println!("Child Complete!");
    }
    0
}

/// ForkProcess with vfork: the child borrows the parent's memory until it calls _exit, so it
/// only writes (see raw::vfork_write_exit: clone(CLONE_VM|CLONE_VFORK|SIGCHLD) by ecall).
fn vfork_process(_: &[String]) -> i32 {
    flush();
    let pid = raw::vfork_write_exit(b"This is Child Process!\n");
    if pid < 0 {
        eprintln!(
            "vfork Failed! clone(CLONE_VM|CLONE_VFORK): {}",
            io::Error::from_raw_os_error(-pid as i32)
        );
        return 1;
    }
    println!("This is Parent Process!");
    match wait_for(pid as libc::pid_t) {
        Ok(_) => println!("Child Complete!"),
        Err(e) => {
            println!("vfork-new: waitpid({pid}): {e}");
            return 1;
        }
    }
    0
}

fn gettid() -> i64 {
    // SAFETY: gettid has no arguments.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

fn clone_thread(_: &[String]) -> i32 {
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    println!("main thread: pid {pid} tid {}", gettid());
    let h = std::thread::Builder::new()
        .name("clone-thread".into())
        .spawn(move || {
            // SAFETY: getpid cannot fail.
            let tpid = unsafe { libc::getpid() };
            println!(
                "new thread:  pid {tpid} tid {} (same pid: {})",
                gettid(),
                tpid == pid
            );
            gettid()
        });
    match h {
        Ok(h) => match h.join() {
            Ok(tid) => {
                println!("joined thread {tid}");
                0
            }
            Err(_) => {
                println!("clone-thread: the thread panicked");
                1
            }
        },
        Err(e) => {
            println!("clone-thread: spawning a thread (clone3/clone): {e}");
            1
        }
    }
}

/// fork, execve(argv[0], argv, environ) in the child, wait; prints how it ended.
fn spawn_wait(who: &str, argv: &[Vec<u8>]) -> i32 {
    let cargs: Result<Vec<CString>, String> = argv.iter().map(|a| cstr(a)).collect();
    let cenv: Result<Vec<CString>, String> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            cstr(&kv)
        })
        .collect();
    let (cargs, cenv) = match (cargs, cenv) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(e), _) | (_, Err(e)) => {
            println!("{who}: {e}");
            return 1;
        }
    };
    let mut pargs: Vec<*const libc::c_char> = cargs.iter().map(|a| a.as_ptr()).collect();
    pargs.push(std::ptr::null());
    let mut penv: Vec<*const libc::c_char> = cenv.iter().map(|a| a.as_ptr()).collect();
    penv.push(std::ptr::null());
    let path = String::from_utf8_lossy(&argv[0]).into_owned();
    let msg = format!("{who}: execve {path}: ");
    flush();
    // SAFETY: single thread; the child only calls execve, write and _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        println!("{who}: fork: {}", errno());
        return 1;
    }
    if pid == 0 {
        unsafe {
            libc::execve(pargs[0], pargs.as_ptr(), penv.as_ptr());
            let e = format!("{msg}{}\n", errno());
            libc::write(2, e.as_ptr().cast(), e.len());
            libc::_exit(127);
        }
    }
    match wait_for(pid) {
        Ok(st) => {
            println!("{who}: {path} (pid {pid}) {}", describe_status(st));
            if libc::WIFEXITED(st) {
                libc::WEXITSTATUS(st)
            } else {
                128 + libc::WTERMSIG(st)
            }
        }
        Err(e) => {
            println!("{who}: waitpid({pid}): {e}");
            1
        }
    }
}

/// A program name without a slash, looked up in $PATH, then in /: the first that exists.
fn lookup(name: &str) -> String {
    if name.contains('/') {
        return name.to_string();
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/bin:/sbin:/usr/bin".into());
    path.split(':')
        .chain(std::iter::once(""))
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).is_file())
        .unwrap_or_else(|| name.to_string())
}

fn exec_cmd(args: &[String]) -> i32 {
    let mut argv: Vec<Vec<u8>> = args[1..].iter().map(|a| a.as_bytes().to_vec()).collect();
    match args.get(1) {
        None => argv.push(b"/hello".to_vec()),
        Some(name) => argv[0] = lookup(name).into_bytes(),
    }
    spawn_wait("exec", &argv)
}

fn sh(args: &[String]) -> i32 {
    if !Path::new("/bin/sh").exists() {
        println!("sh: /bin/sh is not there (no shell in this root file system)");
        return 1;
    }
    let mut argv = vec![b"/bin/sh".to_vec()];
    argv.extend(args[1..].iter().map(|a| a.as_bytes().to_vec()));
    spawn_wait("sh", &argv)
}

/// su [USER [[-c] COMMAND...]]: runs USER's shell (or `SHELL -c COMMAND`) as USER (default root),
/// making the calls login makes: setgroups (the groups /etc/group lists the user in),
/// setresgid, setresuid — in that order: once the uid is not 0 the others are refused —
/// then chdir to the home directory and execve.  Who may do what is then the kernel's
/// permission checks: try `su user -c cat /etc/shadow`.
fn su(args: &[String]) -> i32 {
    let who = args.get(1).map(String::as_str).unwrap_or("root");
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let Some(pw) = menu::passwd::lookup_user(&passwd, who) else {
        println!("su: unknown user {who} (not in /etc/passwd)");
        return 1;
    };
    let group = fs::read_to_string("/etc/group").unwrap_or_default();
    let groups = menu::passwd::user_groups(&group, &pw.name, pw.gid);
    let shell = if pw.shell.is_empty() { "/bin/sh".to_string() } else { pw.shell.clone() };
    let mut argv = vec![shell.clone().into_bytes()];
    // `su USER COMMAND...` or, as su(1) has it, `su USER -c COMMAND`
    let cmd = if args.get(2).map(String::as_str) == Some("-c") { &args[3.min(args.len())..] } else { &args[2.min(args.len())..] };
    if !cmd.is_empty() {
        argv.push(b"-c".to_vec());
        argv.push(cmd.join(" ").into_bytes());
    }
    let home = if pw.home.is_empty() { "/".to_string() } else { pw.home.clone() };
    let mut env: Vec<Vec<u8>> = vec![
        format!("HOME={home}").into_bytes(),
        format!("USER={}", pw.name).into_bytes(),
        format!("LOGNAME={}", pw.name).into_bytes(),
        format!("SHELL={shell}").into_bytes(),
        b"PATH=/bin:/sbin:/usr/bin:/usr/sbin".to_vec(),
    ];
    if let Ok(t) = std::env::var("TERM") {
        env.push(format!("TERM={t}").into_bytes());
    }
    let cargs: Result<Vec<CString>, String> = argv.iter().map(|a| cstr(a)).collect();
    let cenv: Result<Vec<CString>, String> = env.iter().map(|a| cstr(a)).collect();
    let (Ok(cargs), Ok(cenv), Ok(chome)) = (cargs, cenv, cstr(home.as_bytes())) else {
        println!("su: a name with a NUL byte");
        return 1;
    };
    let mut pargs: Vec<*const libc::c_char> = cargs.iter().map(|a| a.as_ptr()).collect();
    pargs.push(std::ptr::null());
    let mut penv: Vec<*const libc::c_char> = cenv.iter().map(|a| a.as_ptr()).collect();
    penv.push(std::ptr::null());
    let gl: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    println!("su: {} (uid {} gid {} groups {}): {shell}", pw.name, pw.uid, pw.gid, gl.join(","));
    flush();
    // SAFETY: single thread; the child only makes syscalls, writes and exits or execs.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        println!("su: fork: {}", errno());
        return 1;
    }
    if pid == 0 {
        unsafe {
            let fail = |what: &str| {
                let e = format!("su: {what}: {}\n", errno());
                libc::write(2, e.as_ptr().cast(), e.len());
                libc::_exit(126);
            };
            if libc::setgroups(groups.len(), groups.as_ptr()) != 0 {
                fail("setgroups");
            }
            if libc::setresgid(pw.gid, pw.gid, pw.gid) != 0 {
                fail("setresgid");
            }
            if libc::setresuid(pw.uid, pw.uid, pw.uid) != 0 {
                fail("setresuid");
            }
            if libc::chdir(chome.as_ptr()) != 0 {
                libc::chdir(c"/".as_ptr());
            }
            libc::execve(pargs[0], pargs.as_ptr(), penv.as_ptr());
            fail(&format!("execve {shell}"));
        }
    }
    match wait_for(pid) {
        Ok(st) => {
            println!("su: {shell} as {} (pid {pid}) {}", pw.name, describe_status(st));
            if libc::WIFEXITED(st) {
                libc::WEXITSTATUS(st)
            } else {
                128 + libc::WTERMSIG(st)
            }
        }
        Err(e) => {
            println!("su: waitpid({pid}): {e}");
            1
        }
    }
}

fn ps(_: &[String]) -> i32 {
    match procfs::processes() {
        Ok(p) => {
            print!("{}", procfs::ps_table(&p));
            0
        }
        Err(e) => {
            println!("ps: reading /proc: {e} (is proc mounted on /proc?)");
            1
        }
    }
}

fn pstree(_: &[String]) -> i32 {
    match procfs::processes() {
        Ok(p) => {
            print!("{}", procfs::pstree(&p));
            0
        }
        Err(e) => {
            println!("pstree: reading /proc: {e} (is proc mounted on /proc?)");
            1
        }
    }
}

fn dmesg(_: &[String]) -> i32 {
    const SYSLOG_ACTION_READ_ALL: i32 = 3;
    const SYSLOG_ACTION_SIZE_BUFFER: i32 = 10;
    // SAFETY: SIZE_BUFFER takes no buffer.
    let size = unsafe { libc::klogctl(SYSLOG_ACTION_SIZE_BUFFER, std::ptr::null_mut(), 0) };
    let size = if size > 0 { size } else { 1 << 17 };
    let mut buf = vec![0u8; size as usize];
    // SAFETY: buf has size bytes.
    let n = unsafe { libc::klogctl(SYSLOG_ACTION_READ_ALL, buf.as_mut_ptr().cast(), size) };
    if n < 0 {
        println!("dmesg: syslog(SYSLOG_ACTION_READ_ALL): {}", errno());
        return 1;
    }
    let text = String::from_utf8_lossy(&buf[..n as usize]);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        // drop the "<level>" that starts each record, as dmesg(1) does
        let line = match line.strip_prefix('<').and_then(|l| l.split_once('>')) {
            Some((lvl, rest)) if lvl.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    print!("{out}");
    0
}

/// What `trace` records when it is given no -e, -t or -n.
const DEFAULT_EVENTS: [&str; 5] = [
    "task:task_newtask",
    "sched:sched_process_fork",
    "sched:sched_wakeup_new",
    "sched:sched_process_exec",
    "sched:sched_process_exit",
];

const TRACEFS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

fn trace_write(dir: &str, file: &str, value: &str) -> Result<(), String> {
    let path = format!("{dir}/{file}");
    fs::write(&path, value).map_err(|e| format!("writing {value:?} to {path}: {e}"))
}

/// trace [-e EVENT]... [-t TRACER] [-n] COMMAND [ARGS]: runs a menu command with the
/// kernel's ftrace on (tracing_on), then prints the trace buffer and switches it off.  EVENT
/// is SUBSYSTEM:NAME, SUBSYSTEM or all; without -e/-t the DEFAULT_EVENTS are recorded, and
/// -n records only what is already enabled.
fn trace(menu: &Menu, args: &[String]) -> i32 {
    let mut events = Vec::new();
    let mut tracer = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "-e" if i + 1 < args.len() => events.push(args[i + 1].clone()),
            "-t" if i + 1 < args.len() => tracer = Some(args[i + 1].clone()),
            _ => break,
        }
        i += 2;
    }
    let mut cmd = &args[i..];
    let mut plain = false;
    if cmd.first().map(String::as_str) == Some("-n") {
        plain = true;
        cmd = &cmd[1..];
    }
    if cmd.is_empty() {
        println!("usage: trace [-e EVENT]... [-t TRACER] [-n] COMMAND [ARGS]   e.g. trace fork-new, trace -e sched fork-new, trace -t function write");
        return 1;
    }
    let Some(dir) = TRACEFS
        .iter()
        .find(|d| Path::new(d).join("tracing_on").exists())
    else {
        println!(
            "trace: no tracefs here ({}/tracing_on is missing): the kernel has no ftrace, \
             or tracefs is not mounted",
            TRACEFS[0]
        );
        return 1;
    };
    if events.is_empty() && tracer.is_none() && !plain {
        // the nop tracer records nothing by itself: by default, the process life-cycle events
        events = DEFAULT_EVENTS
            .iter()
            .filter(|e| {
                Path::new(dir)
                    .join("events")
                    .join(e.replace(':', "/"))
                    .is_dir()
            })
            .map(|e| e.to_string())
            .collect();
        if !events.is_empty() {
            println!("trace: recording {}", events.join(" "));
        }
    }
    let event_file = |ev: &str| {
        if ev == "all" {
            "events/enable".to_string()
        } else {
            format!("events/{}/enable", ev.replace(':', "/"))
        }
    };
    let result = (|| -> Result<(), String> {
        // empty the buffer (O_TRUNC on trace), choose what to record, switch on
        fs::write(format!("{dir}/trace"), "").map_err(|e| format!("clearing {dir}/trace: {e}"))?;
        if let Some(t) = &tracer {
            trace_write(dir, "current_tracer", t)?;
        }
        for ev in &events {
            trace_write(dir, &event_file(ev), "1")?;
        }
        trace_write(dir, "tracing_on", "1")
    })();
    let mut status;
    match result {
        Ok(()) => {
            status = match menu.dispatch(cmd, &mut io::stdout()) {
                Outcome::Ran(s) => s,
                _ => 1,
            };
            flush();
        }
        Err(e) => {
            println!("trace: {e}");
            status = 1;
        }
    }
    // switch everything off again, whatever happened
    let _ = trace_write(dir, "tracing_on", "0");
    for ev in &events {
        let _ = trace_write(dir, &event_file(ev), "0");
    }
    // read the buffer before switching the tracer back: a tracer change empties it
    match fs::read_to_string(format!("{dir}/trace")) {
        Ok(t) => print!("{t}"),
        Err(e) => {
            println!("trace: reading {dir}/trace: {e}");
            status = 1;
        }
    }
    if tracer.is_some() {
        let _ = trace_write(dir, "current_tracer", "nop");
    }
    status
}

/// strace's options that take a value (strace(1)): `-o FILE`, `-e EXPR`, `-s SIZE`, ...
const STRACE_VALUE_OPTS: [&str; 14] = [
    "-a", "-b", "-e", "-E", "-I", "-o", "-O", "-p", "-P", "-s", "-S", "-u", "-U", "-X",
];

/// strace [OPTIONS] COMMAND [ARGS]: runs COMMAND under /bin/strace (e.g. `strace -f fork-new`:
/// the clone of glibc's fork, the child's write and exit_group, the parent's wait4 and the
/// SIGCHLD).  The options go to strace as they are.  A menu command runs in a second copy of
/// the menu (`/proc/self/exe -c COMMAND`: run one command, no prompt, exit with its status),
/// so the trace shows it from the menu's execve on; any other COMMAND is a program, found as
/// `exec` finds it.
fn strace(menu: &Menu, args: &[String]) -> i32 {
    let mut argv = vec![b"/bin/strace".to_vec()];
    let mut i = 1;
    while i < args.len() && args[i].starts_with('-') && args[i] != "--" {
        argv.push(args[i].as_bytes().to_vec());
        if STRACE_VALUE_OPTS.contains(&args[i].as_str()) && i + 1 < args.len() {
            argv.push(args[i + 1].as_bytes().to_vec());
            i += 1;
        }
        i += 1;
    }
    if args.get(i).map(String::as_str) == Some("--") {
        i += 1;
    }
    let cmd = &args[i..];
    if cmd.is_empty() {
        println!("usage: strace [-f] [-o FILE] [STRACE OPTIONS] COMMAND [ARGS]   e.g. strace -f fork-new, strace exec /hello");
        return 1;
    }
    if !Path::new("/bin/strace").exists() {
        println!("strace: /bin/strace is not there (tools/build-strace.sh stages it)");
        return 1;
    }
    if menu.find(&cmd[0]).is_some() {
        let exe = std::env::current_exe()
            .map(|p| p.into_os_string().into_vec())
            .unwrap_or_else(|_| b"/init".to_vec());
        argv.push(exe);
        argv.push(b"-c".to_vec());
        argv.extend(cmd.iter().map(|a| a.as_bytes().to_vec()));
    } else {
        argv.push(lookup(&cmd[0]).into_bytes());
        argv.extend(cmd[1..].iter().map(|a| a.as_bytes().to_vec()));
    }
    spawn_wait("strace", &argv)
}

// ---------------------------------------------------------------------------------------------
// PID 1 duties.

/// Makes sure fds 0, 1 and 2 are the console: Rust's runtime puts /dev/null on the ones the
/// kernel left closed (no /dev/console in the initramfs, or it could not be opened).
fn console_fds() {
    let is_null_or_bad = |fd: i32| {
        // SAFETY: st is plain data, filled by fstat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } != 0 {
            return true;
        }
        (st.st_mode & libc::S_IFMT) == libc::S_IFCHR && st.st_rdev == libc::makedev(1, 3)
    };
    if !(0..3).any(is_null_or_bad) {
        return;
    }
    // SAFETY: plain open/dup2/close of descriptors this process owns.
    unsafe {
        let fd = libc::open(c"/dev/console".as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        if fd < 0 {
            return; // nothing better to offer
        }
        for t in 0..3 {
            if is_null_or_bad(t) {
                libc::dup2(fd, t);
            }
        }
        if fd > 2 {
            libc::close(fd);
        }
    }
}

/// Mounts what the commands read: proc on /proc, sysfs on /sys, tracefs on
/// /sys/kernel/tracing.  One line tells what failed (a mount point missing, or a file system
/// the kernel lacks); already mounted (EBUSY) is fine.
fn mount_filesystems() {
    let mut failed = Vec::new();
    for (fstype, target) in [
        ("proc", "/proc"),
        ("sysfs", "/sys"),
        ("tracefs", "/sys/kernel/tracing"),
    ] {
        if fstype != "tracefs" {
            let _ = fs::create_dir_all(target);
        } else if !Path::new(target).is_dir() {
            continue; // no tracefs mount point: the kernel has no ftrace
        }
        let (Ok(src), Ok(dst), Ok(ty)) = (
            CString::new(fstype),
            CString::new(target),
            CString::new(fstype),
        ) else {
            continue;
        };
        // SAFETY: NUL-terminated strings, no data.
        let r = unsafe {
            libc::mount(
                src.as_ptr(),
                dst.as_ptr(),
                ty.as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            )
        };
        if r != 0 {
            let e = errno();
            if e.raw_os_error() != Some(libc::EBUSY) {
                failed.push(format!("{fstype} on {target}: {e}"));
            }
        }
    }
    if !failed.is_empty() {
        println!("menu: could not mount {}", failed.join("; "));
    }
}

extern "C" fn on_sigint(_: libc::c_int) {}

/// ^C while a command runs (terminal in cooked mode) ends the command, not the menu.  A
/// handler, not SIG_IGN: the programs that exec get the default action back.
fn catch_sigint() {
    // SAFETY: sa is plain data; on_sigint is async-signal-safe (does nothing).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGQUIT, &sa, std::ptr::null_mut());
    }
}

/// Reaps zombies after each command, and decides about end of input: PID 1 reads on.
struct InitHooks {
    pid1: bool,
    eofs: u32,
    errors: u32,
}

impl InitHooks {
    fn backoff(n: u32) {
        if n > 1 {
            std::thread::sleep(Duration::from_millis(100 * u64::from(n.min(10))));
        }
    }
}

impl Hooks for InitHooks {
    fn after_command(&mut self, _: &Menu, _: &Outcome) {
        self.eofs = 0;
        self.errors = 0;
        let mut st = 0;
        // SAFETY: st is a valid int.
        while unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) } > 0 {}
    }

    fn on_eof(&mut self, _: &Menu, out: &mut dyn Write) -> bool {
        if !self.pid1 {
            let _ = writeln!(out);
            return true;
        }
        self.eofs += 1;
        if self.eofs == 1 {
            let _ = writeln!(
                out,
                "menu: end of input ignored: PID 1 does not leave (quit powers off)"
            );
        }
        Self::backoff(self.eofs);
        false
    }

    fn on_error(&mut self, _: &Menu, err: &io::Error, out: &mut dyn Write) -> bool {
        if !self.pid1 {
            let _ = writeln!(out, "menu: reading stdin: {err}");
            return true;
        }
        self.errors += 1;
        if self.errors == 1 {
            let _ = writeln!(out, "menu: reading stdin: {err} (PID 1 reads on)");
        }
        Self::backoff(self.errors);
        false
    }
}

fn build_menu() -> Menu {
    let mut m = Menu::new("MenuOS>>");
    m.config("version", "MenuOS version and uname", version)
        .config(
            "quit",
            "power off (sync + reboot POWER_OFF); leave the menu when not PID 1",
            quit,
        )
        .config("time", "date and time (libc time + localtime)", time)
        .config(
            "time-asm",
            "the time by a raw ecall of clock_gettime (syscall 113)",
            time_asm,
        )
        .config("write", "hello world by libc write", write_libc)
        .config(
            "write-asm",
            "hello world by a raw ecall of write (syscall 64)",
            write_asm,
        )
        .config("fork-new", "fork new process", fork_process)
        .config("vfork-new", "vfork new process", vfork_process)
        .config(
            "clone-thread",
            "start a thread (std::thread: clone) and join it",
            clone_thread,
        )
        .config(
            "exec",
            "exec [PROGRAM [ARGS]]: fork, execve PROGRAM (default /hello; else $PATH, /), wait",
            exec_cmd,
        )
        .config("ps", "processes from /proc: PID PPID STATE CMD", ps)
        .config("pstree", "the process tree from /proc", pstree)
        .config("dmesg", "the kernel log (syslog READ_ALL)", dmesg)
        .config_with_menu(
            "trace",
            "trace [-e EVENT] [-t TRACER] [-n] COMMAND: run it under ftrace, print the trace",
            trace,
        )
        .config_with_menu(
            "strace",
            "strace [-f] [-o FILE] COMMAND: run a command or program under /bin/strace",
            strace,
        )
        .config("sh", "run /bin/sh if there is one", sh)
        .config(
            "su",
            "su [USER [-c COMMAND]]: a shell (or sh -c COMMAND) as USER (/etc/passwd; default root)",
            su,
        );
    m
}

fn main() {
    let pid1 = pid1();
    if pid1 {
        console_fds();
        if std::env::var_os("PATH").is_none() {
            std::env::set_var("PATH", "/bin:/sbin:/usr/bin");
        }
        mount_filesystems();
    }
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("-c") {
        // menu -c COMMAND [ARGS]: one command and out, with its status (the menu's strace)
        let status = match build_menu().dispatch(&argv[2..], &mut io::stdout()) {
            Outcome::Ran(s) => s,
            Outcome::Empty => 0,
            _ => 127,
        };
        flush();
        std::process::exit(status);
    }
    catch_sigint();
    let menu = build_menu();
    // MENU_PLAIN=1: no line editor; MENU_ECHO=1: plain reading echoes what it reads (for a
    // console that neither echoes nor has termios).  On Linux, name=value words of the kernel
    // command line that the kernel does not know land in init's environment.
    let env_on = |k: &str| std::env::var(k).is_ok_and(|v| v == "1");
    let mut term = if env_on("MENU_PLAIN") {
        Terminal::plain(0)
    } else {
        Terminal::new(0)
    };
    term.set_plain_echo(env_on("MENU_ECHO"));
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    println!("{BANNER}");
    println!("Welcome to MenuOS! (menu {VERSION}, Rust std, pid {pid})");
    println!("Type help for the list of commands.");
    if std::env::var_os("MENU_DEBUG").is_some() {
        match term.why_plain() {
            None => println!("menu: line editor on (raw terminal)"),
            Some(e) => println!("menu: plain line reading ({e})"),
        }
    }
    let mut hooks = InitHooks {
        pid1,
        eofs: 0,
        errors: 0,
    };
    let mut out = io::stdout();
    if let Err(e) = menu.run(&mut term, &mut out, &mut hooks) {
        eprintln!("menu: {e}");
    }
    // only reached when not PID 1 (end of input, or a read error)
}
