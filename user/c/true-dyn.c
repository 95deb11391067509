/* BUILD-CFLAGS: -O2 -Wall
 * true-dyn: `true`, dynamically linked (PT_INTERP /lib/ld-linux-riscv64-lp64d.so.1, libc.so.6
 * from /lib): exits 0, or with the status given as its first argument. */
#include <stdlib.h>

int main(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}
