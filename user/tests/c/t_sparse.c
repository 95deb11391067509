/* t_sparse - file data in page frames: sparse files, holes, mappings sharing the file's pages,
 * memory given back; truncate, fallocate, lseek's SEEK_DATA/SEEK_HOLE and limits; statfs.
 *
 * Boot: rdinit=/tests/t_sparse.  Needs a writable /tmp on the rootfs (tmpfs) and /proc
 * (mounted here; MenuOS always has it) for MemFree.
 *
 * What Linux 6.1 does (mm/shmem.c, mm/filemap.c, fs/open.c, fs/read_write.c, fs/statfs.c),
 * and this test expects:
 *  - a file truncated to 200 MiB, or written one byte at 200 MiB, costs no memory to speak of
 *    (MemFree moves less than 2 MiB; st_blocks 0, then 8); a hole reads as zeros; SEEK_DATA
 *    finds the written page, SEEK_HOLE the hole before it and the end after it, both ENXIO at
 *    or past the end; a byte at 2^62 can be written and read back.
 *  - 16 MiB written take (more than 12 MiB of) MemFree; a MAP_SHARED mapping sees write() and
 *    write() sees the mapping; a MAP_PRIVATE mapping sees the file until it writes its own
 *    copy; unlinking the open, mapped file keeps its pages; after munmap and close, and after
 *    8 MiB are truncated to one page, MemFree is back within 2 MiB of where it was.
 *  - fallocate: mode 0 allocates and grows the size, FALLOC_FL_KEEP_SIZE allocates only,
 *    PUNCH_HOLE|KEEP_SIZE frees pages and reads zeros; PUNCH_HOLE alone, ZERO_RANGE and
 *    COLLAPSE_RANGE are EOPNOTSUPP on tmpfs; EINVAL for a negative offset or zero length;
 *    EBADF on a read-only fd; ESPIPE on a pipe.
 *  - RLIMIT_FSIZE: a write starting past it is EFBIG (SIGXFSZ, ignored here), one crossing it
 *    is cut at it, ftruncate past it EFBIG; lseek to a negative offset or one that overflows
 *    is EINVAL; pread/pwrite whose end would pass LLONG_MAX EINVAL.
 *  - statfs of the rootfs: TMPFS_MAGIC, 4 KiB blocks, a size limit (f_blocks > 0) whose free
 *    count falls by what a file takes, inodes counted (a new file takes one), NAME_MAX names;
 *    /proc is PROC_SUPER_MAGIC, a pipe PIPEFS_MAGIC; ENOENT, EBADF, EFAULT as usual.
 */
#include "mtest.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define MB (1024L * 1024)

static struct stat st_fd(int fd)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	fstat(fd, &st);
	return st;
}

static long free_kb(void)
{
	return mt_meminfo_kb("MemFree:");
}

static char chunk[1 << 16];

int main(void)
{
	mt_begin("t_sparse");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	char buf[4096];
	long base = free_kb();
	CHECK("memfree_known", base > 0);

	/* Sparse. */
	int fd = open("/tmp/sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ("ftruncate_200m", ftruncate(fd, 200 * MB), 0);
	struct stat st = st_fd(fd);
	CHECK_EQ("sparse_size", st.st_size, 200 * MB);
	CHECK_EQ("sparse_blocks_0", st.st_blocks, 0);
	CHECK("sparse_costs_little", base - free_kb() < 2048);
	memset(buf, 0x55, sizeof buf);
	CHECK_EQ("hole_read", pread(fd, buf, 100, 100 * MB), 100);
	CHECK("hole_zeros", buf[0] == 0 && buf[99] == 0);
	CHECK_EQ("write_at_200m", pwrite(fd, "x", 1, 200 * MB), 1);
	st = st_fd(fd);
	CHECK_EQ("sparse_size_plus1", st.st_size, 200 * MB + 1);
	CHECK_EQ("sparse_blocks_8", st.st_blocks, 8);
	CHECK("one_page_costs_little", base - free_kb() < 2048);
	CHECK_EQ("seek_data", lseek(fd, 0, SEEK_DATA), 200 * MB);
	CHECK_EQ("seek_hole", lseek(fd, 0, SEEK_HOLE), 0);
	CHECK_EQ("seek_hole_after_data", lseek(fd, 200 * MB, SEEK_HOLE), 200 * MB + 1);
	CHECK_ERR("seek_data_eof", lseek(fd, 200 * MB + 1, SEEK_DATA), ENXIO);
	CHECK_ERR("seek_hole_past_eof", lseek(fd, 300 * MB, SEEK_HOLE), ENXIO);
	off_t far = 1LL << 62;
	CHECK_EQ("write_at_2_62", pwrite(fd, "y", 1, far), 1);
	CHECK_EQ("size_2_62", st_fd(fd).st_size, far + 1);
	CHECK_EQ("read_at_2_62", pread(fd, buf, 10, far), 1);
	CHECK_EQ("read_at_2_62_byte", buf[0], 'y');
	CHECK_ERR("pwrite_overflow", pwrite(fd, "z", 2, 0x7fffffffffffffffLL), EINVAL);
	CHECK_ERR("pread_negative", pread(fd, buf, 1, -1), EINVAL);
	CHECK_ERR("lseek_negative", lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_EQ("lseek_max", lseek(fd, 0x7fffffffffffffffLL, SEEK_SET), 0x7fffffffffffffffLL);
	CHECK_ERR("lseek_overflow", lseek(fd, 1, SEEK_CUR), EINVAL);
	CHECK_EQ("truncate_0", ftruncate(fd, 0), 0);
	CHECK_EQ("truncate_0_blocks", st_fd(fd).st_blocks, 0);
	close(fd);
	unlink("/tmp/sparse");

	/* 16 MiB of data: memory, mappings, and memory given back. */
	struct statfs sf0, sf1;
	statfs("/tmp", &sf0);
	long b1 = free_kb();
	fd = open("/tmp/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(chunk, 'a', sizeof chunk);
	long written = 0;
	for (int i = 0; i < 16 * MB / (long)sizeof chunk; i++)
		written += write(fd, chunk, sizeof chunk);
	CHECK_EQ("write_16m", written, 16 * MB);
	long used = b1 - free_kb();
	CHECK("16m_takes_memory", used > 12 * 1024 && used < 20 * 1024);
	CHECK_EQ("16m_blocks", st_fd(fd).st_blocks, 16 * MB / 512);
	statfs("/tmp", &sf1);
	CHECK("statfs_bfree_drops", (long)(sf0.f_bfree - sf1.f_bfree) >= 4096);
	char *sh = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pr = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("mmap_shared", sh != MAP_FAILED);
	CHECK("mmap_private", pr != MAP_FAILED);
	CHECK_EQ("mmap_reads_file", sh[5 * MB], 'a');
	sh[5 * MB] = 'S';
	CHECK_EQ("write_via_map_read", (pread(fd, buf, 1, 5 * MB), buf[0]), 'S');
	CHECK_EQ("private_sees_file", pr[5 * MB], 'S');
	pwrite(fd, "W", 1, 6 * MB);
	CHECK_EQ("map_sees_write", sh[6 * MB], 'W');
	CHECK_EQ("private_sees_write", pr[6 * MB], 'W');
	pr[7 * MB] = 'P';
	pwrite(fd, "F", 1, 7 * MB);
	CHECK_EQ("private_copy_kept", pr[7 * MB], 'P');
	CHECK_EQ("shared_sees_file", sh[7 * MB], 'F');
	CHECK_EQ("unlink_mapped", unlink("/tmp/big"), 0);
	CHECK("unlinked_keeps_pages", b1 - free_kb() > 12 * 1024);
	CHECK_EQ("unlinked_still_reads", sh[1 * MB], 'a');
	munmap(sh, 16 * MB);
	munmap(pr, 16 * MB);
	close(fd);
	CHECK("memory_back_after_unlink", free_kb() > b1 - 2048);
	long b2 = free_kb();
	fd = open("/tmp/big2", O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 8 * MB / (long)sizeof chunk; i++)
		write(fd, chunk, sizeof chunk);
	/* (Linux reuses freed frames its per-CPU lists hold, which MemFree does not count.) */
	CHECK("8m_takes_memory", b2 - free_kb() > 4 * 1024);
	ftruncate(fd, 4096);
	CHECK("memory_back_after_truncate", free_kb() > b2 - 2048);
	CHECK_EQ("truncate_keeps_head", (pread(fd, buf, 1, 0), buf[0]), 'a');
	close(fd);
	unlink("/tmp/big2");

	/* fallocate */
	fd = open("/tmp/fa", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ("fallocate_0", fallocate(fd, 0, 0, 1 * MB), 0);
	st = st_fd(fd);
	CHECK("fallocate_0_size_blocks", st.st_size == MB && st.st_blocks == MB / 512);
	CHECK_EQ("fallocate_keep", fallocate(fd, FALLOC_FL_KEEP_SIZE, MB, MB), 0);
	st = st_fd(fd);
	CHECK("fallocate_keep_size_blocks", st.st_size == MB && st.st_blocks == 2 * MB / 512);
	pwrite(fd, "abcdefgh", 8, 4096);
	CHECK_EQ("punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 64 * 1024), 0);
	st = st_fd(fd);
	CHECK("punch_frees", st.st_size == MB && st.st_blocks == (2 * MB - 64 * 1024) / 512);
	memset(buf, 1, 8);
	CHECK_EQ("punch_reads_zero", (pread(fd, buf, 8, 4096), buf[0] | buf[7]), 0);
	CHECK_EQ("punch_partial", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100000, 10), 0);
	CHECK_ERR("punch_no_keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
	CHECK_ERR("zero_range", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), EOPNOTSUPP);
	CHECK_ERR("collapse_range", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), EOPNOTSUPP);
	CHECK_ERR("fallocate_negative", fallocate(fd, 0, -1, 10), EINVAL);
	CHECK_ERR("fallocate_zero_len", fallocate(fd, 0, 0, 0), EINVAL);
	int ro = open("/tmp/fa", O_RDONLY);
	CHECK_ERR("fallocate_rdonly", fallocate(ro, 0, 0, 10), EBADF);
	close(ro);
	int p[2];
	pipe(p);
	CHECK_ERR("fallocate_pipe", fallocate(p[1], 0, 0, 10), ESPIPE);
	close(fd);
	unlink("/tmp/fa");

	/* RLIMIT_FSIZE */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = { MB, MB }, old;
	getrlimit(RLIMIT_FSIZE, &old);
	setrlimit(RLIMIT_FSIZE, &rl);
	fd = open("/tmp/lim", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_ERR("fsize_write_past", pwrite(fd, "x", 1, 2 * MB), EFBIG);
	CHECK_EQ("fsize_write_crossing", pwrite(fd, chunk, 100, MB - 10), 10);
	CHECK_ERR("fsize_truncate_past", ftruncate(fd, 2 * MB), EFBIG);
	CHECK_EQ("fsize_truncate_within", ftruncate(fd, MB / 2), 0);
	setrlimit(RLIMIT_FSIZE, &old);
	close(fd);
	unlink("/tmp/lim");

	/* statfs */
	struct statfs sf;
	CHECK_EQ("statfs_root", statfs("/", &sf), 0);
	CHECK_EQ("statfs_root_type", sf.f_type, TMPFS_MAGIC);
	CHECK_EQ("statfs_root_bsize", sf.f_bsize, 4096);
	CHECK("statfs_root_limits", sf.f_blocks > 0 && sf.f_bfree <= sf.f_blocks && sf.f_bavail == sf.f_bfree);
	CHECK("statfs_root_inodes", sf.f_files > 0 && sf.f_ffree < sf.f_files);
	CHECK_EQ("statfs_root_namelen", sf.f_namelen, 255);
	CHECK_EQ("statfs_root_frsize", sf.f_frsize, 4096);
	fd = open("/tmp/one", O_RDWR | O_CREAT, 0644);
	CHECK_EQ("statfs_after_create", (statfs("/", &sf1), (long)(sf.f_ffree - sf1.f_ffree)), 1);
	close(fd);
	unlink("/tmp/one");
	CHECK_EQ("statfs_proc", (statfs("/proc", &sf), sf.f_type), PROC_SUPER_MAGIC);
	CHECK_EQ("fstatfs_pipe", (fstatfs(p[0], &sf), sf.f_type), PIPEFS_MAGIC);
	CHECK_ERR("statfs_missing", statfs("/nonexistent", &sf), ENOENT);
	CHECK_ERR("fstatfs_badfd", fstatfs(99, &sf), EBADF);
	CHECK_ERR("statfs_efault", statfs("/", (struct statfs *)8), EFAULT);
	mt_end();
}
