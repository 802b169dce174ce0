/* fuzz_file.h: shared helper for fuzz targets whose parser takes a path: writes the input to
 * a private file (in /dev/shm when it exists, so the fuzzer does not wear the disk) and removes
 * the directory at exit. */
#ifndef PL_FUZZ_FILE_H
#define PL_FUZZ_FILE_H

#include "sbuf.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir_path[256];

static void fuzz_dir_remove(void)
{
	char path[512];
	const char *names[] = { "in",  "in.checkpoint", "in.lock",    "key",
				"pub", "in.minisig",	"in.sig.raw", "in.yaml" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir_path, names[i]);
		unlink(path);
	}
	rmdir(fuzz_dir_path);
}

/* The private directory, created on first use. */
static const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/plfuzz.XXXXXX", base);
		if (!mkdtemp(fuzz_dir_path))
			abort();
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* Writes data to DIR/name (mode 0600, replacing it) and returns the path (static storage, one
 * per name slot: valid until the next call with the same name). size 0 writes an empty file;
 * data NULL removes the file instead. */
static const char *fuzz_put(const char *name, const uint8_t *data, size_t size)
{
	static char paths[4][512];
	static unsigned next;
	char *path = paths[next++ % 4];
	int fd;

	snprintf(path, 512, "%s/%s", fuzz_dir(), name);
	unlink(path);
	if (!data)
		return path;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	while (size) {
		ssize_t w = write(fd, data, size);

		if (w <= 0)
			abort();
		data += w;
		size -= (size_t)w;
	}
	close(fd);
	return path;
}

#endif
