//! The virtual filesystem.  Linux: fs/, one file per concept as there; each file's header
//! names its counterpart.
//!
//!   inode.rs          in-memory inodes: the rootfs (tmpfs) tree, names as bytes (struct inode)
//!   ramfs/            the rootfs's regular-file operations; the data is mm/shmem.rs's pages
//!   libfs.rs          directory file operations (simple_dir_operations)
//!   file_table.rs     struct file and file_operations (fs/file_table.c, include/linux/fs.h)
//!   file.rs           fd tables: fget, fd_install, close_fd, dup, dup3, close_range
//!   fs_struct.rs      root, cwd and umask, shared by CLONE_FS
//!   namespace.rs      the root of the tree; mount, umount
//!   namei.rs          path lookup; mknodat, mkdirat, unlinkat, symlinkat, linkat, renameat2
//!   open.rs           openat, close, faccessat, chdir, fchdir, chroot, fchmod, fchown,
//!                     truncate, ftruncate, fallocate
//!   attr.rs           attribute changes: who may chown, chmod, set times (notify_change)
//!   read_write.rs     read, write, readv, writev, pread64, pwrite64, preadv, pwritev, lseek,
//!                     sendfile, copy_file_range
//!   splice.rs         splice, tee, vmsplice
//!   locks.rs          flock, POSIX and OFD record locks (fcntl F_GETLK/F_SETLK/...)
//!   statfs.rs         statfs, fstatfs
//!   stat.rs           fstat, newfstatat, statx, readlinkat
//!   readdir.rs        getdents64
//!   select.rs         poll tables (poll_wait), ppoll, pselect6
//!   fcntl.rs, ioctl.rs, sync.rs, utimes.rs
//!   d_path.rs         the path of an inode; getcwd
//!   char_dev.rs       device numbers -> drivers (drivers/char/, drivers/tty.rs)
//!   pipe.rs           pipes and FIFOs, pipe2, F_SETPIPE_SZ
//!   eventpoll.rs      epoll: epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2
//!   eventfd.rs        eventfd2
//!   signalfd.rs       signalfd4
//!   timerfd.rs        timerfd_create, timerfd_settime, timerfd_gettime
//!   exec.rs           execve, execveat; binfmt_script.rs (#!), binfmt_elf.rs (ELF)
//!   seq_file.rs       reading a text generated at open
//!   proc/             /proc; proc_namespace.rs /proc/PID/mounts and mountinfo
//!   sysfs/            /sys
//!   tracefs/          /sys/kernel/tracing
//!
//! The initramfs is unpacked into the rootfs by init/initramfs.rs.  The items re-exported
//! below are what the rest of the kernel uses (Linux: include/linux/fs.h, file.h, namei.h).

pub mod attr;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod binfmt_elf;
pub mod binfmt_script;
pub mod char_dev;
pub mod d_path;
pub mod eventfd;
pub mod eventpoll;
#[allow(unsafe_code)] // #[no_mangle] only (Linux-named symbols for gdb); make test rejects `unsafe` here
pub mod exec;
pub mod fcntl;
pub mod file;
pub mod file_table;
pub mod fs_struct;
pub mod inode;
pub mod ioctl;
pub mod libfs;
pub mod locks;
pub mod namei;
pub mod namespace;
pub mod open;
pub mod pipe;
pub mod proc;
pub mod proc_namespace;
pub mod ramfs;
pub mod read_write;
pub mod readdir;
pub mod select;
pub mod seq_file;
pub mod signalfd;
pub mod splice;
pub mod stat;
pub mod statfs;
pub mod sync;
pub mod sysfs;
pub mod timerfd;
pub mod tracefs;
pub mod utimes;

pub use file::{close_fd, fd_get, fd_install, FilesStruct};
pub use file_table::{File, FileOps};
pub use fs_struct::FsStruct;
pub use inode::Inode;
pub use namei::namei_at;
pub use namespace::root;

// The *at() flags (Linux: include/uapi/linux/fcntl.h).
pub use linux_raw_sys::general::{AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW};
/// Linux: PATH_MAX, the longest path a syscall takes (with its NUL).
pub const PATH_MAX: usize = linux_raw_sys::general::PATH_MAX as usize;
