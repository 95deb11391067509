/* t_rename - renameat2, link, unlink and rmdir by Linux's rules; names as bytes.
 *
 * Boot: rdinit=/tests/t_rename.  Needs a writable /tmp (tmpfs, as Linux's rootfs is) and
 * /proc (mounted here; MenuOS always has it).
 *
 * What Linux 6.1 does (fs/namei.c do_renameat2/vfs_rename, mm/shmem.c shmem_rename2,
 * do_linkat/vfs_link, do_unlinkat, do_rmdir), and this test expects:
 *  - a file renamed over a file replaces it (the old target's open fd sees nlink 0); renaming
 *    a name onto itself or onto another link of the same inode does nothing (both stay);
 *    a directory over an empty directory replaces it, over a non-empty one is ENOTEMPTY, over a
 *    file ENOTDIR; a file over a directory EISDIR; a missing source ENOENT.
 *  - a directory into itself or below itself is EINVAL (no hang: the lock of one directory is
 *    never taken twice); onto one of its own ancestors ENOTEMPTY (EINVAL with
 *    RENAME_EXCHANGE); "." or ".." on either side EBUSY (EEXIST as the new name with
 *    RENAME_NOREPLACE); a trailing slash on a file ENOTDIR.
 *  - RENAME_NOREPLACE: EEXIST over an existing name; RENAME_EXCHANGE swaps two names (a file
 *    and a directory in different directories: their link counts follow), ENOENT when one is
 *    missing; RENAME_WHITEOUT leaves a 0:0 character device; EXCHANGE with NOREPLACE or
 *    WHITEOUT, or an unknown flag, is EINVAL.
 *  - across filesystems EXDEV (/proc files, both ways); a mountpoint (/proc) is EBUSY for
 *    rename and rmdir, EISDIR for unlink.
 *  - link: EPERM for a directory, EEXIST for a taken name, EXDEV from /proc, ENOENT for a new
 *    name with a trailing slash; st_nlink and st_ino follow.
 *  - unlink of a directory EISDIR, of "file/" ENOTDIR; rmdir of a file ENOTDIR, of a non-empty
 *    directory ENOTEMPTY, of "." EINVAL, ".." ENOTEMPTY, "/" EBUSY.
 *  - a removed cwd: creating in it is ENOENT, getcwd ENOENT.
 *  - names are bytes: a name that is not UTF-8 is made, listed, renamed and removed as is;
 *    NAME_MAX + 1 bytes is ENAMETOOLONG.
 */
#include "mtest.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static int ren2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static int touch(const char *p)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static ino_t ino_of(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 ? st.st_ino : 0;
}

static nlink_t nlink_of(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 ? st.st_nlink : 0;
}

/* Whether directory d lists exactly the name n (bytes). */
static int lists(const char *d, const char *n)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	int found = 0;
	while (dir && (e = readdir(dir)))
		found |= strcmp(e->d_name, n) == 0;
	if (dir)
		closedir(dir);
	return found;
}

int main(void)
{
	mt_begin("t_rename");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	CHECK_EQ("mkdir", mkdir("/tmp/r", 0755), 0);
	chdir("/tmp/r");

	/* Files. */
	touch("f1");
	touch("f2");
	ino_t i1 = ino_of("f1");
	int fd2 = open("f2", O_RDONLY);
	CHECK_EQ("file_over_file", rename("f1", "f2"), 0);
	CHECK_EQ("file_over_file_ino", ino_of("f2"), i1);
	CHECK_ERR("file_over_file_old_gone", access("f1", F_OK), ENOENT);
	struct stat st;
	fstat(fd2, &st);
	CHECK_EQ("replaced_nlink_0", st.st_nlink, 0);
	close(fd2);
	CHECK_EQ("rename_self", rename("f2", "f2"), 0);
	CHECK_EQ("link", link("f2", "h2"), 0);
	CHECK_EQ("link_nlink", nlink_of("f2"), 2);
	CHECK_EQ("link_same_ino", ino_of("h2"), ino_of("f2"));
	CHECK_EQ("rename_hardlink_noop", rename("f2", "h2"), 0);
	CHECK("rename_hardlink_both_stay", access("f2", F_OK) == 0 && access("h2", F_OK) == 0);
	CHECK_ERR("rename_missing", rename("nope", "x"), ENOENT);
	CHECK_ERR("rename_into_missing_dir", rename("f2", "nodir/x"), ENOENT);
	CHECK_ERR("rename_file_trailing_slash", rename("f2", "x/"), ENOTDIR);
	CHECK_ERR("rename_file_trailing_slash_src", rename("f2/", "x"), ENOTDIR);

	/* Directories. */
	mkdir("a", 0755);
	mkdir("a/b", 0755);
	mkdir("a/b/c", 0755);
	mkdir("e", 0755);
	CHECK_ERR("dir_into_itself", rename("a", "a/x"), EINVAL);
	CHECK_ERR("dir_below_itself", rename("a", "a/b/c/x"), EINVAL);
	CHECK_ERR("dir_onto_own_child", rename("a", "a/b"), EINVAL);
	CHECK_ERR("dir_onto_ancestor", rename("a/b/c", "a/b"), ENOTEMPTY);
	CHECK_ERR("dir_onto_ancestor_exchange", ren2("a/b/c", "a", RENAME_EXCHANGE), EINVAL);
	CHECK_ERR("dir_over_nonempty", rename("e", "a"), ENOTEMPTY);
	CHECK_ERR("dir_over_file", rename("e", "f2"), ENOTDIR);
	CHECK_ERR("file_over_dir", rename("f2", "e"), EISDIR);
	CHECK_EQ("nlink_before", nlink_of("."), 4);
	mkdir("g", 0755);
	CHECK_EQ("dir_over_empty_dir", rename("e", "g"), 0);
	CHECK_EQ("dir_over_empty_nlink", nlink_of("."), 4);
	CHECK_ERR("dir_over_empty_old_gone", access("e", F_OK), ENOENT);
	CHECK_EQ("dir_across", rename("g", "a/g"), 0);
	CHECK_EQ("dir_across_parent_nlink", nlink_of("."), 3);
	CHECK_EQ("dir_across_newparent_nlink", nlink_of("a"), 4);
	CHECK_EQ("dir_trailing_slashes", rename("a/g/", "a/h/"), 0);
	CHECK_EQ("dir_renamed_children", access("a/b/c", F_OK), 0);
	CHECK_EQ("dir_rename_moves_subtree", rename("a", "z"), 0);
	CHECK_EQ("dir_subtree_moved", access("z/b/c", F_OK), 0);
	rename("z", "a");
	CHECK_ERR("rename_dot", rename(".", "x"), EBUSY);
	CHECK_ERR("rename_dotdot", rename("a/..", "x"), EBUSY);
	CHECK_ERR("rename_to_dot", rename("f2", "a/."), EBUSY);
	CHECK_ERR("rename_to_dot_noreplace", ren2("f2", "a/.", RENAME_NOREPLACE), EEXIST);

	/* Flags. */
	touch("n1");
	touch("n2");
	CHECK_ERR("noreplace_exists", ren2("n1", "n2", RENAME_NOREPLACE), EEXIST);
	CHECK_EQ("noreplace_new", ren2("n1", "n3", RENAME_NOREPLACE), 0);
	CHECK_ERR("exchange_noreplace", ren2("n2", "n3", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	CHECK_ERR("exchange_whiteout", ren2("n2", "n3", RENAME_EXCHANGE | RENAME_WHITEOUT), EINVAL);
	CHECK_ERR("unknown_flag", ren2("n2", "n3", 1 << 5), EINVAL);
	CHECK_ERR("exchange_missing", ren2("n2", "nope", RENAME_EXCHANGE), ENOENT);
	ino_t in2 = ino_of("n2"), ia = ino_of("a");
	CHECK_EQ("exchange_file_dir", ren2("n2", "a", RENAME_EXCHANGE), 0);
	CHECK("exchange_swapped", ino_of("a") == in2 && ino_of("n2") == ia);
	CHECK_EQ("exchange_dir_children", access("n2/b/c", F_OK), 0);
	ren2("n2", "a", RENAME_EXCHANGE);
	mkdir("s", 0755);
	touch("s/f");
	ino_t isf = ino_of("s/f");
	CHECK_EQ("exchange_across", ren2("s/f", "a/h", RENAME_EXCHANGE), 0);
	CHECK_EQ("exchange_across_file", ino_of("a/h"), isf);
	CHECK_EQ("exchange_across_dir_nlink_s", nlink_of("s"), 3);
	CHECK_EQ("exchange_across_dir_nlink_a", nlink_of("a"), 3);
	CHECK_EQ("whiteout", ren2("n3", "n4", RENAME_WHITEOUT), 0);
	CHECK_EQ("whiteout_stat", lstat("n3", &st), 0);
	CHECK("whiteout_chr00", S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	CHECK_EQ("whiteout_moved", access("n4", F_OK), 0);

	/* Across filesystems, mountpoints. */
	CHECK_ERR("rename_from_proc", rename("/proc/self/stat", "/tmp/r/x"), EXDEV);
	CHECK_ERR("rename_to_proc", rename("/tmp/r/n4", "/proc/x"), EXDEV);
	CHECK_ERR("rename_mountpoint", rename("/proc", "/tmp/r/p"), EBUSY);
	CHECK_ERR("rmdir_mountpoint", rmdir("/proc"), EBUSY);
	CHECK_ERR("unlink_mountpoint", unlink("/proc"), EISDIR);

	/* link */
	CHECK_ERR("link_dir", link("a", "a2"), EPERM);
	CHECK_ERR("link_exists", link("n4", "h2"), EEXIST);
	CHECK_ERR("link_from_proc", link("/proc/self/stat", "/tmp/r/ps"), EXDEV);
	CHECK_ERR("link_trailing_slash", link("n4", "newname/"), ENOENT);
	CHECK_ERR("link_missing", link("nope", "x"), ENOENT);
	int ufd = open("u", O_RDWR | O_CREAT, 0600);
	unlink("u");
	CHECK_ERR("link_unlinked", linkat(ufd, "", AT_FDCWD, "u2", AT_EMPTY_PATH), ENOENT);
	close(ufd);

	/* unlink, rmdir */
	CHECK_ERR("unlink_dir", unlink("a"), EISDIR);
	CHECK_ERR("unlink_file_slash", unlink("n4/"), ENOTDIR);
	CHECK_ERR("rmdir_file", rmdir("n4"), ENOTDIR);
	CHECK_ERR("rmdir_nonempty", rmdir("a"), ENOTEMPTY);
	CHECK_ERR("rmdir_dot", rmdir("a/."), EINVAL);
	CHECK_ERR("rmdir_dotdot", rmdir("a/b/.."), ENOTEMPTY);
	CHECK_ERR("rmdir_root", rmdir("/"), EBUSY);
	CHECK_ERR("unlink_missing", unlink("nope"), ENOENT);

	/* A removed cwd. */
	mkdir("gone", 0755);
	chdir("gone");
	CHECK_EQ("rmdir_cwd", rmdir("../gone"), 0);
	CHECK_ERR("create_in_removed", open("x", O_WRONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERR("mkdir_in_removed", mkdir("y", 0755), ENOENT);
	char cwd[256];
	CHECK("getcwd_removed", getcwd(cwd, sizeof cwd) == NULL && errno == ENOENT);
	chdir("/tmp/r");

	/* Names are bytes. */
	const char raw[] = { (char)0xff, (char)0xfe, 'x', (char)0xc3, 0 };
	const char raw2[] = { (char)0x80, (char)0xe9, 0 };
	CHECK_EQ("create_raw_name", touch(raw), 0);
	CHECK("list_raw_name", lists(".", raw));
	CHECK_EQ("rename_raw_name", rename(raw, raw2), 0);
	CHECK("list_raw_name2", lists(".", raw2) && !lists(".", raw));
	CHECK_EQ("mkdir_raw_name", mkdir(raw, 0755), 0);
	CHECK_EQ("chdir_raw_name", chdir(raw), 0);
	CHECK("getcwd_raw_name", getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - 4, raw) == 0);
	chdir("/tmp/r");
	CHECK_EQ("rmdir_raw_name", rmdir(raw), 0);
	CHECK_EQ("unlink_raw_name", unlink(raw2), 0);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	CHECK_ERR("name_too_long", touch(longname), ENAMETOOLONG);
	longname[255] = 0;
	CHECK_EQ("name_max", touch(longname), 0);
	CHECK_EQ("name_max_unlink", unlink(longname), 0);
	mt_end();
}
