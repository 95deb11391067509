/* qemutest: append=console=ttyS0 rdinit=/tests/t_cmdline foo=bar bareword */
/* t_cmdline - how the kernel command line reaches init.
 *
 * Boot: with -append "console=ttyS0 rdinit=/tests/t_cmdline foo=bar bareword" (the first line
 * of this file tells tools/qemutest.py so: "qemutest: append=<the whole -append string>").
 *
 * What Linux 6.1 does (init/main.c, unknown_bootoption), and this test expects:
 *  - parameters the kernel recognises (console=, rdinit=) are consumed and not passed to init;
 *  - an unrecognised "name=value" without a '.' goes to init's environment, after the kernel's
 *    own "HOME=/" and "TERM=linux": envp == { "HOME=/", "TERM=linux", "foo=bar" };
 *  - an unrecognised word without '=' goes to init's argv after argv[0]:
 *    argv == { "/tests/t_cmdline", "bareword" }, argc == 2.
 *  So no argv or envp string contains "console", "ttyS0" or "rdinit".
 */
#include "mtest.h"

int main(int argc, char **argv, char **envp)
{
	mt_begin("t_cmdline");

	for (int i = 0; i < argc; i++)
		printf("t_cmdline: argv[%d] = \"%s\"\n", i, argv[i]);
	int envc = 0;
	while (envp[envc]) {
		printf("t_cmdline: envp[%d] = \"%s\"\n", envc, envp[envc]);
		envc++;
	}

	CHECK_EQ("argc_is_2", argc, 2);
	CHECK("argv0_path", argv[0] && !strcmp(argv[0], "/tests/t_cmdline"));
	CHECK("argv1_bareword", argc >= 2 && !strcmp(argv[1], "bareword"));
	CHECK("argv_null_terminated", argv[argc] == NULL);

	CHECK("getenv_foo", getenv("foo") && !strcmp(getenv("foo"), "bar"));
	CHECK("getenv_home", getenv("HOME") && !strcmp(getenv("HOME"), "/"));
	CHECK("getenv_term", getenv("TERM") && !strcmp(getenv("TERM"), "linux"));
	CHECK_EQ("envc_is_3", envc, 3);
	CHECK("envp_order", envc == 3 && !strcmp(envp[0], "HOME=/") &&
				    !strcmp(envp[1], "TERM=linux") && !strcmp(envp[2], "foo=bar"));
	CHECK("no_bareword_in_env", getenv("bareword") == NULL);

	int leak = 0;
	for (int i = 0; i < argc; i++)
		if (strstr(argv[i], "console") || strstr(argv[i], "ttyS0") ||
		    strstr(argv[i], "rdinit"))
			leak++;
	CHECK_EQ("console_rdinit_not_in_argv", leak, 0);
	leak = 0;
	for (int i = 0; i < envc; i++)
		if (strstr(envp[i], "console") || strstr(envp[i], "ttyS0") ||
		    strstr(envp[i], "rdinit"))
			leak++;
	CHECK_EQ("console_rdinit_not_in_env", leak, 0);
	CHECK("getenv_console_null", getenv("console") == NULL && getenv("rdinit") == NULL);

	mt_end();
}
