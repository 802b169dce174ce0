/* cmd_import.c: `plumbline import promptfoo FILE [-o SUITE]`: a promptfoo config (YAML or
 * JSON) converted into a plumbline suite; every assertion, prompt or test that has no
 * equivalent is named on stderr with its file:line (exit 1). See promptfoo.h. */
#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "jsonx.h"
#include "promptfoo.h"
#include "yamljson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_BYTES (16u << 20)

const char usage_import[] =
	"usage: plumbline import promptfoo FILE [-o SUITE] [--id ID] [--force]\n"
	"\n"
	"Converts a promptfoo config (promptfooconfig.yaml or .json) into a plumbline suite:\n"
	"one prompt per (prompt, test), ids p<P>-t<T>, {{vars}} filled from the test's vars\n"
	"over defaultTest's; assertions become checks where a kind does the same thing.\n"
	"Every assertion, prompt or test left out is listed on stderr as\n"
	"  FILE:LINE: assert type 'javascript' has no plumbline equivalent; skipped\n"
	"and approximations as FILE:LINE: note: .... The suite is written to SUITE (as\n"
	"YAML when its name ends in .yaml or .yml, else JSON), or as JSON to standard output.\n"
	"\n";

static const char usage_import_tail[] =
	"\n"
	"exit codes:\n"
	"  0  every prompt, test and assertion was converted\n"
	"  1  the suite was written, but some were skipped (listed on stderr)\n"
	"  2  usage error, or a config that cannot be read or yields no prompt\n"
	"  3  SUITE could not be written\n";

struct import_args {
	const char *output, *id;
	int force;
};

const struct cli_option import_options[] = {
	CLI_STRING(
		'o', "output", struct import_args, output, "SUITE",
		"write the suite to SUITE (.yaml/.yml: YAML, else JSON; default: standard output)"),
	CLI_STRING(0, "id", struct import_args, id, "ID",
		   "the suite's id (default: SUITE's file name, else \"promptfoo\")"),
	CLI_BOOL(0, "force", struct import_args, force, "replace SUITE if it exists"),
	CLI_END,
};

const struct cli_usage_part usage_import_parts[] = {
	{ import_options, usage_import_tail },
	{ NULL, NULL },
};

/* The suite id from SUITE's file name ("evals/support-bot.json" -> "support-bot"). */
static char *id_from_path(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	char *id;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	id = xstrndup(base, dot && dot > base ? (size_t)(dot - base) : strlen(base));
	if (!config_valid_id(id)) {
		free(id);
		id = xstrdup("promptfoo");
	}
	return id;
}

/* Reads a file:// value's file, relative to the config's directory (ctx: the config's path). */
static int read_relative(void *ctx, const char *path, char **text, size_t *len, struct pl_err *err)
{
	const char *config = ctx, *slash = strrchr(config, '/');
	struct sbuf full = SBUF_INIT;
	int rc;

	if (path[0] != '/' && slash)
		sbuf_add(&full, config, (size_t)(slash + 1 - config));
	sbuf_addstr(&full, path);
	rc = fileio_read_all(full.buf, IMPORT_MAX_BYTES, text, len, err);
	sbuf_release(&full);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct import_args ia = { NULL, NULL, 0 };
	struct jsonfile f;
	struct promptfoo_files files;
	struct sbuf notes;
	json_t *suite = NULL;
	struct sbuf sb = SBUF_INIT;
	char *id = NULL, *text = NULL;
	size_t skipped = 0;
	int first, rc = EXIT_USAGE, loaded;

	memset(&f, 0, sizeof(f));
	sbuf_init(&notes);
	first = cli_parse_options("import", argc, argv, import_options, &ia, &rc);
	if (first < 0)
		return rc;
	if (argc - first >= 1 && strcmp(argv[first], "promptfoo"))
		return cli_usage_error("import", "unknown format '%s' (expected promptfoo)",
				       argv[first]);
	if (argc - first != 2)
		return cli_usage_error("import", "expected: import promptfoo FILE");
	if (ia.id && !config_valid_id(ia.id))
		return cli_usage_error(
			"import", "--id wants letters, digits, '.', '_', '-', got '%s'", ia.id);
	if (ia.output && !ia.force && fileio_exists(ia.output))
		return cli_usage_error("import", "%s exists (--force replaces it)", ia.output);
	id = ia.id ? xstrdup(ia.id) : ia.output ? id_from_path(ia.output) : xstrdup("promptfoo");
	if (yamljson_is_yaml(argv[first + 1]))
		loaded = yamljson_load(&f, argv[first + 1], IMPORT_MAX_BYTES, &err);
	else
		loaded = jsonfile_load(&f, argv[first + 1], IMPORT_MAX_BYTES, &err);
	if (loaded < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	files.read = read_relative;
	files.ctx = argv[first + 1];
	suite = promptfoo_convert(&f.loc, f.root, id, &files, &notes, &skipped, &err);
	fputs(notes.buf, stderr);
	if (!suite) {
		rc = cli_fail(&err);
		goto out;
	}
	if (ia.output && yamljson_is_yaml(ia.output)) {
		yamljson_emit(suite, &sb);
	} else {
		text = json_dumps(suite, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		if (!text)
			abort(); /* out of memory, as everywhere */
		sbuf_addf(&sb, "%s\n", text);
	}
	if (ia.output) {
		if (fileio_write_atomic(ia.output, sb.buf, sb.len, 0644, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		fprintf(stderr, "%s: %zu prompt%s written to %s (suite \"%s\")", argv[first + 1],
			json_array_size(json_object_get(suite, "prompts")),
			json_array_size(json_object_get(suite, "prompts")) == 1 ? "" : "s",
			ia.output, id);
	} else {
		fwrite(sb.buf, 1, sb.len, stdout);
		fprintf(stderr, "%s: %zu prompt%s converted", argv[first + 1],
			json_array_size(json_object_get(suite, "prompts")),
			json_array_size(json_object_get(suite, "prompts")) == 1 ? "" : "s");
	}
	if (skipped)
		fprintf(stderr, "; %zu skipped (above)\n", skipped);
	else
		fputc('\n', stderr);
	rc = skipped ? EXIT_CHANGED : EXIT_OK;
out:
	sbuf_release(&sb);
	free(text);
	free(id);
	json_decref(suite);
	jsonfile_release(&f);
	sbuf_release(&notes);
	return rc;
}
