/* t_smoke: a handful of basic checks that any Linux-compatible kernel passes; also the
 * harness's own sample test (tools/qemutest.py).  Booted as rdinit=/tests/t_smoke. */
#include "mtest.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	mt_begin("t_smoke");

	CHECK_EQ("getpid_is_1", getpid(), 1);
	CHECK_EQ("getppid_is_0", getppid(), 0);
	CHECK("argv0", argc >= 1 && argv[0] && strstr(argv[0], "t_smoke") != NULL);

	static const char msg[] = "t_smoke: hello from the test\n";
	CHECK_EQ("write_returns_length", write(1, msg, sizeof msg - 1), sizeof msg - 1);
	CHECK_EQ("write_zero_length", write(1, msg, 0), 0);

	char c;
	CHECK_ERR("write_bad_fd", write(999, msg, 1), EBADF);
	CHECK_ERR("read_bad_fd", read(-1, &c, 1), EBADF);
	CHECK_ERR("close_bad_fd", close(12345), EBADF);

	int fd = open("/dev/null", O_RDWR);
	CHECK("open_dev_null", fd >= 0);
	if (fd >= 0) {
		CHECK_EQ("write_dev_null", write(fd, msg, 5), 5);
		CHECK_EQ("read_dev_null_eof", read(fd, &c, 1), 0);
		close(fd);
	}
	CHECK_ERR("open_missing", open("/no/such/file", O_RDONLY), ENOENT);

	struct utsname u;
	CHECK_EQ("uname", uname(&u), 0);
	CHECK("uname_sysname_linux", strcmp(u.sysname, "Linux") == 0);
	CHECK("uname_machine_riscv64", strcmp(u.machine, "riscv64") == 0);

	struct stat st;
	CHECK_EQ("stat_root", stat("/", &st), 0);
	CHECK("root_is_dir", S_ISDIR(st.st_mode));

	mt_end();
}
