/* test_dataset.c: CSV (RFC 4180) and JSON Lines rows, {{ name }} templating, and suites whose
 * prompts take a dataset: one prompt per row, ids, located errors, request hashes. */
#include "testutil.h"
#include "dataset.h"
#include "suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows of d as "name=value|name=value;" per row, in a static buffer. */
static const char *dump(const struct dataset *d)
{
	static char buf[2048];
	struct sbuf sb = SBUF_INIT;
	size_t r, i;

	for (r = 0; r < d->n_rows; r++) {
		sbuf_addf(&sb, "%zu:", d->rows[r].line);
		for (i = 0; i < d->rows[r].n; i++)
			sbuf_addf(&sb, "%s%s=%s", i ? "|" : "", d->rows[r].names[i],
				  d->rows[r].values[i]);
		sbuf_addch(&sb, ';');
	}
	snprintf(buf, sizeof(buf), "%s", sb.buf);
	sbuf_release(&sb);
	return buf;
}

static const struct {
	const char *text;
	const char *rows;  /* dump(), or NULL when it must fail */
	const char *error; /* exact "where: msg" when it fails */
} csv_cases[] = {
	{ "a,b\n1,2\n", "2:a=1|b=2;", NULL },
	/* CRLF, no final line break, empty fields, a trailing comma's empty last field */
	{ "a,b,c\r\n1,,\r\n,x,", "2:a=1|b=|c=;3:a=|b=x|c=;", NULL },
	/* quoted fields: commas, doubled quotes, line breaks (CRLF kept as written) */
	{ "q,n\n\"a, b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"x\r\ny\"\n3,4\n",
	  "2:q=a, b|n=say \"hi\";3:q=two\nlines|n=x\r\ny;6:q=3|n=4;", NULL },
	/* an empty quoted field; spaces are data */
	{ "a,b\n\"\", x \n", "2:a=|b= x ;", NULL },
	/* blank lines skipped (lines still counted), a UTF-8 BOM ignored */
	{ "\xEF\xBB\xBF"
	  "city\n\nParis\n\r\n\xc3\x89vry\n\n",
	  "3:city=Paris;5:city=\xc3\x89vry;", NULL },
	{ "id,q\n7,\"\"\"quoted\"\"\"", "2:id=7|q=\"quoted\";", NULL },
	/* errors name the file and line */
	{ "a,b\n1,2,3\n", NULL, "rows.csv:2: 3 fields, but the header (line 1) has 2" },
	{ "a,b\n1\n", NULL, "rows.csv:2: 1 fields, but the header (line 1) has 2" },
	{ "a,b\n1,\"open\n\nstill open", NULL,
	  "rows.csv:2: unterminated quoted field (its closing quote is missing)" },
	{ "a,b\n1,\"x\"y\n", NULL,
	  "rows.csv:2: text after the closing quote of a field (a quote inside a quoted field is "
	  "written twice: \"\")" },
	{ "a\n\"multi\nline\" \n", NULL,
	  "rows.csv:3: text after the closing quote of a field (a quote inside a quoted field is "
	  "written twice: \"\")" },
	{ "a,b\n1,5\" screen\n", NULL,
	  "rows.csv:2: a quote inside an unquoted field (quote the whole field and write the "
	  "quote twice: \"a \"\"b\"\"\")" },
	{ "a,b\n1,2\r3,4\n", NULL,
	  "rows.csv:2: a carriage return that does not end the line (quote the field that holds "
	  "it)" },
	{ "a,,c\n1,2,3\n", NULL, "rows.csv:1: column 2 has no name in the header" },
	{ "a,b,a\n1,2,3\n", NULL, "rows.csv:1: duplicate column name \"a\" in the header" },
	{ "a,b\n", NULL, "rows.csv: no rows (a header line and at least one row)" },
	{ "", NULL, "rows.csv: no rows (a header line and at least one row)" },
	{ "a\n\xff\n", NULL, "rows.csv:2: a field is not valid UTF-8 text" },
	{ "a\n\xed\xa0\x80\n", NULL, "rows.csv:2: a field is not valid UTF-8 text" }, /* surrogate
										       */
	{ "a\n\xc0\xaf\n", NULL, "rows.csv:2: a field is not valid UTF-8 text" },     /* overlong */
};

static void test_csv(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct dataset d;
		char buf[1600];
		int rc = dataset_parse_csv(&d, "rows.csv", csv_cases[i].text,
					   strlen(csv_cases[i].text), &err);

		if (csv_cases[i].rows ? rc < 0 || strcmp(dump(&d), csv_cases[i].rows)
				      : rc == 0 || strcmp(pl_err_str(&err, buf, sizeof(buf)),
							  csv_cases[i].error)) {
			print_error("case %zu: got %s\n", i,
				    rc < 0 ? pl_err_str(&err, buf, sizeof(buf)) : dump(&d));
			failed++;
		}
		if (rc == 0)
			dataset_release(&d);
		else
			assert_int_equal(d.n_rows, 0); /* released on failure */
	}
	assert_int_equal(failed, 0);
}

/* A NUL byte is not text, even though the parser sees every byte. */
static void test_csv_nul(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct dataset d;
	char buf[512];

	(void)state;
	assert_int_equal(dataset_parse_csv(&d, "r.csv", "a\nx\0y\n", 6, &err), -1);
	assert_string_equal(pl_err_str(&err, buf, sizeof(buf)),
			    "r.csv:2: a field is not valid UTF-8 text");
}

static const struct {
	const char *text, *rows, *error;
} jsonl_cases[] = {
	{ "{\"q\": \"a\", \"n\": 1}\n{\"q\": \"b\", \"n\": 2.5}\n", "1:n=1|q=a;2:n=2.5|q=b;",
	  NULL },
	/* numbers as JavaScript writes them, booleans, blank lines, CRLF, no final newline */
	{ "\n{\"x\": 0.1, \"big\": 1e21, \"t\": true, \"f\": false}\r\n  \r\n{\"x\": -0}",
	  "2:big=1e+21|f=false|t=true|x=0.1;4:x=0;", NULL },
	{ "{\"s\": \"caf\\u00e9\\n\"}", "1:s=caf\xc3\xa9\n;", NULL },
	{ "{\"q\": \"a\"}\n[1]\n", NULL,
	  "rows.jsonl:2: expected a JSON object (one row per line)" },
	{ "{\"q\": \"a\"}\n{\"q\": null}\n", NULL,
	  "rows.jsonl:2: \"q\" is null (expected a string, number or boolean)" },
	{ "{\"q\": [1]}", NULL,
	  "rows.jsonl:1: \"q\" is an array (expected a string, number or "
	  "boolean)" },
	{ "{\"q\": {}}", NULL,
	  "rows.jsonl:1: \"q\" is an object (expected a string, number or "
	  "boolean)" },
	{ "{\"q\": \"a\"}\n{\"q\": \"a\",}\n", NULL,
	  "rows.jsonl:2:11: string or '}' expected near '}'" },
	{ "{\"q\": 1, \"q\": 2}", NULL, "rows.jsonl:1:12: duplicate object key near '\"q\"'" },
	{ "{\"q\": \"\\u0000\"}", NULL,
	  "rows.jsonl:1:14: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"'" },
	{ "\n \n", NULL, "rows.jsonl: no rows (one JSON object per line)" },
};

static void test_jsonl(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(jsonl_cases) / sizeof(jsonl_cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct dataset d;
		char buf[1600];
		int rc = dataset_parse_jsonl(&d, "rows.jsonl", jsonl_cases[i].text,
					     strlen(jsonl_cases[i].text), &err);
		const char *got = rc < 0 ? pl_err_str(&err, buf, sizeof(buf)) : NULL;

		if (rc == 0) {
			/* JSON object keys come in no set order: compare sorted */
			size_t r, a, b;

			for (r = 0; r < d.n_rows; r++)
				for (a = 0; a < d.rows[r].n; a++)
					for (b = a + 1; b < d.rows[r].n; b++)
						if (strcmp(d.rows[r].names[a], d.rows[r].names[b]) >
						    0) {
							char *t = d.rows[r].names[a];

							d.rows[r].names[a] = d.rows[r].names[b];
							d.rows[r].names[b] = t;
							t = d.rows[r].values[a];
							d.rows[r].values[a] = d.rows[r].values[b];
							d.rows[r].values[b] = t;
						}
			got = dump(&d);
		}
		if (jsonl_cases[i].rows ? rc < 0 || strcmp(got, jsonl_cases[i].rows)
					: rc == 0 || strcmp(got, jsonl_cases[i].error)) {
			print_error("case %zu: got %s\n", i, got);
			failed++;
		}
		if (rc == 0)
			dataset_release(&d);
	}
	assert_int_equal(failed, 0);
}

static const struct {
	const char *text, *want, *error;
} expand_cases[] = {
	{ "What is the capital of {{country}}?", "What is the capital of France?", NULL },
	{ "{{ country }}/{{\tcountry\t}}/{{country }}", "France/France/France", NULL },
	{ "{{country}}{{city}}", "FranceParis", NULL },
	{ "no template", "no template", NULL },
	{ "{{", "{{", NULL },
	{ "{x} {{ }} {{ 1a }} {\"a\": {\"b\": 1}} {{\"k\": 1}}",
	  "{x} {{ }} {{ 1a }} {\"a\": {\"b\": 1}} {{\"k\": 1}}", NULL },
	{ "{{{country}}}", "{{{country}}}", NULL }, /* "{{{" starts no name: kept */
	{ "{ {{country}} }", "{ France }", NULL },
	{ "{{country}", "{{country}", NULL },
	{ "{{first-name.x}}", "Ada", NULL },
	{ "a {{ citty }} b", NULL,
	  "rows.csv:4: unknown template variable \"citty\" (row rows.csv:4 has country, city, "
	  "first-name.x)" },
	{ "{{ country | upper }}", NULL,
	  "rows.csv:4: unsupported template filter \"{{ country | ...\" (only {{ name }} is "
	  "replaced)" },
};

static void test_expand(void **state)
{
	struct dataset d;
	struct pl_err err = PL_ERR_INIT;
	size_t i, failed = 0;

	(void)state;
	assert_int_equal(dataset_parse_csv(&d, "rows.csv",
					   "country,city,first-name.x\n\n\nFrance,Paris,Ada\n", 45,
					   &err),
			 0);
	assert_int_equal(d.n_rows, 1);
	assert_int_equal(d.rows[0].line, 4);
	assert_string_equal(dataset_value(&d.rows[0], "city"), "Paris");
	assert_null(dataset_value(&d.rows[0], "City"));
	for (i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]); i++) {
		struct sbuf sb = SBUF_INIT;
		struct pl_err e = PL_ERR_INIT;
		char buf[1600];
		int rc = dataset_expand(&d, &d.rows[0], expand_cases[i].text,
					strlen(expand_cases[i].text), &sb, &e);
		const char *got = rc < 0 ? pl_err_str(&e, buf, sizeof(buf)) : sb.buf;

		if (expand_cases[i].want ? rc < 0 || strcmp(got, expand_cases[i].want)
					 : rc == 0 || strcmp(got, expand_cases[i].error)) {
			print_error("case %zu: %s\n got: %s\n", i, expand_cases[i].text, got);
			failed++;
		}
		sbuf_release(&sb);
	}
	dataset_release(&d);
	dataset_release(&d); /* twice: released is empty */
	assert_int_equal(failed, 0);
}

/* dataset_load picks the parser by the file name, and names the file in errors. */
static void test_load(void **state)
{
	char *dir = tu_tmpdir();
	char *csv = tu_write(dir, "r.csv", "a\n1\n"), *jl = tu_write(dir, "r.jsonl", "{\"a\":1}\n");
	char *txt = tu_write(dir, "r.txt", "a\n1\n");
	struct pl_err err = PL_ERR_INIT;
	struct dataset d;
	char buf[1600], want[1200];

	(void)state;
	assert_int_equal(dataset_load(&d, csv, &err), 0);
	assert_string_equal(dump(&d), "2:a=1;");
	dataset_release(&d);
	assert_int_equal(dataset_load(&d, jl, &err), 0);
	assert_string_equal(dump(&d), "1:a=1;");
	dataset_release(&d);
	assert_int_equal(dataset_load(&d, txt, &err), -1);
	snprintf(want, sizeof(want), "%s: unknown dataset format (expected a .csv or .jsonl file)",
		 txt);
	assert_string_equal(pl_err_str(&err, buf, sizeof(buf)), want);
	tu_rmrf(dir);
	free(dir);
	free(csv);
	free(jl);
	free(txt);
}

/* ---- suites with datasets ------------------------------------------------------------------- */

static const char rows_csv[] = "country,capital\n"
			       "France,Paris\n"
			       "Japan,Tokyo\n";

static const char ds_suite[] =
	"{\"id\": \"geo\",\n"
	" \"defaults\": {\"system\": \"You know {{country}}.\"},\n"
	" \"prompts\": [\n"
	"  {\"id\": \"plain\", \"prompt\": \"Keep {{this}} as written.\"},\n"
	"  {\"id\": \"cap\", \"dataset\": \"rows.csv\",\n"
	"   \"prompt\": \"What is the capital of {{ country }}?\",\n"
	"   \"checks\": [{\"type\": \"contains\", \"value\": \"{{capital}}\"},\n"
	"              {\"type\": \"contains_any\", \"values\": [\"{{capital}}\", \"x{{country}}\"]}]},\n"
	"  {\"id\": \"chat\", \"dataset\": \"rows.csv\", \"system\": \"Own.\",\n"
	"   \"messages\": [{\"role\": \"user\", \"content\": \"{{capital}}?\"}]}\n"
	" ]}\n";

static struct suite *load_with(const char *dir, const char *suite, const char *csv_name,
			       const char *csv, struct pl_err *err)
{
	char *p = tu_write(dir, "s.json", suite), *c = tu_write(dir, csv_name, csv);
	struct suite *s = suite_load(p, err);

	free(p);
	free(c);
	return s;
}

static void test_suite_rows(void **state)
{
	char *dir = tu_tmpdir();
	struct pl_err err = PL_ERR_INIT;
	struct suite *s = load_with(dir, ds_suite, "rows.csv", rows_csv, &err);
	const struct prompt *p;
	struct check_result r;
	struct check_input in = { .text = "It is Tokyo.", .len = 12 };
	char buf[1600];

	(void)state;
	if (!s)
		print_error("%s\n", pl_err_str(&err, buf, sizeof(buf)));
	assert_non_null(s);
	assert_int_equal(s->n_prompts, 5);
	assert_string_equal(s->prompts[0].id, "plain");
	assert_string_equal(s->prompts[1].id, "cap-1");
	assert_string_equal(s->prompts[2].id, "cap-2");
	assert_string_equal(s->prompts[3].id, "chat-1");
	assert_string_equal(s->prompts[4].id, "chat-2");
	/* no dataset: braces are text */
	assert_string_equal(s->prompts[0].messages[1].content, "Keep {{this}} as written.");
	assert_string_equal(s->prompts[0].messages[0].content, "You know {{country}}.");
	/* the default system message is a message of the row's prompt too */
	p = suite_prompt(s, "cap-2");
	assert_int_equal(p->n_messages, 2);
	assert_string_equal(p->messages[0].content, "You know Japan.");
	assert_string_equal(p->messages[1].content, "What is the capital of Japan?");
	/* checks are expanded: cap-2 wants Tokyo */
	assert_int_equal(p->n_checks, 2);
	assert_string_equal(check_label(p->checks[0]), "contains \"Tokyo\"");
	check_eval(p->checks[0], &in, &r);
	assert_int_equal(r.verdict, CHECK_PASS);
	check_eval(suite_prompt(s, "cap-1")->checks[0], &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	check_eval(suite_prompt(s, "cap-1")->checks[1], &in, &r);
	assert_string_equal(r.detail,
			    "answer contains none of \"Paris\", \"xFrance\": \"It is Tokyo.\"");
	p = suite_prompt(s, "chat-1");
	assert_string_equal(p->messages[0].content, "Own.");
	assert_string_equal(p->messages[1].content, "Paris?");
	/* each row is its own request */
	assert_string_not_equal(s->prompts[1].request_sha256, s->prompts[2].request_sha256);
	suite_free(s);
	tu_rmrf(dir);
	free(dir);
}

/* An edited row changes that row's request hash only; a row's "id" column names its prompt. */
static void test_suite_row_edit_and_ids(void **state)
{
	char *dir = tu_tmpdir();
	struct pl_err err = PL_ERR_INIT;
	struct suite *a, *b;
	char h1[65], h2[65], h3[65];

	(void)state;
	a = load_with(dir, ds_suite, "rows.csv",
		      "id,country,capital\nfr,France,Paris\njp,Japan,Tokyo\n", &err);
	assert_non_null(a);
	assert_non_null(suite_prompt(a, "cap-fr"));
	assert_non_null(suite_prompt(a, "chat-jp"));
	memcpy(h1, suite_prompt(a, "cap-fr")->request_sha256, 65);
	memcpy(h2, suite_prompt(a, "cap-jp")->request_sha256, 65);
	memcpy(h3, suite_prompt(a, "chat-jp")->request_sha256, 65);
	/* rows reordered, Japan edited: fr's hash stays, jp's changes (in both prompts that use it
	 * in a message) */
	b = load_with(dir, ds_suite, "rows.csv",
		      "id,country,capital\r\njp,Japan,Kyoto\r\nfr,France,Paris\r\n", &err);
	assert_non_null(b);
	assert_string_equal(suite_prompt(b, "cap-fr")->request_sha256, h1);
	assert_string_equal(suite_prompt(b, "cap-jp")->request_sha256, h2); /* country only */
	assert_string_not_equal(suite_prompt(b, "chat-jp")->request_sha256, h3);
	suite_free(a);
	suite_free(b);
	tu_rmrf(dir);
	free(dir);
}

/* A dataset row's prompt is the request a hand-written prompt with the same id and text makes:
 * moving prompts into a dataset keeps their baselines. */
static void test_suite_row_same_as_written(void **state)
{
	char *dir = tu_tmpdir();
	struct pl_err err = PL_ERR_INIT;
	struct suite *a, *b;

	(void)state;
	a = load_with(dir,
		      "{\"id\": \"s\", \"defaults\": {\"system\": \"Be brief.\", \"seed\": 4},\n"
		      " \"prompts\": [{\"id\": \"cap-fr\", \"prompt\": \"Capital of France?\"},\n"
		      "  {\"id\": \"cap-jp\", \"prompt\": \"Capital of Japan?\"}]}",
		      "r.csv", "x\n1\n", &err);
	b = load_with(dir,
		      "{\"id\": \"s\", \"defaults\": {\"system\": \"Be brief.\", \"seed\": 4},\n"
		      " \"prompts\": [{\"id\": \"cap\", \"dataset\": \"r.csv\",\n"
		      "  \"prompt\": \"Capital of {{c}}?\"}]}",
		      "r.csv", "id,c\nfr,France\njp,Japan\n", &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(b->n_prompts, 2);
	assert_string_equal(suite_prompt(b, "cap-fr")->request_sha256,
			    suite_prompt(a, "cap-fr")->request_sha256);
	assert_string_equal(suite_prompt(b, "cap-jp")->request_sha256,
			    suite_prompt(a, "cap-jp")->request_sha256);
	suite_free(a);
	suite_free(b);
	tu_rmrf(dir);
	free(dir);
}

static const struct {
	const char *suite, *rows_name, *rows, *error; /* DIR: the suite's folder */
} bad_suites[] = {
	/* an unknown variable: the suite's place and the row's line */
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"{{ contry }}\"}]}",
	  "r.csv", "country\nFrance\n",
	  "DIR/s.json:2:45: prompts[0].prompt: unknown template variable \"contry\" (row DIR/r.csv:2 "
	  "has country)" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.jsonl\", \"prompt\": \"{{a}}\",\n"
	  "   \"checks\": [{\"type\": \"regex\", \"pattern\": \"{{b}}\"}]}]}",
	  "r.jsonl", "{\"a\": 1, \"b\": 2}\n{\"a\": 1}\n",
	  "DIR/s.json:3:44: prompts[0].checks[0].pattern: unknown template variable \"b\" (row "
	  "DIR/r.jsonl:2 has a)" },
	{ "{\"id\": \"s\", \"defaults\": {\"system\": \"{{x}}\"}, \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n",
	  "DIR/s.json:1:36: defaults.system: unknown template variable \"x\" (row DIR/r.csv:2 has a)" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"messages\": [{\"role\": \"user\", "
	  "\"content\": \"{{x}}\"}]}]}",
	  "r.csv", "a\n1\n",
	  "DIR/s.json:2:76: prompts[0].messages[0].content: unknown template variable \"x\" (row "
	  "DIR/r.csv:2 has a)" },
	/* a row's expanded prompt fails as a prompt: which row says so */
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\",\n"
	  "   \"checks\": [{\"type\": \"regex\", \"pattern\": \"{{re}}\"}]}]}",
	  "r.csv", "re\nok\n(ab\n",
	  "DIR/s.json:3:44: prompts[0].checks[0].pattern: invalid regex at offset 3: missing closing "
	  "parenthesis (row DIR/r.csv:3)" },
	/* ids */
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"}]}",
	  "r.csv", "id\na\nb\na\n",
	  "DIR/s.json:2:26: prompts[0].dataset: duplicate prompt id \"p-a\" (row DIR/r.csv:4)" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p-2\", \"prompt\": \"q\"},\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n2\n",
	  "DIR/s.json:3:26: prompts[1].dataset: duplicate prompt id \"p-2\" (row DIR/r.csv:3)" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"},\n"
	  "  {\"id\": \"p-1\", \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n", "DIR/s.json:3:10: prompts[1].id: duplicate prompt id \"p-1\"" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"}]}",
	  "r.csv", "id\nnew york\n",
	  "DIR/r.csv:2: row id \"new york\" makes prompt id \"p-new york\", which is not valid "
	  "(expected letters, digits, '.', '_', '-')" },
	/* the dataset itself */
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"r.csv\", \"prompt\": \"q\"}]}",
	  "r.csv", "a,b\n1,\"2\n",
	  "DIR/r.csv:2: unterminated quoted field (its closing quote is "
	  "missing)" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": \"\", \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n",
	  "DIR/s.json:2:26: prompts[0].dataset: expected the name of a .csv or .jsonl file" },
	{ "{\"id\": \"s\", \"prompts\": [\n"
	  "  {\"id\": \"p\", \"dataset\": 3, \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n",
	  "DIR/s.json:2:26: prompts[0].dataset: expected a string, got an integer" },
	{ "{\"id\": \"s\", \"defaults\": {\"dataset\": \"r.csv\"}, \"prompts\": [\n"
	  "  {\"id\": \"p\", \"prompt\": \"q\"}]}",
	  "r.csv", "a\n1\n",
	  "DIR/s.json:1:37: defaults.dataset: unknown key \"dataset\" (expected one of: temperature, "
	  "max_tokens, seed, samples, baseline_samples, logprobs, top_logprobs, system)" },
};

/* Copies e into buf with every "DIR" replaced by dir. */
static void subst_dir(char *buf, size_t len, const char *e, const char *dir)
{
	struct sbuf sb = SBUF_INIT;
	const char *d = strstr(e, "DIR");

	while (d) {
		sbuf_add(&sb, e, (size_t)(d - e));
		sbuf_addstr(&sb, dir);
		e = d + 3;
		d = strstr(e, "DIR");
	}
	sbuf_addstr(&sb, e);
	snprintf(buf, len, "%s", sb.buf);
	sbuf_release(&sb);
}

static void test_suite_errors(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_suites) / sizeof(bad_suites[0]); i++) {
		char *dir = tu_tmpdir();
		struct pl_err err = PL_ERR_INIT;
		struct suite *s = load_with(dir, bad_suites[i].suite, bad_suites[i].rows_name,
					    bad_suites[i].rows, &err);
		char buf[1600], want[1600];

		subst_dir(want, sizeof(want), bad_suites[i].error, dir);
		pl_err_str(&err, buf, sizeof(buf));
		if (s || err.code != PL_E_INPUT || strcmp(buf, want)) {
			print_error("case %zu:\n got: %s\nwant: %s\n", i, s ? "(loaded)" : buf,
				    want);
			failed++;
		}
		suite_free(s);
		tu_rmrf(dir);
		free(dir);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_nul),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_suite_rows),
		cmocka_unit_test(test_suite_row_edit_and_ids),
		cmocka_unit_test(test_suite_row_same_as_written),
		cmocka_unit_test(test_suite_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
