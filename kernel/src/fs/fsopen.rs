//! The new mount API's filesystem-context side: fsopen(2), fsconfig(2), fsmount(2).  Linux:
//! fs/fsopen.c (fsopen, fsconfig, vfs_fsconfig_locked, fscontext_fops) and fs/namespace.c
//! (fsmount; move_mount is fs/namespace.rs's).
//!
//! fsopen() gives an fd on a filesystem context (fs/fs_context.rs); fsconfig() sets its
//! parameters one by one and FSCONFIG_CMD_CREATE makes the instance; fsmount() turns it into
//! a detached mount, an O_PATH fd that move_mount() attaches.  fspick() (reconfiguring a
//! mounted instance through a context) and open_tree() are not implemented: ENOSYS.

use super::file_table::{File, FileOps};
use super::fs_context::{FsContext, Param};
use super::namespace::{
    NewTree, MNT_NOATIME, MNT_NODEV, MNT_NODIRATIME, MNT_NOEXEC, MNT_NOSUID, MNT_READONLY, MNT_RELATIME,
};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use crate::mm::uaccess::{UserCStr, UserPtr};
use alloc::string::String;
use alloc::sync::Arc;
use linux_raw_sys::general as uapi;

/// Linux: fs_context_phase.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    CreateParams,
    AwaitingMount,
    Mounted,
    Failed,
}

struct Context {
    fc: FsContext,
    phase: Phase,
    tree: Option<NewTree>,
}

/// Linux: a file of fscontext_fops ("[fscontext]").
pub struct FsContextFile {
    ctx: SpinLock<Context, class::FsContext>,
}

impl FileOps for FsContextFile {
    /// Linux: fscontext_read() gives the context's error messages; MenuOS keeps none.
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(ENODATA)
    }
    fn name(&self) -> &'static str {
        "fscontext"
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

/// Linux: a detached mount made by fsmount(), until move_mount() attaches it.
pub struct DetachedMount {
    pub tree: SpinLock<Option<(NewTree, u32, String)>, class::FsContext>,
}

impl FileOps for DetachedMount {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> KResult<usize> {
        Err(EBADF)
    }
    fn name(&self) -> &'static str {
        "mount"
    }
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

// fsconfig(2)'s commands (Linux: include/uapi/linux/mount.h enum fsconfig_command).
const FSCONFIG_SET_FLAG: u32 = uapi::fsconfig_command::FSCONFIG_SET_FLAG as u32;
const FSCONFIG_SET_STRING: u32 = uapi::fsconfig_command::FSCONFIG_SET_STRING as u32;
const FSCONFIG_SET_BINARY: u32 = uapi::fsconfig_command::FSCONFIG_SET_BINARY as u32;
const FSCONFIG_SET_PATH: u32 = uapi::fsconfig_command::FSCONFIG_SET_PATH as u32;
const FSCONFIG_SET_PATH_EMPTY: u32 = uapi::fsconfig_command::FSCONFIG_SET_PATH_EMPTY as u32;
const FSCONFIG_SET_FD: u32 = uapi::fsconfig_command::FSCONFIG_SET_FD as u32;
const FSCONFIG_CMD_CREATE: u32 = uapi::fsconfig_command::FSCONFIG_CMD_CREATE as u32;
const FSCONFIG_CMD_RECONFIGURE: u32 = uapi::fsconfig_command::FSCONFIG_CMD_RECONFIGURE as u32;

/// The longest key and string value fsconfig() reads (Linux: strndup_user(.., 256)).
const PARAM_MAX: usize = 256;

/// Linux: SYSCALL_DEFINE2(fsopen): a filesystem context for a new instance of `fs_name`.
pub fn sys_fsopen(fs_name: UserCStr, flags: u32) -> KResult<usize> {
    if !super::namespace::may_mount() {
        return Err(EPERM);
    }
    if flags & !uapi::FSOPEN_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let name = fs_name.read_string(crate::mm::PAGE_SIZE)?;
    let ty = super::filesystems::get_fs_type(&name).ok_or(ENODEV)?;
    let fc = FsContext::for_mount(ty, 0);
    let file = File::new(
        Arc::new(FsContextFile { ctx: SpinLock::new(Context { fc, phase: Phase::CreateParams, tree: None }) }),
        None,
        uapi::O_RDWR,
        String::from("anon_inode:[fscontext]"),
    );
    super::file::fd_install(file, flags & uapi::FSOPEN_CLOEXEC != 0)
}

/// Linux: SYSCALL_DEFINE5(fsconfig): one parameter, or a command, for a filesystem context.
pub fn sys_fsconfig(fd: i32, cmd: u32, key: UserCStr, value: UserPtr<u8>, aux: i32) -> KResult<usize> {
    if fd < 0 {
        return Err(EINVAL);
    }
    let (has_key, has_value) = (!key.is_null(), !value.is_null());
    // Linux: the argument checks per command, before the fd is looked at.
    match cmd {
        FSCONFIG_SET_FLAG => {
            if !has_key || has_value || aux != 0 {
                return Err(EINVAL);
            }
        }
        FSCONFIG_SET_STRING => {
            if !has_key || !has_value || aux != 0 {
                return Err(EINVAL);
            }
        }
        FSCONFIG_SET_BINARY => {
            if !has_key || !has_value || aux <= 0 || aux > 1024 * 1024 {
                return Err(EINVAL);
            }
        }
        FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY => {
            if !has_key || !has_value || (aux != super::AT_FDCWD && aux < 0) {
                return Err(EINVAL);
            }
        }
        FSCONFIG_SET_FD => {
            if !has_key || has_value || aux < 0 {
                return Err(EINVAL);
            }
        }
        FSCONFIG_CMD_CREATE | FSCONFIG_CMD_RECONFIGURE => {
            if has_key || has_value || aux != 0 {
                return Err(EINVAL);
            }
        }
        _ => return Err(EOPNOTSUPP),
    }
    let file = super::fd_get(fd as u32)?;
    let ctxf = file.ops.as_any().and_then(|a| a.downcast_ref::<FsContextFile>()).ok_or(EINVAL)?;
    let k = if has_key { Some(key.read_string(PARAM_MAX)?) } else { None };
    let param = match cmd {
        FSCONFIG_SET_FLAG => Some(Param::Flag),
        FSCONFIG_SET_STRING => Some(Param::String(UserCStr::new(value.addr()).read_string(PARAM_MAX)?)),
        FSCONFIG_SET_BINARY => {
            let mut b = alloc::vec![0u8; aux as usize];
            value.copy_in(&mut b)?;
            Some(Param::Binary(b))
        }
        // No filesystem MenuOS has takes a path or an fd parameter.
        FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY | FSCONFIG_SET_FD => return Err(EINVAL),
        _ => None,
    };
    let mut ctx = ctxf.ctx.lock();
    match cmd {
        FSCONFIG_CMD_CREATE => {
            if ctx.phase != Phase::CreateParams {
                return Err(EBUSY);
            }
            if !ctx.fc.mount_capable() {
                ctx.phase = Phase::Failed;
                return Err(EPERM);
            }
            match ctx.fc.get_tree() {
                Ok(t) => {
                    ctx.tree = Some(t);
                    ctx.phase = Phase::AwaitingMount;
                    Ok(0)
                }
                Err(e) => {
                    ctx.phase = Phase::Failed;
                    Err(e)
                }
            }
        }
        // A context from fsopen() is for a new instance (reconfiguring one is fspick()'s).
        FSCONFIG_CMD_RECONFIGURE => Err(EBUSY),
        _ => {
            if ctx.phase != Phase::CreateParams {
                return Err(EBUSY);
            }
            ctx.fc.parse_param(k.as_deref().unwrap_or(""), param.unwrap_or(Param::Flag))?;
            Ok(0)
        }
    }
}

/// Linux: SYSCALL_DEFINE3(fsmount): the created instance as a detached mount, an O_PATH fd.
pub fn sys_fsmount(fs_fd: i32, flags: u32, attr_flags: u32) -> KResult<usize> {
    if !super::namespace::may_mount() {
        return Err(EPERM);
    }
    if flags & !uapi::FSMOUNT_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let allowed = uapi::MOUNT_ATTR_RDONLY
        | uapi::MOUNT_ATTR_NOSUID
        | uapi::MOUNT_ATTR_NODEV
        | uapi::MOUNT_ATTR_NOEXEC
        | uapi::MOUNT_ATTR__ATIME
        | uapi::MOUNT_ATTR_NODIRATIME;
    if attr_flags & !allowed != 0 {
        return Err(EINVAL);
    }
    let mut mnt_flags = 0;
    for (a, m) in [
        (uapi::MOUNT_ATTR_RDONLY, MNT_READONLY),
        (uapi::MOUNT_ATTR_NOSUID, MNT_NOSUID),
        (uapi::MOUNT_ATTR_NODEV, MNT_NODEV),
        (uapi::MOUNT_ATTR_NOEXEC, MNT_NOEXEC),
        (uapi::MOUNT_ATTR_NODIRATIME, MNT_NODIRATIME),
    ] {
        if attr_flags & a != 0 {
            mnt_flags |= m;
        }
    }
    match attr_flags & uapi::MOUNT_ATTR__ATIME {
        uapi::MOUNT_ATTR_STRICTATIME => {}
        uapi::MOUNT_ATTR_NOATIME => mnt_flags |= MNT_NOATIME,
        uapi::MOUNT_ATTR_RELATIME => mnt_flags |= MNT_RELATIME,
        _ => return Err(EINVAL),
    }
    let file = super::fd_get(fs_fd as u32)?;
    let ctxf = file.ops.as_any().and_then(|a| a.downcast_ref::<FsContextFile>()).ok_or(EINVAL)?;
    let mut ctx = ctxf.ctx.lock();
    if ctx.tree.is_none() && ctx.phase != Phase::Mounted {
        return Err(EINVAL);
    }
    if ctx.phase != Phase::AwaitingMount {
        return Err(EBUSY);
    }
    let tree = ctx.tree.take().ok_or(EINVAL)?;
    ctx.phase = Phase::Mounted;
    let devname = ctx.fc.source.clone().unwrap_or_else(|| String::from("none"));
    drop(ctx);
    let root = tree.root.clone();
    let m = DetachedMount { tree: SpinLock::new(Some((tree, mnt_flags, devname))) };
    let f = File::new(Arc::new(m), Some(root), uapi::O_PATH, String::from("/"));
    super::file::fd_install(f, flags & uapi::FSMOUNT_CLOEXEC != 0)
}
