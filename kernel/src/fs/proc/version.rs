//! /proc/version.  Linux: fs/proc/version.c (version_proc_show).

use alloc::string::String;
use core::fmt::Write;

/// Linux: version_proc_show(): linux_proc_banner.
pub fn version_proc_show(s: &mut String) {
    let _ = writeln!(
        s,
        "Linux version {} (root@menuos) ({}) {}",
        crate::kernel::utsname::UTS_RELEASE,
        crate::init::MENUOS_BANNER,
        crate::kernel::utsname::UTS_VERSION
    );
}
