/* libdltest.so: the shared library t_dynlink dlopen()s and LD_PRELOADs (/lib/libdltest.so).
 * Its constructor runs when ld.so loads it: it sets dltest_ctor_ran, and with
 * DLTEST_CTOR_EXIT=<n> in the environment ends the process with status n (how t_dynlink sees
 * that LD_PRELOAD loaded it into another program). */
#include <stdlib.h>
#include <unistd.h>

int dltest_ctor_ran;
__thread int dltest_tls = 7;

__attribute__((constructor)) static void dltest_ctor(void)
{
	const char *e = getenv("DLTEST_CTOR_EXIT");
	dltest_ctor_ran = 1;
	if (e)
		_exit(atoi(e));
}

int dltest_add(int a, int b)
{
	return a + b;
}

int dltest_tls_get(void)
{
	return dltest_tls;
}

void dltest_tls_set(int v)
{
	dltest_tls = v;
}
