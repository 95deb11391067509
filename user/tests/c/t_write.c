/* t_write - write/writev/read/readv return values and error codes.
 *
 * Boot: rdinit=/tests/t_write (stdout is /dev/console, opened by the kernel for PID 1).
 * Needs /hello (any ELF file) and a writable /tmp in the initramfs.
 *
 * What Linux 6.1 does, and this test expects:
 *  - write(1, buf, n) on the console returns n; write(1, buf, 0) returns 0.
 *  - writev(1, iov, 3) returns the sum of the lengths, and an iovec of length 0 is allowed;
 *    writev with iovcnt 0 returns 0; iovcnt < 0 or > IOV_MAX (1024) is EINVAL.
 *  - a 5000-byte write to the console returns 5000 (a blocking tty write is not short);
 *    writev of IOV_MAX one-byte iovecs returns IOV_MAX.
 *  - pwritev at offset 3 writes both iovecs there (the hole reads as zeros) without moving the
 *    file position; preadv stops short at EOF; a negative pread offset is EINVAL; pread on the
 *    console is ESPIPE; read of a directory fd is EISDIR.
 *  - read(fd, buf, 4) of /hello returns 4 and "\177ELF"; readv scatters the next bytes over the
 *    iovecs in order (checked against a pread of the same range); a read at EOF returns 0.
 *  - write/read on an fd that is not open (99, -1) is EBADF; write to an O_RDONLY fd and read from
 *    an O_WRONLY fd are EBADF.
 *  - a bad user pointer is EFAULT, and the kernel keeps running: write(1, (void *)1, 10) on the
 *    console, write to a /tmp file from (void *)1, read from /hello into (void *)1, writev with
 *    the iovec array at (void *)1, writev with an iovec whose base is (void *)1 (nothing written).
 *  - but /dev/null never looks at the buffer: write(null, (void *)1, 10) returns 10 and
 *    read(null, (void *)1, 10) returns 0.
 *  (Not tested: a buffer that faults part-way.  On this Linux 6.1 a write() to a tmpfs file from
 *  a buffer whose second half is unmapped never returns: generic_perform_write retries forever.)
 */
#include "mtest.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* through a volatile, so that the compiler neither warns about nor reasons on the bad pointer */
static void *volatile bad_ptr = (void *)1;
#define BAD ((void *)bad_ptr)

int main(void)
{
	mt_begin("t_write");

	/* write to stdout */
	static const char msg[] = "t_write: hello from write\n";
	CHECK_EQ("write_stdout", write(1, msg, sizeof msg - 1), sizeof msg - 1);
	CHECK_EQ("write_zero_len", write(1, msg, 0), 0);
	CHECK_EQ("write_raw_syscall", syscall(SYS_write, 1, msg, sizeof msg - 1), sizeof msg - 1);

	char a[] = "t_write: ", b[] = "", c[] = "hello from writev\n";
	struct iovec iov[3] = {
		{ a, strlen(a) },
		{ b, 0 },
		{ c, strlen(c) },
	};
	CHECK_EQ("writev_stdout", writev(1, iov, 3), strlen(a) + strlen(c));
	CHECK_EQ("writev_zero_cnt", writev(1, iov, 0), 0);
	CHECK_ERR("writev_neg_cnt", syscall(SYS_writev, 1, iov, -1), EINVAL);
	CHECK_ERR("writev_too_many", syscall(SYS_writev, 1, iov, IOV_MAX + 1), EINVAL);

	/* a long write (more than a page) to the console is written whole */
	static char longbuf[5000];
	for (size_t i = 0; i < sizeof longbuf; i++)
		longbuf[i] = i % 100 == 99 ? '\n' : i % 100 < 9 ? "t_write: "[i % 100] : '.';
	CHECK_EQ("write_stdout_5000", write(1, longbuf, sizeof longbuf), sizeof longbuf);

	/* IOV_MAX iovecs are allowed */
	static struct iovec many[IOV_MAX];
	for (int i = 0; i < IOV_MAX; i++) {
		many[i].iov_base = (void *)(msg + i % 8);
		many[i].iov_len = 1;
	}
	int nfd = open("/dev/null", O_WRONLY);
	CHECK_EQ("writev_iov_max", writev(nfd, many, IOV_MAX), IOV_MAX);
	close(nfd);

	/* read/readv from a file of the initramfs */
	int fd = open("/hello", O_RDONLY);
	CHECK("open_hello", fd >= 0);
	char buf[64];
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read_returns_4", read(fd, buf, 4), 4);
	CHECK("read_elf_magic", memcmp(buf, "\177ELF", 4) == 0);

	char r1[3], r2[5], want[8];
	struct iovec riov[2] = { { r1, sizeof r1 }, { r2, sizeof r2 } };
	memset(r1, 0x55, sizeof r1);
	memset(r2, 0x55, sizeof r2);
	CHECK_EQ("readv_returns_8", readv(fd, riov, 2), 8);
	CHECK_EQ("pread_same_range", pread(fd, want, 8, 4), 8);
	CHECK("readv_scatter_order", memcmp(r1, want, 3) == 0 && memcmp(r2, want + 3, 5) == 0);
	CHECK_EQ("read_pos_after_readv", lseek(fd, 0, SEEK_CUR), 12);
	/* e_ident[EI_CLASS] = 2 (64-bit), [EI_DATA] = 1 (little endian): bytes 4 and 5 */
	CHECK("read_elf_class64_le", want[0] == 2 && want[1] == 1);

	off_t end = lseek(fd, 0, SEEK_END);
	CHECK("lseek_end_positive", end > 12);
	CHECK_EQ("read_at_eof", read(fd, buf, sizeof buf), 0);
	CHECK_EQ("readv_at_eof", readv(fd, riov, 2), 0);

	/* preadv/pwritev at an offset, the file position unchanged */
	int pfd = open("/tmp/t_write.pv", O_CREAT | O_TRUNC | O_RDWR, 0644);
	CHECK("open_tmp_pv", pfd >= 0);
	char pa[] = "0123", pb[] = "456789";
	struct iovec pv[2] = { { pa, 4 }, { pb, 6 } };
	CHECK_EQ("pwritev", pwritev(pfd, pv, 2, 3), 10);
	CHECK_EQ("pwritev_pos_unchanged", lseek(pfd, 0, SEEK_CUR), 0);
	char qa[5] = { 0 }, qb[6] = { 0 };
	struct iovec qv[2] = { { qa, 4 }, { qb, 5 } }; /* 9 asked, 8 left before EOF (size 13) */
	CHECK_EQ("preadv_short_at_eof", preadv(pfd, qv, 2, 5), 8);
	CHECK("preadv_data", !memcmp(qa, "2345", 4) && !memcmp(qb, "6789", 4));
	memset(qa, 0x55, sizeof qa);
	CHECK("pwritev_hole_zero", pread(pfd, qa, 3, 0) == 3 && !memcmp(qa, "\0\0\0", 3));
	CHECK_ERR("pread_negative_offset", pread(pfd, qa, 1, -1), EINVAL);
	close(pfd);
	unlink("/tmp/t_write.pv");

	int dfd = open("/", O_RDONLY | O_DIRECTORY);
	CHECK_ERR("read_directory_eisdir", read(dfd, buf, sizeof buf), EISDIR);
	close(dfd);
	CHECK_ERR("pread_console_espipe", pread(0, buf, 1, 0), ESPIPE);

	/* bad fds */
	CHECK_ERR("write_ebadf_99", write(99, msg, 1), EBADF);
	CHECK_ERR("write_ebadf_neg", write(-1, msg, 1), EBADF);
	CHECK_ERR("read_ebadf_99", read(99, buf, 1), EBADF);
	CHECK_ERR("writev_ebadf", writev(99, iov, 3), EBADF);
	CHECK_ERR("write_rdonly_fd", write(fd, msg, 1), EBADF);

	/* bad pointers: EFAULT, nothing written */
	CHECK_ERR("write_efault_console", write(1, BAD, 10), EFAULT);
	CHECK_ERR("read_efault", pread(fd, BAD, 4, 0), EFAULT);
	CHECK_ERR("read_efault_kernel_addr", pread(fd, (void *)0xffffffff80000000UL, 4, 0), EFAULT);
	CHECK_ERR("writev_efault_iovarray", syscall(SYS_writev, 1, BAD, 2), EFAULT);
	struct iovec biov[1] = { { BAD, 10 } };
	CHECK_ERR("writev_efault_base", writev(1, biov, 1), EFAULT);
	close(fd);

	int wfd = open("/tmp/t_write.tmp", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK("open_tmp_wronly", wfd >= 0);
	CHECK_ERR("write_efault_file", write(wfd, BAD, 10), EFAULT);
	CHECK_EQ("file_empty_after_efault", lseek(wfd, 0, SEEK_END), 0);
	CHECK_ERR("read_wronly_fd", read(wfd, buf, 1), EBADF);
	CHECK_EQ("write_file", write(wfd, "abcdef", 6), 6);
	close(wfd);
	int rfd = open("/tmp/t_write.tmp", O_RDONLY);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("read_back_len", read(rfd, buf, sizeof buf), 6);
	CHECK("read_back_data", memcmp(buf, "abcdef", 6) == 0);
	close(rfd);
	unlink("/tmp/t_write.tmp");

	/* /dev/null never touches the buffer: a bad pointer is no error there (Linux's write_null
	 * and read_null return count and 0 without copying) */
	int nul = open("/dev/null", O_RDWR);
	CHECK("open_null", nul >= 0);
	CHECK_EQ("null_write_badptr_ok", syscall(SYS_write, nul, BAD, 10), 10);
	CHECK_EQ("null_read_badptr_eof", syscall(SYS_read, nul, BAD, 10), 0);
	close(nul);

	/* still alive and writing after all the faults */
	CHECK_EQ("write_after_faults", write(1, msg, sizeof msg - 1), sizeof msg - 1);

	mt_end();
}
