/* bench_refusal.c: the built-in refusal patterns against answers someone else labelled.
 *
 * usage: bench_refusal [--by COLUMN] [--extra PATTERN]... FILE TEXT_COLUMN LABEL_COLUMN
 *
 * FILE is CSV (with a header) or JSON Lines (dataset.h reads both). Each row's TEXT_COLUMN is
 * classified by refusal_text with the default patterns, plus each --extra pattern as a suite's
 * refusal_patterns_extra would add it (to measure a pattern before a suite uses it); the rows are
 * counted by their LABEL_COLUMN value (and by the --by column's value first, a model say), with how
 * many of them the patterns take for refusals, and the time per answer. The README's table of real
 * vendor answers (XSTest's completions, LLMDrift's sensitive questions) is this program's
 * output; those answers are not in the tree (licences), the README says where they are. */
#include "dataset.h"
#include "jsonx.h"
#include "refusal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tally {
	const char *group, *label; /* borrowed from the dataset */
	size_t answers, refusals;
};

static int cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c ? c : strcmp(x->label, y->label);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *by = NULL, *path, *text_col, *label_col;
	json_t *extra = json_array();
	struct pl_err err = PL_ERR_INIT;
	struct dataset d;
	struct refusal *r;
	struct tally *t;
	size_t n = 0, i, j, total = 0, n_extra;
	char buf[1200];
	double t0, secs = 0;
	int argi = 1;
	struct jsonloc cmdline = { "bench_refusal", "", 0 };

	for (; argi + 1 < argc && argv[argi][0] == '-'; argi += 2) {
		if (!strcmp(argv[argi], "--by"))
			by = argv[argi + 1];
		else if (!strcmp(argv[argi], "--extra"))
			json_array_append_new(extra, json_string(argv[argi + 1]));
		else
			break;
	}
	if (argc - argi != 3) {
		fprintf(stderr, "usage: bench_refusal [--by COLUMN] [--extra PATTERN]... FILE "
				"TEXT_COLUMN LABEL_COLUMN\n");
		json_decref(extra);
		return 2;
	}
	path = argv[argi];
	text_col = argv[argi + 1];
	label_col = argv[argi + 2];
	n_extra = json_array_size(extra);
	r = refusal_compile(&cmdline, "", NULL, NULL, "--extra", extra, &err);
	json_decref(extra);
	if (!r || dataset_load(&d, path, &err) < 0) {
		fprintf(stderr, "bench_refusal: %s\n", pl_err_str(&err, buf, sizeof(buf)));
		refusal_free(r);
		return 1;
	}
	t = xcalloc(d.n_rows, sizeof(*t));
	for (i = 0; i < d.n_rows; i++) {
		const struct dataset_row *row = &d.rows[i];
		const char *text = dataset_value(row, text_col),
			   *label = dataset_value(row, label_col);
		const char *group = by ? dataset_value(row, by) : "";
		int refusal;

		if (!text || !label || !group) {
			fprintf(stderr, "bench_refusal: %s:%zu: no column \"%s\"\n", path,
				row->line,
				!text	 ? text_col
				: !label ? label_col
					 : by);
			free(t);
			refusal_free(r);
			dataset_release(&d);
			return 1;
		}
		t0 = now();
		refusal = refusal_text(r, text, strlen(text));
		secs += now() - t0;
		for (j = 0; j < n && (strcmp(t[j].group, group) || strcmp(t[j].label, label)); j++)
			;
		if (j == n)
			t[n++] = (struct tally){ group, label, 0, 0 };
		t[j].answers++;
		t[j].refusals += (size_t)refusal;
		total++;
	}
	qsort(t, n, sizeof(*t), cmp_tally);
	printf("%s: %zu answers, %zu patterns (%zu built in), %.2f us an answer\n\n", path, total,
	       refusal_count(r), refusal_count(r) - n_extra,
	       total ? 1e6 * secs / (double)total : 0.0);
	printf("| %s%s%s | answers | taken for refusals |\n|---|%s---|---|\n", by ? by : "",
	       by ? " | " : "", label_col, by ? "---|" : "");
	for (j = 0; j < n; j++)
		printf("| %s%s%s | %zu | %zu (%.0f%%) |\n", t[j].group, by ? " | " : "", t[j].label,
		       t[j].answers, t[j].refusals,
		       100.0 * (double)t[j].refusals / (double)t[j].answers);
	free(t);
	refusal_free(r);
	dataset_release(&d);
	return 0;
}
