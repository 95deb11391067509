//! The protocol-independent core of networking.  Linux: net/core/.
pub mod net_namespace;
