//! The filesystem types mount(2) and fsopen(2) know, by name.  Linux: fs/filesystems.c
//! (register_filesystem, get_fs_type, filesystems_proc_show).

use alloc::string::String;

/// Linux: struct file_system_type, one per kind of filesystem.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FsType {
    /// The initial in-memory root (Linux: rootfs, a ramfs or tmpfs).
    Rootfs,
    /// Linux: sysfs (one instance).
    Sysfs,
    /// Linux: tmpfs (mm/shmem.c): a new empty in-memory tree per mount.
    Tmpfs,
    /// Linux: proc (fs/proc/root.c): an instance per mount, bound to the mounter's pid
    /// namespace.
    Proc,
    /// Linux: tracefs (one instance).
    Tracefs,
    /// Linux: ramfs (fs/ramfs/inode.c): like tmpfs, without its options.
    Ramfs,
    /// Linux: mqueue (ipc/mqueue.c): the POSIX message queues of an IPC namespace.
    Mqueue,
    /// Linux: nsfs (internal: not mountable).
    Nsfs,
}

/// The types in Linux's registration order, as /proc/filesystems lists them.
const REGISTERED: [FsType; 6] =
    [FsType::Sysfs, FsType::Tmpfs, FsType::Proc, FsType::Tracefs, FsType::Ramfs, FsType::Mqueue];

impl FsType {
    /// Linux: file_system_type.name.
    pub fn name(self) -> &'static str {
        match self {
            FsType::Rootfs => "rootfs",
            FsType::Sysfs => "sysfs",
            FsType::Tmpfs => "tmpfs",
            FsType::Proc => "proc",
            FsType::Tracefs => "tracefs",
            FsType::Ramfs => "ramfs",
            FsType::Mqueue => "mqueue",
            FsType::Nsfs => "nsfs",
        }
    }
    /// Linux: FS_USERNS_MOUNT — a user namespace's root may mount it.
    pub fn userns_mount(self) -> bool {
        matches!(self, FsType::Sysfs | FsType::Tmpfs | FsType::Proc | FsType::Ramfs | FsType::Mqueue)
    }
}

/// Linux: get_fs_type(): the type named `name` (ENODEV for the caller when None).
pub fn get_fs_type(name: &str) -> Option<FsType> {
    REGISTERED.iter().copied().find(|t| t.name() == name)
}

/// Linux: filesystems_proc_show(): one line per type; none needs a block device ("nodev").
/// pipefs is listed where Linux registers it, though it cannot be mounted.
pub fn filesystems_proc_show(s: &mut String) {
    for t in REGISTERED {
        if t == FsType::Ramfs {
            s.push_str("nodev\tpipefs\n");
        }
        s.push_str("nodev\t");
        s.push_str(t.name());
        s.push('\n');
    }
}
