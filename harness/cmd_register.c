/* cmd_register.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_register[] = "usage: plumbline register ...\n";

int cmd_register(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'register' is not built yet\n");
	return EXIT_USAGE;
}
