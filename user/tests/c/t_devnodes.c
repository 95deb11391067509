/* t_devnodes - device nodes made with mknod, and what each character device does; the
 * bounds every read and write keeps (EFAULT before a byte moves, O_PATH fds).
 *
 * Boot: rdinit=/tests/t_devnodes.  Needs a writable /tmp.
 *
 * What Linux 6.1 does (fs/namei.c do_mknodat, drivers/char/mem.c, fs/char_dev.c,
 * fs/no-block.c, fs/read_write.c), and this test expects:
 *  - mknod makes character and block device, socket and regular nodes (mode type 0 is a
 *    regular file), the umask applied; S_IFDIR is EPERM, an unknown type EINVAL, an existing
 *    name EEXIST; st_rdev keeps 12-bit majors and 20-bit minors.
 *  - 1:3 null: reads 0 bytes, takes every write, seeks to 0; a write from a kernel address is
 *    EFAULT (access_ok) all the same.  1:5 zero: reads zeros, a private or shared mapping of it
 *    is zeros.  1:7 full: reads zeros, every write ENOSPC.  1:8 random and 1:9 urandom: reads
 *    fill the buffer.  5:1 console: opens read-write.
 *  - opening 1:2 (no /dev/kmem: CONFIG_DEVMEM off) or 42:0 (no driver) is ENXIO, a block device
 *    ENODEV (no block layer), a socket node ENXIO; O_PATH opens any of them.
 *  - an O_PATH fd is EBADF for read, write, fchmod, fchown, ioctl, ftruncate, fallocate and
 *    flock; fstat and fchdir work on it.
 *  - read/write with a count past user space are EFAULT; sendfile between two files that are
 *    not regular (and not a pipe) is EINVAL; from a regular file with a huge count it moves
 *    the file and stops at its end.
 */
#include "mtest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int node(const char *p, mode_t m, int ma, int mi)
{
	unlink(p);
	return mknod(p, m, makedev(ma, mi));
}

static char bigbuf[1 << 20];
static volatile size_t huge = (size_t)1 << 62;

int main(void)
{
	mt_begin("t_devnodes");
	struct stat st;
	char buf[64];
	umask(022);

	/* mknod rules. */
	CHECK_EQ("mknod_null", node("/tmp/null", S_IFCHR | 0666, 1, 3), 0);
	CHECK_EQ("stat_null", stat("/tmp/null", &st), 0);
	CHECK("null_ischr", S_ISCHR(st.st_mode));
	CHECK_EQ("null_mode_umask", st.st_mode & 07777, 0644);
	CHECK("null_rdev", major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	CHECK_EQ("null_size", st.st_size, 0);
	CHECK_ERR("mknod_exists", mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)), EEXIST);
	CHECK_ERR("mknod_dir", mknod("/tmp/d", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERR("mknod_badtype", mknod("/tmp/bad", 0150000 | 0644, 0), EINVAL);
	CHECK_EQ("mknod_type0", mknod("/tmp/reg0", 0644, 0), 0);
	CHECK_EQ("mknod_type0_stat", stat("/tmp/reg0", &st), 0);
	CHECK("mknod_type0_isreg", S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK_EQ("mknod_reg", mknod("/tmp/reg1", S_IFREG | 0600, 0), 0);
	CHECK_EQ("mknod_bigdev", node("/tmp/big", S_IFCHR | 0600, 4095, 1048575), 0);
	CHECK_EQ("stat_bigdev", stat("/tmp/big", &st), 0);
	CHECK("bigdev_rdev", major(st.st_rdev) == 4095 && minor(st.st_rdev) == 1048575);
	CHECK_EQ("mknod_blk", node("/tmp/blk", S_IFBLK | 0600, 8, 0), 0);
	CHECK_EQ("stat_blk", stat("/tmp/blk", &st), 0);
	CHECK("blk_isblk", S_ISBLK(st.st_mode) && major(st.st_rdev) == 8 && minor(st.st_rdev) == 0);
	CHECK_ERR("open_blk", open("/tmp/blk", O_RDONLY), ENODEV);
	CHECK_EQ("mknod_sock", node("/tmp/sock", S_IFSOCK | 0600, 0, 0), 0);
	CHECK_EQ("stat_sock", stat("/tmp/sock", &st), 0);
	CHECK("sock_issock", S_ISSOCK(st.st_mode));
	CHECK_ERR("open_sock", open("/tmp/sock", O_RDONLY), ENXIO);
	CHECK_EQ("mknod_kmem", node("/tmp/kmem", S_IFCHR | 0600, 1, 2), 0);
	CHECK_ERR("open_kmem", open("/tmp/kmem", O_RDONLY), ENXIO);
	CHECK_EQ("mknod_nodriver", node("/tmp/c42", S_IFCHR | 0600, 42, 0), 0);
	CHECK_ERR("open_nodriver", open("/tmp/c42", O_RDONLY), ENXIO);
	int op = open("/tmp/c42", O_PATH);
	CHECK("opath_nodriver", op >= 0);
	close(op);
	op = open("/tmp/blk", O_PATH);
	CHECK("opath_blk", op >= 0);
	close(op);

	/* null */
	int fd = open("/tmp/null", O_RDWR);
	CHECK("open_null", fd >= 0);
	CHECK_EQ("null_read", read(fd, buf, sizeof buf), 0);
	CHECK_EQ("null_write", write(fd, "abc", 3), 3);
	CHECK_EQ("null_write_big", write(fd, bigbuf, sizeof bigbuf), 1 << 20);
	CHECK_ERR("null_write_kernel_addr", write(fd, (void *)0xffffffff80200000UL, 16), EFAULT);
	CHECK_ERR("null_write_past_user", write(fd, buf, huge), EFAULT);
	CHECK_EQ("null_lseek", lseek(fd, 1000, SEEK_SET), 0);
	close(fd);

	/* zero */
	CHECK_EQ("mknod_zero", node("/tmp/zero", S_IFCHR | 0666, 1, 5), 0);
	fd = open("/tmp/zero", O_RDWR);
	CHECK("open_zero", fd >= 0);
	memset(buf, 0x55, sizeof buf);
	CHECK_EQ("zero_read", read(fd, buf, sizeof buf), (long)sizeof buf);
	int allzero = 1;
	for (unsigned i = 0; i < sizeof buf; i++)
		allzero &= buf[i] == 0;
	CHECK("zero_read_zeros", allzero);
	CHECK_EQ("zero_write", write(fd, "abc", 3), 3);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("zero_mmap_private", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK_EQ("zero_mmap_reads_zero", m[4097], 0);
		m[0] = 1;
		CHECK_EQ("zero_mmap_writable", m[0], 1);
		munmap(m, 8192);
	}
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("zero_mmap_shared", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK_EQ("zero_mmap_shared_zero", m[100], 0);
		munmap(m, 4096);
	}
	CHECK_ERR("zero_read_past_user", read(fd, buf, huge), EFAULT);
	close(fd);

	/* full */
	CHECK_EQ("mknod_full", node("/tmp/full", S_IFCHR | 0666, 1, 7), 0);
	fd = open("/tmp/full", O_RDWR);
	CHECK("open_full", fd >= 0);
	CHECK_ERR("full_write_enospc", write(fd, "abc", 3), ENOSPC);
	memset(buf, 0x55, sizeof buf);
	CHECK_EQ("full_read", read(fd, buf, 8), 8);
	CHECK("full_read_zeros", buf[0] == 0 && buf[7] == 0);
	close(fd);

	/* random, urandom */
	CHECK_EQ("mknod_random", node("/tmp/random", S_IFCHR | 0666, 1, 8), 0);
	CHECK_EQ("mknod_urandom", node("/tmp/urandom", S_IFCHR | 0666, 1, 9), 0);
	fd = open("/tmp/random", O_RDONLY);
	CHECK_EQ("random_read", read(fd, buf, 32), 32);
	close(fd);
	fd = open("/tmp/urandom", O_RDWR);
	char a[32], b[32];
	CHECK_EQ("urandom_read", read(fd, a, 32), 32);
	CHECK_EQ("urandom_read2", read(fd, b, 32), 32);
	CHECK("urandom_differs", memcmp(a, b, 32) != 0);
	CHECK_EQ("urandom_write", write(fd, "x", 1), 1);
	close(fd);

	/* console */
	CHECK_EQ("mknod_console", node("/tmp/console", S_IFCHR | 0600, 5, 1), 0);
	fd = open("/tmp/console", O_RDWR | O_NOCTTY);
	CHECK("open_console", fd >= 0);
	CHECK_EQ("console_fstat", fstat(fd, &st), 0);
	CHECK("console_rdev", S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 1);
	close(fd);

	/* O_PATH fds. */
	int reg = open("/tmp/reg1", O_RDWR);
	write(reg, "data", 4);
	close(reg);
	op = open("/tmp/reg1", O_PATH | O_RDWR);
	CHECK("opath_open", op >= 0);
	CHECK_ERR("opath_read", read(op, buf, 4), EBADF);
	CHECK_ERR("opath_write", write(op, "x", 1), EBADF);
	CHECK_ERR("opath_fchmod", fchmod(op, 0644), EBADF);
	CHECK_ERR("opath_fchown", fchown(op, 0, 0), EBADF);
	int n;
	CHECK_ERR("opath_ioctl", ioctl(op, FIONREAD, &n), EBADF);
	CHECK_ERR("opath_ftruncate", ftruncate(op, 0), EBADF);
	CHECK_ERR("opath_fallocate", fallocate(op, 0, 0, 10), EBADF);
	CHECK_ERR("opath_flock", flock(op, LOCK_SH), EBADF);
	CHECK_EQ("opath_fstat", fstat(op, &st), 0);
	CHECK_EQ("opath_fstat_size", st.st_size, 4);
	close(op);
	op = open("/tmp", O_PATH | O_DIRECTORY);
	CHECK_EQ("opath_fchdir", fchdir(op), 0);
	CHECK_EQ("opath_fchdir_rel", access("reg1", F_OK), 0);
	chdir("/");
	close(op);

	/* sendfile */
	int z = open("/tmp/zero", O_RDONLY);
	int nul = open("/tmp/null", O_WRONLY);
	CHECK_ERR("sendfile_nonregular", sendfile(nul, z, NULL, (size_t)1 << 40), EINVAL);
	reg = open("/tmp/reg1", O_RDONLY);
	CHECK_EQ("sendfile_huge_count", sendfile(nul, reg, NULL, (size_t)1 << 40), 4);
	CHECK_EQ("sendfile_at_eof", sendfile(nul, reg, NULL, 100), 0);
	off_t off = 1;
	CHECK_EQ("sendfile_offset", sendfile(nul, reg, &off, 100), 3);
	CHECK_EQ("sendfile_offset_moved", off, 4);
	CHECK_ERR("sendfile_wronly_in", sendfile(nul, nul, NULL, 1), EBADF);
	close(reg);
	close(z);
	close(nul);

	const char *all[] = { "/tmp/null", "/tmp/reg0", "/tmp/reg1", "/tmp/big", "/tmp/blk", "/tmp/sock",
			      "/tmp/kmem", "/tmp/c42", "/tmp/zero", "/tmp/full", "/tmp/random", "/tmp/urandom",
			      "/tmp/console" };
	int ok = 1;
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
		ok &= unlink(all[i]) == 0;
	CHECK("unlink_all", ok);
	mt_end();
}
