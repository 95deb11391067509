#!/usr/bin/env python3
"""gdbtest.py - the seed experiment under gdb, as a batch test.

    python3 tools/gdbtest.py [--kernel build/vmlinux] [--initrd build/initramfs.cpio]
                             [--timeout 120] [-v] [--keep-log DIR]

Boots the kernel in QEMU (the boot contract's line, tools/qemu.py) with a gdb server and the CPU halted (as -s -S, but on a free port;
never -icount: gdb and icount together hang), attaches gdb-multiarch in batch mode (its Python
API drives it; the struct readers are tools/gdb/menuos.py, the same helpers a student uses),
waits for the menu's `MenuOS>>` prompt on the serial line and types `fork-new`.  Only then are
the seed's breakpoints armed (kernel threads at boot also go through kernel_clone):

    sys_clone (entry) -> kernel_clone -> copy_process -> dup_task_struct -> copy_thread
      -> [copy_thread returns] -> wake_up_new_task -> ... -> ret_from_fork (in the child)

(sched_fork, __switch_to to the child and schedule_tail are traced too and shown in the order.)
The checks, one line each (`PASS gdb/<check>` or `FAIL gdb/<check>: why`):

    connect        gdb attached to QEMU's gdb server
    symbols        every breakpoint's function is a real symbol (not inlined away)
    prompt         the menu printed MenuOS>> under gdb
    sys_clone      sys_clone was entered once fork-new was typed (the parent: the menu)
    ecall          the parent's saved pt_regs epc is past its ecall (the word at epc-4 is ecall)
    order          the seed's order: sys_clone, kernel_clone, copy_process, dup_task_struct,
                   copy_thread, wake_up_new_task, ret_from_fork
    thread_ra      when copy_thread returns: child thread.ra == &ret_from_fork
    thread_sp      ... child thread.sp == its pt_regs == top of its 16 KiB stack - 288
    child_runs     at ret_from_fork, tp is the child and sp its pt_regs (= thread.sp)
    switch_to      __switch_to(parent's side, child) came before ret_from_fork
    child_a0       the child's pt_regs a0 == 0 (fork returns 0 in the child)
    child_epc      the child's pt_regs epc == the parent's saved epc (past the ecall)
    child_sp       the child's pt_regs sp == the parent's user sp
    output         with the breakpoints gone, fork-new printed its three lines
    poweroff       `quit` powered the machine off (QEMU exited by itself)

and ends with `N passed, M failed`; exit status 1 when anything failed.  A global timeout
(--timeout) ends everything; QEMU and gdb are killed on every path.

The reference Linux (build/linux-ref/vmlinux, with the Image next to it) works too
(--kernel build/linux-ref/vmlinux): there sys_clone is __se_sys_clone and dup_task_struct is
inlined into copy_process (its breakpoint is the inlined location).
"""
import argparse
import json
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (the boot contract's line, processes, snapshots)

GDB_DIR = os.path.join(ROOT, "tools", "gdb")
APPEND = "console=ttyS0 rdinit=/init"
PROMPT = "MenuOS>>"
FORK_LINES = ["This is Child Process!", "This is Parent Process!", "Child Complete!"]
SEED_ORDER = ["sys_clone", "kernel_clone", "copy_process", "dup_task_struct", "copy_thread",
              "wake_up_new_task", "ret_from_fork"]

# ---------------------------------------------------------------------------------------------
# The gdb side: runs inside gdb-multiarch (-batch -x), prints one "@@GDBTEST {json}" per event.
GDB_DRIVER = r'''
import json, os, sys
import gdb

def emit(ev, **kw):
    kw["ev"] = ev
    sys.stdout.write("@@GDBTEST " + json.dumps(kw) + "\n")
    sys.stdout.flush()

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set width 0")
gdb.execute("source " + os.environ["GDBTEST_MENUOS_PY"])
import menuos_helpers_alias  # noqa: placeholder replaced below
'''
# menuos.py is sourced (not imported), so its functions live in gdb's __main__ namespace.
GDB_DRIVER = GDB_DRIVER.replace("import menuos_helpers_alias  # noqa: placeholder replaced below\n", "")
GDB_DRIVER += r'''
linux = flavour() == "linux"
NAMES = {"sys_clone": "__se_sys_clone" if linux else "sys_clone"}
def kname(n):
    return NAMES.get(n, n)

import time
err = None
for _ in range(100):  # QEMU may not listen yet
    try:
        gdb.execute("target remote 127.0.0.1:" + os.environ["GDBTEST_PORT"], to_string=True)
        err = None
        break
    except gdb.error as e:
        err = e
        time.sleep(0.1)
if err is not None:
    emit("connect_failed", why=str(err))
    raise SystemExit(1)
emit("connected", flavour=flavour())

FUNCS = ["sys_clone", "kernel_clone", "copy_process", "dup_task_struct", "sched_fork",
         "copy_thread", "wake_up_new_task", "__switch_to", "ret_from_fork", "schedule_tail"]
addrs, missing = {}, []
for f in FUNCS:
    a = sym_addr(kname(f))
    if a is None:
        missing.append(kname(f))
    addrs[f] = a
inlined = {}
if linux and addrs.get("dup_task_struct") is None:
    # Linux 6.1 inlines dup_task_struct into copy_process: break on the inlined location.
    try:
        b = gdb.Breakpoint("dup_task_struct", internal=True)
        locs = [l.address for l in b.locations] if hasattr(b, "locations") else []
        b.delete()
        if locs:
            addrs["dup_task_struct"] = locs[0]
            inlined["dup_task_struct"] = True
            missing.remove("dup_task_struct")
    except gdb.error:
        pass
emit("symbols", addrs={k: v for k, v in addrs.items() if v is not None}, missing=missing,
     inlined=sorted(inlined))
if addrs["sys_clone"] is None:
    emit("fatal", why="no sys_clone symbol")
    raise SystemExit(1)

by_addr = {}
def brk(name):
    a = addrs.get(name)
    if a is None:
        return None
    b = gdb.Breakpoint("*0x%x" % a, internal=True)
    by_addr[a] = name
    return b

first = brk("sys_clone")
emit("running")
gdb.execute("continue", to_string=True)

def regs_dict(a):
    return read_pt_regs(a)

pc = reg("pc")
if pc != addrs["sys_clone"]:
    emit("fatal", why="stopped at 0x%x, not sys_clone" % pc)
    raise SystemExit(1)
parent = current_task_addr()
pt = task_at(parent)
parent_regs_addr = pt_regs_of(pt)
pregs = regs_dict(parent_regs_addr)
try:
    ecall_word = read_u(pregs["epc"] - 4, 4)
except gdb.MemoryError:
    ecall_word = None
try:
    flags = u64(gdb.selected_frame().read_var("clone_flags"))
except (ValueError, gdb.error):
    flags = reg("a1") if not linux else reg("a0")
emit("hit", name="sys_clone", tp=reg("tp"), sp=reg("sp"))
emit("parent", task=parent, pid=pt.pid(), comm=pt.comm(), regs_addr=parent_regs_addr,
     regs=pregs, ecall_word=ecall_word, clone_flags=flags)
first.delete()

for f in FUNCS[1:]:
    brk(f)

child = None
child_ra = None
done = False
for _ in range(200):
    gdb.execute("continue", to_string=True)
    pc = reg("pc")
    name = by_addr.get(pc)
    if name is None:
        if child_ra is not None and pc == child_ra[0]:
            c = task_at(child)
            base = c.stack()
            emit("copy_thread_returned", child=child, ra=c.thread_ra(), sp=c.thread_sp(),
                 stack=base, regs_addr=base + THREAD_SIZE - PT_SIZE,
                 regs=regs_dict(base + THREAD_SIZE - PT_SIZE), pid=c.pid(),
                 ret_from_fork=addrs.get("ret_from_fork"))
            child_ra[1].delete()
            child_ra = None
            continue
        emit("stray_stop", pc=pc)
        continue
    tp = reg("tp")
    if name == "__switch_to":
        # only the switch to the child is interesting (a0 = prev, a1 = next)
        if child is not None and reg("a1") == child:
            emit("hit", name=name, tp=tp, sp=reg("sp"), prev=reg("a0"), next=reg("a1"))
        continue
    if name == "schedule_tail" and (child is None or tp != child):
        continue
    if name in ("kernel_clone", "copy_process", "dup_task_struct", "sched_fork", "copy_thread",
                "wake_up_new_task") and tp != parent:
        continue  # someone else's clone (a kernel thread)
    emit("hit", name=name, tp=tp, sp=reg("sp"))
    if name == "copy_thread" and child is None:
        try:
            child = u64(gdb.selected_frame().read_var("p"))
        except (ValueError, gdb.error):
            child = reg("a0")
        ret = reg("ra")
        b = gdb.Breakpoint("*0x%x" % ret, internal=True, temporary=False)
        child_ra = (ret, b)
        emit("child", task=child)
    elif name == "ret_from_fork":
        sp = reg("sp")
        c = task_at(child) if child else None
        emit("ret_from_fork", tp=tp, sp=sp, regs=regs_dict(sp),
             child_thread_sp=c.thread_sp() if c else None,
             child_regs=regs_dict(pt_regs_of(c)) if c else None)
    elif name == "schedule_tail":
        done = True
        break
    if name == "ret_from_fork":
        # one more stop: schedule_tail in the child (if traced), then run freely
        if addrs.get("schedule_tail") is None:
            done = True
            break
for b in gdb.breakpoints():
    b.delete()
emit("detached_breakpoints", done=done)
try:
    gdb.execute("continue", to_string=True)
except gdb.error as e:
    emit("continue_end", why=str(e))
emit("end")
'''


# QEMU and gdb: qemu.Process (a child whose output a thread reads; wait_for sees the raw
# output), killed on every path (qemu.kill_all() as the backstop).
Proc = qemu.Process


def events_of(text):
    evs = []
    for line in text.splitlines():
        if line.startswith("@@GDBTEST "):
            try:
                evs.append(json.loads(line[len("@@GDBTEST "):]))
            except ValueError:
                pass
    return evs


def last_lines(text, n=6):
    lines = [l.rstrip("\r") for l in text.splitlines() if l.strip() and not l.startswith("@@GDBTEST")]
    return " | ".join(lines[-n:])


def run(args):
    results = []  # (ok, name, why)

    def check(name, ok, why=""):
        results.append((bool(ok), name, why))

    kernel = os.path.abspath(args.kernel)
    initrd = os.path.abspath(args.initrd)
    if os.path.basename(kernel) == "Image":  # gdb needs the ELF: Linux's vmlinux next to it
        kernel = os.path.join(os.path.dirname(kernel), "vmlinux")
    for p in (kernel, initrd):
        if not os.path.exists(p):
            check("setup", False, "%s is missing (make kernel initramfs)" % p)
            return results, "", ""
    for tool in (qemu.QEMU, args.gdb):
        if shutil.which(tool) is None:
            check("setup", False, "%s not found (make deps)" % tool)
            return results, "", ""
    # The gdb ELF and the booted image: vmlinux for MenuOS (both); for Linux the Image next to
    # vmlinux boots and vmlinux gives the symbols.
    boot_image = kernel
    if os.path.basename(kernel) == "vmlinux" and os.path.exists(os.path.join(os.path.dirname(kernel), "Image")):
        boot_image = os.path.join(os.path.dirname(kernel), "Image")

    # Snapshots: other builds may replace build/vmlinux while we run.
    snap = qemu.Snapshot(prefix="gdbtest.")
    snap_k = snap.copy(kernel, "vmlinux")
    snap_boot = snap_k
    if boot_image != kernel:
        snap_boot = snap.copy(boot_image, "Image")
    snap_i = snap.copy(initrd, "initramfs.cpio")
    driver = snap.path("driver.py")
    with open(driver, "w") as f:
        f.write(GDB_DRIVER)

    port = qemu.free_port()
    deadline = time.monotonic() + args.timeout
    qemu_cmd = qemu.boot_argv(snap_boot, snap_i, APPEND, extra=["-gdb", "tcp:127.0.0.1:%d" % port, "-S"])
    env = dict(os.environ, GDBTEST_PORT=str(port),
               GDBTEST_MENUOS_PY=os.path.join(GDB_DIR, "menuos.py"))
    gdb_cmd = [args.gdb, "-batch", "-nx", "-ex", "set confirm off", "-x", driver, snap_k]
    if args.verbose:
        print("# vm: " + " ".join(qemu_cmd))
        print("# gdb:  " + " ".join(gdb_cmd))
    vm = gdbp = None
    try:
        vm = Proc(qemu_cmd, stdin=True)
        # gdb retries its connection until QEMU's gdb server listens
        gdbp = Proc(gdb_cmd, stdin=False, env=env)

        def ev_seen(name):
            return lambda text: any(e["ev"] == name or e["ev"] in ("fatal", "connect_failed")
                                    for e in events_of(text))

        gdbp.wait_for(ev_seen("running"), min(deadline, time.monotonic() + 30))
        evs = events_of(gdbp.buf)
        conn = [e for e in evs if e["ev"] in ("connected", "connect_failed")]
        if conn and conn[0]["ev"] == "connected":
            check("connect", True)
        else:
            check("connect", False, (conn[0]["why"] if conn else "gdb never connected") +
                  "; gdb: " + last_lines(gdbp.buf))
            return results, vm.buf, gdbp.buf
        sym = [e for e in evs if e["ev"] == "symbols"]
        if sym:
            miss = sym[0]["missing"]
            need_missing = [m for m in miss if m.replace("__se_", "") in SEED_ORDER]
            check("symbols", not need_missing,
                  "no symbol for %s (inlined or renamed? tell the lead)" % ", ".join(need_missing))
            if miss and not need_missing and args.verbose:
                print("# not traced (no symbol): " + ", ".join(miss))
        else:
            check("symbols", False, "gdb reported no symbols; gdb: " + last_lines(gdbp.buf))
            return results, vm.buf, gdbp.buf

        # boot to the menu under gdb
        ok = vm.wait_for(lambda t: PROMPT in t, deadline)
        check("prompt", ok, "no %s on the serial line (%s); console: %s" % (
            PROMPT, "QEMU exited" if vm.closed else "timeout", last_lines(vm.buf)))
        if not ok:
            return results, vm.buf, gdbp.buf
        early = [e for e in events_of(gdbp.buf) if e["ev"] == "hit"]
        mark = len(vm.buf)
        time.sleep(0.3)
        vm.send(args.fork_command + "\r")

        def gdb_done(text):
            return any(e["ev"] in ("detached_breakpoints", "end", "fatal") for e in events_of(text))

        gdbp.wait_for(gdb_done, deadline)
        evs = events_of(gdbp.buf)
        timed_out = not gdb_done(gdbp.buf)
        why_end = ("timed out after %d s" % args.timeout) if timed_out else "gdb ended"
        hits = [e for e in evs if e["ev"] == "hit"]
        names = [h["name"] for h in hits]
        par = next((e for e in evs if e["ev"] == "parent"), None)
        fatal = next((e for e in evs if e["ev"] == "fatal"), None)

        if par is None:
            check("sys_clone", False, "sys_clone was not entered after %s (%s)%s; console: %s"
                  % (args.fork_command, why_end, "; " + fatal["why"] if fatal else "", last_lines(vm.buf[mark:])))
        else:
            check("sys_clone", not early,
                  "sys_clone hit before %s was typed" % args.fork_command if early else "")
            if args.verbose:
                print("# parent: task 0x%x pid %d comm %s, clone flags 0x%x, pt_regs at 0x%x, epc 0x%x"
                      % (par["task"], par["pid"], par["comm"], par["clone_flags"], par["regs_addr"],
                         par["regs"]["epc"]))
            w = par["ecall_word"]
            check("ecall", w == 0x00000073,
                  "parent pt_regs epc 0x%x: the word at epc-4 is %s, not ecall (0x00000073)"
                  % (par["regs"]["epc"], "unreadable" if w is None else "0x%08x" % w))

        # the order: first hit of each seed function
        seen = []
        for n in names:
            if n not in seen:
                seen.append(n)
        seed_seen = [n for n in seen if n in SEED_ORDER]
        order_line = " -> ".join(seen) if seen else "(no breakpoint hit)"
        if seed_seen == SEED_ORDER:
            check("order", True)
            print("# order: " + order_line)
        else:
            miss = [n for n in SEED_ORDER if n not in seed_seen]
            check("order", False, "hit %s%s (%s)" % (
                order_line, "; never hit: " + ", ".join(miss) if miss else "; wrong order", why_end))

        ct = next((e for e in evs if e["ev"] == "copy_thread_returned"), None)
        if ct is None:
            for c in ("thread_ra", "thread_sp"):
                check(c, False, "copy_thread never returned under gdb (%s)" % why_end)
        else:
            rff = ct["ret_from_fork"]
            check("thread_ra", ct["ra"] == rff, "child thread.ra 0x%x, &ret_from_fork 0x%x"
                  % (ct["ra"], rff or 0))
            top = ct["stack"] + 16384
            okalign = ct["stack"] % 16384 == 0
            check("thread_sp", ct["sp"] == ct["regs_addr"] == top - 288 and okalign,
                  "child thread.sp 0x%x, its pt_regs (stack 0x%x + 16384 - 288) 0x%x%s"
                  % (ct["sp"], ct["stack"], top - 288, "" if okalign else ", stack not 16 KiB aligned"))
            if args.verbose:
                print("# copy_thread returned: child 0x%x pid %d thread.ra 0x%x thread.sp 0x%x stack 0x%x"
                      % (ct["child"], ct["pid"], ct["ra"], ct["sp"], ct["stack"]))

        rf = next((e for e in evs if e["ev"] == "ret_from_fork"), None)
        child = next((e["task"] for e in evs if e["ev"] == "child"), None)
        if rf is None:
            for c in ("child_runs", "switch_to", "child_a0", "child_epc", "child_sp"):
                check(c, False, "ret_from_fork was not reached in the child (%s)" % why_end)
        else:
            exp_sp = ct["sp"] if ct else rf["child_thread_sp"]
            check("child_runs", rf["tp"] == child and rf["sp"] == exp_sp,
                  "at ret_from_fork tp 0x%x (child 0x%x), sp 0x%x (child thread.sp 0x%x)"
                  % (rf["tp"], child or 0, rf["sp"], exp_sp or 0))
            sw = [i for i, h in enumerate(hits) if h["name"] == "__switch_to"]
            rfi = names.index("ret_from_fork")
            check("switch_to", any(i < rfi for i in sw),
                  "no __switch_to(.., child) before ret_from_fork")
            r = rf["regs"]
            check("child_a0", r["a0"] == 0, "child pt_regs a0 = 0x%x" % r["a0"])
            if par is not None:
                pe, ps = par["regs"]["epc"], par["regs"]["sp"]
                check("child_epc", r["epc"] == pe, "child epc 0x%x, parent epc 0x%x" % (r["epc"], pe))
                check("child_sp", r["sp"] == ps, "child user sp 0x%x, parent 0x%x" % (r["sp"], ps))
            else:
                check("child_epc", False, "no parent registers (sys_clone not hit)")
                check("child_sp", False, "no parent registers (sys_clone not hit)")

        # free run: the fork-new output, then quit
        if any(e["ev"] == "detached_breakpoints" for e in evs):
            ok = vm.wait_for(lambda t: all(l in t[mark:] for l in FORK_LINES) and
                               PROMPT in t[mark + max(t[mark:].find(FORK_LINES[2]), 0):], deadline)
            out = vm.buf[mark:]
            check("output", ok, "missing %s; console: %s" % (
                ", ".join(repr(l) for l in FORK_LINES if l not in out), last_lines(out)))
            mark2 = len(vm.buf)
            vm.send("quit\r")
            check("poweroff", vm.wait_exit(min(deadline, time.monotonic() + 20) - time.monotonic()),
                  "QEMU still runs after quit; console: " + last_lines(vm.buf[mark2:]))
        else:
            check("output", False, "gdb never let the fork run to its end (%s)" % why_end)
            check("poweroff", False, "not tried: the fork did not finish under gdb")
        return results, vm.buf, gdbp.buf
    finally:
        for p in (gdbp, vm):
            if p is not None:
                p.kill()
        if args.keep_log:
            os.makedirs(args.keep_log, exist_ok=True)
            with open(os.path.join(args.keep_log, "gdbtest-console.log"), "w") as f:
                f.write(vm.buf if vm else "")
            with open(os.path.join(args.keep_log, "gdbtest-gdb.log"), "w") as f:
                f.write(gdbp.buf if gdbp else "")
        snap.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "vmlinux"))
    ap.add_argument("--initrd", default=os.path.join(ROOT, "build", "initramfs.cpio"))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--gdb", default="gdb-multiarch")
    ap.add_argument("--keep-log", default=os.path.join(ROOT, "build", "test-logs"),
                    help="where the console and gdb logs go ('' for nowhere)")
    ap.add_argument("--fork-command", default="fork-new",
                    help="the menu command that forks (default fork-new; others test the harness)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    # run() enforces the timeout itself; this is the backstop (it kills QEMU and gdb).
    status, r = qemu.guarded(lambda: run(args), args.timeout + 30)
    if status == "error":  # a harness bug is a failed check, never a hang
        r = ([(False, "harness", "%s: %s" % (type(r).__name__, r))], "", "")
    elif status == "hung":
        r = ([(False, "timeout", "the harness itself hung")], "", "")
    results = r[0]
    npass, nfail = qemu.print_results("gdb", results)
    os._exit(0 if nfail == 0 and npass > 0 else 1)


if __name__ == "__main__":
    main()
