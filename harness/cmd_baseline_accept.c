/* cmd_baseline_accept.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>



int cmd_baseline_accept(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'baseline_accept' is not built yet\n");
	return EXIT_USAGE;
}
