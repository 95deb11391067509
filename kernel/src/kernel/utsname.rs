//! UTS namespaces: the names uname(2) reports, one set per namespace.  Linux:
//! kernel/utsname.c (copy_utsname, utsns_install), include/linux/utsname.h,
//! init/version.c (init_uts_ns), kernel/utsname_sysctl.c (the /proc/sys/kernel files, which
//! read and write through [`uts_field`] / [`set_uts_field`]).
//!
//! uname, sethostname and setdomainname are kernel/sys.rs, as Linux keeps them in kernel/sys.c.

use super::user_namespace::{ns_capable, UserNamespace, CAP_SYS_ADMIN};
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::string::String;
use alloc::sync::Arc;

/// Linux: __NEW_UTS_LEN, the longest name sethostname() and setdomainname() take.
pub const NEW_UTS_LEN: usize = 64;
/// Linux: PROC_UTS_INIT_INO.
pub const PROC_UTS_INIT_INO: u32 = 0xEFFF_FFFE;
pub const UTS_RELEASE: &str = "6.1.0-menuos";
pub const UTS_VERSION: &str = "#1 SMP MenuOS";

crate::user_pod! {
    /// Linux: struct new_utsname — six NUL-padded fields of __NEW_UTS_LEN + 1 bytes.
    #[derive(Clone, Copy)]
    pub struct NewUtsname {
        pub sysname: [u8; NEW_UTS_LEN + 1],
        pub nodename: [u8; NEW_UTS_LEN + 1],
        pub release: [u8; NEW_UTS_LEN + 1],
        pub version: [u8; NEW_UTS_LEN + 1],
        pub machine: [u8; NEW_UTS_LEN + 1],
        pub domainname: [u8; NEW_UTS_LEN + 1],
    }
}

fn field(s: &[u8]) -> [u8; NEW_UTS_LEN + 1] {
    let mut f = [0u8; NEW_UTS_LEN + 1];
    let n = s.len().min(NEW_UTS_LEN);
    f[..n].copy_from_slice(&s[..n]);
    f
}

/// Linux: struct uts_namespace.
pub struct UtsNamespace {
    pub name: SpinLock<NewUtsname, class::UtsSem>,
    pub user_ns: Arc<UserNamespace>,
    pub inum: u32,
}

impl Drop for UtsNamespace {
    fn drop(&mut self) {
        if self.inum != PROC_UTS_INIT_INO {
            crate::fs::nsfs::proc_free_inum(self.inum);
        }
    }
}

static INIT_UTS_NS: spin::Once<Arc<UtsNamespace>> = spin::Once::new();

/// Linux: init_uts_ns (init/version.c): CONFIG_DEFAULT_HOSTNAME is "(none)".
pub fn init_uts_ns() -> &'static Arc<UtsNamespace> {
    INIT_UTS_NS.call_once(|| {
        Arc::new(UtsNamespace {
            name: SpinLock::new(NewUtsname {
                sysname: field(b"Linux"),
                nodename: field(b"(none)"),
                release: field(UTS_RELEASE.as_bytes()),
                version: field(UTS_VERSION.as_bytes()),
                machine: field(b"riscv64"),
                domainname: field(b"(none)"),
            }),
            user_ns: super::user_namespace::init_user_ns().clone(),
            inum: PROC_UTS_INIT_INO,
        })
    })
}

/// Linux: clone_uts_ns(): a copy of `old`'s names, owned by `user_ns`.
pub fn copy_utsname(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<UtsNamespace>) -> KResult<Arc<UtsNamespace>> {
    if flags & crate::kernel::fork::CLONE_NEWUTS == 0 {
        return Ok(old.clone());
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    let name = *old.name.lock();
    Ok(Arc::new(UtsNamespace { name: SpinLock::new(name), user_ns: user_ns.clone(), inum }))
}

/// Linux: utsns_install(): setns() to `ns` needs CAP_SYS_ADMIN over it and over the user
/// namespace being installed with it.
pub fn utsns_install(ns: &Arc<UtsNamespace>, cred_user_ns: &Arc<UserNamespace>) -> KResult<()> {
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) || !ns_capable(cred_user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}

/// Linux: utsname(): the caller's UTS namespace.
pub fn current_uts_ns() -> Arc<UtsNamespace> {
    crate::kernel::nsproxy::current_nsproxy().uts_ns.clone()
}

/// The fields of struct new_utsname, for the /proc/sys/kernel files (Linux: uts_kern_table).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum UtsField {
    /// /proc/sys/kernel/ostype
    Sysname,
    /// /proc/sys/kernel/hostname
    Nodename,
    /// /proc/sys/kernel/osrelease
    Release,
    /// /proc/sys/kernel/version
    Version,
    /// /proc/sys/kernel/domainname
    Domainname,
}

fn slot(u: &mut NewUtsname, f: UtsField) -> &mut [u8; NEW_UTS_LEN + 1] {
    match f {
        UtsField::Sysname => &mut u.sysname,
        UtsField::Nodename => &mut u.nodename,
        UtsField::Release => &mut u.release,
        UtsField::Version => &mut u.version,
        UtsField::Domainname => &mut u.domainname,
    }
}

/// A name of the caller's namespace, without its NUL padding (Linux: proc_do_uts_string's
/// read).
pub fn uts_field(f: UtsField) -> String {
    let mut u = *current_uts_ns().name.lock();
    let b = slot(&mut u, f);
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..n]).into_owned()
}

/// Sets the host or domain name of the caller's namespace (sethostname(), setdomainname(),
/// and the writable /proc/sys/kernel/hostname and domainname); EPERM without CAP_SYS_ADMIN
/// over the namespace, EINVAL for names longer than __NEW_UTS_LEN.
pub fn set_uts_field(f: UtsField, name: &[u8]) -> KResult<()> {
    let ns = current_uts_ns();
    if !ns_capable(&ns.user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    if name.len() > NEW_UTS_LEN || !matches!(f, UtsField::Nodename | UtsField::Domainname) {
        return Err(EINVAL);
    }
    *slot(&mut ns.name.lock(), f) = field(name);
    Ok(())
}

/// The names of the caller's namespace (uname(2)).
pub fn current_utsname() -> NewUtsname {
    *current_uts_ns().name.lock()
}
