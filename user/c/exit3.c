/* exit3: exits with status 3.  As PID 1 the kernel must panic with
 * "Attempted to kill init! exitcode=0x00000300" (an expect test of tools/qemutest.py). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("exit3: exiting with status 3\n");
	fflush(stdout);
	_exit(3);
}
