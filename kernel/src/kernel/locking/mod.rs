//! Locks and the order they are taken in.  Linux: include/linux/spinlock.h,
//! kernel/locking/lockdep.c, Documentation/locking/lockdep-design.rst.
//!
//! Every lock in MenuOS is a [`SpinLock`] of a *class*, and every class has a *rank*.  The
//! rule: **a task may take a lock only if its rank is higher than the rank of every lock it
//! already holds** (ranks only rise), and it holds none when it sleeps (schedule()).  Taking
//! two locks of one class at once needs an explicit `lock_nested(subclass)`, which Linux
//! spells spin_lock_nested().  With the `lockdep` cargo feature (the kernel `make test`
//! boots) every acquisition is checked and a violation is an oops naming both locks; without
//! it the classes cost nothing.
//!
//! The order, outermost first (the table below is the one source; docs/kernel.md copies it):
//!
//! | rank | class          | guards                                                          |
//! |------|----------------|-----------------------------------------------------------------|
//! |   10 | Tasklist       | tasklist_lock: real_parent/children links, reparenting, release |
//! |   12 | TaskRel        | one task's Relatives (read alone; changed under Tasklist) |
//! |   16 | FilePos        | a file's f_pos (held across user copies: below everything a page fault takes) |
//! |   18 | IpcIds         | ipc_ids.rwsem: an IPC namespace's objects of one kind (their permission checks look at the caller's task) |
//! |   20 | Pids           | the pid table and allocator (kernel/pid.rs) |
//! |   22 | FsContext      | fc->uapi_mutex: a filesystem context of fsopen/fsmount |
//! |   24 | TaskLock       | a task's mm/files/fs/sighand pointers, comm, vfork_done (task_lock) |
//! |   30 | Sighand        | sighand->siglock: the handler table |
//! |   32 | Pending        | a task's pending signals (under siglock when both are needed) |
//! |   33 | Ptrace         | a task's ptrace stop: its code, siginfo, event message (a leaf) |
//! |   34 | SignalMisc     | signal_struct's rlimits, stop state, itimer; saved_sigmask, altstack |
//! |   36 | FilesTable     | files_struct's fd array (a File may be dropped under it) |
//! |   38 | FsStruct       | fs_struct: root, cwd, umask |
//! |   40 | MmapLock       | mm->mmap_lock: the VMAs and page table of an mm; exe_file |
//! |   43 | Rename         | s_vfs_rename_mutex: one rename at a time, across its checks and its moves |
//! |   44 | Namespace      | namespace_sem: a mount namespace's mount table (rename asks it for mountpoints) |
//! |   45 | FileLocks      | an inode's flock/POSIX/OFD locks (fs/locks.rs) |
//! |   46 | Inode          | a directory's entries (two at once: lock_nested, in rename) |
//! |   47 | Dentry         | a directory's own name and parent (d_lock) |
//! |   48 | ShmPages       | a shmem object's pages and size: tmpfs file data, MAP_SHARED memory |
//! |   54 | SemUndo        | a process's SysV semaphore undo list (taken under IpcIds) |
//! |   56 | Uts            | uts_sem: a UTS namespace's names (kernel/utsname.rs; a leaf) |
//! |   57 | Mqueue         | a POSIX message queue's messages and counts |
//! |   58 | UserNs         | userns_state_mutex: orders a user namespace's map writes with setgroups (a leaf) |
//! |   60 | InodeTimes     | an inode's atime/mtime/ctime (a leaf: nothing is taken inside) |
//! |   64 | Pipe           | a pipe's buffer and counts |
//! |   65 | UnixSock       | a Unix socket end's receive queue (net/unix/af_unix.rs; a leaf) |
//! |   66 | Tty            | the console tty |
//! |   68 | EventFd        | an eventfd's counter |
//! |   70 | Futex          | a futex hash bucket: its waiters and PI states (two at once: lock_nested) |
//! |   72 | PiLock         | a task's list of owned PI futexes, its PI boost (task->pi_lock) |
//! |   76 | Epoll          | an epoll instance's items and ready list |
//! |   80 | WaitQueue      | a wait queue's list of sleepers |
//! |   81 | TimerFd        | a timerfd's expiry, interval and tick count |
//! |   82 | Completion     | a completion's done flag |
//! |   83 | KItimer        | a POSIX timer's state (timr->it_lock) |
//! |   84 | Timers         | the timer and timeout queues |
//! |   87 | SeqBuf         | a /proc file's generated text (fs/seq_file.rs; copies only) |
//! |   88 | TaskCred       | a task's real_cred/cred pointers (a cred itself never changes) |
//! |   89 | UnixTable      | a network namespace's AF_UNIX sockets, for /proc/net/unix (a leaf) |
//! |   90 | Runqueue       | the run queue (wake-ups from anywhere take it last) |
//! |   91 | UidHash        | the per-uid user_struct table (a pipe may be freed under any lock above) |
//! |   92 | Ucounts        | the per-user counts table (a task may be freed under any lock above) |
//! |   93 | ProcInum       | the namespace inode numbers, mount ids, anonymous devices in use (freed with a namespace or superblock, under any lock above) |
//! |   94 | Trace          | the tracer's ring and saved command lines |
//! |   96 | Printk         | the printk ring |
//! |   97 | DirNodes       | the directories' reserve of preallocated entry nodes (fs/inode.rs; a leaf: freed with a directory, under any lock above) |
//! |   98 | Vmalloc        | the vmalloc area's slots and page tables (kernel stacks; freed with a task, under any lock above) |
//! |   99 | VmaNodes       | the VMA tree's reserve of preallocated nodes (mm/vma_prealloc.rs; a leaf: freed with an mm, under any lock above) |
//! |  100 | Heap           | the kernel heap (any allocation, under any lock) |
//! |  101 | OomVictims     | the victims the heap's OOM killer reaped, waiting for their SIGKILL (tried under any lock; taken alone) |
//! |  104 | PageAlloc      | the free-frame list (taken inside Heap when a kmalloc cache takes or frees a slab) |

pub mod lockdep;
pub mod spinlock;

pub use spinlock::{SpinLock, SpinLockGuard};

/// A lock class: its rank in the order above and its name in lockdep's reports.
pub trait LockClass {
    const RANK: u8;
    const NAME: &'static str;
}

macro_rules! lock_classes {
    ($($(#[$m:meta])* $name:ident = $rank:expr, $lname:expr;)*) => {
        /// The lock classes (type-level, so a lock's class is part of its declared type).
        pub mod class {
            $($(#[$m])* pub struct $name;
            impl super::LockClass for $name {
                const RANK: u8 = $rank;
                const NAME: &'static str = $lname;
            })*
        }
        /// (rank, name) of every class, for docs/kernel.md's check and the host test.
        pub const CLASSES: &[(u8, &str)] = &[$(($rank, $lname),)*];
    };
}

lock_classes! {
    /// Linux: tasklist_lock.
    Tasklist = 10, "tasklist_lock";
    /// One task's relatives (real_parent, children, group_leader).
    TaskRel = 12, "task->rel";
    /// Linux: file->f_pos_lock (a mutex held across copy_to_user, so below the fault path).
    FilePos = 16, "file->f_pos_lock";
    /// Linux: ipc_ids.rwsem (with the objects' kern_ipc_perm.lock folded in).
    IpcIds = 18, "ipc_ids.rwsem";
    /// Linux: pidmap_lock.
    Pids = 20, "pidmap_lock";
    /// Linux: fc->uapi_mutex (held across get_tree, which looks at the caller's namespaces).
    FsContext = 22, "fc->uapi_mutex";
    /// Linux: task_lock() (alloc_lock): the task's resource pointers.
    TaskLock = 24, "task_lock";
    /// Linux: sighand->siglock.
    Sighand = 30, "siglock";
    /// A task's pending signal queue.
    Pending = 32, "task->pending";
    /// A task's ptrace stop state (kernel/ptrace.rs; a leaf).
    Ptrace = 33, "task->ptrace";
    /// signal_struct's other state.
    SignalMisc = 34, "signal->misc";
    /// Linux: files->file_lock.
    FilesTable = 36, "files->file_lock";
    /// Linux: fs->lock.
    FsStruct = 38, "fs->lock";
    /// Linux: mm->mmap_lock.
    MmapLock = 40, "mmap_lock";
    /// Linux: sb->s_vfs_rename_mutex.
    Rename = 43, "s_vfs_rename_mutex";
    /// Linux: namespace_sem / mount_lock: a mount namespace's mounts.
    Namespace = 44, "namespace_sem";
    /// Linux: flc_lock (the inode's file_lock_context).
    FileLocks = 45, "flc_lock";
    /// Linux: inode->i_rwsem / i_lock.
    Inode = 46, "inode->i_lock";
    /// Linux: dentry->d_lock.
    Dentry = 47, "dentry->d_lock";
    /// A shared memory object's pages (Linux: the shmem inode's i_pages).
    ShmPages = 48, "shmem->i_pages";
    /// Linux: sem_undo_list.lock.
    SemUndo = 54, "sem_undo_list.lock";
    /// Linux: uts_sem (a leaf: names are copied under it).
    Uts = 56, "uts_sem";
    /// Linux: mqueue_inode_info.lock.
    Mqueue = 57, "mqueue_inode_info.lock";
    /// Linux: userns_state_mutex.
    UserNs = 58, "userns_state_mutex";
    /// An inode's times (Linux: updated under i_rwsem; a leaf here).
    InodeTimes = 60, "inode->i_times";
    /// Linux: pipe->mutex.
    Pipe = 64, "pipe->mutex";
    /// Linux: unix_sk(sk)->lock / the receive queue's lock: one end's queued data.
    UnixSock = 65, "unix_sk->lock";
    /// Linux: tty->termios_rwsem and the port lock.
    Tty = 66, "tty_lock";
    /// Linux: eventfd_ctx->wqh.lock, which guards the counter.
    EventFd = 68, "eventfd_ctx->wqh.lock";
    /// Linux: the futex hash bucket locks (hb->lock).
    Futex = 70, "futex_hash_bucket";
    /// Linux: task->pi_lock: the task's pi_state_list (taken under a futex bucket lock).
    PiLock = 72, "task->pi_lock";
    /// Linux: ep->lock (and ep->mtx): an epoll's items and ready list.  Never held across a
    /// file's poll operation or a wake-up.
    Epoll = 76, "ep->lock";
    /// Linux: wait_queue_head->lock.
    WaitQueue = 80, "wq_head->lock";
    /// Linux: timerfd_ctx->wqh.lock: a timerfd's settings and ticks (the timer queue inside).
    TimerFd = 81, "timerfd_ctx->wqh.lock";
    /// Linux: completion's wait.lock.
    Completion = 82, "completion";
    /// Linux: timr->it_lock: a POSIX timer's settings and overrun (the timer queue inside).
    KItimer = 83, "timr->it_lock";
    /// Linux: the timer base lock.
    Timers = 84, "timer_base";
    /// Linux: seq_file->lock, held here only to swap or copy the generated text.
    SeqBuf = 87, "seq_file->lock";
    /// The task's cred pointers (Linux: RCU, and cred_guard_mutex for exec's decision).
    TaskCred = 88, "task->cred";
    /// Linux: net->unx.table.locks: a network namespace's AF_UNIX sockets (a leaf).
    UnixTable = 89, "net->unx.table.locks";
    /// Linux: rq->__lock.
    Runqueue = 90, "rq->lock";
    /// Linux: uidhash_lock (kernel/user.c).
    UidHash = 91, "uidhash_lock";
    /// Linux: ucounts_lock (kernel/ucount.c).
    Ucounts = 92, "ucounts_lock";
    /// Linux: proc_inum_ida's lock (and mnt_id_ida's, unnamed_dev_ida's).
    ProcInum = 93, "proc_inum_ida";
    /// Linux: the ring buffer's reader lock.
    Trace = 94, "trace_ring";
    /// Linux: logbuf_lock.
    Printk = 96, "logbuf_lock";
    /// The directory entries' node reserve (Linux: d_alloc()'s allocation, made before the link).
    DirNodes = 97, "dir_node_reserve";
    /// Linux: vmap_area_lock (mm/vmalloc.c).
    Vmalloc = 98, "vmap_area_lock";
    /// The VMA tree's node reserve (Linux: the maple tree's per-operation preallocation, mas->alloc).
    VmaNodes = 99, "vma_node_reserve";
    /// Linux: the slab locks.
    Heap = 100, "kmalloc";
    /// The heap's OOM victims in flight (Linux: oom_lock's state; mm/oom_kill.rs).
    OomVictims = 101, "oom_victims";
    /// Linux: zone->lock.
    PageAlloc = 104, "zone->lock";
}
