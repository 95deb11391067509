//! ramfs, the rootfs's filesystem.  Linux: fs/ramfs/.
//!
//! The inodes themselves (the tree, file data, the page cache of shared mappings) are
//! fs/inode.rs; here are the file operations of its regular files.  Directories use
//! fs/libfs.rs's DirOps, as ramfs uses simple_dir_operations.

pub mod file_mmu;
