/* cmd_demo.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_demo[] = "usage: plumbline demo ...\n";

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'demo' is not built yet\n");
	return EXIT_USAGE;
}
