//! The system's names: what uname(2) returns and /proc/sys/kernel/{ostype, osrelease, version,
//! hostname, domainname} show.  Linux: init/version.c (init_uts_ns), include/linux/utsname.h
//! (utsname(), uts_sem), kernel/utsname_sysctl.c (proc_do_uts_string).
//!
//! One set of names today: Linux's init_uts_ns.  UTS namespaces (CLONE_NEWUTS, sethostname,
//! setdomainname) build on this storage: `utsname()` is where a namespace lookup goes.

use crate::kernel::locking::{class, SpinLock};

/// Linux: __NEW_UTS_LEN (include/uapi/linux/utsname.h), the longest name.
pub const NEW_UTS_LEN: usize = 64;
/// Each of struct new_utsname's six fields, with its NUL.
pub const UTS_FIELD_LEN: usize = NEW_UTS_LEN + 1;

pub const UTS_SYSNAME: &str = "Linux";
pub const UTS_RELEASE: &str = "6.1.0-menuos";
pub const UTS_VERSION: &str = "#1 SMP MenuOS";
pub const UTS_MACHINE: &str = "riscv64";
/// Linux: UTS_NODENAME and UTS_DOMAINNAME before anyone sets them.
const UTS_UNSET: &str = "(none)";

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

/// One field of struct new_utsname (the sysctl table names them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UtsField {
    Sysname,
    Nodename,
    Release,
    Version,
    Machine,
    Domainname,
}

const fn field(s: &str) -> [u8; UTS_FIELD_LEN] {
    let mut f = [0u8; UTS_FIELD_LEN];
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
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
        let fields = [UtsField::Sysname, UtsField::Nodename, UtsField::Release, UtsField::Version, UtsField::Machine];
        for (i, f) in fields.into_iter().chain([UtsField::Domainname]).enumerate() {
            u[i * UTS_FIELD_LEN..(i + 1) * UTS_FIELD_LEN].copy_from_slice(self.get(f));
        }
        u
    }
}

/// Linux: init_uts_ns.name, guarded by uts_sem (a leaf lock here: only copies under it).
static INIT_UTS: SpinLock<NewUtsname, class::Uts> = SpinLock::new(NewUtsname {
    sysname: field(UTS_SYSNAME),
    nodename: field(UTS_UNSET),
    release: field(UTS_RELEASE),
    version: field(UTS_VERSION),
    machine: field(UTS_MACHINE),
    domainname: field(UTS_UNSET),
});

/// Linux: utsname() under down_read(&uts_sem): a copy of the caller's names.
pub fn utsname() -> NewUtsname {
    *INIT_UTS.lock()
}

/// Linux: memcpy(utsname()->field, ...) under down_write(&uts_sem) (sethostname,
/// setdomainname, proc_do_uts_string): the field becomes `value`, NUL-padded.  The caller
/// has checked the length (at most __NEW_UTS_LEN bytes).
pub fn set_field(f: UtsField, value: &[u8]) {
    let n = value.len().min(UTS_FIELD_LEN - 1);
    let mut v = [0u8; UTS_FIELD_LEN];
    v[..n].copy_from_slice(&value[..n]);
    *INIT_UTS.lock().get_mut(f) = v;
}
