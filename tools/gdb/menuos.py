# menuos.py - gdb helpers for the MenuOS kernel (and the reference Linux), gdb's Python API.
#
# Loaded by tools/gdb/menuos.gdb (`source tools/gdb/menuos.gdb`), or alone:
#     (gdb) source tools/gdb/menuos.py
#
# Commands:
#   menuos-task [ADDR]      a task_struct: pid, tgid, state, comm, kernel stack, pt_regs,
#                           thread.ra (with its symbol) and thread.sp.  ADDR defaults to current.
#   menuos-regs [ADDR]      a struct pt_regs (36 words: epc ra sp ... orig_a0).  ADDR defaults to
#                           current's pt_regs (top of its kernel stack - 288); `menuos-regs -t
#                           TASK` prints TASK's pt_regs.
#   menuos-current          the running task: tp in the kernel, sscratch while in user mode.
#   menuos-breakpoints      sets the seed experiment's breakpoints (sys_clone, kernel_clone,
#                           copy_process, dup_task_struct, copy_thread, wake_up_new_task,
#                           ret_from_fork; Linux: __se_sys_clone ...).  At copy_thread they
#                           also store the new task in $child (so `finish` then
#                           `menuos-task $child` shows what copy_thread built).
#   menuos-send TEXT        types TEXT and Enter on the menu's serial line (when QEMU was started
#                           by tools/debug.sh in one terminal: the serial input is a fifo).
#   menuos-fork-check [TASK]  after copy_thread returned: checks thread.ra == ret_from_fork,
#                           thread.sp == TASK's pt_regs, pt_regs a0 == 0 (TASK defaults to $child).
#
# Every ADDR is a gdb expression ($child, $tp, 0xffffffc0...).
#
# Both kernels keep `current` in tp while in the kernel (struct thread_info is the first member
# of task_struct), and struct pt_regs (288 bytes) at the top of the THREAD_SIZE (16 KiB) kernel
# stack.  For MenuOS the field offsets come from the Rust debug info of build/vmlinux
# (menuos::kernel::task::TaskStruct); fixed offsets of its repr(C) head are the fallback.

import os

import gdb

THREAD_SIZE = 16384
PT_SIZE = 288
MASK64 = (1 << 64) - 1

PT_REGS = ["epc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
           "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
           "t3", "t4", "t5", "t6", "status", "badaddr", "cause", "orig_a0"]
assert len(PT_REGS) * 8 == PT_SIZE

TASK_STATES = [(0x0001, "TASK_INTERRUPTIBLE"), (0x0002, "TASK_UNINTERRUPTIBLE"),
               (0x0004, "__TASK_STOPPED"), (0x0008, "__TASK_TRACED"), (0x0080, "TASK_DEAD"),
               (0x0100, "TASK_WAKEKILL"), (0x0200, "TASK_WAKING"), (0x0400, "TASK_PARKED"),
               (0x0800, "TASK_NEW")]
EXIT_STATES = {0x10: "EXIT_DEAD", 0x20: "EXIT_ZOMBIE"}

# The seed's breakpoints, in the order they are hit by a fork.  (name on MenuOS, name on Linux)
SEED_BREAKPOINTS = [
    ("sys_clone", "__se_sys_clone"),
    ("kernel_clone", "kernel_clone"),
    ("copy_process", "copy_process"),
    ("dup_task_struct", "dup_task_struct"),
    ("copy_thread", "copy_thread"),
    ("wake_up_new_task", "wake_up_new_task"),
    ("ret_from_fork", "ret_from_fork"),
]

MENUOS_TASK = "menuos::kernel::task::TaskStruct"
MENUOS_PTREGS = "menuos::arch::riscv::ptrace::PtRegs"
# Fallback offsets of MenuOS's TaskStruct (repr(C)): thread_info 0, thread 40 (ra, sp, s[12]),
# stack 424 (KernelStack.base), pid 440, tgid 444, state 448, exit_state 452.
MENUOS_FALLBACK = {"thread.ra": (40, 8), "thread.sp": (48, 8), "thread.s": (56, 8),
                   "stack": (424, 8), "pid": (440, 4), "tgid": (444, 4), "state": (448, 4),
                   "exit_state": (452, 4)}


# ------------------------------------------------------------------------------------------
# Memory and symbols


def u64(x):
    return int(x) & MASK64


def _phys_read(paddr, n):
    """Reads physical memory through QEMU's gdbstub (qqemu.PhyMemMode)."""
    gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
    try:
        return bytes(gdb.selected_inferior().read_memory(paddr, n))
    finally:
        gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)


def virt_to_phys(vaddr):
    """Walks the page table of satp (Sv39/Sv48/Sv57) for vaddr; None when unmapped."""
    satp = reg("satp")
    levels = {8: 3, 9: 4, 10: 5}.get(satp >> 60)
    if levels is None:
        return vaddr  # bare: no translation
    table = (satp & ((1 << 44) - 1)) << 12
    for level in range(levels - 1, -1, -1):
        vpn = (vaddr >> (12 + 9 * level)) & 0x1ff
        pte = int.from_bytes(_phys_read(table + 8 * vpn, 8), "little")
        if not pte & 1:
            return None
        ppn = (pte >> 10) & ((1 << 44) - 1)
        if pte & 0xa:  # R or X: a leaf (maybe a superpage)
            span = 12 + 9 * level
            return ((ppn << 12) & ~((1 << span) - 1)) | (vaddr & ((1 << span) - 1))
        table = ppn << 12
    return None


def _read(addr, n):
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, n))
    except gdb.MemoryError:
        # Stopped in user mode, QEMU's gdbstub reads with user permissions: kernel pages are
        # out of reach.  Translate by hand and read the physical memory instead.
        if not in_kernel(addr) or in_kernel(reg("pc")):
            raise
        out = b""
        while n > 0:
            chunk = min(n, 4096 - (addr & 0xfff))
            pa = virt_to_phys(addr)
            if pa is None:
                raise gdb.MemoryError("Cannot access memory at address 0x%x (unmapped)" % addr)
            out += _phys_read(pa, chunk)
            addr += chunk
            n -= chunk
        return out


def read_u(addr, size=8):
    return int.from_bytes(_read(addr, size), "little")


def read_s(addr, size=4):
    v = read_u(addr, size)
    return v - (1 << (8 * size)) if v >> (8 * size - 1) else v


def read_bytes(addr, n):
    return _read(addr, n)


def reg(name):
    return u64(gdb.parse_and_eval("$" + name))


def eval_addr(expr):
    return u64(gdb.parse_and_eval(expr))


def sym_addr(name):
    """Address of a symbol (function or data), or None."""
    try:
        s = gdb.lookup_global_symbol(name)
        if s is not None and s.is_function:
            return u64(s.value().address)
    except gdb.error:
        pass
    try:
        s = gdb.lookup_static_symbol(name)
        if s is not None and s.is_function:
            return u64(s.value().address)
    except (gdb.error, AttributeError):
        pass
    # Minimal (ELF) symbols: #[no_mangle] Rust functions and the assembly labels.
    try:
        out = gdb.execute("info address %s" % name, to_string=True)
    except gdb.error:
        out = ""
    for word in out.replace(".", " ").split():
        if word.startswith("0x"):
            return int(word, 16)
    for quoted in ("'%s'" % name, name):
        try:
            return u64(gdb.parse_and_eval("(unsigned long)&%s" % quoted))
        except gdb.error:
            pass
    return None


def symbolize(addr):
    """`name+off` for a code address, or ''."""
    try:
        blk = gdb.block_for_pc(addr)
    except (RuntimeError, gdb.error):
        blk = None
    fn = blk.function if blk is not None else None
    while blk is not None and fn is None:
        blk = blk.superblock
        fn = blk.function if blk is not None else None
    if fn is not None:
        start = u64(fn.value().address)
        off = addr - start
        return fn.name + ("+%d" % off if off else "")
    try:
        out = gdb.execute("info symbol 0x%x" % addr, to_string=True).strip()
    except gdb.error:
        return ""
    if out.startswith("No symbol"):
        return ""
    # "ret_from_fork in section .text"  /  "handle_exception + 12 in section .text"
    name = out.split(" in section")[0]
    return name.replace(" + ", "+")


# ------------------------------------------------------------------------------------------
# Which kernel: MenuOS (Rust types) or Linux (struct task_struct)


def flavour():
    try:
        gdb.lookup_type(MENUOS_TASK)
        return "menuos"
    except gdb.error:
        pass
    try:
        gdb.lookup_type("struct task_struct")
        return "linux"
    except gdb.error:
        pass
    if sym_addr("kernel_clone") is not None and sym_addr("sys_clone") is not None \
            and sym_addr("__se_sys_clone") is None:
        return "menuos"  # MenuOS without debug info: the fallback offsets
    return "linux"


_UNWRAP = ("data", "value", "v", "__0", "inner")


def _leaf(t, off=0):
    """Descends through Rust wrappers (Atomic, UnsafeCell, Mutex, ArchCell, Align4) to the
    scalar or array inside; returns (byte offset, type)."""
    t = t.strip_typedefs()
    while t.code == gdb.TYPE_CODE_STRUCT:
        names = {f.name: f for f in t.fields() if f.name is not None}
        for n in _UNWRAP:
            if n in names:
                f = names[n]
                off += f.bitpos // 8
                t = f.type.strip_typedefs()
                break
        else:
            break
    return off, t


def _field(t, path):
    """Byte offset and leaf type of a dotted field path inside a Rust type, unwrapping
    wrappers at each step.  Raises KeyError when a name is missing."""
    off = 0
    t = t.strip_typedefs()
    for part in path.split("."):
        off, t = _leaf(t, off)
        names = {f.name: f for f in t.fields() if f.name is not None}
        if part not in names:
            raise KeyError(part)
        off += names[part].bitpos // 8
        t = names[part].type.strip_typedefs()
    return _leaf(t, off)


class MenuosTask:
    """A MenuOS TaskStruct at an address, read through its debug-info layout."""

    def __init__(self, addr):
        self.addr = addr
        try:
            self.t = gdb.lookup_type(MENUOS_TASK)
        except gdb.error:
            self.t = None

    def off(self, path):
        if self.t is not None:
            try:
                o, lt = _field(self.t, path)
                return o, lt.sizeof
            except KeyError:
                pass
        if path in MENUOS_FALLBACK:
            return MENUOS_FALLBACK[path]
        raise KeyError(path)

    def u(self, path):
        o, size = self.off(path)
        return read_u(self.addr + o, min(size, 8))

    def s(self, path):
        o, size = self.off(path)
        return read_s(self.addr + o, min(size, 8))

    def pid(self):
        return self.s("pid")

    def tgid(self):
        return self.s("tgid")

    def state(self):
        return self.u("state")

    def exit_state(self):
        return self.u("exit_state")

    def comm(self):
        try:
            o, size = self.off("comm")
        except KeyError:
            return None
        raw = read_bytes(self.addr + o, 16)
        return raw.split(b"\0")[0].decode("utf-8", "replace")

    def stack(self):
        return self.u("stack.base") if self.t is not None else self.u("stack")

    def thread_ra(self):
        return self.u("thread.ra")

    def thread_sp(self):
        return self.u("thread.sp")

    def thread_s(self):
        o, _ = self.off("thread.s")
        return [read_u(self.addr + o + 8 * i) for i in range(12)]

    def ppid(self):
        """tgid of real_parent (Option<Weak<TaskStruct>> points at the ArcInner), or None."""
        try:
            o, _ = self.off("rel.real_parent")
        except KeyError:
            return None
        p = read_u(self.addr + o)
        if p in (0, MASK64):
            return 0
        data_off = 16  # ArcInner { strong, weak, data }
        try:
            inner = gdb.lookup_type("alloc::sync::ArcInner<%s>" % MENUOS_TASK)
            data_off = [f for f in inner.fields() if f.name == "data"][0].bitpos // 8
        except (gdb.error, IndexError):
            pass
        try:
            return MenuosTask(p + data_off).tgid()
        except gdb.MemoryError:
            return None


class LinuxTask:
    """A Linux struct task_struct at an address (C debug info), read in one go (so that it
    also works while stopped in user mode, see _read)."""

    def __init__(self, addr):
        self.addr = addr
        t = gdb.lookup_type("struct task_struct")
        self.v = gdb.Value(_read(addr, t.sizeof), t)

    def _get(self, *names):
        for n in names:
            try:
                return self.v[n]
            except gdb.error:
                continue
        return None

    def pid(self):
        return int(self.v["pid"])

    def tgid(self):
        return int(self.v["tgid"])

    def state(self):
        return u64(self._get("__state", "state")) & 0xffffffff

    def exit_state(self):
        return int(self.v["exit_state"])

    def comm(self):
        c = self.v["comm"]
        raw = bytes(int(c[i]) & 0xff for i in range(16))
        return raw.split(b"\0")[0].decode("utf-8", "replace")

    def stack(self):
        return u64(self.v["stack"])

    def thread_ra(self):
        return u64(self.v["thread"]["ra"])

    def thread_sp(self):
        return u64(self.v["thread"]["sp"])

    def thread_s(self):
        return [u64(self.v["thread"]["s"][i]) for i in range(12)]

    def ppid(self):
        try:
            return LinuxTask(u64(self.v["real_parent"])).tgid()
        except (gdb.error, gdb.MemoryError):
            return None


def task_at(addr):
    return MenuosTask(addr) if flavour() == "menuos" else LinuxTask(addr)


def pt_regs_of(task):
    """task_pt_regs(): the top of the task's kernel stack minus sizeof(struct pt_regs)."""
    return task.stack() + THREAD_SIZE - PT_SIZE


def read_pt_regs(addr):
    raw = read_bytes(addr, PT_SIZE)
    return {n: int.from_bytes(raw[8 * i:8 * i + 8], "little") for i, n in enumerate(PT_REGS)}


def in_kernel(pc):
    return pc >> 63 == 1  # both kernels live in the upper half of the Sv39 address space


def current_task_addr():
    """`current`: tp in the kernel; in user mode the kernel keeps it in sscratch."""
    pc = reg("pc")
    if in_kernel(pc):
        return reg("tp")
    try:
        return reg("sscratch")
    except gdb.error:
        return None


def state_name(state, exit_state=0):
    if exit_state in EXIT_STATES:
        return EXIT_STATES[exit_state]
    if state == 0:
        return "TASK_RUNNING"
    names = [n for bit, n in TASK_STATES if state & bit]
    return "|".join(names) if names else "0x%x" % state


# ------------------------------------------------------------------------------------------
# Commands


def _arg_addr(arg, what):
    arg = arg.strip()
    if arg:
        return eval_addr(arg)
    a = current_task_addr()
    if a is None:
        raise gdb.GdbError("%s: no current task (tp/sscratch unreadable); give an address" % what)
    return a


def describe_task(addr):
    t = task_at(addr)
    lines = []
    kind = MENUOS_TASK if isinstance(t, MenuosTask) else "struct task_struct"
    lines.append("task_struct at 0x%016x (%s)" % (addr, kind))
    comm = t.comm()
    ppid = t.ppid()
    lines.append("  pid %d  tgid %d%s  comm %s" % (
        t.pid(), t.tgid(), "  ppid %d" % ppid if ppid is not None else "",
        '"%s"' % comm if comm is not None else "?"))
    st, ex = t.state(), t.exit_state()
    lines.append("  state %s (0x%x)%s" % (state_name(st, 0), st,
                                          "  exit_state %s" % EXIT_STATES.get(ex, hex(ex)) if ex else ""))
    base = t.stack()
    regs = base + THREAD_SIZE - PT_SIZE
    lines.append("  stack 0x%016x .. 0x%016x (THREAD_SIZE 16 KiB)" % (base, base + THREAD_SIZE))
    lines.append("  pt_regs 0x%016x (stack top - %d)" % (regs, PT_SIZE))
    ra, sp = t.thread_ra(), t.thread_sp()
    sym = symbolize(ra) if ra else ""
    lines.append("  thread.ra 0x%016x%s" % (ra, " <%s>" % sym if sym else ""))
    if sp == regs:
        note = "  (= its pt_regs: a first __switch_to lands in ret_from_fork with sp = pt_regs)"
    elif base <= sp < base + THREAD_SIZE:
        note = "  (inside its kernel stack, pt_regs - %d)" % (regs - sp) if sp < regs else ""
    else:
        note = "  (not in its kernel stack)" if sp else ""
    lines.append("  thread.sp 0x%016x%s" % (sp, note))
    s = t.thread_s()
    lines.append("  thread.s0 0x%x  s1 0x%x" % (s[0], s[1]))
    return "\n".join(lines)


def describe_regs(addr):
    r = read_pt_regs(addr)
    out = ["pt_regs at 0x%016x" % addr]
    for i in range(0, 32, 4):
        out.append("  " + "  ".join("%-4s 0x%016x" % (n, r[n]) for n in PT_REGS[i:i + 4]))
    st = r["status"]
    bits = []
    if st & (1 << 8):
        bits.append("SPP (from the kernel)")
    else:
        bits.append("SPP=0 (from user mode)")
    if st & (1 << 5):
        bits.append("SPIE")
    if st & (1 << 1):
        bits.append("SIE")
    out.append("  status 0x%x [%s]  badaddr 0x%x  cause 0x%x%s  orig_a0 0x%x" % (
        st, ", ".join(bits), r["badaddr"], r["cause"],
        " (ecall from U-mode)" if r["cause"] == 8 else "", r["orig_a0"]))
    sym = symbolize(r["epc"]) if in_kernel(r["epc"]) else ""
    out.append("  epc 0x%x%s" % (r["epc"], " <%s>" % sym if sym else " (user)"))
    return "\n".join(out)


class TaskCmd(gdb.Command):
    """menuos-task [ADDR]: print a task_struct (default: current).
Shows pid, tgid, ppid, comm, state, its kernel stack and pt_regs, thread.ra (with its symbol)
and thread.sp.  ADDR is any expression: $child (set at copy_thread), $tp, 0xffffffc0..."""

    def __init__(self):
        super().__init__("menuos-task", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        addr = _arg_addr(arg, "menuos-task")
        try:
            gdb.write(describe_task(addr) + "\n")
        except gdb.MemoryError as e:
            raise gdb.GdbError("menuos-task: cannot read a task_struct at 0x%x: %s" % (addr, e))


class RegsCmd(gdb.Command):
    """menuos-regs [ADDR | -t TASK]: print a struct pt_regs.
ADDR: the pt_regs address; -t TASK: that task's pt_regs (top of its kernel stack - 288);
no argument: current's pt_regs (the registers user mode will get back)."""

    def __init__(self):
        super().__init__("menuos-regs", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if arg.startswith("-t"):
            addr = pt_regs_of(task_at(_arg_addr(arg[2:], "menuos-regs")))
        elif arg:
            addr = eval_addr(arg)
        else:
            addr = pt_regs_of(task_at(_arg_addr("", "menuos-regs")))
        try:
            gdb.write(describe_regs(addr) + "\n")
        except gdb.MemoryError as e:
            raise gdb.GdbError("menuos-regs: cannot read pt_regs at 0x%x: %s" % (addr, e))


class CurrentCmd(gdb.Command):
    """menuos-current: print the running task (tp in the kernel, sscratch in user mode)."""

    def __init__(self):
        super().__init__("menuos-current", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        addr = current_task_addr()
        if not addr:
            raise gdb.GdbError("menuos-current: no task yet (tp is 0: early boot)")
        where = "tp" if in_kernel(reg("pc")) else "sscratch (stopped in user mode)"
        gdb.write("current (from %s):\n" % where)
        try:
            gdb.write(describe_task(addr) + "\n")
        except gdb.MemoryError as e:
            raise gdb.GdbError("menuos-current: cannot read the task_struct at 0x%x: %s" % (addr, e))


# The fork being followed: set when sys_clone is entered (the parent), the child at copy_thread.
_fork = {"gated": True, "parent": None, "child": None}


class SeedBreakpoint(gdb.Breakpoint):
    """A breakpoint at a function's first instruction (arguments still in a0..a7).

    Gated (the default): only a fork from user mode stops -- sys_clone arms the others for the
    task that entered it (kernel threads made at boot, kernel_init and friends, also go through
    kernel_clone and would stop otherwise); ret_from_fork stops only in that fork's child, and
    disarms.  At copy_thread the new task is stored in $child."""

    def __init__(self, func, spec):
        super().__init__(spec, gdb.BP_BREAKPOINT)
        self.func = func

    def stop(self):
        try:
            tp = reg("tp")
            if self.func == "sys_clone":
                _fork["parent"], _fork["child"] = tp, None
                gdb.set_convenience_variable("parent", tp)
                return True
            if _fork["gated"]:
                if self.func == "ret_from_fork":
                    if _fork["child"] is None or tp != _fork["child"]:
                        return False
                elif _fork["parent"] is None or tp != _fork["parent"]:
                    return False
            if self.func == "copy_thread":
                child = self._arg("p")
                _fork["child"] = child
                gdb.set_convenience_variable("child", child)
                gdb.write("menuos: copy_thread(p = 0x%x): $child = the new task, $parent = "
                          "current; `finish`, then `menuos-task $child`, `menuos-regs -t $child`"
                          ", `menuos-fork-check`\n" % child)
            elif self.func == "ret_from_fork":
                _fork["parent"] = None
                gdb.write("menuos: ret_from_fork in the child: tp = $child, sp = 0x%x = its "
                          "pt_regs; `menuos-current`, `menuos-regs $sp`\n" % reg("sp"))
        except (gdb.error, gdb.MemoryError):
            pass
        return True

    def _arg(self, name):
        try:
            return u64(gdb.selected_frame().read_var(name))
        except (ValueError, gdb.error):
            # Linux 6.1: copy_thread(struct task_struct *p, const struct kernel_clone_args *)
            return reg("a0")


def set_seed_breakpoints(quiet=False, gated=True):
    linux = flavour() == "linux"
    _fork["gated"] = gated
    made = []
    for menu_name, linux_name in SEED_BREAKPOINTS:
        name = linux_name if linux else menu_name
        addr = sym_addr(name)
        if addr is not None:
            SeedBreakpoint(menu_name, "*0x%x" % addr)
        else:
            try:  # inlined (Linux's dup_task_struct): gdb finds the inlined copies by name
                SeedBreakpoint(menu_name, name)
            except gdb.error:
                gdb.write("menuos: no symbol %s (inlined or renamed?): no breakpoint\n" % name)
                continue
        made.append(name)
    if not quiet:
        gdb.write("menuos: breakpoints on %s\n" % ", ".join(made))
        if gated:
            gdb.write("menuos: they stop for a fork from user mode only (sys_clone arms them); "
                      "`menuos-breakpoints -all` stops for kernel threads too\n")
    return made


class BreakpointsCmd(gdb.Command):
    """menuos-breakpoints [-all]: the seed experiment's breakpoints, at each function's first
instruction: sys_clone, kernel_clone, copy_process, dup_task_struct, copy_thread,
wake_up_new_task, ret_from_fork (Linux: __se_sys_clone for sys_clone).
They stop only for a fork from user mode: sys_clone arms the others for its task, and
ret_from_fork stops in that fork's child.  -all: stop at every hit (kernel threads at boot
too).  $parent and $child hold the two task_structs."""

    def __init__(self):
        super().__init__("menuos-breakpoints", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        for b in gdb.breakpoints() or ():
            if isinstance(b, SeedBreakpoint):
                b.delete()
        set_seed_breakpoints(gated=arg.strip() not in ("-all", "all"))


class SendCmd(gdb.Command):
    """menuos-send TEXT: type TEXT and Enter on MenuOS's serial console.
Works when tools/debug.sh started QEMU with its serial input on a fifo ($MENUOS_SERIAL_IN);
then `continue`.  Example: menuos-send fork-new"""

    def __init__(self):
        super().__init__("menuos-send", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        path = os.environ.get("MENUOS_SERIAL_IN")
        if not path or not os.path.exists(path):
            raise gdb.GdbError("menuos-send: no serial fifo (MENUOS_SERIAL_IN): type into the "
                               "QEMU terminal instead")
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, arg.encode() + b"\r")
        finally:
            os.close(fd)
        gdb.write("menuos: sent %r to the menu; `continue` to let it run\n" % arg)


class ForkCheckCmd(gdb.Command):
    """menuos-fork-check [TASK]: after copy_thread has returned (`finish`), check what it built
for TASK (default $child): thread.ra == ret_from_fork, thread.sp == TASK's pt_regs (stack top
- 288), pt_regs.a0 == 0, and epc/sp equal to the parent's pt_regs ($parent, set at sys_clone;
else current)."""

    def __init__(self):
        super().__init__("menuos-fork-check", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        try:
            addr = eval_addr(arg.strip() or "$child")
        except gdb.error:
            addr = 0
        if not addr:
            raise gdb.GdbError("menuos-fork-check: no $child yet (stop at copy_thread first)")
        c = task_at(addr)
        regs = pt_regs_of(c)
        rff = sym_addr("ret_from_fork")
        cr = read_pt_regs(regs)
        par = gdb.convenience_variable("parent")  # set at sys_clone
        par = u64(par) if par is not None else current_task_addr()
        if par == addr:
            raise gdb.GdbError("menuos-fork-check: the parent is the child? (set $parent)")
        pr = read_pt_regs(pt_regs_of(task_at(par)))
        checks = [
            ("thread.ra == &ret_from_fork", c.thread_ra() == rff,
             "0x%x vs 0x%x" % (c.thread_ra(), rff or 0)),
            ("thread.sp == child's pt_regs", c.thread_sp() == regs,
             "0x%x vs 0x%x" % (c.thread_sp(), regs)),
            ("child pt_regs.a0 == 0", cr["a0"] == 0, "a0 = 0x%x" % cr["a0"]),
            ("child epc == parent epc", cr["epc"] == pr["epc"],
             "0x%x vs 0x%x" % (cr["epc"], pr["epc"])),
            ("child sp == parent sp", cr["sp"] == pr["sp"], "0x%x vs 0x%x" % (cr["sp"], pr["sp"])),
        ]
        for name, ok, why in checks:
            gdb.write("%s %s  (%s)\n" % ("ok  " if ok else "NOT ", name, why))


TaskCmd()
RegsCmd()
CurrentCmd()
BreakpointsCmd()
SendCmd()
ForkCheckCmd()
