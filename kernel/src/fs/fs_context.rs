//! Filesystem contexts: the parameters of a mount being made or reconfigured, parsed key by
//! key, then turned into a superblock and root (get_tree).  Linux: fs/fs_context.c
//! (alloc_fs_context, vfs_parse_fs_param, vfs_parse_sb_flag, generic_parse_monolithic,
//! vfs_get_tree), fs/fs_parser.c (the value types), and each type's parameters: tmpfs
//! (mm/shmem.c shmem_parse_one), ramfs (fs/ramfs/inode.c), proc (fs/proc/root.c
//! proc_parse_param, proc_apply_options, proc_show_options).
//!
//! mount(2) builds one from its type, source and option string (fs/namespace.rs); fsopen(2)
//! and fsconfig(2) build one key by key (fs/fsopen.rs).

use super::filesystems::FsType;
use super::inode::*;
use super::namespace::NewTree;
use super::proc::{parse_hidepid, ProcFsInfo, HIDEPID_INVISIBLE, HIDEPID_NO_ACCESS, HIDEPID_OFF};
use super::super_block::{SuperBlock, SB_RDONLY};
use crate::errno::*;
use crate::kernel::capability::{capable, ns_capable, CAP_SYS_ADMIN};
use crate::kernel::cred::INVALID_ID;
use crate::kernel::pid_namespace::PidNamespace;
use crate::kernel::user_namespace::{self as userns, UserNamespace};
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;
use linux_raw_sys::general as uapi;

/// Linux: struct fs_parameter's value (fs_value_is_flag / _string / _blob).
pub enum Param {
    Flag,
    String(String),
    Binary(alloc::vec::Vec<u8>),
}

/// Linux: fs_context_purpose.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Mount,
    Reconfigure,
}

/// Linux: struct fs_context (with the per-type fs_private of tmpfs, ramfs and proc folded in).
pub struct FsContext {
    pub fs_type: FsType,
    pub purpose: Purpose,
    /// Linux: fc->source ("source" parameter, or mount(2)'s device name).
    pub source: Option<String>,
    pub sb_flags: u32,
    /// Which sb flags the context changes (Linux: sb_flags_mask).
    pub sb_flags_mask: u32,
    /// Linux: fc->user_ns — whose root may make the mount.
    pub user_ns: Arc<UserNamespace>,
    /// proc: the pid namespace it will show (the caller's active one).
    pub pid_ns: Option<Arc<PidNamespace>>,
    /// tmpfs, ramfs: the root's mode and owner.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// proc: hidepid=, subset=, gid=.
    pub hidepid: Option<u32>,
    pub pidonly: Option<bool>,
    pub pid_gid: Option<u32>,
}

impl FsContext {
    /// Linux: fs_context_for_mount() -> alloc_fs_context() and the type's init_fs_context.
    pub fn for_mount(fs_type: FsType, sb_flags: u32) -> FsContext {
        let cur = crate::kernel::task::current();
        let pid_ns = (fs_type == FsType::Proc).then(|| crate::kernel::pid::task_active_pid_ns(&cur));
        // Linux: proc_init_fs_context() hands the pid namespace's owner to the context.
        let user_ns = match &pid_ns {
            Some(p) => p.user_ns.clone(),
            None => userns::current_user_ns(),
        };
        FsContext {
            fs_type,
            purpose: Purpose::Mount,
            source: None,
            sb_flags,
            sb_flags_mask: 0,
            user_ns,
            pid_ns,
            mode: None,
            uid: None,
            gid: None,
            hidepid: None,
            pidonly: None,
            pid_gid: None,
        }
    }

    /// Linux: fs_context_for_reconfigure().
    pub fn for_reconfigure(sb: &SuperBlock, sb_flags: u32) -> FsContext {
        let mut fc = FsContext::for_mount(sb.fs_type, sb_flags);
        fc.purpose = Purpose::Reconfigure;
        fc.sb_flags_mask = uapi::MS_RMT_MASK;
        fc.user_ns = sb.user_ns.clone();
        fc
    }

    /// Linux: vfs_parse_sb_flag(): the generic flags every filesystem takes by name.
    fn parse_sb_flag(&mut self, key: &str) -> bool {
        let set = [
            ("dirsync", uapi::MS_DIRSYNC),
            ("lazytime", uapi::MS_LAZYTIME),
            ("mand", uapi::MS_MANDLOCK),
            ("ro", SB_RDONLY),
            ("sync", uapi::MS_SYNCHRONOUS),
        ];
        let clear = [
            ("async", uapi::MS_SYNCHRONOUS),
            ("nolazytime", uapi::MS_LAZYTIME),
            ("nomand", uapi::MS_MANDLOCK),
            ("rw", SB_RDONLY),
        ];
        if let Some((_, f)) = set.iter().find(|(k, _)| *k == key) {
            self.sb_flags |= f;
            self.sb_flags_mask |= f;
            return true;
        }
        if let Some((_, f)) = clear.iter().find(|(k, _)| *k == key) {
            self.sb_flags &= !f;
            self.sb_flags_mask |= f;
            return true;
        }
        false
    }

    /// Linux: vfs_parse_fs_param(): a generic sb flag, the filesystem's own parameter, or the
    /// source; anything else is EINVAL ("Unknown parameter").
    pub fn parse_param(&mut self, key: &str, value: Param) -> KResult<()> {
        if key.is_empty() {
            return Err(EINVAL);
        }
        if self.parse_sb_flag(key) {
            return Ok(());
        }
        if self.parse_fs_param(key, &value)? {
            return Ok(());
        }
        if key == "source" {
            // Linux: vfs_parse_fs_param_source(): a string, given once.
            let Param::String(s) = value else { return Err(EINVAL) };
            if self.source.is_some() {
                return Err(EINVAL);
            }
            self.source = Some(s);
            return Ok(());
        }
        if self.fs_type == FsType::Ramfs {
            // Linux: ramfs has always ignored the options it does not know.
            return Ok(());
        }
        Err(EINVAL)
    }

    /// The filesystem's own parameters: Ok(true) when `key` was one (Linux: the type's
    /// parse_param returning something other than -ENOPARAM).
    fn parse_fs_param(&mut self, key: &str, value: &Param) -> KResult<bool> {
        let string = || match value {
            Param::String(s) => Ok(s.as_str()),
            _ => Err(EINVAL),
        };
        let u32_param = |base: u32| -> KResult<u32> {
            let s = string()?;
            parse_uint(s, base).ok_or(EINVAL)
        };
        match (self.fs_type, key) {
            (FsType::Tmpfs | FsType::Ramfs | FsType::Tracefs, "mode") => {
                self.mode = Some(u32_param(8)? & S_IALLUGO);
            }
            (FsType::Tmpfs | FsType::Tracefs, "uid") => {
                let kuid = self.user_ns.make_kuid(u32_param(0)?);
                if kuid == INVALID_ID {
                    return Err(EINVAL);
                }
                self.uid = Some(kuid);
            }
            (FsType::Tmpfs | FsType::Tracefs, "gid") => {
                let kgid = self.user_ns.make_kgid(u32_param(0)?);
                if kgid == INVALID_ID {
                    return Err(EINVAL);
                }
                self.gid = Some(kgid);
            }
            // tmpfs's size and inode limits: MenuOS keeps no per-instance usage count, so it
            // cannot enforce them; a limit it would not honour is refused.
            (FsType::Tmpfs, "size" | "nr_blocks" | "nr_inodes") => return Err(EINVAL),
            // Linux: proc_parse_param(): make_kgid(current_user_ns(), gid).
            (FsType::Proc, "gid") => self.pid_gid = Some(userns::current_user_ns().make_kgid(u32_param(0)?)),
            (FsType::Proc, "hidepid") => self.hidepid = Some(parse_hidepid(string()?)?),
            (FsType::Proc, "subset") => {
                // Linux: proc_parse_subset_param(): comma-separated, only "pid" known.
                let mut pidonly = false;
                for part in string()?.split(',') {
                    match part {
                        "" => {}
                        "pid" => pidonly = true,
                        _ => return Err(EINVAL),
                    }
                }
                self.pidonly = Some(pidonly);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Linux: generic_parse_monolithic(): "key=value,key,..." from mount(2)'s data.
    pub fn parse_monolithic(&mut self, data: &[u8]) -> KResult<()> {
        let text = core::str::from_utf8(data).map_err(|_| EINVAL)?;
        for opt in text.split(',') {
            if opt.is_empty() {
                continue;
            }
            match opt.split_once('=') {
                Some((k, v)) => self.parse_param(k, Param::String(String::from(v)))?,
                None => self.parse_param(opt, Param::Flag)?,
            }
        }
        Ok(())
    }

    /// Linux: mount_capable(): CAP_SYS_ADMIN over the context's user namespace for the types
    /// a user namespace may mount, in the initial one for the others.
    pub fn mount_capable(&self) -> bool {
        if self.fs_type.userns_mount() {
            ns_capable(&self.user_ns, CAP_SYS_ADMIN)
        } else {
            capable(CAP_SYS_ADMIN)
        }
    }

    /// Linux: vfs_get_tree(): the instance to mount — a new one for tmpfs, ramfs and proc,
    /// the one there is for sysfs, tracefs, and the caller's IPC namespace's mqueue.
    pub fn get_tree(&self) -> KResult<NewTree> {
        let sb_flags = self.sb_flags & SB_RDONLY;
        match self.fs_type {
            FsType::Tmpfs | FsType::Ramfs => {
                let sb = SuperBlock::new(self.fs_type, sb_flags, self.user_ns.clone());
                // Linux: tmpfs's root is 1777, ramfs's 0755, unless mode= says otherwise.
                let default = if self.fs_type == FsType::Tmpfs { 0o1777 } else { 0o755 };
                let root = Inode::new_dir_of(Some(&sb), self.mode.unwrap_or(default), Weak::new(), "");
                if let Some(u) = self.uid {
                    root.uid.store(u, Ordering::Relaxed);
                }
                if let Some(g) = self.gid {
                    root.gid.store(g, Ordering::Relaxed);
                }
                Ok(NewTree { sb, root })
            }
            FsType::Proc => {
                let pid_ns = self.pid_ns.clone().ok_or(EINVAL)?;
                let sb = SuperBlock::new(FsType::Proc, sb_flags, self.user_ns.clone());
                let fs = ProcFsInfo::new(sb.clone(), pid_ns);
                fs.apply(self.hidepid, self.pidonly, self.pid_gid);
                let root = crate::fs::proc::proc_fill_super(fs);
                Ok(NewTree { sb, root })
            }
            FsType::Sysfs => {
                let root = super::sysfs::sysfs_root();
                Ok(NewTree { sb: root.sb().clone(), root })
            }
            FsType::Tracefs => {
                let root = super::tracefs::tracefs_root();
                Ok(NewTree { sb: root.sb().clone(), root })
            }
            FsType::Mqueue => crate::ipc::mqueue::mqueue_get_tree(),
            FsType::Rootfs | FsType::Nsfs => Err(EINVAL),
        }
    }

    /// Linux: reconfigure_super()'s filesystem part: the options a remount changes (of the
    /// instance whose root is `root`).
    pub fn reconfigure(&self, root: &Inode) -> KResult<()> {
        if let InodeKind::Proc(p) = &root.kind {
            // Linux: proc_reconfigure() -> proc_apply_options()
            p.fs.apply(self.hidepid, self.pidonly, self.pid_gid);
        }
        Ok(())
    }
}

/// Linux: kstrtouint(s, base): the whole string a number (base 0: 0x.. hex, 0.. octal).
pub fn parse_uint(s: &str, base: u32) -> Option<u32> {
    let (digits, radix) = match base {
        0 => {
            if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                (h, 16)
            } else if s.len() > 1 && s.starts_with('0') {
                (&s[1..], 8)
            } else {
                (s, 10)
            }
        }
        b => (s, b),
    };
    let digits = digits.strip_suffix('\n').unwrap_or(digits);
    if digits.is_empty() {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// Linux: sb->s_op->show_options() of each type, as /proc/PID/mountinfo's last field ends:
/// proc's (proc_show_options()) from the instance whose root is `root`.
pub fn show_options(root: &Inode) -> String {
    let InodeKind::Proc(p) = &root.kind else { return String::new() };
    let p = &p.fs;
    let mut s = String::new();
    let g = p.pid_gid.load(Ordering::Relaxed);
    if g != 0 {
        s.push_str(&format!(",gid={}", g));
    }
    let h = p.hide_pid();
    if h != HIDEPID_OFF {
        s.push_str(match h {
            HIDEPID_NO_ACCESS => ",hidepid=noaccess",
            HIDEPID_INVISIBLE => ",hidepid=invisible",
            _ => ",hidepid=ptraceable",
        });
    }
    if p.pidonly() {
        s.push_str(",subset=pid");
    }
    s
}
