//! Capability sets and securebits.  Linux: include/linux/capability.h (kernel_cap_t, the
//! cap_* set operations, CAP_FS_SET), include/uapi/linux/capability.h (the numbers, the
//! capget/capset versions), include/uapi/linux/securebits.h.

pub use linux_raw_sys::general::{
    _LINUX_CAPABILITY_VERSION_1, _LINUX_CAPABILITY_VERSION_2, _LINUX_CAPABILITY_VERSION_3, CAP_AUDIT_CONTROL,
    CAP_AUDIT_READ, CAP_AUDIT_WRITE, CAP_BLOCK_SUSPEND, CAP_BPF, CAP_CHECKPOINT_RESTORE, CAP_CHOWN, CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_KILL, CAP_LAST_CAP, CAP_LEASE,
    CAP_LINUX_IMMUTABLE, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_MKNOD, CAP_NET_ADMIN, CAP_NET_BIND_SERVICE,
    CAP_NET_BROADCAST, CAP_NET_RAW, CAP_PERFMON, CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYSLOG,
    CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT, CAP_SYS_MODULE, CAP_SYS_NICE, CAP_SYS_PACCT, CAP_SYS_PTRACE,
    CAP_SYS_RAWIO, CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_WAKE_ALARM,
};

/// Linux: kernel_cap_t — one bit per capability (two 32-bit words in 6.1, one u64 here: the
/// same bits, capget/capset split it as `cap[0]`, `cap[1]`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct KernelCap(pub u64);

/// Linux: cap_valid() — 0..=CAP_LAST_CAP (40 in 6.1).
pub fn cap_valid(cap: u64) -> bool {
    cap <= CAP_LAST_CAP as u64
}

/// Linux: CAP_TO_MASK(cap) as one 64-bit set.
const fn bit(cap: u32) -> u64 {
    1u64 << cap
}

/// Linux: CAP_FS_SET — what fsuid 0 historically meant (cap_drop_fs_set / cap_raise_fs_set on
/// setfsuid).
pub const CAP_FS_SET: KernelCap = KernelCap(
    bit(CAP_CHOWN)
        | bit(CAP_MKNOD)
        | bit(CAP_DAC_OVERRIDE)
        | bit(CAP_DAC_READ_SEARCH)
        | bit(CAP_FOWNER)
        | bit(CAP_FSETID)
        | bit(CAP_LINUX_IMMUTABLE)
        | bit(CAP_MAC_OVERRIDE),
);

impl KernelCap {
    /// Linux: CAP_EMPTY_SET
    pub const EMPTY: KernelCap = KernelCap(0);
    /// Linux: CAP_FULL_SET — every valid capability (0x1ffffffffff in 6.1).
    pub const FULL: KernelCap = KernelCap((1u64 << (CAP_LAST_CAP + 1)) - 1);

    /// Linux: cap_raised()
    pub fn raised(self, cap: u32) -> bool {
        cap <= CAP_LAST_CAP && self.0 & bit(cap) != 0
    }
    /// Linux: cap_raise()
    pub fn raise(&mut self, cap: u32) {
        if cap <= CAP_LAST_CAP {
            self.0 |= bit(cap);
        }
    }
    /// Linux: cap_lower()
    pub fn lower(&mut self, cap: u32) {
        if cap <= CAP_LAST_CAP {
            self.0 &= !bit(cap);
        }
    }
    /// Linux: cap_combine() (union)
    pub fn combine(self, o: KernelCap) -> KernelCap {
        KernelCap(self.0 | o.0)
    }
    /// Linux: cap_intersect()
    pub fn intersect(self, o: KernelCap) -> KernelCap {
        KernelCap(self.0 & o.0)
    }
    /// Linux: cap_drop() (self without o)
    pub fn drop_set(self, o: KernelCap) -> KernelCap {
        KernelCap(self.0 & !o.0)
    }
    /// Linux: cap_issubset()
    pub fn is_subset(self, set: KernelCap) -> bool {
        self.0 & !set.0 == 0
    }
    /// Linux: cap_isclear()
    pub fn is_clear(self) -> bool {
        self.0 == 0
    }
    /// Linux: cap_drop_fs_set()
    pub fn drop_fs_set(self) -> KernelCap {
        self.drop_set(CAP_FS_SET)
    }
    /// Linux: cap_raise_fs_set()
    pub fn raise_fs_set(self, permitted: KernelCap) -> KernelCap {
        self.combine(permitted.intersect(CAP_FS_SET))
    }
    /// The two 32-bit words capget/capset exchange (Linux: kernel_cap_t.cap[0], cap[1]).
    pub fn words(self) -> [u32; 2] {
        [self.0 as u32, (self.0 >> 32) as u32]
    }
    /// From capset's words; bits above CAP_LAST_CAP are dropped (Linux: CAP_LAST_U32_VALID_MASK).
    pub fn from_words(w: [u32; 2]) -> KernelCap {
        KernelCap((w[0] as u64 | ((w[1] as u64) << 32)) & KernelCap::FULL.0)
    }
}

// Linux: include/uapi/linux/securebits.h (not in linux-raw-sys).
/// Root (uid 0) gets no capabilities from exec.
pub const SECURE_NOROOT: u32 = 0;
pub const SECURE_NOROOT_LOCKED: u32 = 1;
/// The capability sets are not changed when the uids are (cap_emulate_setxuid is skipped).
pub const SECURE_NO_SETUID_FIXUP: u32 = 2;
pub const SECURE_NO_SETUID_FIXUP_LOCKED: u32 = 3;
/// Permitted capabilities are kept when every uid leaves 0 (PR_SET_KEEPCAPS); cleared by exec.
pub const SECURE_KEEP_CAPS: u32 = 4;
pub const SECURE_KEEP_CAPS_LOCKED: u32 = 5;
/// PR_CAP_AMBIENT_RAISE is refused.
pub const SECURE_NO_CAP_AMBIENT_RAISE: u32 = 6;
pub const SECURE_NO_CAP_AMBIENT_RAISE_LOCKED: u32 = 7;

/// Linux: issecure_mask()
pub const fn issecure_mask(x: u32) -> u32 {
    1 << x
}
/// Linux: SECURE_ALL_BITS, SECURE_ALL_LOCKS
pub const SECURE_ALL_BITS: u32 = issecure_mask(SECURE_NOROOT)
    | issecure_mask(SECURE_NO_SETUID_FIXUP)
    | issecure_mask(SECURE_KEEP_CAPS)
    | issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE);
pub const SECURE_ALL_LOCKS: u32 = SECURE_ALL_BITS << 1;
