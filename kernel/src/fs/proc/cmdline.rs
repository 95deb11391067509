//! /proc/cmdline.  Linux: fs/proc/cmdline.c (cmdline_proc_show).

use alloc::string::String;

/// Linux: cmdline_proc_show(): the kernel command line and a newline.
pub fn cmdline_proc_show(s: &mut String) {
    s.push_str(crate::init::saved_command_line());
    s.push('\n');
}
