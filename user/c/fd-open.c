/* fd-open FD...: exits with a bit mask; bit i is set when the fd given as argv[i+1] is open
 * (fcntl F_GETFD succeeds).  Used to check close-on-exec. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int mask = 0;
	for (int i = 1; i < argc && i <= 8; i++)
		if (fcntl(atoi(argv[i]), F_GETFD) >= 0)
			mask |= 1 << (i - 1);
	_exit(mask);
}
