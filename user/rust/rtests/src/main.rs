//! rtests: what Rust std programs need from the kernel, checked through std itself.
//!
//! Follows the mtest protocol (user/tests/c/mtest.h): one `PASS rtests/<check>` or
//! `FAIL rtests/<check>: <what went wrong>` line per check, then `TEST-END rtests <npass>
//! <nfail>`; as PID 1 (rdinit=/tests/rtests) it then powers off, else it exits 0 when every
//! check passed, 1 otherwise.
//!
//! The same program is built twice (tools/build-user-rust.sh): `rtests`, static
//! (+crt-static), and `rtests_dyn`, dynamically linked against glibc (ld.so and libc.so.6
//! from /lib at run time, as `cargo build` for riscv64gc-unknown-linux-gnu makes by default);
//! the test name in its lines is the name it was run as.
//!
//! It also serves as its own helper when /bin/echo-args or /bin/exit-code are missing:
//! `rtests --echo-args ARGS...` prints like echo-args, `rtests --exit-code N` exits with N.

use std::io::{self, ErrorKind, Write};
use std::process::{Command, Stdio};

struct T {
    name: String,
    npass: u32,
    nfail: u32,
}

impl T {
    fn report(&mut self, check: &str, result: Result<(), String>) {
        let mut out = io::stdout().lock();
        match result {
            Ok(()) => {
                self.npass += 1;
                let _ = writeln!(out, "PASS {}/{check}", self.name);
            }
            Err(msg) => {
                self.nfail += 1;
                let _ = writeln!(out, "FAIL {}/{check}: {msg}", self.name);
            }
        }
        let _ = out.flush();
    }

    fn check(&mut self, check: &str, f: impl FnOnce() -> Result<(), String>) {
        self.report(check, f());
    }
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// This program's own path, to run it again as a helper: argv[0] when absolute, else
/// /proc/self/exe.
fn self_path() -> Option<String> {
    let a0 = std::env::args().next()?;
    if a0.starts_with('/') {
        return Some(a0);
    }
    std::env::current_exe().ok().map(|p| p.to_string_lossy().into_owned())
}

/// The echo-args helper: /bin/echo-args when there, else this program in --echo-args mode.
/// Returns the command and how many leading arguments are the helper's own.
fn echo_args_command() -> Option<(Command, usize)> {
    if std::path::Path::new("/bin/echo-args").exists() {
        return Some((Command::new("/bin/echo-args"), 0));
    }
    let me = self_path()?;
    let mut c = Command::new(me);
    c.arg("--echo-args");
    Some((c, 1))
}

/// Same output as user/c/echo-args.c: argc=, argv[i]=, envc=, envp[i]=.
fn echo_args_mode(args: &[String]) -> ! {
    let mut s = format!("argc={}\n", args.len());
    for (i, a) in args.iter().enumerate() {
        s.push_str(&format!("argv[{i}]={a}\n"));
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    s.push_str(&format!("envc={}\n", env.len()));
    for (i, (k, v)) in env.iter().enumerate() {
        s.push_str(&format!("envp[{i}]={k}={v}\n"));
    }
    let _ = io::stdout().write_all(s.as_bytes());
    let _ = io::stdout().flush();
    std::process::exit(0);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--echo-args") => {
            // the argv echo-args would see: its own name, then the arguments
            let mut v = vec!["echo-args".to_string()];
            v.extend(args[2..].iter().cloned());
            echo_args_mode(&v)
        }
        Some("--exit-code") => {
            let code = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0);
            std::process::exit(code)
        }
        _ => {}
    }

    // The test's name: the file it was run as (rtests or rtests_dyn).
    let name = args.first().and_then(|a| a.rsplit('/').next()).filter(|n| n.starts_with("rtests"));
    let mut t = T { name: name.unwrap_or("rtests").to_string(), npass: 0, nfail: 0 };

    // How it was linked: a dynamically linked program was started by ld.so, whose base the
    // kernel passed as AT_BASE (Linux: load_elf_binary's interpreter path); a static one has
    // AT_BASE 0.
    t.check("linked-as-built", || {
        // SAFETY: getauxval reads the auxiliary vector; any type is a valid argument.
        let base = unsafe { libc::getauxval(libc::AT_BASE) };
        let dynamic = !cfg!(target_feature = "crt-static");
        ensure((base != 0) == dynamic, || {
            format!("AT_BASE {base:#x} in a {} program", if dynamic { "dynamically linked" } else { "static" })
        })
    });

    t.check("println", || {
        let mut out = io::stdout().lock();
        writeln!(out, "rtests: Rust std on MenuOS, pid {}", std::process::id())
            .and_then(|_| out.flush())
            .map_err(|e| format!("writing stdout: {e}"))
    });

    t.check("fs-read-hello", || {
        let data = std::fs::read("/hello").map_err(|e| format!("std::fs::read(/hello): {e}"))?;
        let meta = std::fs::metadata("/hello").map_err(|e| format!("metadata(/hello): {e}"))?;
        ensure(!data.is_empty(), || "/hello is empty".into())?;
        ensure(data.len() as u64 == meta.len(), || format!("read {} bytes, metadata says {}", data.len(), meta.len()))?;
        ensure(data.starts_with(b"\x7fELF"), || "/hello is not an ELF file".into())
    });

    t.check("fs-write-tmp", || {
        let dir = std::path::Path::new("/tmp");
        if !dir.is_dir() {
            std::fs::create_dir_all(dir).map_err(|e| format!("mkdir /tmp: {e}"))?;
        }
        let path = dir.join(format!("rtests-{}.txt", std::process::id()));
        let text = "written by rtests\n".repeat(500);
        std::fs::write(&path, &text).map_err(|e| format!("write {}: {e}", path.display()))?;
        let back = std::fs::read_to_string(&path).map_err(|e| format!("read back: {e}"));
        let rm = std::fs::remove_file(&path).map_err(|e| format!("remove: {e}"));
        ensure(back? == text, || "read back other text".into())?;
        rm?;
        ensure(!path.exists(), || "still there after remove_file".into())
    });

    t.check("alloc-10MiB", || {
        const N: usize = 10 << 20;
        let mut v = vec![0u8; N];
        for (i, b) in v.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let sum: u64 = v.iter().map(|&b| u64::from(b)).sum();
        let want: u64 = (0..N as u64).map(|i| i % 251).sum();
        ensure(sum == want, || format!("sum {sum}, want {want}"))
    });

    let t_name = t.name.clone();
    let t_name = t_name.as_str();
    t.check("env-args", || {
        let a: Vec<String> = std::env::args().collect();
        ensure(!a.is_empty() && !a[0].is_empty(), || format!("args = {a:?}: no argv[0]"))?;
        ensure(a[0].ends_with(t_name), || format!("argv[0] = {:?}", a[0]))
    });

    t.check("env-vars", || {
        let before = std::env::vars_os().count();
        std::env::set_var("RTESTS_VAR", "menu os");
        ensure(std::env::var("RTESTS_VAR").as_deref() == Ok("menu os"), || {
            "set_var then var gives another value".into()
        })?;
        ensure(std::env::vars().any(|(k, v)| k == "RTESTS_VAR" && v == "menu os"), || {
            "RTESTS_VAR not in vars()".into()
        })?;
        ensure(std::env::vars_os().count() == before + 1, || "vars() count did not grow by 1".into())
    });

    t.check("command-output", || {
        let (mut cmd, own) = echo_args_command().ok_or("no echo-args helper (and no path to self)")?;
        let out = cmd
            .args(["one", "two words", ""])
            .env("RTESTS_CHILD", "yes")
            .output()
            .map_err(|e| format!("spawning {cmd:?}: {e}"))?;
        ensure(out.status.success(), || format!("{cmd:?}: {}", out.status))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        let want_argv = ["argv[1]=one", "argv[2]=two words", "argv[3]="];
        ensure(lines.first() == Some(&"argc=4"), || {
            format!("first line {:?}, want argc=4 ({own} helper args)", lines.first())
        })?;
        ensure(lines.get(2..5) == Some(&want_argv[..]), || format!("argv lines {:?}", lines.get(1..5)))?;
        ensure(lines.iter().any(|l| l.ends_with("=RTESTS_CHILD=yes")), || {
            "the child's environment lacks RTESTS_CHILD=yes".into()
        })?;
        ensure(out.stderr.is_empty(), || format!("stderr {:?}", String::from_utf8_lossy(&out.stderr)))
    });

    t.check("command-stdin-pipe", || {
        // write to a child's stdin through a pipe, read its stdout: the echo-args helper does
        // not read, so use this program's --exit-code mode and only check the pipe plumbing
        let me = self_path().ok_or("no path to self")?;
        let mut child = Command::new(&me)
            .args(["--exit-code", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn {me}: {e}"))?;
        drop(child.stdin.take());
        let st = child.wait().map_err(|e| format!("wait: {e}"))?;
        ensure(st.success(), || format!("status {st}"))
    });

    t.check("command-notfound", || match Command::new("/nonexistent/rtests-no-such-program").output() {
        Ok(o) => Err(format!("spawned anyway: {}", o.status)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("error {e} (kind {:?}), want NotFound", e.kind())),
    });

    t.check("exit-code", || {
        let mut cmd = if std::path::Path::new("/bin/exit-code").exists() {
            let mut c = Command::new("/bin/exit-code");
            c.arg("7");
            c
        } else {
            let mut c = Command::new(self_path().ok_or("no path to self")?);
            c.args(["--exit-code", "7"]);
            c
        };
        let st = cmd.status().map_err(|e| format!("spawning {cmd:?}: {e}"))?;
        ensure(st.code() == Some(7), || format!("{cmd:?}: {st}, want exit status 7"))
    });

    t.check("time", || {
        // No RTC is needed: the realtime clock may start near the epoch at boot, but it runs.
        let wall = std::time::SystemTime::now();
        let a = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let dt = a.elapsed();
        let dwall = wall.elapsed().map_err(|e| format!("SystemTime went backwards: {e}"))?;
        ensure(dt >= std::time::Duration::from_millis(20), || format!("slept 20 ms, Instant says {dt:?}"))?;
        ensure(dwall >= std::time::Duration::from_millis(15), || format!("slept 20 ms, SystemTime says {dwall:?}"))?;
        ensure(wall > std::time::UNIX_EPOCH, || format!("SystemTime::now() is the epoch: {wall:?}"))
    });

    println!("TEST-END {} {} {}", t.name, t.npass, t.nfail);
    let _ = io::stdout().flush();
    // SAFETY: getpid/sync/reboot with valid arguments.
    unsafe {
        if libc::getpid() == 1 {
            libc::sync();
            libc::reboot(libc::LINUX_REBOOT_CMD_POWER_OFF);
        }
    }
    std::process::exit(if t.nfail == 0 { 0 } else { 1 });
}
