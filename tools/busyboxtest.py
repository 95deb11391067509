#!/usr/bin/env python3
"""busyboxtest.py - busybox's shell and applets on MenuOS (and on the reference Linux).

    python3 tools/busyboxtest.py [--kernel build/vmlinux] [--timeout 180] [-v]
    python3 tools/busyboxtest.py --kernel build/linux-ref/Image      (the oracle: all must pass)
    python3 tools/busyboxtest.py --no-menu                           (only the script boot)

Needs build/user/bin/busybox (tools/build-busybox.sh).  Two boots of the boot contract's line
(tools/qemu.py: boot_argv)
    qemu-system-riscv64 -machine virt -bios default -nographic -m 512M -smp 1 \\
        -kernel K -initrd CPIO -append "console=ttyS0 rdinit=..."

1. script: an initrd made by tools/mkinitramfs.py from build/user/bin (so /bin is what the real
   initramfs has: /bin/busybox, /bin/sh = busybox, the C helpers, the menu), no /tests, plus
   /bbtest.sh (SCRIPT below), booted as rdinit=/bbtest.sh: busybox's ash is PID 1 and runs
   each check, printing `BEGIN busybox/<check>` and then `PASS busybox/<check>` or
   `FAIL busybox/<check>: why`; at the end BBTEST-END and `poweroff -f`.
2. menu_sh: the default initramfs (build/initramfs.cpio, the menu as /init): the menu's `sh`
   command starts /bin/sh over the serial line, a command runs in it (menu_sh), busybox ps lists
   the menu as PID 1 "init" (menu_sh_ps), `exit` returns to the menu prompt, `quit` powers off.

The checks (one line each, `PASS busybox/<check>` or `FAIL busybox/<check>: why`):
    CHECKS below, in order; a check the script never reported fails: "hung" for the one that was
    running when the boot ended (timeout, panic, QEMU exit: the console tail is shown), "not run"
    for the later ones; poweroff (QEMU exited by itself after BBTEST-END), menu_sh, menu_sh_ps.
Ends with `N passed, M failed`; exit status 1 when anything failed.  Console logs:
build/test-logs/busybox-<kind>.log and busybox-menu-<kind>.log.
"""
import argparse
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkinitramfs  # noqa: E402
import qemu  # noqa: E402
import qemutest  # noqa: E402

BIN = os.path.join(ROOT, "build", "user", "bin")
LOGDIR = os.path.join(ROOT, "build", "test-logs")

# The script busybox's sh runs as PID 1.  `t NAME WANT GOT` compares one result; the commands
# run in this shell (builtins, pipelines, applets run by ash's standalone mode).
SCRIPT = r'''#!/bin/sh
export PATH=/bin:/sbin HOME=/root
cd /
# Linux leaves /proc to init; MenuOS has it mounted already (then mount fails: ignored)
mount -t proc proc /proc 2>/dev/null
echo BBTEST-START
b() { echo "BEGIN busybox/$1"; }
t() { # name want got
	if [ "$2" = "$3" ]; then echo "PASS busybox/$1"
	else echo "FAIL busybox/$1: got '$3', want '$2'"; fi
}
tm() { # name extended-regex got: got must match
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then echo "PASS busybox/$1"
	else echo "FAIL busybox/$1: '$3' does not match /$2/"; fi
}

b pipeline;  t pipeline 3 "$(echo a b c | wc -w)"
b pipeline3; t pipeline3 "b" "$(printf 'c\na\nb\n' | sort | head -2 | tail -1)"
b redirect
rm -f /tmp/bb.out
echo hello >/tmp/bb.out; echo world >>/tmp/bb.out
t redirect "hello world 2" "$(cat </tmp/bb.out | tr '\n' ' ')$(wc -l </tmp/bb.out)"
b redirect_fd; t redirect_fd "to-stderr" "$( { echo to-stderr >&2; } 2>&1 )"
b false_status; false; t false_status 1 "$?"
b true_status; true; t true_status 0 "$?"
b not_status; ! false; t not_status 0 "$?"
b for_loop; s=; for i in 1 2 3; do s="$s$i"; done; t for_loop 123 "$s"
b while_arith; i=0; n=0; while [ $i -lt 5 ]; do i=$((i + 1)); n=$((n + i)); done; t while_arith 15 "$n"
b cmdsubst; t cmdsubst "[in deep]" "[$(echo in) $(echo $(echo deep))]"
b backticks; t backticks "x-y" "`echo x`-y"
b subshell; t subshell "7 outer" "$(v=outer; (v=inner; exit 7); echo "$? $v")"
b case_glob; case foo.c in *.c) r=c ;; *) r=other ;; esac; t case_glob c "$r"
b background_wait
sleep 1 & p=$!
wait $p; t background_wait 0 "$?"
b background_status; (exit 7) & wait $!; t background_status 7 "$?"
b wait_all; (sleep 1; echo one >/tmp/bb.w1) & (echo two >/tmp/bb.w2) & wait
t wait_all "one two" "$(cat /tmp/bb.w1 /tmp/bb.w2 | tr '\n' ' ' | sed 's/ $//')"
b kill_sleep
sleep 100 & p=$!
kill $p; wait $p; t kill_sleep 143 "$?"
b kill_0; t kill_0 "0" "$(kill -0 $$; echo $?)"
b sh_c_exit; sh -c 'exit 3'; t sh_c_exit 3 "$?"
b sh_c_args; t sh_c_args "b a" "$(sh -c 'echo $2 $1' sh a b)"
ps | sed 's/^/# ps: /'
b ps_pid1; tm ps_pid1 '^ *1 ' "$(ps | grep -E '^ *1 ')"
# ps runs in a forked child of this shell (a NOEXEC applet): comm "ps", the shell's cmdline
b ps_self; tm ps_self '^ *[0-9]+ .*(\{ps\}| ps$)' "$(ps | grep -E '\{ps\}| ps$')"
b ps_child
sleep 30 & p=$!
# (until the child has exec'd, its cmdline is this shell's)
i=0; while [ $i -lt 50 ] && ! grep -q sleep /proc/$p/cmdline 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
tm ps_child "^ *$p .*sleep 30" "$(ps | grep -E "^ *$p ")"
kill $p; wait $p 2>/dev/null
b pstree; tm pstree 'sh' "$(pstree 1 2>&1 | head -1)"
b proc_meminfo; tm proc_meminfo '^MemTotal: +[0-9]+ kB$' "$(cat /proc/meminfo | head -1)"
b ppid; t ppid "$$" "$(sh -c 'echo $PPID')"
b ls_root
r=$(ls / | tr '\n' ' ')
tm ls_root '(^| )bin .*dev .*proc .*tmp' "$r"
b ls_bin; tm ls_bin '(^| )busybox( |$)' "$(ls /bin | tr '\n' ' ')"
b cat_file; t cat_file "world" "$(cat /tmp/bb.out | tail -1)"
b echo_n; t echo_n "ab" "$(echo -n a; echo b)"
b grep; t grep "world" "$(grep -v hello /tmp/bb.out)"
b sed; t sed "hullo" "$(echo hello | sed 's/e/u/')"
b mkdir_cp_mv_rm
rm -rf /tmp/bbd; mkdir -p /tmp/bbd/a/b && cp /tmp/bb.out /tmp/bbd/a/b/f && mv /tmp/bbd/a/b/f /tmp/bbd/g
r1=$(cat /tmp/bbd/g | head -1); rm -r /tmp/bbd; r2=$([ -e /tmp/bbd ] && echo still || echo gone)
t mkdir_cp_mv_rm "hello gone" "$r1 $r2"
b test_builtin; t test_builtin "yes" "$([ -d / ] && [ ! -f /nonexistent ] && test 2 -gt 1 && echo yes)"
b uname; t uname Linux "$(uname -s)"
b env; t env "bar" "$(FOO=bar env | grep '^FOO=' | cut -d= -f2)"
b find; t find "/bin/busybox" "$(find /bin -name busybox)"
b xargs; t xargs "1 2 3" "$(printf '1\n2\n3\n' | xargs echo)"
b sort; t sort "1 2 10" "$(printf '10\n2\n1\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
b sleep; s0=$(date +%s); sleep 1; s1=$(date +%s); t sleep yes "$([ $((s1 - s0)) -ge 1 ] && echo yes)"
b free; tm free '^Mem: +[0-9]+' "$(free | grep '^Mem:')"
b uptime; tm uptime 'up .*load average' "$(uptime)"
b dmesg; tm dmesg '[^ ]' "$(dmesg | head -1)"
b heredoc
r=$(cat <<EOF
line1 $((1 + 1))
EOF
)
t heredoc "line1 2" "$r"
b read_builtin; printf 'x y\n' >/tmp/bb.r; read a b </tmp/bb.r; t read_builtin "y x" "$b $a"
b exec_fd; exec 3>/tmp/bb.fd; echo via-fd3 >&3; exec 3>&-; t exec_fd via-fd3 "$(cat /tmp/bb.fd)"
b cd_pwd; t cd_pwd "/tmp /" "$(cd /tmp && pwd) $(pwd)"
b sh_stdin; t sh_stdin piped "$(echo 'echo piped' | sh)"
b trap_usr1; r=$(trap 'echo got-usr1' USR1; sh -c 'kill -USR1 $PPID'; sleep 1; echo done); t trap_usr1 "got-usr1 done" "$(echo $r)"
b dev_zero; t dev_zero 4096 "$(dd if=/dev/zero bs=1024 count=4 2>/dev/null | wc -c)"
b dev_null; t dev_null 0 "$(echo gone >/dev/null; cat /dev/null | wc -c)"
b ls_l; tm ls_l '^-rwxr-xr-x +1 +root +root +[0-9]+ .*/bin/busybox$' "$(ls -l /bin/busybox)"
b timeout; timeout 1 sleep 5; t timeout 143 "$?"
# comm of a #! script is the script's name (Linux: kbasename(bprm->filename)), not the interpreter's
b comm_script; t comm_script bbtest.sh "$(cat /proc/1/comm)"
b ps_o; tm ps_o '^ +1 +0 ' "$(ps -o pid,ppid,comm | grep -E '^ *1 ')"
b top; tm top '^Mem: ' "$(top -b -n 1 | head -1)"
echo BBTEST-END
rm -f /tmp/bb.out /tmp/bb.w1 /tmp/bb.w2 /tmp/bb.r /tmp/bb.fd
poweroff -f
echo "poweroff -f returned $?"
'''

CHECKS = re.findall(r"^b ([A-Za-z0-9_]+)", SCRIPT, re.M)
CHECK_RE = re.compile(r"(?:^|\s)(PASS|FAIL|BEGIN) busybox/([A-Za-z0-9_]+)(?::\s?(.*))?$")
PROMPT = "MenuOS>>"


APPLETS = os.path.join(ROOT, "build", "busybox", "applets")
SKIP_LINKS = ("init", "linuxrc")  # /init and /sbin/init stay the menu's


def make_initrd(path, links=False):
    """The real initramfs's layout (mkinitramfs.build), without /tests, plus /bbtest.sh.
    links: /bin/sh and every applet not otherwise in /bin as symlinks to busybox (the layout
    docs/busybox.md proposes for mkinitramfs.py) instead of today's copy of busybox as /bin/sh."""
    a = mkinitramfs.build(BIN, os.path.join(ROOT, "build", "user", "no-tests"))
    if links:
        a.symlink("bin/sh", "busybox")
        with open(APPLETS) as f:
            for name in f.read().split():
                if name not in SKIP_LINKS and "bin/" + name not in a.entries:
                    a.symlink("bin/" + name, "busybox")
    a.file("bbtest.sh", data=SCRIPT, mode=0o755)
    a.write(path)


def script_boot(kernel, kind, timeout, verbose, links=False):
    """Boot 1: /bbtest.sh as PID 1.  Returns [(ok, check, why)]."""
    initrd = os.path.join(tempfile.mkdtemp(prefix="bbtest-"), "bbtest.cpio")
    make_initrd(initrd, links)
    log = os.path.join(LOGDIR, "busybox-%s.log" % kind)

    def stop(out):
        if qemutest.PANIC_RE.search(out):
            return ("grace", qemutest.PANIC_GRACE, "panic")
        if b"BBTEST-END" in out:
            return ("grace", qemutest.POWEROFF_GRACE, "poweroff-timeout")
        return None

    t0 = time.monotonic()
    boot = qemutest.boot(kernel, initrd, "console=ttyS0 rdinit=/bbtest.sh", timeout, log, stop_when=stop)
    os.unlink(initrd)
    os.rmdir(os.path.dirname(initrd))
    lines = [qemutest.clean_line(x) for x in boot.output.split(b"\n")]
    got, running = {}, None
    for line in lines:
        m = CHECK_RE.search(line)
        if not m:
            continue
        word, name, why = m.group(1), m.group(2), (m.group(3) or "")
        why = re.sub(r"\[\s*\d+\.\d+\].*", "", why).strip()
        if word == "BEGIN":
            running = name
        elif name not in got:
            got[name] = (word == "PASS", why)
            if running == name:
                running = None
    ended = any("BBTEST-END" in x for x in lines)
    tailtext = "; ".join(x for x in lines[-8:] if x.strip())
    res = []
    for c in CHECKS:
        if c in got:
            res.append((got[c][0], c, got[c][1]))
        elif c == running:
            res.append((False, c, "hung: boot ended (%s after %.0f s) before its result; console: %s"
                        % (boot.reason, boot.seconds, tailtext)))
        else:
            res.append((False, c, "not run (boot ended: %s)" % boot.reason))
    if ended:
        res.append((boot.reason == "exited", "poweroff",
                    "" if boot.reason == "exited" else "poweroff -f did not stop QEMU (%s)" % boot.reason))
    else:
        res.append((False, "poweroff", "BBTEST-END never came (%s); console: %s" % (boot.reason, tailtext)))
    if verbose:
        print("  script boot: %s, %.1f s, log %s" % (boot.reason, time.monotonic() - t0, os.path.relpath(log, ROOT)))
    return res


def menu_boot(kernel, kind, timeout, verbose, initrd):
    """Boot 2: the menu's `sh` command.  Returns [(ok, check, why)]."""
    if not os.path.exists(initrd):
        return [(False, "menu_sh", "no %s (make initramfs)" % initrd)]
    entries = qemutest.initrd_entries(initrd)
    if "bin/sh" not in entries:
        return [(False, "menu_sh", "%s has no /bin/sh (run tools/build-busybox.sh, "
                 "then make initramfs)" % initrd)]
    cmd = qemu.boot_argv(kernel, initrd, "console=ttyS0 rdinit=/init")
    con = qemu.Console(cmd)
    deadline = time.monotonic() + timeout
    why = ""
    ps_why = "not run"
    try:
        if not con.wait_for(lambda t: PROMPT in t, deadline):
            why = "no menu prompt"
        else:
            n0 = con.text.count(PROMPT)
            con.send("sh\r")
            time.sleep(2)
            con.send("echo bb-$((6*7)) $(echo a b | wc -w)\r")
            if not con.wait_for(lambda t: "bb-42 2" in t, min(deadline, time.monotonic() + 30)):
                why = "the command typed into sh printed no 'bb-42 2'"
            else:
                con.send("ps -o pid,comm | grep -E '^ +1 ' | sed 's/^ */pid-/'\r")
                ps_ok = con.wait_for(lambda t: re.search(r"^pid-1 +init\s*$", t, re.M),
                                     min(deadline, time.monotonic() + 30))
                ps_why = "" if ps_ok else "`ps -o pid,comm` in the menu's sh did not list PID 1 as init"
                con.send("exit\r")
                if not con.wait_for(lambda t: t.count(PROMPT) > n0, min(deadline, time.monotonic() + 30)):
                    why = "no menu prompt after exit from sh"
                else:
                    con.send("quit\r")
                    con.wait_for(lambda t: False, min(deadline, time.monotonic() + 10))
    finally:
        con.kill()
        con.save(os.path.join(LOGDIR, "busybox-menu-%s.log" % kind), clean=True)
    tail = "; ".join(x for x in con.text.splitlines()[-6:] if x.strip())
    if why:
        why += "; console: " + tail
    if ps_why and ps_why != "not run":
        ps_why += "; console: " + tail
    return [(not why, "menu_sh", why), (not ps_why, "menu_sh_ps", ps_why)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "vmlinux"))
    ap.add_argument("--kind", help="menuos or linux (default: from the kernel's name)")
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"),
                    help="the menu boot's initramfs (default build/initramfs.cpio)")
    ap.add_argument("--no-menu", action="store_true", help="skip the menu boot")
    ap.add_argument("--links", action="store_true",
                    help="script boot with /bin/<applet> -> busybox symlinks (the proposed layout)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    kind = a.kind or qemu.kernel_kind(a.kernel)
    results = []
    if not os.path.exists(os.path.join(BIN, "busybox")):
        results.append((False, "build", "no build/user/bin/busybox (run tools/build-busybox.sh)"))
    elif not os.path.exists(a.kernel):
        results.append((False, "build", "no kernel %s" % a.kernel))
    else:
        results += script_boot(a.kernel, kind, a.timeout, a.verbose, a.links)
        if not a.no_menu:
            results += menu_boot(a.kernel, kind, min(a.timeout, 120.0), a.verbose, a.initrd)
    for ok, name, why in results:
        print("PASS busybox/%s" % name if ok else "FAIL busybox/%s: %s" % (name, why))
    # not checks: what the kernel logged as missing while busybox ran (MenuOS prints
    # "<comm>[pid]: syscall N (name) not implemented")
    for log in ("busybox-%s.log" % kind, "busybox-menu-%s.log" % kind):
        try:
            with open(os.path.join(LOGDIR, log), errors="replace") as f:
                notes = sorted({re.sub(r"^.*?\]\s*|\[\d+\]", "", x).strip() for x in f
                                if "not implemented" in x})
        except OSError:
            notes = []
        for n in notes:
            print("# note (%s): %s" % (log, n))
    npass = sum(1 for r in results if r[0])
    print("%d passed, %d failed" % (npass, len(results) - npass))
    return 0 if npass == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
