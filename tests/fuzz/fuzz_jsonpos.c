/* fuzz_jsonpos.c: libFuzzer target for jsonpos (error positions in hand-edited files, and the
 * member/element scanner that loads large baselines a value at a time). Input:
 * "POINTER\nTEXT". Any text and pointer give a position inside the text or -1 (for a
 * position index, any position from 1:1, the indexed file's), never a read past the text
 * (the copy has no NUL terminator, so ASan sees any overrun); every value the scanner hands
 * out lies inside the text. */
#include "jsonpos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const char *text;
	size_t len;
};

static void inside(const struct span *s, const char *val, size_t len)
{
	if (val < s->text || len > s->len || val + len > s->text + s->len)
		abort();
}

static int on_member(void *ctx, const char *key, const char *val, size_t len)
{
	if (strlen(key) > 255)
		abort();
	inside(ctx, val, len);
	return 0;
}

static int on_element(void *ctx, size_t index, const char *val, size_t len)
{
	(void)index;
	inside(ctx, val, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : 0, tlen;
	char *pointer, *text, where[600];
	int line = 0, col = 0;

	if (plen > 400)
		return 0;
	pointer = strndup((const char *)data, plen);
	tlen = nl ? size - plen - 1 : size;
	text = malloc(tlen ? tlen : 1);
	if (!pointer || !text)
		abort();
	memcpy(text, nl ? (const char *)nl + 1 : (const char *)data, tlen);
	if (jsonpos_find(text, tlen, pointer, &line, &col) == 0) {
		/* a position index (a YAML file's) gives positions in that file, any size */
		if (line < 1 || col < 1)
			abort();
		if (!jsonpos_is_index(text, tlen) &&
		    ((size_t)line > tlen + 1 || (size_t)col > tlen + 1))
			abort();
	}
	jsonpos_where(where, sizeof(where), "f.json", text, tlen, pointer);
	if (!memchr(where, '\0', sizeof(where)))
		abort();
	{
		struct span sp = { text, tlen };

		jsonpos_members(text, tlen, on_member, &sp);
		jsonpos_elements(text, tlen, on_element, &sp);
	}
	jsonpos_push_key(pointer, strlen(pointer) + 1, "k/~");
	free(pointer);
	free(text);
	return 0;
}
