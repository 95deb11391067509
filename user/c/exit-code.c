/* exit-code N: exits with status N (default 0); prints nothing. */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	_exit(argc > 1 ? atoi(argv[1]) : 0);
}
