/* t_fsmeta - inode metadata as the rootfs (tmpfs) keeps it: times, owners, modes, link counts,
 * utimensat and the chown family.
 *
 * Boot: rdinit=/tests/t_fsmeta.  Needs /tmp and the fixture tools/mkinitramfs.py packs:
 * /etc/fsmeta.d (mode 02750, uid 1000, gid 100, mtime 1111111111) holding /etc/fsmeta.d/file
 * (mode 04754, uid 1000, gid 100, mtime 1234567890).
 *
 * What Linux 6.1 does, and this test expects:
 *  - the initramfs's owners, modes (set-id bits too) and mtimes are kept (init/initramfs.c:
 *    chown, chmod, do_utime with CONFIG_INITRAMFS_PRESERVE_MTIME; atime = mtime too; a
 *    directory's own mtime is set after its entries are made).
 *  - a new file is owned by the creator's fsuid/fsgid (root: 0/0), its three times equal, its
 *    directory's mtime and ctime move; nlink is 1 for a file, 2 for a directory, and a
 *    directory's count is 2 + its subdirectories; link() adds one and moves the target's ctime,
 *    unlink() takes one (0 for an open unlinked file) and moves the directory's mtime.
 *  - write() moves mtime and ctime; read() moves atime, every time (the rootfs is mounted by the
 *    kernel, without MNT_RELATIME); chmod and chown move ctime only; ftruncate moves mtime and
 *    ctime even to the same size; truncate() by path when the size changes, or when it is not
 *    larger and the file has pages (shmem_undo_range()), not for an empty file; rename moves the
 *    renamed inode's ctime and both directories' mtime.
 *  - utimensat: explicit times kept to the nanosecond (and far past/future seconds), UTIME_NOW,
 *    UTIME_OMIT per field, NULL for "both now", both UTIME_OMIT returns 0 without even looking
 *    the path up; ctime moves to now unless both are UTIME_OMIT; ENOENT for a missing path;
 *    EINVAL for a bad tv_nsec or an unknown flag; a NULL path with an fd is futimens (flags must
 *    be 0: EINVAL); AT_SYMLINK_NOFOLLOW changes the link itself; AT_EMPTY_PATH the fd's file.
 *  - chown/fchown/fchownat/lchown store the ids, -1 keeps one; on a regular file S_ISUID goes
 *    and S_ISGID goes when group-executable (02745 keeps S_ISGID); a directory keeps both;
 *    fchownat with an unknown flag is EINVAL; lchown changes the symlink, not its target.
 *  - statx with STATX_BTIME reports a creation time no later than ctime.
 */
#include "mtest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct stat st_of(const char *p)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	lstat(p, &st);
	return st;
}

/* The wall clock now, in ns. */
static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ns(t);
}

/* Whether t was taken between `before` (less a tick: inode times are the coarse clock's) and now. */
static int recent(struct timespec t, long long before)
{
	return ns(t) >= before - 50000000LL && ns(t) <= now_ns();
}

/* Long enough for the coarse clock inode times use (Linux: jiffies) to move. */
static void tick(void)
{
	mt_msleep(30);
}

static int write_file(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	int r = write(fd, s, strlen(s));
	close(fd);
	return r;
}

int main(void)
{
	mt_begin("t_fsmeta");
	struct stat st, st2;
	char buf[64];

	/* The initramfs fixture. */
	st = st_of("/etc/fsmeta.d/file");
	CHECK_EQ("cpio_file_mode", st.st_mode, S_IFREG | 04754);
	CHECK_EQ("cpio_file_uid", st.st_uid, 1000);
	CHECK_EQ("cpio_file_gid", st.st_gid, 100);
	CHECK_EQ("cpio_file_mtime", st.st_mtime, 1234567890);
	CHECK_EQ("cpio_file_atime", st.st_atime, 1234567890);
	CHECK_EQ("cpio_file_nlink", st.st_nlink, 1);
	st = st_of("/etc/fsmeta.d");
	CHECK_EQ("cpio_dir_mode", st.st_mode, S_IFDIR | 02750);
	CHECK_EQ("cpio_dir_uid", st.st_uid, 1000);
	CHECK_EQ("cpio_dir_mtime", st.st_mtime, 1111111111);
	CHECK_EQ("cpio_dir_nlink", st.st_nlink, 2);

	/* Creation. */
	CHECK_EQ("mkdir", mkdir("/tmp/m", 0755), 0);
	struct stat d0 = st_of("/tmp/m");
	CHECK_EQ("dir_nlink_2", d0.st_nlink, 2);
	tick();
	CHECK_EQ("create", write_file("/tmp/m/f", ""), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("new_uid", st.st_uid, getuid());
	CHECK_EQ("new_gid", st.st_gid, getgid());
	CHECK_EQ("new_nlink", st.st_nlink, 1);
	CHECK("new_times_equal", ns(st.st_atim) == ns(st.st_mtim) && ns(st.st_mtim) == ns(st.st_ctim));
	struct stat d1 = st_of("/tmp/m");
	CHECK("create_moves_dir_mtime", ns(d1.st_mtim) > ns(d0.st_mtim));
	CHECK("create_moves_dir_ctime", ns(d1.st_ctim) > ns(d0.st_ctim));
	CHECK("create_dir_mtime_is_file_ctime", ns(d1.st_mtim) == ns(st.st_ctim));
	CHECK_EQ("dir_nlink_file", d1.st_nlink, 2);
	CHECK_EQ("mkdir_sub", mkdir("/tmp/m/sub", 0700), 0);
	CHECK_EQ("dir_nlink_subdir", st_of("/tmp/m").st_nlink, 3);
	CHECK_EQ("mkdir_sub2", mkdir("/tmp/m/sub2", 0700), 0);
	CHECK_EQ("dir_nlink_subdir2", st_of("/tmp/m").st_nlink, 4);
	CHECK_EQ("rmdir_sub2", rmdir("/tmp/m/sub2"), 0);
	CHECK_EQ("dir_nlink_rmdir", st_of("/tmp/m").st_nlink, 3);

	/* write, read (relatime), chmod, chown, truncate. */
	struct stat s0 = st_of("/tmp/m/f");
	tick();
	int fd = open("/tmp/m/f", O_RDWR);
	CHECK("open_rw", fd >= 0);
	CHECK_EQ("write", write(fd, "hello", 5), 5);
	st = st_of("/tmp/m/f");
	CHECK("write_moves_mtime", ns(st.st_mtim) > ns(s0.st_mtim));
	CHECK("write_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("write_keeps_atime", ns(st.st_atim) == ns(s0.st_atim));
	tick();
	CHECK_EQ("pread", pread(fd, buf, 5, 0), 5);
	st2 = st_of("/tmp/m/f");
	CHECK("read_moves_old_atime", ns(st2.st_atim) > ns(st.st_mtim));
	tick();
	CHECK_EQ("pread2", pread(fd, buf, 5, 0), 5);
	CHECK("strictatime_moves_new_atime", ns(st_of("/tmp/m/f").st_atim) > ns(st2.st_atim));
	s0 = st_of("/tmp/m/f");
	tick();
	CHECK_EQ("fchmod", fchmod(fd, 0600), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("fchmod_mode", st.st_mode, S_IFREG | 0600);
	CHECK("chmod_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("chmod_keeps_mtime", ns(st.st_mtim) == ns(s0.st_mtim));
	s0 = st;
	tick();
	CHECK_EQ("ftruncate_same", ftruncate(fd, 5), 0);
	st = st_of("/tmp/m/f");
	CHECK("ftruncate_same_moves_mtime", ns(st.st_mtim) > ns(s0.st_mtim));
	s0 = st;
	tick();
	CHECK_EQ("truncate_same", truncate("/tmp/m/f", 5), 0);
	st = st_of("/tmp/m/f");
	CHECK("truncate_same_data_moves_mtime", ns(st.st_mtim) > ns(s0.st_mtim));
	CHECK_EQ("truncate_same_size", st.st_size, 5);
	s0 = st;
	CHECK_EQ("create_empty", write_file("/tmp/m/e", ""), 0);
	struct stat e0 = st_of("/tmp/m/e");
	tick();
	CHECK_EQ("truncate_same_empty", truncate("/tmp/m/e", 0), 0);
	CHECK_EQ("truncate_same_empty_keeps_mtime", ns(st_of("/tmp/m/e").st_mtim), ns(e0.st_mtim));
	CHECK_EQ("unlink_empty", unlink("/tmp/m/e"), 0);
	tick();
	CHECK_EQ("truncate_grow", truncate("/tmp/m/f", 7), 0);
	st = st_of("/tmp/m/f");
	CHECK("truncate_grow_moves_mtime", ns(st.st_mtim) > ns(s0.st_mtim));
	CHECK_EQ("truncate_grow_size", st.st_size, 7);
	CHECK_ERR("truncate_negative", truncate("/tmp/m/f", -1), EINVAL);
	CHECK_ERR("truncate_dir", truncate("/tmp/m", 0), EISDIR);
	CHECK_ERR("truncate_missing", truncate("/tmp/m/nope", 0), ENOENT);
	CHECK_ERR("ftruncate_negative", ftruncate(fd, -1), EINVAL);
	int dfd = open("/tmp/m", O_RDONLY | O_DIRECTORY);
	CHECK_ERR("ftruncate_dir", ftruncate(dfd, 0), EINVAL);
	int rofd = open("/tmp/m/f", O_RDONLY);
	CHECK_ERR("ftruncate_rdonly", ftruncate(rofd, 0), EINVAL);
	close(rofd);

	/* chown family. */
	s0 = st_of("/tmp/m/f");
	tick();
	CHECK_EQ("fchown", fchown(fd, 1000, 2000), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("fchown_uid", st.st_uid, 1000);
	CHECK_EQ("fchown_gid", st.st_gid, 2000);
	CHECK("chown_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("chown_keeps_mtime", ns(st.st_mtim) == ns(s0.st_mtim));
	CHECK_EQ("chown_keep_uid", chown("/tmp/m/f", -1, 3000), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("chown_kept_uid", st.st_uid, 1000);
	CHECK_EQ("chown_new_gid", st.st_gid, 3000);
	CHECK_EQ("chown_keep_both", fchownat(AT_FDCWD, "/tmp/m/f", -1, -1, 0), 0);
	st = st_of("/tmp/m/f");
	CHECK("chown_kept_both", st.st_uid == 1000 && st.st_gid == 3000);
	CHECK_EQ("chmod_6755", chmod("/tmp/m/f", 06755), 0);
	CHECK_EQ("chown_root", chown("/tmp/m/f", 0, 0), 0);
	CHECK_EQ("chown_clears_suid_sgid", st_of("/tmp/m/f").st_mode, S_IFREG | 0755);
	CHECK_EQ("chmod_6745", chmod("/tmp/m/f", 06745), 0);
	CHECK_EQ("chown_minus1", chown("/tmp/m/f", -1, -1), 0);
	CHECK_EQ("chown_keeps_sgid_noexec", st_of("/tmp/m/f").st_mode, S_IFREG | 02745);
	CHECK_EQ("chmod_dir_6755", chmod("/tmp/m/sub", 06755), 0);
	CHECK_EQ("chown_dir", chown("/tmp/m/sub", 5, 6), 0);
	st = st_of("/tmp/m/sub");
	CHECK_EQ("chown_dir_keeps_bits", st.st_mode, S_IFDIR | 06755);
	CHECK("chown_dir_ids", st.st_uid == 5 && st.st_gid == 6);
	CHECK_EQ("symlink", symlink("f", "/tmp/m/l"), 0);
	CHECK_EQ("lchown", lchown("/tmp/m/l", 7, 8), 0);
	st = st_of("/tmp/m/l");
	CHECK("lchown_link", st.st_uid == 7 && st.st_gid == 8);
	CHECK_EQ("lchown_not_target", st_of("/tmp/m/f").st_uid, 0);
	CHECK_EQ("chown_follows", chown("/tmp/m/l", 9, 9), 0);
	CHECK_EQ("chown_follows_target", st_of("/tmp/m/f").st_uid, 9);
	CHECK_EQ("chown_follows_link_kept", st_of("/tmp/m/l").st_uid, 7);
	CHECK_EQ("fchownat_empty", fchownat(fd, "", 11, 12, AT_EMPTY_PATH), 0);
	CHECK_EQ("fchownat_empty_uid", st_of("/tmp/m/f").st_uid, 11);
	CHECK_ERR("fchownat_badflag", fchownat(AT_FDCWD, "/tmp/m/f", 0, 0, 0x10000), EINVAL);
	CHECK_ERR("chown_missing", chown("/tmp/m/nope", 0, 0), ENOENT);
	CHECK_ERR("fchown_badfd", fchown(99, 0, 0), EBADF);

	/* utimensat. */
	struct timespec t[2] = { { 1000, 5 }, { 2000, 999999999 } };
	s0 = st_of("/tmp/m/f");
	tick();
	CHECK_EQ("utimensat_set", utimensat(AT_FDCWD, "/tmp/m/f", t, 0), 0);
	st = st_of("/tmp/m/f");
	CHECK("utimensat_atime", st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 5);
	CHECK("utimensat_mtime", st.st_mtim.tv_sec == 2000 && st.st_mtim.tv_nsec == 999999999);
	CHECK("utimensat_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	struct timespec far[2] = { { -1000000, 0 }, { 40000000000LL, 1 } };
	CHECK_EQ("utimensat_far", utimensat(AT_FDCWD, "/tmp/m/f", far, 0), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("utimensat_past", st.st_atim.tv_sec, -1000000);
	CHECK_EQ("utimensat_future", st.st_mtim.tv_sec, 40000000000LL);
	struct timespec om[2] = { { 5, UTIME_OMIT }, { 0, UTIME_NOW } };
	CHECK_EQ("utimensat_set2", utimensat(AT_FDCWD, "/tmp/m/f", t, 0), 0);
	tick();
	long long before = now_ns();
	CHECK_EQ("utimensat_omit_now", utimensat(AT_FDCWD, "/tmp/m/f", om, 0), 0);
	st = st_of("/tmp/m/f");
	CHECK("utimensat_omit_kept", st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 5);
	CHECK("utimensat_now", recent(st.st_mtim, before) && ns(st.st_mtim) == ns(st.st_ctim));
	s0 = st;
	tick();
	struct timespec bothomit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	CHECK_EQ("utimensat_both_omit", utimensat(AT_FDCWD, "/tmp/m/f", bothomit, 0), 0);
	CHECK("utimensat_both_omit_ctime", ns(st_of("/tmp/m/f").st_ctim) == ns(s0.st_ctim));
	CHECK_EQ("utimensat_both_omit_missing", utimensat(AT_FDCWD, "/nonexistent/x", bothomit, 0), 0);
	CHECK_EQ("utimensat_null", utimensat(AT_FDCWD, "/tmp/m/f", NULL, 0), 0);
	st = st_of("/tmp/m/f");
	CHECK("utimensat_null_now", ns(st.st_atim) == ns(st.st_mtim) && ns(st.st_mtim) > ns(s0.st_mtim));
	CHECK_ERR("utimensat_missing", utimensat(AT_FDCWD, "/tmp/m/nope", NULL, 0), ENOENT);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	CHECK_ERR("utimensat_bad_nsec", utimensat(AT_FDCWD, "/tmp/m/f", bad, 0), EINVAL);
	struct timespec neg[2] = { { 0, 0 }, { 0, -1 } };
	CHECK_ERR("utimensat_neg_nsec", utimensat(AT_FDCWD, "/tmp/m/f", neg, 0), EINVAL);
	CHECK_ERR("utimensat_bad_flag", utimensat(AT_FDCWD, "/tmp/m/f", NULL, 0x4), EINVAL);
	CHECK_EQ("futimens", futimens(fd, t), 0);
	CHECK_EQ("futimens_mtime", st_of("/tmp/m/f").st_mtime, 2000);
	before = now_ns();
	CHECK_EQ("utimensat_fd_null_path", syscall(SYS_utimensat, fd, NULL, NULL, 0), 0);
	CHECK("utimensat_fd_null_now", recent(st_of("/tmp/m/f").st_mtim, before));
	CHECK_ERR("utimensat_fd_null_flags", syscall(SYS_utimensat, fd, NULL, NULL, AT_SYMLINK_NOFOLLOW), EINVAL);
	CHECK_ERR("utimensat_badfd", syscall(SYS_utimensat, 99, NULL, NULL, 0), EBADF);
	CHECK_EQ("utimensat_nofollow", utimensat(AT_FDCWD, "/tmp/m/l", t, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ("utimensat_nofollow_link", st_of("/tmp/m/l").st_mtime, 2000);
	CHECK("utimensat_nofollow_target", recent(st_of("/tmp/m/f").st_mtim, before));
	CHECK_EQ("utimensat_empty_path", utimensat(fd, "", t, AT_EMPTY_PATH), 0);
	CHECK_EQ("utimensat_empty_path_mtime", st_of("/tmp/m/f").st_mtime, 2000);
	CHECK_ERR("utimensat_empty_noflag", utimensat(fd, "", t, 0), ENOENT);
	CHECK_EQ("utimensat_dirfd_rel", utimensat(dfd, "sub", t, 0), 0);
	CHECK_EQ("utimensat_dirfd_rel_mtime", st_of("/tmp/m/sub").st_mtime, 2000);

	/* Links. */
	s0 = st_of("/tmp/m/f");
	struct stat dd0 = st_of("/tmp/m");
	tick();
	CHECK_EQ("link", link("/tmp/m/f", "/tmp/m/g"), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("link_nlink", st.st_nlink, 2);
	CHECK("link_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("link_moves_dir_mtime", ns(st_of("/tmp/m").st_mtim) > ns(dd0.st_mtim));
	CHECK_EQ("link_dir_nlink_same", st_of("/tmp/m").st_nlink, 3);
	s0 = st;
	dd0 = st_of("/tmp/m");
	tick();
	CHECK_EQ("unlink", unlink("/tmp/m/g"), 0);
	st = st_of("/tmp/m/f");
	CHECK_EQ("unlink_nlink", st.st_nlink, 1);
	CHECK("unlink_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("unlink_moves_dir_mtime", ns(st_of("/tmp/m").st_mtim) > ns(dd0.st_mtim));

	/* rename */
	s0 = st_of("/tmp/m/f");
	tick();
	before = now_ns();
	CHECK_EQ("rename", rename("/tmp/m/f", "/tmp/m/sub/f"), 0);
	st = st_of("/tmp/m/sub/f");
	CHECK("rename_moves_ctime", ns(st.st_ctim) > ns(s0.st_ctim));
	CHECK("rename_keeps_mtime", ns(st.st_mtim) == ns(s0.st_mtim));
	CHECK("rename_moves_newdir_mtime", recent(st_of("/tmp/m/sub").st_mtim, before));

	/* statx btime */
	struct statx sx;
	memset(&sx, 0, sizeof sx);
	CHECK_EQ("statx_btime", statx(AT_FDCWD, "/tmp/m/sub/f", 0, STATX_BASIC_STATS | STATX_BTIME, &sx), 0);
	CHECK("statx_btime_mask", sx.stx_mask & STATX_BTIME);
	CHECK("statx_btime_before_ctime",
	      sx.stx_btime.tv_sec < sx.stx_ctime.tv_sec ||
		      (sx.stx_btime.tv_sec == sx.stx_ctime.tv_sec && sx.stx_btime.tv_nsec <= sx.stx_ctime.tv_nsec));
	CHECK_EQ("statx_mtime", sx.stx_mtime.tv_sec, 2000);

	/* An open unlinked file. */
	CHECK_EQ("unlink_open", unlink("/tmp/m/sub/f"), 0);
	CHECK_EQ("fstat_unlinked", fstat(fd, &st), 0);
	CHECK_EQ("fstat_unlinked_nlink", st.st_nlink, 0);
	close(fd);
	close(dfd);
	CHECK_EQ("rmdir_nlink", rmdir("/tmp/m/sub"), 0);
	CHECK_EQ("rmdir_parent_nlink", st_of("/tmp/m").st_nlink, 2);
	mt_end();
}
