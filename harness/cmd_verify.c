/* cmd_verify.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_verify[] = "usage: plumbline verify ...\n";

int cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'verify' is not built yet\n");
	return EXIT_USAGE;
}
