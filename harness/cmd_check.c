/* cmd_check.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_check[] = "usage: plumbline check ...\n";

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'check' is not built yet\n");
	return EXIT_USAGE;
}
