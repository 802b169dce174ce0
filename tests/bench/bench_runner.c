/* bench_runner.c: the runner at scale. Sends N requests (default 1k, 10k, 100k: 1,000
 * prompts x N / 1,000 samples, planned by plan_build as a run plans them; short answers, no
 * latency) through the real openai probe to the simulated vendor on 127.0.0.1, each run in a
 * child process of its own, and prints wall time, CPU and peak RSS of the runner process (the
 * simulator runs in another process, so it is not counted).
 *
 *   build/tests/bench_runner [N...] [-c CONCURRENCY] [-l LATENCY_MS]
 *
 * Peak RSS must stay flat as N grows: answers go to the journal as they finish, the plan
 * holds one group per (vendor, suite, prompt), not one record per request, and the journal
 * indexes only what it held when opened for resuming (nothing, here). */
#include "journal.h"
#include "plan.h"
#include "runner.h"
#include "sbuf.h"
#include "sim.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_PROMPTS 1000

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Child: serves the simulator until its stdin pipe closes. */
static void serve(int latency_ms, int port_fd, int stop_fd)
{
	struct pl_err err = PL_ERR_INIT;
	struct sim_opts o;
	struct sim *s;
	int port = 0;
	char c;

	sim_opts_init(&o);
	o.latency_ms = latency_ms;
	o.knobs.night_noise = 0;
	/* The simulator advertises 5,000 requests and 800,000 prompt tokens a minute by default
	 * and the runner honours x-ratelimit-* headers: room for the whole benchmark (with
	 * prompts of a few tokens). */
	o.rate_limit_rpm = 1000000000L;
	s = sim_start(&o, &port, &err);
	if (!s) {
		fprintf(stderr, "bench: simulator: %s\n", err.msg);
		_exit(1);
	}
	if (write(port_fd, &port, sizeof(port)) != (ssize_t)sizeof(port))
		_exit(1);
	while (read(stop_fd, &c, 1) > 0)
		;
	sim_stop(s);
	_exit(0);
}

static void on_progress(void *ctx, const struct runner_progress *p)
{
	(void)ctx;
	fprintf(stderr, "bench: %6.2f s %zu/%zu done\n", p->elapsed_s, p->done, p->total);
}

/* Child: one run of n requests. Prints "answered faults wall_s" on fd 1. */
static int run_once(int port, long n, int concurrency)
{
	struct pl_err err = PL_ERR_INIT;
	struct vendor v;
	struct config c;
	struct suite su;
	const struct suite *sp = &su;
	struct prompt *pr;
	struct message *msg;
	struct plan p;
	struct journal *j;
	struct runner_opts o;
	struct runner_stats st;
	char url[64], dir[256], jpath[300], (*ids)[16], (*texts)[64];
	long i, n_prompts = n < N_PROMPTS ? (n > 0 ? n : 1) : N_PROMPTS, samples = n / n_prompts;
	int rc;
	size_t heap_plan, heap_index;

	/* PL_BENCH_DIR: where the journal goes (its fdatasync per answer is what a disk costs). */
	snprintf(dir, sizeof(dir), "%s/pl-bench-XXXXXX",
		 getenv("PL_BENCH_DIR") ? getenv("PL_BENCH_DIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", dir);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	memset(&v, 0, sizeof(v));
	v.id = (char *)"sim";
	v.probe = (char *)"openai";
	v.base_url = url;
	v.model = (char *)"sim-gpt-1";
	v.api_key = (char *)"bench-key";
	v.timeout_ms = 30000;
	v.connect_timeout_ms = 5000;
	v.concurrency = concurrency;
	v.retries = 2;
	v.max_response_bytes = 1 << 20;

	pr = calloc(N_PROMPTS, sizeof(*pr));
	msg = calloc(N_PROMPTS, sizeof(*msg));
	ids = calloc(N_PROMPTS, sizeof(*ids));
	texts = calloc(N_PROMPTS, sizeof(*texts));
	for (i = 0; i < n_prompts; i++) {
		snprintf(ids[i], sizeof(ids[i]), "p%ld", i);
		snprintf(texts[i], sizeof(texts[i]), "colour %ld", i);
		msg[i].role = (char *)"user";
		msg[i].content = texts[i];
		pr[i].id = ids[i];
		pr[i].messages = &msg[i];
		pr[i].n_messages = 1;
		pr[i].temperature = 0.7;
		pr[i].max_tokens = 16;
		pr[i].samples = samples > 0 ? (int)samples : 1;
	}
	memset(&su, 0, sizeof(su));
	su.id = (char *)"bench";
	su.prompts = pr;
	su.n_prompts = (size_t)n_prompts;
	memset(&c, 0, sizeof(c));
	c.path = (char *)"bench";
	c.vendors = &v;
	c.n_vendors = 1;
	/* The real plan, hash included, as a run builds it. */
	if (plan_build(&p, &c, NULL, 0, &sp, 1, PLAN_NIGHTLY, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}

	j = journal_open(jpath, "bench", p.hash, "nightly", 0, &err);
	if (!j) {
		fprintf(stderr, "bench: %s: %s\n", err.where, err.msg);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	if (getenv("PL_BENCH_VERBOSE"))
		o.progress = on_progress;
	heap_plan = mallinfo2().uordblks + mallinfo2().hblkhd;
	rc = runner_run(&p, j, &o, &st, &err);
	heap_index = mallinfo2().uordblks + mallinfo2().hblkhd;
	journal_close(j);
	plan_release(&p);
	if (rc)
		fprintf(stderr, "bench: %s\n", err.msg);
	/* Heap in use with the plan built, and after the run with the journal still open: the
	 * difference is the journal's index of done items; the runner's own is freed. */
	printf("%zu %zu %.3f %zu %.1f %.1f\n", st.answered, st.faults, st.wall_s,
	       st.n_vendors ? st.vendors[0].retries : 0, (double)heap_plan / 1048576.0,
	       (double)(heap_index - heap_plan) / 1048576.0);
	fflush(stdout);
	runner_stats_release(&st);
	if (getenv("PL_BENCH_KEEP"))
		fprintf(stderr, "bench: journal kept: %s\n", jpath);
	else if (!unlink(jpath))
		rmdir(dir);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	long ns[16] = { 1000, 10000, 100000 };
	size_t nn = 0, i;
	int concurrency = 16, latency = 0, port = 0, port_pipe[2], stop_pipe[2], out_pipe[2];
	int status, opt;
	pid_t sim, pid;
	struct rusage ru;
	char line[128];
	ssize_t got;
	size_t answered = 0, faults = 0, retries = 0;
	double heap_plan = 0, heap_index = 0;
	double wall = 0, cpu, t0;

	while ((opt = getopt(argc, argv, "c:l:")) != -1) {
		if (opt == 'c')
			concurrency = (int)strtol(optarg, NULL, 10);
		else if (opt == 'l')
			latency = (int)strtol(optarg, NULL, 10);
		else
			return 2;
	}
	for (; optind < argc && nn < 16; optind++)
		ns[nn++] = strtol(argv[optind], NULL, 10);
	if (!nn)
		nn = 3;
	if (pipe(port_pipe) || pipe(stop_pipe))
		return 1;
	sim = fork();
	if (sim == 0) {
		close(stop_pipe[1]);
		serve(latency, port_pipe[1], stop_pipe[0]);
	}
	close(stop_pipe[0]);
	if (read(port_pipe[0], &port, sizeof(port)) != (ssize_t)sizeof(port))
		return 1;

	printf("runner benchmark: openai probe -> simulator on 127.0.0.1, latency %d ms, "
	       "concurrency %d\n\n",
	       latency, concurrency);
	printf("| requests | answered | faults | retries | wall s | requests/s | CPU s | "
	       "CPU us/request | peak RSS MiB | heap: plan MiB | heap: journal index MiB |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	fflush(stdout);
	for (i = 0; i < nn; i++) {
		if (pipe(out_pipe))
			return 1;
		t0 = mono();
		pid = fork();
		if (pid == 0) {
			close(out_pipe[0]);
			dup2(out_pipe[1], 1);
			_exit(run_once(port, ns[i], concurrency));
		}
		close(out_pipe[1]);
		got = read(out_pipe[0], line, sizeof(line) - 1);
		close(out_pipe[0]);
		line[got > 0 ? got : 0] = '\0';
		if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "bench: run of %ld requests failed\n", ns[i]);
		if (sscanf(line, "%zu %zu %lf %zu %lf %lf", &answered, &faults, &wall, &retries,
			   &heap_plan, &heap_index) != 6)
			wall = mono() - t0;
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		printf("| %ld | %zu | %zu | %zu | %.2f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f "
		       "|\n",
		       ns[i], answered, faults, retries, wall,
		       wall > 0 ? (double)answered / wall : 0, cpu, cpu * 1e6 / (double)ns[i],
		       (double)ru.ru_maxrss / 1024.0, heap_plan, heap_index);
		fflush(stdout);
	}
	close(stop_pipe[1]);
	waitpid(sim, &status, 0);
	return 0;
}
