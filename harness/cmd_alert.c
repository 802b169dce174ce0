/* cmd_alert.c: placeholder until its owner lands it (see cli.h). */
#include "cli.h"

#include <stdio.h>

const char usage_alert[] = "usage: plumbline alert ...\n";

int cmd_alert(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "plumbline: 'alert' is not built yet\n");
	return EXIT_USAGE;
}
