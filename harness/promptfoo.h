/* promptfoo.h: a promptfoo config (promptfooconfig.yaml or .json) converted into a plumbline
 * suite, for `plumbline import promptfoo`.
 *
 * One plumbline prompt per (prompt, test), ids "p<P>-t<T>" (1-based, in file order), its
 * {{var}} placeholders filled from the test's vars over defaultTest's. The assertions of
 * defaultTest and of the test become checks where a kind does the same thing (see the table in
 * promptfoo.c and README "Coming from promptfoo"); every other assertion, prompt or test is
 * skipped and named with its line. Pure: no I/O. */
#ifndef PL_PROMPTFOO_H
#define PL_PROMPTFOO_H

#include "err.h"
#include "jsonx.h"
#include "sbuf.h"

#include <jansson.h>

/* How the converter reads the file a "file://PATH" assertion value names (PATH as written in
 * the config): read fills *text (a new NUL-terminated buffer, *len bytes) and returns 0, or
 * returns -1 with err set. cmd_import reads PATH relative to the config's directory. */
struct promptfoo_files {
	int (*read)(void *ctx, const char *path, char **text, size_t *len, struct pl_err *err);
	void *ctx;
};

/* Converts root, a promptfoo config read from loc (JSON text or a YAML position index, so
 * lines can be named), into a new suite object with id suite_id (borrowed). An assertion whose
 * value is "file://PATH" gets the file's content as promptfoo does (.txt: the text, trimmed;
 * .json, .yaml, .yml: the parsed value), read through files (NULL: such assertions are
 * skipped); a script (.js, .py) or another kind of file is skipped. Appends to notes
 * one line per thing left out, "FILE:LINE: assert type 'javascript' has no plumbline
 * equivalent; skipped", counted in *skipped, and per approximation or ignored section,
 * "FILE:LINE: note: ...". Returns a new reference, or NULL with err set (PL_E_INPUT, naming
 * FILE:LINE:COL and the field) when the config is malformed or yields no prompt. */
json_t *promptfoo_convert(const struct jsonloc *loc, const json_t *root, const char *suite_id,
			  const struct promptfoo_files *files, struct sbuf *notes, size_t *skipped,
			  struct pl_err *err);

/* Why promptfoo_render could not fill a placeholder. */
enum promptfoo_bad {
	PF_BAD_UNSET,	 /* {{ name }}: vars has no text for name */
	PF_BAD_FILTER,	 /* {{ name | upper }}: a Nunjucks filter */
	PF_BAD_DOTTED,	 /* {{ user.name }}, {{ items[0] }}: access into a var */
	PF_BAD_EXPR,	 /* any other expression that starts with a name: {{ a + b }} */
	PF_BAD_UNCLOSED, /* "{{" without "}}" */
	PF_BAD_TAG,	 /* {% if x %}, {# comment #}: a Nunjucks tag (bad: the tag) */
	PF_BAD_IN_VALUE, /* {{ name }} whose var holds a template, which promptfoo fills */
};

/* Fills the {{ name }} placeholders of tmpl from vars (an object of strings). Braces around
 * anything that does not start with a name ({{"a": 1}}, {{ }}) are kept as written, as in a
 * suite's dataset templates. A Nunjucks tag ({% ... %}, {# ... #}) and a var whose value holds
 * a template (promptfoo fills it too, plumbline does not) are refused, never kept silently. Returns
 * a new string, or NULL with *bad set to the offending placeholder (a new string) and *why to the
 * cause. */
char *promptfoo_render(const char *tmpl, const json_t *vars, char **bad, enum promptfoo_bad *why);

/* The name a placeholder such as "{{ user.name | upper }}" starts with, into buf (empty when
 * it starts with none). */
void promptfoo_placeholder_name(const char *placeholder, char *buf, size_t len);

#endif
