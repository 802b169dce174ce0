/* cmd_baseline.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_baseline[] = "usage: plumbline baseline ...\n";

int cmd_baseline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'baseline' is not built yet\n");
	return EXIT_USAGE;
}
