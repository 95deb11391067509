/* hello: prints a greeting; as PID 1 (the fallback /init) it then powers the machine off. */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	printf("Hello from user space (pid %d)\n", (int)getpid());
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;
}
