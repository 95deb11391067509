/* echo-args: prints its argument and environment vectors, one per line:
 *     argc=<n>
 *     argv[<i>]=<string>      for each argument
 *     envc=<n>
 *     envp[<i>]=<string>      for each environment string
 * written with one write(2) so that a reader sees the whole text at once. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char out[65536];

int main(int argc, char **argv, char **envp)
{
	size_t n = 0;
	int envc = 0;

	n += snprintf(out + n, sizeof out - n, "argc=%d\n", argc);
	for (int i = 0; i < argc && n < sizeof out; i++)
		n += snprintf(out + n, sizeof out - n, "argv[%d]=%s\n", i, argv[i]);
	while (envp[envc])
		envc++;
	if (n < sizeof out)
		n += snprintf(out + n, sizeof out - n, "envc=%d\n", envc);
	for (int i = 0; i < envc && n < sizeof out; i++)
		n += snprintf(out + n, sizeof out - n, "envp[%d]=%s\n", i, envp[i]);
	if (n > sizeof out)
		n = sizeof out;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(1, out + off, n - off);
		if (w <= 0)
			return 1;
		off += w;
	}
	return 0;
}
