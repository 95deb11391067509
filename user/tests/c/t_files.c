/* t_files - open/stat/lseek/read/close on the initramfs, the device nodes and /tmp.
 *
 * Boot: rdinit=/tests/t_files.  Needs /hello (an ELF file), /dev/console (char 5,1),
 * /dev/null (char 1,3), a directory /tmp, in the initramfs (Linux unpacks it into its rootfs,
 * a writable in-memory fs).
 *
 * What Linux 6.1 does, and this test expects:
 *  - openat(AT_FDCWD, "/hello") and openat(<fd of "/">, "hello") work; fstat says S_ISREG,
 *    st_size > 0, st_nlink >= 1, and the same st_ino/st_dev/st_size as newfstatat on the path,
 *    newfstatat(fd, "", AT_EMPTY_PATH) and the raw fstat syscall.
 *  - lseek: SEEK_END gives st_size, SEEK_SET 0 gives 0, SEEK_CUR after a 4-byte read gives 4,
 *    SEEK_CUR -2 gives 2, a negative resulting offset is EINVAL, whence 7 is EINVAL, seeking past
 *    the end is allowed and a read there returns 0.  The first 4 bytes are "\177ELF".
 *  - "/nonexistent" is ENOENT (open and stat), "/hello/x" is ENOTDIR, opening "/" for writing
 *    is EISDIR, O_DIRECTORY on a file is ENOTDIR, newfstatat with "" and no AT_EMPTY_PATH is ENOENT.
 *  - /dev/console opens O_RDWR; fstat: S_ISCHR, rdev major 5 minor 1; lseek on it is ESPIPE.
 *  - /dev/null: S_ISCHR 1:3, read returns 0 (EOF), write of n bytes returns n.
 *  - close(99) and close(-1) are EBADF; a closed fd is EBADF for close and fstat;
 *    open returns the lowest free fd.
 *  - /tmp: O_CREAT|O_EXCL with mode 0666 under umask 022 creates a file of mode 0644,
 *    written data reads back, st_size follows, O_EXCL on an existing
 *    file is EEXIST, O_TRUNC empties it, O_APPEND writes at the end, ftruncate grows it with
 *    zeros, a pwrite past the end leaves a zero hole, unlink removes it (then ENOENT);
 *    mkdir/rmdir in /tmp work, EEXIST and ENOTEMPTY as usual.
 *  - access/faccessat: /hello is R_OK and X_OK (root; mode 0755 in the initramfs), "/" R|X,
 *    ENOENT and ENOTDIR as for open; the cwd of init is "/".
 *  - rename keeps the inode and removes the old name; link makes st_nlink 2 with the same inode,
 *    unlink brings it back to 1; symlink + readlink (length without NUL), lstat S_ISLNK, stat and
 *    open follow it, O_NOFOLLOW is ELOOP, readlink of a non-link is EINVAL.
 */
#include "mtest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mode == b->st_mode;
}

int main(void)
{
	mt_begin("t_files");
	struct stat st, st2, st3, st4;
	char buf[64];

	/* /hello */
	int fd = openat(AT_FDCWD, "/hello", O_RDONLY);
	CHECK("openat_hello", fd >= 0);
	memset(&st, 0, sizeof st);
	CHECK_EQ("fstat_hello", fstat(fd, &st), 0);
	CHECK("fstat_isreg", S_ISREG(st.st_mode));
	CHECK("fstat_size_positive", st.st_size > 0);
	CHECK("fstat_nlink", st.st_nlink >= 1);
	CHECK("fstat_mode_exec", (st.st_mode & 0111) != 0); /* the initramfs holds it 0755 */

	memset(&st2, 0, sizeof st2);
	CHECK_EQ("newfstatat_path", syscall(SYS_newfstatat, AT_FDCWD, "/hello", &st2, 0), 0);
	CHECK("newfstatat_path_same", same_file(&st, &st2));
	memset(&st3, 0, sizeof st3);
	CHECK_EQ("newfstatat_empty_path", syscall(SYS_newfstatat, fd, "", &st3, AT_EMPTY_PATH), 0);
	CHECK("newfstatat_empty_path_same", same_file(&st, &st3));
	memset(&st4, 0, sizeof st4);
	CHECK_EQ("fstat_raw", syscall(SYS_fstat, fd, &st4), 0);
	CHECK("fstat_raw_same", same_file(&st, &st4));
	CHECK_ERR("newfstatat_empty_no_flag", syscall(SYS_newfstatat, fd, "", &st3, 0), ENOENT);

	CHECK_EQ("lseek_end", lseek(fd, 0, SEEK_END), st.st_size);
	CHECK_EQ("lseek_set_0", lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read_4", read(fd, buf, 4), 4);
	CHECK("read_elf_magic", memcmp(buf, "\177ELF", 4) == 0);
	CHECK_EQ("lseek_cur_after_read", lseek(fd, 0, SEEK_CUR), 4);
	CHECK_EQ("lseek_cur_back", lseek(fd, -2, SEEK_CUR), 2);
	CHECK_EQ("read_after_seek_back", read(fd, buf, 2) == 2 && buf[0] == 'L' && buf[1] == 'F', 1);
	CHECK_ERR("lseek_negative", lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK_EQ("lseek_pos_kept_after_einval", lseek(fd, 0, SEEK_CUR), 4);
	CHECK_ERR("lseek_bad_whence", lseek(fd, 0, 7), EINVAL);
	CHECK_EQ("lseek_past_end", lseek(fd, st.st_size + 100, SEEK_SET), st.st_size + 100);
	CHECK_EQ("read_past_end", read(fd, buf, sizeof buf), 0);

	int root = open("/", O_RDONLY | O_DIRECTORY);
	CHECK("open_root_dir", root >= 0);
	int fd2 = openat(root, "hello", O_RDONLY);
	CHECK("openat_dirfd_relative", fd2 >= 0);
	memset(&st2, 0, sizeof st2);
	CHECK("openat_dirfd_same_file", fstat(fd2, &st2) == 0 && same_file(&st, &st2));
	memset(&st2, 0, sizeof st2);
	CHECK_EQ("newfstatat_dirfd_relative", syscall(SYS_newfstatat, root, "hello", &st2, 0), 0);
	CHECK("newfstatat_dirfd_same", same_file(&st, &st2));
	close(fd2);
	close(root);

	/* errors */
	CHECK_ERR("open_enoent", open("/nonexistent", O_RDONLY), ENOENT);
	CHECK_ERR("stat_enoent", stat("/nonexistent", &st2), ENOENT);
	CHECK_ERR("open_enotdir", open("/hello/x", O_RDONLY), ENOTDIR);
	CHECK_ERR("stat_enotdir", stat("/hello/x", &st2), ENOTDIR);
	CHECK_ERR("open_dir_for_write", open("/", O_WRONLY), EISDIR);
	CHECK_ERR("open_o_directory_on_file", open("/hello", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR("openat_bad_dirfd", openat(99, "hello", O_RDONLY), EBADF);

	/* /dev/console */
	int con = open("/dev/console", O_RDWR);
	CHECK("open_console_rdwr", con >= 0);
	memset(&st2, 0, sizeof st2);
	CHECK_EQ("fstat_console", fstat(con, &st2), 0);
	CHECK("console_ischr", S_ISCHR(st2.st_mode));
	CHECK_EQ("console_major", major(st2.st_rdev), 5);
	CHECK_EQ("console_minor", minor(st2.st_rdev), 1);
	CHECK_ERR("console_lseek_espipe", lseek(con, 0, SEEK_SET), ESPIPE);
	static const char cmsg[] = "t_files: written to /dev/console\n";
	CHECK_EQ("console_write", write(con, cmsg, sizeof cmsg - 1), sizeof cmsg - 1);
	close(con);

	/* /dev/null */
	int nul = open("/dev/null", O_RDWR);
	CHECK("open_null", nul >= 0);
	memset(&st2, 0, sizeof st2);
	CHECK("null_ischr_1_3", fstat(nul, &st2) == 0 && S_ISCHR(st2.st_mode) &&
					major(st2.st_rdev) == 1 && minor(st2.st_rdev) == 3);
	CHECK_EQ("null_read_eof", read(nul, buf, sizeof buf), 0);
	CHECK_EQ("null_write_swallows", write(nul, "abcdefgh", 8), 8);
	CHECK_EQ("null_read_eof_again", read(nul, buf, sizeof buf), 0);
	close(nul);

	/* access */
	CHECK_EQ("access_hello_r", access("/hello", R_OK), 0);
	CHECK_EQ("access_hello_x", access("/hello", X_OK), 0);
	CHECK_EQ("access_root_dir", access("/", R_OK | X_OK), 0);
	CHECK_ERR("access_enoent", access("/nonexistent", F_OK), ENOENT);
	CHECK_ERR("access_enotdir", access("/hello/x", F_OK), ENOTDIR);
	CHECK_EQ("faccessat_dirfd", faccessat(AT_FDCWD, "hello", F_OK, 0), 0); /* cwd is / */

	/* close */
	CHECK_ERR("close_ebadf_99", close(99), EBADF);
	CHECK_ERR("close_ebadf_neg", close(-1), EBADF);
	CHECK_EQ("close_ok", close(fd), 0);
	CHECK_ERR("close_twice", close(fd), EBADF);
	CHECK_ERR("fstat_closed", fstat(fd, &st2), EBADF);
	/* lowest free fd: fd was the lowest free one when opened (0-2 are the console) */
	int again = open("/hello", O_RDONLY);
	CHECK_EQ("open_lowest_fd", again, fd);
	close(again);

	/* /tmp */
	const char *p = "/tmp/t_files.tmp";
	unlink(p);
	umask(022);
	int t = open(p, O_CREAT | O_EXCL | O_RDWR, 0666);
	CHECK("tmp_create", t >= 0);
	memset(&st2, 0, sizeof st2);
	CHECK("tmp_fstat_new", fstat(t, &st2) == 0 && S_ISREG(st2.st_mode) && st2.st_size == 0);
	CHECK_EQ("tmp_mode_umask", st2.st_mode & 0777, 0644);
	static const char data[] = "MenuOS in-memory file\n";
	CHECK_EQ("tmp_write", write(t, data, sizeof data - 1), sizeof data - 1);
	CHECK_EQ("tmp_size_after_write", fstat(t, &st2) == 0 ? st2.st_size : -1, sizeof data - 1);
	CHECK_EQ("tmp_lseek_0", lseek(t, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("tmp_read_back_len", read(t, buf, sizeof buf), sizeof data - 1);
	CHECK("tmp_read_back_data", memcmp(buf, data, sizeof data - 1) == 0);
	close(t);
	CHECK_ERR("tmp_excl_eexist", open(p, O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	memset(&st2, 0, sizeof st2);
	CHECK_EQ("tmp_stat_path", stat(p, &st2) == 0 ? st2.st_size : -1, sizeof data - 1);

	t = open(p, O_WRONLY | O_APPEND);
	CHECK_EQ("tmp_append_write", write(t, "xyz", 3), 3);
	CHECK_EQ("tmp_append_at_end", lseek(t, 0, SEEK_CUR), sizeof data - 1 + 3);
	close(t);
	t = open(p, O_RDONLY);
	memset(buf, 0, sizeof buf);
	CHECK("tmp_append_data", read(t, buf, sizeof buf) == sizeof data - 1 + 3 &&
					 memcmp(buf + sizeof data - 1, "xyz", 3) == 0);
	close(t);

	t = open(p, O_RDWR | O_TRUNC);
	CHECK("tmp_trunc_open", t >= 0);
	CHECK_EQ("tmp_trunc_size", fstat(t, &st2) == 0 ? st2.st_size : -1, 0);
	CHECK_EQ("tmp_ftruncate_grow", ftruncate(t, 100), 0);
	memset(buf, 0x55, sizeof buf);
	CHECK_EQ("tmp_ftruncate_read", pread(t, buf, 10, 50), 10);
	CHECK("tmp_ftruncate_zeros", memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) == 0);
	/* write past the end leaves a zero-filled hole */
	CHECK_EQ("tmp_pwrite_hole", pwrite(t, "E", 1, 200), 1);
	CHECK_EQ("tmp_size_after_hole", fstat(t, &st2) == 0 ? st2.st_size : -1, 201);
	memset(buf, 0x55, sizeof buf);
	CHECK("tmp_hole_zeros", pread(t, buf, 2, 199) == 2 && buf[0] == 0 && buf[1] == 'E');
	close(t);

	CHECK_EQ("tmp_unlink", unlink(p), 0);
	CHECK_ERR("tmp_unlinked_enoent", open(p, O_RDONLY), ENOENT);
	CHECK_ERR("tmp_unlink_again", unlink(p), ENOENT);

	/* rename, hard link, symlink */
	const char *q = "/tmp/t_files.renamed";
	t = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK_EQ("tmp_create_for_rename", write(t, "12345", 5), 5);
	close(t);
	memset(&st, 0, sizeof st);
	stat(p, &st);
	CHECK_EQ("rename", rename(p, q), 0);
	CHECK_ERR("rename_old_gone", access(p, F_OK), ENOENT);
	memset(&st2, 0, sizeof st2);
	CHECK("rename_same_inode", stat(q, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == 5);
	CHECK_ERR("rename_enoent", rename("/tmp/t_files.none", q), ENOENT);
	CHECK_EQ("link", link(q, p), 0);
	memset(&st2, 0, sizeof st2);
	CHECK("link_nlink_2", stat(q, &st2) == 0 && st2.st_nlink == 2);
	memset(&st3, 0, sizeof st3);
	CHECK("link_same_inode", stat(p, &st3) == 0 && st3.st_ino == st2.st_ino);
	CHECK_EQ("unlink_link", unlink(p), 0);
	CHECK("nlink_back_to_1", stat(q, &st2) == 0 && st2.st_nlink == 1);
	const char *sl = "/tmp/t_files.symlink";
	unlink(sl);
	CHECK_EQ("symlink", symlink(q, sl), 0);
	char lbuf[64];
	memset(lbuf, 0, sizeof lbuf);
	CHECK_EQ("readlink_len", readlink(sl, lbuf, sizeof lbuf), strlen(q)); /* no NUL counted */
	CHECK("readlink_target", !strcmp(lbuf, q));
	CHECK("lstat_is_link", lstat(sl, &st2) == 0 && S_ISLNK(st2.st_mode));
	CHECK("stat_follows_link", stat(sl, &st2) == 0 && S_ISREG(st2.st_mode) && st2.st_size == 5);
	t = open(sl, O_RDONLY);
	memset(buf, 0, sizeof buf);
	CHECK("open_through_symlink", t >= 0 && read(t, buf, sizeof buf) == 5 && !memcmp(buf, "12345", 5));
	close(t);
	CHECK_ERR("open_nofollow_eloop", open(sl, O_RDONLY | O_NOFOLLOW), ELOOP);
	CHECK_ERR("readlink_not_link", readlink(q, lbuf, sizeof lbuf), EINVAL);
	unlink(sl);
	unlink(q);

	CHECK_EQ("tmp_mkdir", mkdir("/tmp/t_files.d", 0755), 0);
	CHECK("tmp_mkdir_isdir", stat("/tmp/t_files.d", &st2) == 0 && S_ISDIR(st2.st_mode));
	CHECK_ERR("tmp_mkdir_eexist", mkdir("/tmp/t_files.d", 0755), EEXIST);
	t = open("/tmp/t_files.d/f", O_CREAT | O_WRONLY, 0644);
	CHECK("tmp_create_in_subdir", t >= 0);
	close(t);
	CHECK_ERR("tmp_rmdir_notempty", rmdir("/tmp/t_files.d"), ENOTEMPTY);
	unlink("/tmp/t_files.d/f");
	CHECK_EQ("tmp_rmdir", rmdir("/tmp/t_files.d"), 0);
	CHECK_ERR("tmp_rmdir_gone", stat("/tmp/t_files.d", &st2), ENOENT);

	mt_end();
}
