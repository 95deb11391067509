//! UTS namespaces: the names uname(2) reports, one set per namespace.  Linux:
//! kernel/utsname.c (copy_utsname, utsns_install), include/linux/utsname.h,
//! init/version.c (init_uts_ns), kernel/utsname_sysctl.c (the /proc/sys/kernel files, which
//! read and write through [`utsname`] / [`set_field`]).
//!
//! uname, sethostname and setdomainname are kernel/sys.rs, as Linux keeps them in kernel/sys.c.

use super::capability::{ns_capable, CAP_SYS_ADMIN};
use super::user_namespace::UserNamespace;
use crate::errno::*;
use crate::kernel::locking::{class, SpinLock};
use alloc::sync::Arc;

/// Linux: __NEW_UTS_LEN (include/uapi/linux/utsname.h), the longest name sethostname() and
/// setdomainname() take.
pub const NEW_UTS_LEN: usize = 64;
/// Each of struct new_utsname's six fields, with its NUL.
pub const UTS_FIELD_LEN: usize = NEW_UTS_LEN + 1;
/// Linux: PROC_UTS_INIT_INO.
pub const PROC_UTS_INIT_INO: u32 = 0xEFFF_FFFE;
pub const UTS_SYSNAME: &str = "Linux";
pub const UTS_RELEASE: &str = "6.1.0-menuos";
pub const UTS_VERSION: &str = "#1 SMP MenuOS";
pub const UTS_MACHINE: &str = "riscv64";
/// Linux: UTS_NODENAME (CONFIG_DEFAULT_HOSTNAME) and UTS_DOMAINNAME before anyone sets them.
const UTS_UNSET: &str = "(none)";

crate::user_pod! {
    /// Linux: struct new_utsname — six NUL-padded fields.
    #[derive(Clone, Copy)]
    pub struct NewUtsname {
        pub sysname: [u8; UTS_FIELD_LEN],
        pub nodename: [u8; UTS_FIELD_LEN],
        pub release: [u8; UTS_FIELD_LEN],
        pub version: [u8; UTS_FIELD_LEN],
        pub machine: [u8; UTS_FIELD_LEN],
        pub domainname: [u8; UTS_FIELD_LEN],
    }
}

/// One field of struct new_utsname (the sysctl table names them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UtsField {
    /// /proc/sys/kernel/ostype
    Sysname,
    /// /proc/sys/kernel/hostname
    Nodename,
    /// /proc/sys/kernel/osrelease
    Release,
    /// /proc/sys/kernel/version
    Version,
    Machine,
    /// /proc/sys/kernel/domainname
    Domainname,
}

const fn field(s: &str) -> [u8; UTS_FIELD_LEN] {
    let mut f = [0u8; UTS_FIELD_LEN];
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && i < NEW_UTS_LEN {
        f[i] = b[i];
        i += 1;
    }
    f
}

impl NewUtsname {
    pub fn get(&self, f: UtsField) -> &[u8; UTS_FIELD_LEN] {
        match f {
            UtsField::Sysname => &self.sysname,
            UtsField::Nodename => &self.nodename,
            UtsField::Release => &self.release,
            UtsField::Version => &self.version,
            UtsField::Machine => &self.machine,
            UtsField::Domainname => &self.domainname,
        }
    }
    pub fn get_mut(&mut self, f: UtsField) -> &mut [u8; UTS_FIELD_LEN] {
        match f {
            UtsField::Sysname => &mut self.sysname,
            UtsField::Nodename => &mut self.nodename,
            UtsField::Release => &mut self.release,
            UtsField::Version => &mut self.version,
            UtsField::Machine => &mut self.machine,
            UtsField::Domainname => &mut self.domainname,
        }
    }
    /// The six fields back to back, as uname(2) copies them out.
    pub fn to_bytes(&self) -> [u8; UTS_FIELD_LEN * 6] {
        let mut u = [0u8; UTS_FIELD_LEN * 6];
        for (i, f) in [
            UtsField::Sysname,
            UtsField::Nodename,
            UtsField::Release,
            UtsField::Version,
            UtsField::Machine,
            UtsField::Domainname,
        ]
        .into_iter()
        .enumerate()
        {
            u[i * UTS_FIELD_LEN..(i + 1) * UTS_FIELD_LEN].copy_from_slice(self.get(f));
        }
        u
    }
}

/// Linux: struct uts_namespace.
pub struct UtsNamespace {
    /// Linux: name, under uts_sem (a leaf: only copies under it).
    pub name: SpinLock<NewUtsname, class::Uts>,
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
                sysname: field(UTS_SYSNAME),
                nodename: field(UTS_UNSET),
                release: field(UTS_RELEASE),
                version: field(UTS_VERSION),
                machine: field(UTS_MACHINE),
                domainname: field(UTS_UNSET),
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

/// Linux: utsname() under down_read(&uts_sem): a copy of the caller's names.
pub fn utsname() -> NewUtsname {
    *current_uts_ns().name.lock()
}

/// Linux: memcpy(utsname()->field, ...) under down_write(&uts_sem) (sethostname,
/// setdomainname, proc_do_uts_string): the field of the caller's namespace becomes `value`,
/// NUL-padded.  The caller has checked the length and the permission.
pub fn set_field(f: UtsField, value: &[u8]) {
    let n = value.len().min(NEW_UTS_LEN);
    let mut v = [0u8; UTS_FIELD_LEN];
    v[..n].copy_from_slice(&value[..n]);
    *current_uts_ns().name.lock().get_mut(f) = v;
}
