/* bench_jsonschema.c: validates 10,000 structured answers (JSON text, as a vendor returns it)
 * against a typical structured-output schema, once parsed+validated and once validate-only,
 * and prints the rates; then times uniqueItems over 20k, 40k and 200k distinct items (the
 * pairwise scan it replaced took 3 s and 13 s for the first two). Usage: bench_jsonschema [N]
 * [MAX_UNIQUE] (MAX_UNIQUE caps the uniqueItems sizes, for timing an older build). */
#include "jsonschema.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const schema_text =
	"{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
	"\"additionalProperties\":false,\"required\":[\"order_id\",\"customer\",\"items\","
	"\"total\","
	"\"currency\",\"status\"],\"properties\":{"
	"\"order_id\":{\"type\":\"string\",\"pattern\":\"^ORD-[0-9]{6}$\"},"
	"\"customer\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\","
	"\"email\"],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":"
	"100},"
	"\"email\":{\"type\":\"string\",\"format\":\"email\"},\"vip\":{\"type\":\"boolean\"}}},"
	"\"items\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":50,\"items\":{\"$ref\":\"#/"
	"$defs/"
	"item\"}},"
	"\"total\":{\"type\":\"number\",\"minimum\":0},"
	"\"currency\":{\"enum\":[\"EUR\",\"USD\",\"GBP\"]},"
	"\"status\":{\"enum\":[\"pending\",\"paid\",\"shipped\",\"cancelled\"]},"
	"\"notes\":{\"type\":[\"string\",\"null\"]}},"
	"\"$defs\":{\"item\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
	"\"sku\",\"qty\",\"price\"],\"properties\":{\"sku\":{\"type\":\"string\",\"pattern\":\"^[A-"
	"Z]"
	"{3}-[0-9]{4}$\"},\"qty\":{\"type\":\"integer\",\"minimum\":1},\"price\":{\"type\":"
	"\"number\","
	"\"exclusiveMinimum\":0},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	"\"uniqueItems\":true}}}}}";

static double now(void);

/* uniqueItems over n distinct order lines, as a large structured answer carries them. */
static void bench_unique(long n)
{
	json_t *schema = json_pack("{s:b}", "uniqueItems", 1), *inst = json_array();
	struct jsonschema *js = jsonschema_compile(schema, NULL, NULL);
	struct jsonschema_result res;
	double t0;
	long i;
	int ok;

	for (i = 0; i < n; i++)
		json_array_append_new(inst, json_pack("{s:s,s:I,s:f}", "sku", i % 2 ? "ABC" : "XYZ",
						      "qty", (json_int_t)i, "price", 1.5));
	t0 = now();
	ok = jsonschema_validate(js, inst, &res);
	printf("uniqueItems: %7ld items, %s, %.3f s\n", n, ok ? "unique" : "NOT unique",
	       now() - t0);
	jsonschema_free(js);
	json_decref(schema);
	json_decref(inst);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000, i;
	long max_unique = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
	struct pl_err err = PL_ERR_INIT;
	json_t *schema = json_loads(schema_text, 0, NULL);
	struct jsonschema *js = jsonschema_compile(schema, NULL, &err);
	char **answers;
	json_t **parsed;
	long valid = 0, k;
	size_t bytes = 0;
	double t0, t1, t2;

	if (!js) {
		fprintf(stderr, "bench_jsonschema: %s: %s\n", err.where, err.msg);
		return 1;
	}
	answers = calloc((size_t)n, sizeof(*answers));
	parsed = calloc((size_t)n, sizeof(*parsed));
	for (i = 0; i < n; i++) {
		struct sbuf sb;
		long items = 1 + i % 5;

		sbuf_init(&sb);
		sbuf_addf(&sb,
			  "{\"order_id\":\"ORD-%06ld\",\"customer\":{\"name\":\"Customer %ld\","
			  "\"email\":\"c%ld@example.com\",\"vip\":%s},\"items\":[",
			  i % 1000000, i, i, i % 3 ? "false" : "true");
		for (k = 0; k < items; k++)
			sbuf_addf(&sb,
				  "%s{\"sku\":\"ABC-%04ld\",\"qty\":%ld,\"price\":%ld.%02ld,"
				  "\"tags\":[\"a\",\"b%ld\"]}",
				  k ? "," : "", (i + k) % 10000, 1 + k, 3 + k, (i * 7) % 100, k);
		/* every 10th answer drifts: a string price, as a changed model might send */
		sbuf_addf(&sb,
			  "],\"total\":%s,\"currency\":\"EUR\",\"status\":\"paid\",\"notes\":null}",
			  i % 10 == 9 ? "\"12.50\"" : "12.5");
		bytes += sb.len;
		answers[i] = sbuf_detach(&sb, NULL);
		sbuf_release(&sb);
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		struct jsonschema_result res;

		parsed[i] = json_loads(answers[i], 0, NULL);
		valid += jsonschema_validate(js, parsed[i], &res);
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		struct jsonschema_result res;

		jsonschema_validate(js, parsed[i], &res);
	}
	t2 = now();
	printf("bench_jsonschema: %ld answers (%.0f bytes avg), %ld valid, %ld invalid\n", n,
	       (double)bytes / (double)n, valid, n - valid);
	printf("parse+validate: %.3f s, %.0f answers/s\n", t1 - t0, (double)n / (t1 - t0));
	printf("validate only:  %.3f s, %.0f answers/s\n", t2 - t1, (double)n / (t2 - t1));
	for (i = 0; i < n; i++) {
		free(answers[i]);
		json_decref(parsed[i]);
	}
	free(answers);
	free(parsed);
	for (i = 0; i < 3; i++) {
		static const long sizes[] = { 20000, 40000, 200000 };

		if (sizes[i] <= max_unique)
			bench_unique(sizes[i]);
	}
	jsonschema_free(js);
	json_decref(schema);
	return 0;
}
