# menuos.gdb - gdb setup for debugging MenuOS (build/vmlinux) in QEMU: the seed experiment.
#
#   gdb-multiarch build/vmlinux -x tools/gdb/menuos.gdb        (tools/debug.sh does this)
#
# It connects to QEMU's gdb server (QEMU started with -s -S: port 1234, CPU halted; override
# the port with MENUOS_GDB_PORT), loads the helper commands of menuos.py and sets the
# seed's breakpoints.  Then:
#   (gdb) c                      boot; at MenuOS>> type fork-new (in QEMU's console, or here
#                                with `menuos-send fork-new` after Ctrl-C when debug.sh runs
#                                QEMU in this terminal)
#   sys_clone -> kernel_clone -> copy_process -> dup_task_struct -> copy_thread
#     (gdb) finish               copy_thread has built the child's stack:
#     (gdb) menuos-task $child   thread.ra = <ret_from_fork>, thread.sp = its pt_regs
#     (gdb) menuos-regs -t $child    a0 = 0, epc = the parent's (past the ecall)
#   -> wake_up_new_task -> ret_from_fork (the child's first instruction)
#     (gdb) menuos-current       the child now runs: tp = $child
#     (gdb) menuos-regs $sp      sp = its pt_regs
# No -icount with gdb: the two together hang QEMU.

set pagination off
set confirm off
set print pretty on
set architecture riscv:rv64

# the helpers: menuos-task, menuos-regs, menuos-current, menuos-breakpoints, menuos-send,
# menuos-fork-check (menuos.py sits next to this file)
python
import os, gdb
here = os.environ.get("MENUOS_GDB_DIR") or os.path.dirname(os.path.abspath(gdb.current_progspace().filename or "."))
for d in (os.environ.get("MENUOS_GDB_DIR", ""), "tools/gdb", os.path.join(here, "..", "tools", "gdb")):
    p = os.path.join(d, "menuos.py")
    if d and os.path.exists(p):
        gdb.execute("source " + p)
        break
else:
    gdb.write("menuos.gdb: tools/gdb/menuos.py not found (run gdb from the repository root)\n")
end

python
import os, gdb
port = os.environ.get("MENUOS_GDB_PORT", "1234")
if os.environ.get("MENUOS_NO_CONNECT") != "1":
    try:
        gdb.execute("target remote localhost:" + port)
    except gdb.error as e:
        gdb.write("menuos.gdb: cannot attach to QEMU on localhost:%s (%s).\n"
                  "  Start it first: tools/debug.sh qemu   (or make debug), then: target remote :%s\n"
                  % (port, e, port))
end

# The seed's breakpoints (each at the function's first instruction):
#   sys_clone kernel_clone copy_process dup_task_struct copy_thread wake_up_new_task ret_from_fork
# By hand, the same as:  break sys_clone / break kernel_clone / ... / break ret_from_fork
menuos-breakpoints

echo \n
echo MenuOS gdb: QEMU is halted at the reset vector; the seed's breakpoints are set.\n
echo   c                     boot to the menu, then type fork-new in the menu\n
echo   finish                (at copy_thread) let it build the child, then:\n
echo   menuos-task $child    the child task_struct: thread.ra = ret_from_fork, thread.sp = pt_regs\n
echo   menuos-regs -t $child the child pt_regs: a0 = 0, epc = parent's\n
echo   menuos-current        the running task (tp)    menuos-fork-check: all of it at once\n
echo   help menuos-task ...  more; `info breakpoints`, `delete` to run freely\n
echo \n
