/* t_memfd - memfd_create and file seals; chroot; copy_file_range, splice, tee, vmsplice.
 *
 * Boot: rdinit=/tests/t_memfd.  Needs a writable /tmp and /proc (mounted here; MenuOS always
 * has it).
 *
 * What Linux 6.1 does (mm/memfd.c, mm/shmem.c, fs/open.c chroot, fs/namei.c, fs/d_path.c,
 * fs/read_write.c, fs/splice.c), and this test expects:
 *  - memfd_create: an fd open O_RDWR on a regular file of mode 0777 with no links; its
 *    /proc/self/fd link reads "/memfd:NAME (deleted)" and opening it reopens the same file;
 *    MFD_CLOEXEC sets FD_CLOEXEC; EINVAL for an unknown flag or a 250-byte name, EFAULT for a
 *    NULL name; the pages go when the last fd and mapping do.
 *  - seals: F_GET_SEALS is F_SEAL_SEAL without MFD_ALLOW_SEALING (and for a rootfs file), 0
 *    with it; F_ADD_SEALS adds (EPERM once sealed or on a read-only fd, EINVAL for unknown
 *    bits, EBUSY for F_SEAL_WRITE under a shared writable mapping); F_SEAL_WRITE makes write
 *    and shared writable mmap EPERM, and mprotect of a read-only shared mapping to writable
 *    EACCES; F_SEAL_SHRINK / F_SEAL_GROW make ftruncate EPERM that way, a growing write
 *    stops at the size; seals are EINVAL on a pipe.
 *  - chroot: absolute paths and absolute symlinks resolve in the new root, ".." stops at it,
 *    getcwd names a cwd inside it from it, and one outside it as "(unreachable)" and the path
 *    from the real root; ENOTDIR for a file, ENOENT for a missing path.
 *  - copy_file_range copies between regular files at their positions or given offsets, stops
 *    at the end of the input, is EINVAL for flags, overlapping ranges of one file or a
 *    non-regular file, EISDIR for a directory, EBADF for a write-only input or an O_APPEND
 *    output.
 *  - splice moves bytes file -> pipe and pipe -> file (offsets only on the file side: ESPIPE
 *    on the pipe's), EINVAL without a pipe or for a pipe with itself; tee copies one pipe into
 *    another and leaves the data; vmsplice writes user memory into a pipe and reads it out.
 */
#include "mtest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

static int memfd(const char *name, unsigned flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

static ssize_t cfr(int in, loff_t *oi, int out, loff_t *oo, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, oi, out, oo, len, flags);
}

static int put(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	int r = write(fd, s, strlen(s));
	close(fd);
	return r;
}

/* chroot checks, in a child (a chroot cannot be undone). */
static int chroot_child(void)
{
	char buf[256];
	if (chdir("/tmp/jail/sub") != 0)
		return 1;
	if (chroot("/tmp/jail") != 0)
		return 2;
	/* the cwd (inside the jail) is named from the new root */
	if (!getcwd(buf, sizeof buf) || strcmp(buf, "/sub") != 0)
		return 3;
	int fd = open("/inside", O_RDONLY);
	if (fd < 0 || read(fd, buf, 6) != 6 || memcmp(buf, "inside", 6) != 0)
		return 5;
	close(fd);
	if (access("/../../inside", F_OK) != 0)
		return 6; /* ".." stops at the root */
	if (access("/abslink", F_OK) != 0)
		return 7; /* /abslink -> /inside, resolved in the jail */
	if (access("/tmp/jail", F_OK) == 0)
		return 8;
	if (chdir("/..") != 0 || !getcwd(buf, sizeof buf) || strcmp(buf, "/") != 0)
		return 9;
	return 0;
}

static int chroot_outside_child(void)
{
	char buf[256];
	if (chdir("/tmp") != 0 || chroot("/tmp/jail") != 0)
		return 1;
	/* the cwd stayed outside the new root (the raw syscall: glibc turns this into ENOENT) */
	long n = syscall(SYS_getcwd, buf, sizeof buf);
	if (n != 18 || strcmp(buf, "(unreachable)/tmp") != 0)
		return 2;
	return 0;
}

int main(void)
{
	mt_begin("t_memfd");
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	char buf[256], path[64];
	struct stat st;

	/* memfd_create */
	int fd = memfd("test", MFD_CLOEXEC);
	CHECK("memfd_create", fd >= 0);
	CHECK_EQ("memfd_fstat", fstat(fd, &st), 0);
	CHECK_EQ("memfd_mode", st.st_mode, S_IFREG | 0777);
	CHECK_EQ("memfd_nlink", st.st_nlink, 0);
	CHECK_EQ("memfd_size", st.st_size, 0);
	CHECK_EQ("memfd_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ("memfd_rdwr", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	sprintf(path, "/proc/self/fd/%d", fd);
	int n = readlink(path, buf, sizeof buf);
	CHECK("memfd_link", n == 21 && memcmp(buf, "/memfd:test (deleted)", 21) == 0);
	CHECK_EQ("memfd_write", write(fd, "hello", 5), 5);
	int fd2 = open(path, O_RDWR);
	CHECK("memfd_reopen", fd2 >= 0);
	memset(buf, 0, sizeof buf);
	CHECK_EQ("memfd_reopen_reads", read(fd2, buf, 5), 5);
	CHECK("memfd_reopen_data", memcmp(buf, "hello", 5) == 0);
	CHECK_EQ("memfd_reopen_own_pos", lseek(fd, 0, SEEK_CUR), 5);
	close(fd2);
	CHECK_ERR("memfd_bad_flag", memfd("x", 0x100), EINVAL);
	memset(buf, 'n', 250);
	buf[250] = 0;
	CHECK_ERR("memfd_name_250", memfd(buf, 0), EINVAL);
	buf[249] = 0;
	n = memfd(buf, 0);
	CHECK("memfd_name_249", n >= 0);
	close(n);
	CHECK_ERR("memfd_null_name", memfd(NULL, 0), EFAULT);
	CHECK_EQ("memfd_noseal_seals", fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERR("memfd_noseal_add", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	int reg = open("/tmp/reg", O_RDWR | O_CREAT, 0644);
	CHECK_EQ("rootfs_file_seals", fcntl(reg, F_GET_SEALS), F_SEAL_SEAL);
	int p[2];
	pipe(p);
	CHECK_ERR("pipe_seals", fcntl(p[1], F_GET_SEALS), EINVAL);
	close(fd);

	/* Seals. */
	fd = memfd("sealed", MFD_ALLOW_SEALING);
	CHECK_EQ("sealable_seals", fcntl(fd, F_GET_SEALS), 0);
	CHECK_EQ("ftruncate", ftruncate(fd, 8192), 0);
	char *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mmap_shared_rw", w != MAP_FAILED);
	CHECK_ERR("seal_write_busy", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	munmap(w, 8192);
	CHECK_ERR("seal_unknown_bit", fcntl(fd, F_ADD_SEALS, 0x100), EINVAL);
	sprintf(path, "/proc/self/fd/%d", fd);
	int ro = open(path, O_RDONLY);
	CHECK_ERR("seal_readonly_fd", fcntl(ro, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	CHECK_EQ("seal_write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	CHECK_EQ("seal_write_get", fcntl(fd, F_GET_SEALS), F_SEAL_WRITE);
	CHECK_ERR("sealed_write", write(fd, "x", 1), EPERM);
	CHECK("sealed_mmap_shared_rw", mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
					       errno == EPERM);
	char *r = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	CHECK("sealed_mmap_shared_ro", r != MAP_FAILED);
	CHECK_ERR("sealed_mprotect_rw", mprotect(r, 8192, PROT_READ | PROT_WRITE), EACCES);
	munmap(r, 8192);
	char *pv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("sealed_mmap_private_rw", pv != MAP_FAILED);
	if (pv != MAP_FAILED) {
		pv[0] = 1;
		munmap(pv, 8192);
	}
	CHECK_EQ("seal_shrink_grow", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	CHECK_ERR("sealed_shrink", ftruncate(fd, 4096), EPERM);
	CHECK_ERR("sealed_grow", ftruncate(fd, 16384), EPERM);
	CHECK_EQ("sealed_same_size", ftruncate(fd, 8192), 0);
	CHECK_EQ("seal_seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	CHECK_ERR("sealed_seal", fcntl(fd, F_ADD_SEALS, 0), EPERM);
	close(ro);
	close(fd);
	fd = memfd("grow", MFD_ALLOW_SEALING);
	ftruncate(fd, 4096);
	fcntl(fd, F_ADD_SEALS, F_SEAL_GROW);
	char big[8192];
	memset(big, 'g', sizeof big);
	CHECK_EQ("seal_grow_write_stops", pwrite(fd, big, sizeof big, 0), 4096);
	CHECK_ERR("seal_grow_write_past", pwrite(fd, big, 10, 4096), EPERM);
	close(fd);

	/* chroot */
	mkdir("/tmp/jail", 0755);
	mkdir("/tmp/jail/sub", 0755);
	put("/tmp/jail/inside", "inside");
	symlink("/inside", "/tmp/jail/abslink");
	mkdir("/tmp/jail/proc", 0555);
	pid_t pid = fork();
	if (pid == 0) {
		int e = chroot_child();
		_exit(e);
	}
	CHECK_EQ("chroot_confines", WEXITSTATUS(mt_reap(pid)), 0);
	pid = fork();
	if (pid == 0)
		_exit(chroot_outside_child());
	CHECK_EQ("chroot_unreachable_cwd", WEXITSTATUS(mt_reap(pid)), 0);
	CHECK_ERR("chroot_file", chroot("/tmp/jail/inside"), ENOTDIR);
	CHECK_ERR("chroot_missing", chroot("/tmp/nope"), ENOENT);

	/* copy_file_range */
	put("/tmp/src", "0123456789");
	int in = open("/tmp/src", O_RDONLY);
	int out = open("/tmp/dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ("cfr_pos", cfr(in, NULL, out, NULL, 4, 0), 4);
	CHECK_EQ("cfr_pos_in", lseek(in, 0, SEEK_CUR), 4);
	CHECK_EQ("cfr_pos_out", lseek(out, 0, SEEK_CUR), 4);
	loff_t oi = 8, oo = 100;
	CHECK_EQ("cfr_offsets_eof", cfr(in, &oi, out, &oo, 50, 0), 2);
	CHECK("cfr_offsets_moved", oi == 10 && oo == 102);
	CHECK_EQ("cfr_pos_kept", lseek(in, 0, SEEK_CUR), 4);
	CHECK_EQ("cfr_at_eof", cfr(in, &oi, out, &oo, 50, 0), 0);
	memset(buf, 0, sizeof buf);
	pread(out, buf, 4, 0);
	CHECK("cfr_data", memcmp(buf, "0123", 4) == 0);
	pread(out, buf, 2, 100);
	CHECK("cfr_data_off", memcmp(buf, "89", 2) == 0);
	CHECK_EQ("cfr_size", (fstat(out, &st), st.st_size), 102);
	CHECK_ERR("cfr_flags", cfr(in, NULL, out, NULL, 1, 1), EINVAL);
	loff_t a = 0, b = 2;
	CHECK_ERR("cfr_overlap", cfr(out, &a, out, &b, 4, 0), EINVAL);
	CHECK_ERR("cfr_pipe", cfr(p[0], NULL, out, NULL, 4, 0), EINVAL);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK_ERR("cfr_dir", cfr(dir, NULL, out, NULL, 4, 0), EISDIR);
	int wo = open("/tmp/src", O_WRONLY);
	CHECK_ERR("cfr_wronly_in", cfr(wo, NULL, out, NULL, 4, 0), EBADF);
	int ap = open("/tmp/dst", O_WRONLY | O_APPEND);
	CHECK_ERR("cfr_append_out", cfr(in, NULL, ap, NULL, 4, 0), EBADF);
	close(wo);
	close(ap);
	close(dir);

	/* splice, tee, vmsplice */
	loff_t off = 2;
	CHECK_EQ("splice_file_to_pipe", splice(in, &off, p[1], NULL, 5, 0), 5);
	CHECK_EQ("splice_off_moved", off, 7);
	memset(buf, 0, sizeof buf);
	int q[2];
	pipe(q);
	CHECK_EQ("tee", tee(p[0], q[1], 100, 0), 5);
	CHECK_EQ("tee_leaves_data", read(q[0], buf, sizeof buf), 5);
	CHECK("tee_data", memcmp(buf, "23456", 5) == 0);
	loff_t off2 = 0;
	CHECK_EQ("splice_pipe_to_file", splice(p[0], NULL, out, &off2, 100, 0), 5);
	pread(out, buf, 5, 0);
	CHECK("splice_pipe_to_file_data", memcmp(buf, "23456", 5) == 0);
	CHECK_ERR("splice_pipe_offset", splice(p[0], &off2, out, NULL, 1, 0), ESPIPE);
	CHECK_ERR("splice_no_pipe", splice(in, NULL, out, NULL, 1, 0), EINVAL);
	CHECK_ERR("splice_same_pipe", splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL);
	CHECK_ERR("splice_bad_flags", splice(in, NULL, p[1], NULL, 1, 0x100), EINVAL);
	CHECK_EQ("splice_zero_len", splice(in, NULL, out, NULL, 0, 0), 0);
	char v1[] = "vm", v2[] = "splice";
	struct iovec iov[2] = { { v1, 2 }, { v2, 6 } };
	CHECK_EQ("vmsplice_in", vmsplice(p[1], iov, 2, 0), 8);
	char o1[3] = { 0 }, o2[10] = { 0 };
	struct iovec oiov[2] = { { o1, 2 }, { o2, 10 } };
	CHECK_EQ("vmsplice_out", vmsplice(p[0], oiov, 2, 0), 8);
	CHECK("vmsplice_data", memcmp(o1, "vm", 2) == 0 && memcmp(o2, "splice", 6) == 0);
	CHECK_ERR("vmsplice_not_pipe", vmsplice(out, iov, 1, 0), EBADF);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK_ERR("splice_empty_nonblock", splice(p[0], NULL, out, NULL, 10, 0), EAGAIN);
	close(p[1]);
	CHECK_EQ("splice_eof", splice(p[0], NULL, out, NULL, 10, 0), 0);
	close(in);
	close(out);
	close(reg);
	unlink("/tmp/src");
	unlink("/tmp/dst");
	unlink("/tmp/reg");
	mt_end();
}
