/* cmd_simulate.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_simulate[] = "usage: plumbline simulate ...\n";

int cmd_simulate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'simulate' is not built yet\n");
	return EXIT_USAGE;
}
