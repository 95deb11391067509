/* read-count: reads stdin until EOF and exits with the number of bytes read (mod 256). */
#include <unistd.h>

int main(void)
{
	char buf[256];
	long total = 0;
	ssize_t r;
	while ((r = read(0, buf, sizeof buf)) > 0)
		total += r;
	_exit(r < 0 ? 255 : (int)(total & 0xff));
}
