/* cred-report: prints the credentials it runs with, one line, for the tests that exec it
 * (t_credexec): set-user-ID and set-group-ID files, AT_SECURE, capabilities after exec.
 *
 *     uid=R,E,S,F gid=R,E,S,F secure=N prm=HEX eff=HEX inh=HEX amb=HEX nnp=N dumpable=N
 *
 * The ids from getresuid/getresgid and setfsuid(-1)/setfsgid(-1) (which change nothing and
 * return the current fs ids), AT_SECURE from the auxiliary vector, the capability sets from
 * /proc/self/status.  Exits 0. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

static unsigned long long status_hex(const char *key)
{
	static char buf[4096];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long v = ~0ULL;
	if (!f)
		return v;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strstr(buf, key);
	if (p)
		v = strtoull(p + strlen(key), NULL, 16);
	return v;
}

int main(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	int fu = setfsuid(-1), fg = setfsgid(-1);
	printf("uid=%u,%u,%u,%d gid=%u,%u,%u,%d secure=%lu prm=%llx eff=%llx inh=%llx amb=%llx nnp=%d dumpable=%d\n",
	       r, e, s, fu, gr, ge, gs, fg, getauxval(AT_SECURE), status_hex("CapPrm:"), status_hex("CapEff:"),
	       status_hex("CapInh:"), status_hex("CapAmb:"), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	return 0;
}
