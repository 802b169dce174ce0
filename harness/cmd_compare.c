/* cmd_compare.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_compare[] = "usage: plumbline compare ...\n";

int cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'compare' is not built yet\n");
	return EXIT_USAGE;
}
