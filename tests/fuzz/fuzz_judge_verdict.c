/* fuzz_judge_verdict.c: libFuzzer target for the judge's verdict parser (judge_prompt.c): any
 * reply is either a verdict (a reason of at most JUDGE_REASON_MAX bytes without control
 * characters) or an error, never a crash; a reply that parses, embedded in prose, does not.
 * The input is also graded as an answer: its block in the judge prompt is closed only once. */
#include "../../harness/judge_prompt.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = PL_ERR_INIT;
	char *copy = malloc(size ? size : 1), *reason = NULL, *prompt, *prose, sha[65], end[64];
	const char *at;
	int pass = -1, rc;
	size_t i;

	if (!copy)
		return 0;
	memcpy(copy, data, size); /* no NUL: ASan sees a read past the reply */
	rc = judge_verdict_parse(copy, size, &pass, &reason, &err);
	if (rc == 0) {
		if (!reason || strlen(reason) > JUDGE_REASON_MAX || (pass != 0 && pass != 1))
			abort();
		for (i = 0; reason[i]; i++)
			if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
				abort();
		/* the same reply after prose is never a verdict */
		prose = malloc(size + 8);
		memcpy(prose, "Sure! ", 6);
		memcpy(prose + 6, data, size);
		free(reason);
		reason = NULL;
		if (judge_verdict_parse(prose, size + 6, &pass, &reason, &err) == 0)
			abort();
		free(prose);
	} else if (reason || !pl_err_isset(&err)) {
		abort();
	}
	free(reason);
	/* graded as an answer: its END line appears once, after it */
	if (!memchr(data, 0, size)) {
		char *answer = malloc(size + 1);

		memcpy(answer, data, size);
		answer[size] = '\0';
		prompt = judge_prompt_build(JUDGE_RUBRIC, "Names Paris", answer, size);
		hex_sha256(answer, size, sha);
		snprintf(end, sizeof(end), "-----END ANSWER %.16s-----", sha);
		at = strstr(prompt, end);
		if (!at || strstr(at + 1, end) || strcmp(at + strlen(end), "\n"))
			abort();
		free(prompt);
		free(answer);
	}
	free(copy);
	return 0;
}
