/* cmd_keygen.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_keygen[] = "usage: plumbline keygen ...\n";

int cmd_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'keygen' is not built yet\n");
	return EXIT_USAGE;
}
