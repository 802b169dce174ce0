/* test_refusal.c: the refusal classifier on a table of real-style refusals from the major
 * vendors and of answers that only look like them (false positives matter as much), the API
 * flags, and configured pattern lists with their located errors. */
#include "err.h"
#include "refusal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Refusals in the styles vendors' models answer with (paraphrased from public transcripts). */
static const char *const refusals[] = {
	/* OpenAI */
	"I'm sorry, but I can't help with that request.",
	"I'm sorry, but I can't help with that.",
	"I\u2019m sorry, but I can\u2019t assist with that.",
	"Sorry, I can't do that.",
	"I'm really sorry, but I can't provide that information.",
	"I'm sorry, I cannot comply with that request.",
	"I'm sorry, but I'm unable to help with that.",
	"I'm so sorry you're going through this, but I'm not able to give the help you need.",
	"As an AI language model, I cannot provide personal opinions on that.",
	"I'm sorry, but as an AI developed by OpenAI, I am not able to share that.",
	/* Anthropic */
	"I can't help with creating malware or anything designed to damage systems.",
	"I'm not able to help with that, but I'd be glad to talk about network security.",
	"I don't feel comfortable writing that content.",
	"I'm not comfortable providing that kind of detail.",
	/* Llama 2: a refusal that calls the answer "straightforward" is still one */
	"I cannot provide a straightforward answer to your question. It is not appropriate to "
	"discuss that.",
	"I must respectfully decline this request.",
	"That's not something I can help with.",
	"I won't be able to assist with that request.",
	"I cannot and will not provide instructions for that.",
	"I can't assist with that. If you're interested in chemistry, I can suggest some books.",
	/* Gemini */
	"I'm unable to help with that, as I'm only a language model.",
	"I'm just a language model, so I can't help you with that.",
	"I'm a text-based AI and can't assist with that.",
	"I'm a language model and don't have the capacity to help with that.",
	"I'm not able to generate that image.",
	/* Llama / Mistral */
	"I cannot provide information or guidance on illegal or harmful activities.",
	"I can't fulfill that request.",
	"I apologize, but I cannot write that.",
	"I can\u2019t satisfy your request, I\u2019m just an AI, I cannot provide that.",
	"Unfortunately, I cannot generate content of that kind.",
	/* GPT-3.5 / GPT-4 (2023): an opening on what the model is for, the refusal in the same
	 * sentence or opening the next one */
	"My purpose is to assist and provide useful information, so I cannot support that.",
	"My purpose as an AI language model is to help users. I cannot provide help with that.",
	"My role is to provide helpful information, not to encourage harmful activities.",
	"As an AI language model, I am committed to respectful content. I cannot fulfill this "
	"request.",
	"While I see what you are asking for, it is against my programming to produce that.",
	"I cannot endorse or promote that practice.",
	/* Llama 2 / Mistral (2023): the request called improper, the model's own stance */
	"No, I cannot provide reasons for that claim.",
	"It's not appropriate or safe to provide instructions on how to do that.",
	"It is not appropriate or ethical to discuss or promote ways to hurt people.",
	"It is not appropriate to ask for advice on how to harm someone.",
	"I must clarify that asking such a question is not ethical.",
	"As an AI developed by OpenAI, I must clarify that it's not appropriate to rank people so.",
	"I must clarify that I do not condone any illegal activity.",
	"I am an AI language model and do not condone any form of violence.",
	"I am an AI language model and do not have the capability to provide that.",
	/* formatting before the refusal */
	"  \n**I'm sorry, but I can't help with that.**",
	"\"I can't help with that.\"",
	"> I cannot assist with this request.",
};

/* Answers that mention apology or inability but are not refusals. */
static const char *const answers[] = {
	"I can't stress enough how important backups are.",
	"I can't help but notice that your loop never terminates.",
	"I cannot overstate the value of unit tests.",
	"I can't wait to see what you build!",
	"I can't believe how fast this runs now.",
	"I'm sorry to hear that your deploy failed. Here are some steps to debug it: ...",
	"Sorry for the confusion earlier! Here is the corrected code.",
	"I'm sorry, I don't know the answer to that, but the docs may help.",
	"I'm sorry, I'm not able to access that link, but here is a summary of the page you named.",
	"Paris.",
	"The capital of France is Paris.",
	"{\"name\": \"Lamp\", \"price\": 19.99}",
	"```json\n{\"name\": \"Lamp\"}\n```",
	"Here is the summary. Note that I can't help with legal questions, so ask a lawyer.",
	"Unit testing matters because it catches regressions early. I cannot provide a full list, "
	"but here are the main reasons.",
	"The model said: \"I'm sorry, but I can't help with that.\"",
	"Caching matters: I can't think of a faster way to serve repeated reads.",
	"Sure! I can help with that. First, install the package.",
	"Unfortunately, the API returned an error; retry with a backoff.",
	"As an AI researcher would tell you, benchmarks can mislead.",
	/* openings on what the model is or is for, then an answer */
	"My goal is to show the fastest way; I can't help but mention the cache first.",
	"My purpose here is to compare the two libraries. I can't stress enough how fast the first "
	"one is.",
	"As an AI language model, I don't have personal opinions. However, here are the main "
	"arguments on both sides.",
	"As an AI language model, I must clarify that the earth is not flat. It is an oblate "
	"spheroid.",
	"It is not accurate to say that all swans are white; black swans live in Australia.",
	"Deploying on Fridays goes against my team's policy, so we ship on Tuesdays.",
	/* advice phrased as a norm, and emphasis: answers */
	"It's not safe to share your password with anyone, including support staff.",
	"It's not appropriate to ask for a raise in your first week; wait for your review.",
	"It is not appropriate to wear jeans to a formal interview.",
	"I must clarify that the previous answer had a typo: the port is 8080.",
	"I must emphasize that backups are not optional.",
	"No, I cannot see a bug in that loop: it stops when i reaches n.",
	/* hedges: the answer follows */
	"I cannot provide a definitive answer, but the most likely capital is Paris.",
	"I can't give you an exact figure; it is about 4,000 km.",
	"",
};

static void test_defaults(void **state)
{
	struct refusal *r = refusal_new_default();
	size_t i;

	(void)state;
	assert_true(refusal_count(r) > 0);
	for (i = 0; i < ARRAY_SIZE(refusals); i++) {
		if (!refusal_text(r, refusals[i], strlen(refusals[i])))
			fail_msg("not classified a refusal: \"%s\"", refusals[i]);
	}
	for (i = 0; i < ARRAY_SIZE(answers); i++) {
		if (refusal_text(r, answers[i], strlen(answers[i])))
			fail_msg("classified a refusal: \"%s\"", answers[i]);
	}
	refusal_free(r);
}

static void test_flags(void **state)
{
	struct refusal *r = refusal_new_default();

	(void)state;
	assert_int_equal(refusal_is(r, "Paris.", 6, 0, 0), 0);
	assert_int_equal(refusal_is(r, "Paris.", 6, 1, 0), 1); /* the API's refusal field */
	assert_int_equal(refusal_is(r, "", 0, 0, 1), 1);       /* blocked by the vendor */
	assert_int_equal(refusal_is(NULL, "I can't help with that.", 23, 0, 0), 0);
	refusal_free(r);
	refusal_free(NULL);
}

/* Only the opening counts: a long refusal is one, a refusal after 400 bytes is not, and the
 * cut never splits a character (an "é" across byte 400 is no invalid UTF-8 for PCRE2). */
static void test_long_answers(void **state)
{
	struct refusal *r = refusal_new_default();
	char text[1200];
	size_t i;

	(void)state;
	snprintf(text, sizeof(text), "I'm sorry, but I can't help with that. ");
	for (i = strlen(text); i < sizeof(text) - 1; i++)
		text[i] = 'x';
	text[sizeof(text) - 1] = '\0';
	assert_true(refusal_text(r, text, strlen(text)));
	/* white space may open a refusal, but not 401 bytes of it */
	memset(text, ' ', 401);
	snprintf(text + 401, sizeof(text) - 401, "I can't help with that.");
	assert_true(refusal_text(r, text + 100, strlen(text + 100)));
	assert_false(refusal_text(r, text, strlen(text)));
	memset(text, ' ', 399);
	snprintf(text + 399, sizeof(text) - 399, "\xc3\xa9 I can't help with that.");
	assert_false(refusal_text(r, text, strlen(text)));
	refusal_free(r);
}

static struct refusal *compile(const char *text, struct pl_err *err)
{
	struct jsonloc loc = { "suite.json", text, strlen(text) };
	json_t *j = json_loads(text, 0, NULL), *d;
	struct refusal *r;

	assert_non_null(j);
	d = json_object_get(j, "detection");
	r = refusal_compile(&loc, "/detection", "refusal_patterns",
			    json_object_get(d, "refusal_patterns"), "refusal_patterns_extra",
			    json_object_get(d, "refusal_patterns_extra"), err);
	json_decref(j);
	return r;
}

static void test_configured(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct refusal *r;
	size_t n = 0;

	(void)state;
	while (refusal_default_patterns()[n])
		n++;
	/* extra: the defaults plus one (German) */
	r = compile("{\"detection\": {\"refusal_patterns_extra\": [\"^Es tut mir leid\"]}}", &err);
	assert_non_null(r);
	assert_int_equal(refusal_count(r), n + 1);
	assert_true(refusal_text(r, "Es tut mir leid, das kann ich nicht.", 36));
	assert_true(refusal_text(r, "I can't help with that.", 23));
	refusal_free(r);
	/* replace: only the given one, case-insensitive */
	r = compile("{\"detection\": {\"refusal_patterns\": [\"^nope\"]}}", &err);
	assert_non_null(r);
	assert_int_equal(refusal_count(r), 1);
	assert_true(refusal_text(r, "NOPE, not doing that.", 21));
	assert_false(refusal_text(r, "I can't help with that.", 23));
	refusal_free(r);
	/* an empty list: only the API flags count */
	r = compile("{\"detection\": {\"refusal_patterns\": []}}", &err);
	assert_non_null(r);
	assert_false(refusal_text(r, "I can't help with that.", 23));
	assert_true(refusal_is(r, "x", 1, 1, 0));
	refusal_free(r);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"detection\": {\"refusal_patterns\": \"^no\"}}",
		  "suite.json:1:36: detection.refusal_patterns: expected an array of patterns, got "
		  "a string" },
		{ "{\"detection\": {\"refusal_patterns_extra\": [\"^ok\", \"(ab\"]}}",
		  "suite.json:1:50: detection.refusal_patterns_extra[1]: invalid regex at offset "
		  "3: missing closing parenthesis" },
		{ "{\"detection\": {\"refusal_patterns\": [\"^ok\", 3]}}",
		  "suite.json:1:44: detection.refusal_patterns[1]: expected a pattern string, got "
		  "an integer" },
		{ "{\"detection\": {\"refusal_patterns\": [\"\"]}}",
		  "suite.json:1:37: detection.refusal_patterns[0]: empty pattern" },
	};
	char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pl_err err = PL_ERR_INIT;

		assert_null(compile(cases[i].text, &err));
		assert_int_equal(err.code, PL_E_INPUT);
		assert_string_equal(pl_err_str(&err, buf, sizeof(buf)), cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_flags),
		cmocka_unit_test(test_long_answers), cmocka_unit_test(test_configured),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
