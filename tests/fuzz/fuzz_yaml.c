/* fuzz_yaml.c: libFuzzer target for yamljson (YAML suites) and suite_load of a .yaml file: any
 * bytes convert or fail with a located error, never crash, leak, hang or read past the text
 * (the copy has no NUL terminator, so ASan sees an overrun); every value of a converted
 * document has a position in the index, on a line of the text; yamljson_emit's YAML of it
 * reads back equal. */
#include "fuzz_file.h"
#include "jsonpos.h"
#include "suite.h"
#include "yamljson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every value under v (at pointer ptr) is found in the index, at a line of the text. */
static void located(const struct sbuf *idx, const json_t *v, char *ptr, size_t len, int lines)
{
	size_t n = strlen(ptr), i;
	const char *key;
	json_t *e;
	int line, col;

	/* lines + 1: libyaml ends the stream with a line break, where an empty last value stands */
	if (jsonpos_find(idx->buf, idx->len, ptr, &line, &col) != 0 || line < 1 ||
	    line > lines + 1 || col < 1)
		abort();
	if (json_is_array(v))
		json_array_foreach(v, i, e)
		{
			jsonpos_push_index(ptr, len, i);
			located(idx, e, ptr, len, lines);
			ptr[n] = '\0';
		}
	else if (json_is_object(v))
		json_object_foreach((json_t *)v, key, e)
		{
			jsonpos_push_key(ptr, len, key);
			located(idx, e, ptr, len, lines);
			ptr[n] = '\0';
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = PL_ERR_INIT;
	char *text = malloc(size ? size : 1), ptr[512] = "";
	struct sbuf idx;
	struct suite *s;
	json_t *v;
	int lines = 1;
	size_t i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xA8 ||
			 data[i] == 0xA9; /* libyaml also breaks lines at NEL, LS, PS */
	sbuf_init(&idx);
	jsonpos_index_init(&idx);
	v = yamljson_parse("in.yaml", text, size, &idx, &err);
	if (!v && !err.msg[0])
		abort();
	if (v) {
		struct sbuf out = SBUF_INIT, idx2 = SBUF_INIT;
		json_t *back;

		located(&idx, v, ptr, sizeof(ptr), lines);
		/* what yamljson_emit writes reads back equal */
		yamljson_emit(v, &out);
		jsonpos_index_init(&idx2);
		back = yamljson_parse("out.yaml", out.buf, out.len, &idx2, &err);
		if (!back || !json_equal(v, back))
			abort();
		json_decref(back);
		sbuf_release(&out);
		sbuf_release(&idx2);
	}
	json_decref(v);
	sbuf_release(&idx);
	free(text);

	err = (struct pl_err)PL_ERR_INIT;
	s = suite_load(fuzz_put("in.yaml", data, size), &err);
	if (!s && !err.msg[0])
		abort();
	suite_free(s);
	return 0;
}
