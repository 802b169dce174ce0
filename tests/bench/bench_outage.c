/* bench_outage.c: nights against a vendor in an outage. For each fault kind the simulator
 * fails every request (500, 502 HTML, 503, 529, reset, empty reply, timeout), and a whole
 * `plumbline run` of N requests (default 10,000: 1,000 prompts x 10 samples) is timed in a
 * child process; prints wall time, exit code and the outage the report names. With -r SECS,
 * also a vendor overloaded (529) for the first SECS seconds that then recovers: the night
 * must complete.
 *
 *   build/tests/bench_outage [-n REQUESTS] [-o MAX_OUTAGE] [-p PROBE_INTERVAL] [-t TIMEOUT_MS]
 *                            [-r RECOVER_AFTER_SECS] [-k FAULT]...
 *
 * Vendor settings: retries 5, concurrency 8, timeout_ms -t (default 5000), max_outage -o
 * (default 30 s) and probe_interval -p (default 10 s); -o/-p 0 keep the config defaults
 * (300 s and 30 s). The baseline is recorded first against a healthy simulator (10 samples a
 * prompt). Runs under /tmp; nothing leaves 127.0.0.1. */
#include "cli.h"
#include "sbuf.h"
#include "sim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bench {
	char dir[64];
	int n_prompts;
	double max_outage, probe_interval;
	long timeout_ms;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void write_suite(const struct bench *b)
{
	struct sbuf s;
	char path[128];
	int i;

	sbuf_init(&s);
	sbuf_addstr(&s, "{\"id\": \"night\", \"defaults\": {\"temperature\": 0.7, \"max_tokens\": "
			"40, \"samples\": 10, \"baseline_samples\": 10}, \"prompts\": [");
	for (i = 0; i < b->n_prompts; i++)
		sbuf_addf(&s, "%s{\"id\": \"p%d\", \"prompt\": \"Question %d: name a colour.\"}",
			  i ? "," : "", i, i);
	sbuf_addstr(&s, "]}\n");
	snprintf(path, sizeof(path), "%s/suite.json", b->dir);
	write_file(path, s.buf);
	sbuf_release(&s);
}

static void write_config(const struct bench *b, int port)
{
	struct sbuf s;
	char path[128];

	sbuf_init(&s);
	sbuf_addf(&s,
		  "{\"vendors\": [{\"id\": \"sim\", \"probe\": \"openai\", \"base_url\": "
		  "\"http://127.0.0.1:%d/v1\", \"model\": \"sim-gpt-1\", \"api_key_env\": "
		  "\"PL_BENCH_KEY\", \"concurrency\": 8, \"retries\": 5, \"timeout_ms\": %ld",
		  port, b->timeout_ms);
	if (b->max_outage > 0)
		sbuf_addf(&s, ", \"max_outage\": %g", b->max_outage);
	if (b->probe_interval > 0)
		sbuf_addf(&s, ", \"probe_interval\": %g", b->probe_interval);
	sbuf_addf(&s,
		  "}], \"paths\": {\"baselines\": \"%s/baselines\", \"reports\": \"%s/reports\", "
		  "\"state\": \"%s/state\"}}\n",
		  b->dir, b->dir, b->dir);
	snprintf(path, sizeof(path), "%s/plumbline.json", b->dir);
	write_file(path, s.buf);
	sbuf_release(&s);
}

/* Runs `plumbline ARGS` in a child (stdout and stderr to DIR/last.out); its exit code. */
static int plumbline(const struct bench *b, char **args)
{
	char out[128];
	int fd, status;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/last.out", b->dir);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		int argc = 0;

		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(99);
		dup2(fd, 1);
		dup2(fd, 2);
		while (args[argc])
			argc++;
		_exit(cli_main(argc, args));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct sim *start_sim(const char *fault, double fault_for, int night, int *port)
{
	struct pl_err err = PL_ERR_INIT;
	struct sim_opts o;
	struct sim *s;

	sim_opts_init(&o);
	o.knobs.seed = 21;
	o.knobs.night = night;
	o.slow_ms = 600000; /* "timeout": never answers; the client gives up */
	if (fault && sim_fault_parse(fault, &o.fault)) {
		fprintf(stderr, "unknown fault %s\n", fault);
		exit(2);
	}
	o.fault_for_s = fault_for;
	s = sim_start(&o, port, &err);
	if (!s) {
		fprintf(stderr, "simulator: %s\n", err.msg);
		exit(1);
	}
	return s;
}

/* The report's figures, one line. */
static void describe(const struct bench *b, const char *date, char *buf, size_t len)
{
	char path[160];
	json_t *r, *o;

	snprintf(path, sizeof(path), "%s/reports/%s/sim-night.json", b->dir, date);
	r = json_load_file(path, 0, NULL);
	o = json_object_get(r, "outage");
	snprintf(buf, len, "answers %lld/%lld; %s",
		 (long long)json_integer_value(json_object_get(json_object_get(r, "counts"), "answe"
											     "rs")),
		 (long long)json_integer_value(json_object_get(json_object_get(r, "counts"), "plann"
											     "ed")),
		 o ? json_string_value(json_object_get(o, "summary")) : "no outage recorded");
	json_decref(r);
}

static void night(const struct bench *b, const char *fault, double fault_for, int n)
{
	char date[16], cfg[128], suite[128], what[512], label[48];
	char *args[] = {
		"plumbline", "run", "--config", cfg, "--date", date, "--quiet", suite, NULL
	};
	struct sim *s;
	double t0, wall;
	int port, rc;

	snprintf(date, sizeof(date), "2026-07-%02d", n);
	snprintf(cfg, sizeof(cfg), "%s/plumbline.json", b->dir);
	snprintf(suite, sizeof(suite), "%s/suite.json", b->dir);
	s = start_sim(fault, fault_for, n, &port);
	write_config(b, port);
	t0 = mono();
	rc = plumbline(b, args);
	wall = mono() - t0;
	sim_stop(s);
	describe(b, date, what, sizeof(what));
	if (fault_for > 0)
		snprintf(label, sizeof(label), "%s for %.0f s", fault, fault_for);
	else
		snprintf(label, sizeof(label), "%s", fault);
	printf("%-18s %7d %8.1f %5d  %s\n", label, b->n_prompts * 10, wall, rc, what);
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "500",   "502-html",	   "503",    "529",
					   "reset", "empty-reply", "timeout" };
	const char *kinds[16];
	size_t n_kinds = 0, i;
	struct bench b;
	double recover = 0;
	char cfg[128], suite[128];
	char *rec[] = { "plumbline", "baseline", "record", "--config", cfg,
			"--vendor",  "sim",	 suite,	   NULL };
	struct sim *s;
	int c, port, rc, n = 0;

	memset(&b, 0, sizeof(b));
	b.n_prompts = 1000;
	b.max_outage = 30;
	b.probe_interval = 10;
	b.timeout_ms = 5000;
	while ((c = getopt(argc, argv, "n:o:p:t:r:k:")) != -1) {
		switch (c) {
		case 'n':
			b.n_prompts = (int)(strtol(optarg, NULL, 10) / 10);
			break;
		case 'o':
			b.max_outage = strtod(optarg, NULL);
			break;
		case 'p':
			b.probe_interval = strtod(optarg, NULL);
			break;
		case 't':
			b.timeout_ms = strtol(optarg, NULL, 10);
			break;
		case 'r':
			recover = strtod(optarg, NULL);
			break;
		case 'k':
			if (n_kinds < ARRAY_SIZE(kinds))
				kinds[n_kinds++] = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n N] [-o S] [-p S] [-t MS] [-r S] [-k FAULT]...\n",
				argv[0]);
			return 2;
		}
	}
	if (b.n_prompts < 1)
		b.n_prompts = 1;
	if (!n_kinds && recover <= 0)
		for (i = 0; i < ARRAY_SIZE(all); i++)
			kinds[n_kinds++] = all[i];
	snprintf(b.dir, sizeof(b.dir), "/tmp/pl-bench-outage.XXXXXX");
	if (!mkdtemp(b.dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("PL_BENCH_KEY", "bench-fake-key-0123456789", 1);
	setenv("PLUMBLINE_NO_PROGRESS", "1", 1);
	write_suite(&b);
	snprintf(cfg, sizeof(cfg), "%s/plumbline.json", b.dir);
	snprintf(suite, sizeof(suite), "%s/suite.json", b.dir);
	s = start_sim(NULL, 0, 0, &port);
	write_config(&b, port);
	rc = plumbline(&b, rec);
	sim_stop(s);
	if (rc) {
		fprintf(stderr, "baseline record failed (exit %d), see %s/last.out\n", rc, b.dir);
		return 1;
	}
	printf("vendor: retries 5, concurrency 8, timeout_ms %ld, max_outage %s, probe_interval "
	       "%s\n",
	       b.timeout_ms, b.max_outage > 0 ? "set" : "default (300 s)",
	       b.probe_interval > 0 ? "set" : "default (30 s)");
	if (b.max_outage > 0 || b.probe_interval > 0)
		printf("        (max_outage %g s, probe_interval %g s)\n", b.max_outage,
		       b.probe_interval);
	printf("%-18s %7s %8s %5s  %s\n", "fault (100%)", "planned", "wall s", "exit", "report");
	for (i = 0; i < n_kinds; i++)
		night(&b, kinds[i], 0, ++n);
	if (recover > 0)
		night(&b, "529", recover, ++n);
	printf("(work files in %s)\n", b.dir);
	return 0;
}
