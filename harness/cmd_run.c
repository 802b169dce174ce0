/* cmd_run.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_run[] = "usage: plumbline run ...\n";

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'run' is not built yet\n");
	return EXIT_USAGE;
}
