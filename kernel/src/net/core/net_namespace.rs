//! Network namespaces: struct net, one per namespace, in a task's nsproxy.  Linux:
//! net/core/net_namespace.c (init_net, copy_net_ns, netns_install, the netns ns_operations),
//! include/net/net_namespace.h.
//!
//! A namespace holds the networking state that is separated per namespace.  MenuOS has no
//! network devices, no routes and no IP sockets: what it has is AF_UNIX sockets
//! (net/unix/af_unix.rs), each made in its creator's namespace and listed in that
//! namespace's /proc/net/unix ([`Net::unx`]).  A new namespace starts with none, as a new
//! Linux one starts with only an unconfigured `lo`.  Beside that, a namespace is what nsfs
//! and setns(2) see: its identity (the inode number of /proc/PID/ns/net) and the user
//! namespace that owns it, against which CAP_SYS_ADMIN is checked.

use crate::errno::*;
use crate::kernel::capability::{ns_capable, CAP_SYS_ADMIN};
use crate::kernel::user_namespace::UserNamespace;
use crate::net::unix::af_unix::NetnsUnix;
use alloc::sync::Arc;

/// Linux: struct net (only what MenuOS has of it: see the header).
pub struct Net {
    /// Linux: net->user_ns — the owner, whose CAP_SYS_ADMIN rules the namespace.
    pub user_ns: Arc<UserNamespace>,
    /// Linux: net->ns.inum, from proc_alloc_inum() (init_net's too: net_ns_net_init()).
    pub inum: u32,
    /// Linux: net->unx — the namespace's AF_UNIX sockets.
    pub unx: NetnsUnix,
}

impl Drop for Net {
    /// Linux: cleanup_net() -> net_ns_net_exit(): the inode number is free again.
    fn drop(&mut self) {
        crate::fs::nsfs::proc_free_inum(self.inum);
    }
}

static INIT_NET: spin::Once<Arc<Net>> = spin::Once::new();

/// Linux: init_net — the namespace of every task until one asks for a new one.
pub fn init_net() -> &'static Arc<Net> {
    INIT_NET.call_once(|| {
        // (the first dynamic numbers are handed out at boot: this one cannot run out)
        let inum = crate::fs::nsfs::proc_alloc_inum().unwrap_or(0);
        Arc::new(Net { user_ns: crate::kernel::user_namespace::init_user_ns().clone(), inum, unx: NetnsUnix::new() })
    })
}

/// Linux: copy_net_ns(): a new, empty namespace owned by `user_ns` for CLONE_NEWNET, else
/// the old one.  (Linux counts namespaces per user in ucounts, max_net_namespaces: ENOSPC;
/// here a namespace costs an inode number, whose exhaustion is ENOSPC too.)
pub fn copy_net_ns(flags: u64, user_ns: &Arc<UserNamespace>, old: &Arc<Net>) -> KResult<Arc<Net>> {
    if flags & crate::kernel::fork::CLONE_NEWNET == 0 {
        return Ok(old.clone());
    }
    let inum = crate::fs::nsfs::proc_alloc_inum()?;
    Ok(Arc::new(Net { user_ns: user_ns.clone(), inum, unx: NetnsUnix::new() }))
}

/// Linux: current->nsproxy->net_ns: the namespace the caller's sockets are made in.
pub fn current_net() -> Arc<Net> {
    crate::kernel::nsproxy::current_nsproxy().net_ns.clone()
}

/// Linux: netns_install(): setns() to `net` needs CAP_SYS_ADMIN over it and over the user
/// namespace being installed with it.
pub fn netns_install(net: &Arc<Net>, cred_user_ns: &Arc<UserNamespace>) -> KResult<()> {
    if !ns_capable(&net.user_ns, CAP_SYS_ADMIN) || !ns_capable(cred_user_ns, CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}
