/* bench_register.c: prints register figures: append rate (each append signs the entry and
 * rewrites the signed checkpoint), full verification, proofs, JCS and signing throughput.
 * Usage: bench_register [ENTRIES] (default 2000). Writes under a mkdtemp directory. */
#include "canon.h"
#include "fileio.h"
#include "register.h"
#include "sign.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000, i;
	char dir[] = "/tmp/pl_bench_register.XXXXXX", sk[128], pk[128], reg[128];
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct sign_key *key;
	struct sign_pub *pub;
	struct reg *r;
	json_t *proof, *doc;
	struct sbuf sb;
	double t0, t;
	char buf[2048];

	if (!mkdtemp(dir) || n < 2)
		return 1;
	snprintf(sk, sizeof(sk), "%s/k.key", dir);
	snprintf(pk, sizeof(pk), "%s/k.pub", dir);
	snprintf(reg, sizeof(reg), "%s/register.jsonl", dir);
	if (sign_keygen(sk, pk, NULL, 0, &err) < 0)
		goto fail;
	key = sign_key_load(sk, &err);
	pub = sign_pub_load(pk, &err);
	r = key ? register_open(reg, key, &err) : NULL;
	if (!r || !pub)
		goto fail;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct reg_run_entry e;

		memset(&e, 0, sizeof(e));
		e.vendor = i % 2 ? "openai-prod" : "anthropic";
		e.model = "model-x";
		e.suite = "core";
		e.verdict = i % 97 ? "no_change" : "changed";
		e.epoch = "e1";
		e.report = "reports/2026-11-27/openai-prod-core.json";
		e.report_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"
				  "8";
		e.availability = 0.99;
		e.latency_p50_ms = 812.5;
		e.latency_p95_ms = 1490;
		if (register_append_run(r, &e, &err) < 0)
			goto fail;
	}
	t = now_s() - t0;
	printf("append: %ld entries in %.3f s = %.0f entries/s (%.3f ms each, incl. fsync)\n", n, t,
	       (double)n / t, 1000 * t / (double)n);
	register_close(r);
	t0 = now_s();
	r = register_open(reg, key, &err);
	t = now_s() - t0;
	if (!r)
		goto fail;
	printf("open (verifies all %ld entries + checkpoint): %.3f s\n", n, t);
	register_close(r);
	t0 = now_s();
	if (register_verify(reg, pub, NULL, &res, &err) < 0)
		goto fail;
	printf("register verify: %.3f s\n", now_s() - t0);
	t0 = now_s();
	if (register_prove_inclusion(reg, pub, n / 2, &proof, &err) < 0)
		goto fail;
	printf("prove inclusion (verify + proof of %zu hashes): %.3f s\n",
	       json_array_size(json_object_get(proof, "proof")), now_s() - t0);
	json_decref(proof);
	doc = json_loads("{\"prompts\":[{\"id\":\"p1\",\"checks\":[{\"score\":0.8125,\"verdict\":"
			 "\"pass\"}],\"text\":\"The capital of France is Paris.\"}],\"v\":1}",
			 0, NULL);
	sbuf_init(&sb);
	t0 = now_s();
	for (i = 0; i < 100000; i++) {
		sbuf_reset(&sb);
		canon_jcs(doc, &sb, &err);
	}
	printf("canon_jcs: %.0f documents/s (%zu bytes each)\n", 100000 / (now_s() - t0), sb.len);
	memset(buf, 'x', sizeof(buf));
	t0 = now_s();
	for (i = 0; i < 2000; i++) {
		sbuf_reset(&sb);
		sign_minisig(key, buf, sizeof(buf), "file:r.json", &sb, &err);
	}
	printf("minisign signature (2 KiB): %.0f signatures/s\n", 2000 / (now_s() - t0));
	sbuf_release(&sb);
	json_decref(doc);
	sign_key_free(key);
	sign_pub_free(pub);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
fail:
	fprintf(stderr, "bench_register: %s\n", pl_err_str(&err, buf, sizeof(buf)));
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 1;
}
