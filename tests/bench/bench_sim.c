/* bench_sim.c: prints the simulated vendor's throughput (no latency) and pacing (50 ms latency)
 * at concurrency 16 over loopback, with libcurl multi and connection reuse as a runner would. */
#include "sbuf.h"
#include "sim.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CONC 16

static const char body[] = "{\"model\":\"gpt-4o\",\"temperature\":0.7,\"messages\":[{\"role\":"
			   "\"user\",\"content\":\"Name a primary color.\"}]}";

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Sends n requests, CONC at a time; returns the wall seconds, counts non-200 answers. */
static double run(int port, int n, int *bad)
{
	CURLM *m = curl_multi_init();
	CURL *e[CONC];
	struct curl_slist *hl = curl_slist_append(NULL, "Authorization: Bearer bench");
	char url[128];
	int sent = 0, done = 0, running;
	double t0 = now();

	*bad = 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	for (int i = 0; i < CONC; i++) {
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, sink);
		if (sent < n) {
			curl_multi_add_handle(m, e[i]);
			sent++;
		}
	}
	while (done < n) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			long code = 0;
			CURL *h = msg->easy_handle;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
			if (msg->data.result != CURLE_OK || code != 200)
				(*bad)++;
			done++;
			curl_multi_remove_handle(m, h);
			if (sent < n) {
				curl_multi_add_handle(m, h); /* reuse: keeps the connection */
				sent++;
			}
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < CONC; i++)
		curl_easy_cleanup(e[i]);
	curl_slist_free_all(hl);
	curl_multi_cleanup(m);
	return now() - t0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20000, port, bad;
	struct sim_opts o;
	struct pl_err err = PL_ERR_INIT;
	struct sim *s;
	double secs;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sim_opts_init(&o);
	s = sim_start(&o, &port, &err);
	if (!s) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	secs = run(port, n, &bad);
	printf("no latency:  %d requests, concurrency %d: %.2f s, %.0f requests/s, %d failed\n", n,
	       CONC, secs, n / secs, bad);
	sim_stop(s);

	o.latency_ms = 50;
	s = sim_start(&o, &port, &err);
	if (!s) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	secs = run(port, 1000, &bad);
	printf("50 ms latency: 1000 requests, concurrency %d: %.2f s (ideal %.2f s, ratio %.3f), "
	       "%d failed\n",
	       CONC, secs, 1000.0 / CONC * 0.05, secs / (1000.0 / CONC * 0.05), bad);
	sim_stop(s);
	curl_global_cleanup();
	return 0;
}
