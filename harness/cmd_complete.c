/* cmd_complete.c: `plumbline --list-options [COMMAND]`, what the shell completions
 * (harness/completion/) ask: the commands, or a command's subcommands (for `help`, the
 * commands) and long options, taken
 * from the command table, its option tables and its usage text, so they cannot drift. */
#include "cli.h"
#include "sbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Appends "word\n" to out unless out already has that line. */
static void add_word(struct sbuf *out, const char *w, size_t len)
{
	const char *line, *nl;

	for (line = out->buf; *line; line = nl + 1) {
		nl = strchr(line, '\n'); /* every line ends with one */
		if ((size_t)(nl - line) == len && !memcmp(line, w, len))
			return;
	}
	sbuf_add(out, w, len);
	sbuf_addch(out, '\n');
}

static int option_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-';
}

/* Every "--name" in a usage text. */
static void scan_options(struct sbuf *out, const char *text)
{
	const char *p;

	for (p = text; p && (p = strstr(p, "--")); p += 2) {
		size_t n = 2;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		if (!islower((unsigned char)p[2]))
			continue;
		while (option_char(p[n]))
			n++;
		add_word(out, p, n);
		p += n - 2;
	}
}

/* Subcommands: the word after "plumbline NAME " on a synopsis line ("usage: plumbline baseline
 * record ...", "       plumbline baseline accept ..."). */
static void scan_subcommands(struct sbuf *out, const char *name, const char *text)
{
	struct sbuf head = SBUF_INIT;
	const char *p;

	sbuf_addf(&head, "plumbline %s ", name);
	for (p = text; (p = strstr(p, head.buf)); p += head.len) {
		const char *w = p + head.len, *line = p;
		size_t n = 0;

		while (line > text && line[-1] != '\n')
			line--;
		/* only synopsis lines: "usage: plumbline ..." or blanks then "plumbline ..." */
		if (strncmp(line, "usage: ", 7) && line + strspn(line, " ") != p)
			continue;
		while (*w == ' ')
			w++;
		while (islower((unsigned char)w[n]) || (n && w[n] == '-'))
			n++;
		if (n && (w[n] == ' ' || w[n] == '\n' || w[n] == '\0'))
			add_word(out, w, n);
	}
	sbuf_release(&head);
}

int cli_list_options(int argc, char **argv)
{
	struct sbuf subs = SBUF_INIT, opts = SBUF_INIT;
	const struct cli_usage_part *part;
	const struct cli_option *o;
	const struct cmd *c;
	size_t i, n;

	if (argc < 2) {
		c = cli_commands(&n);
		for (i = 0; i < n; i++)
			printf("%s\n", c[i].name);
		return EXIT_OK;
	}
	c = cli_find(argv[1]);
	if (!c)
		return cli_usage_error("--list-options", "unknown command '%s'", argv[1]);
	scan_subcommands(&subs, c->name, c->usage);
	if (!strcmp(c->name, "help")) {
		/* `plumbline help COMMAND`: the commands are its words */
		const struct cmd *all = cli_commands(&n);

		for (i = 0; i < n; i++)
			add_word(&subs, all[i].name, strlen(all[i].name));
	}
	for (part = c->parts; part && (part->opts || part->text); part++)
		for (o = part->opts; o && o->type != CLI_OPT_END; o++) {
			struct sbuf w = SBUF_INIT;

			sbuf_addf(&w, "--%s", o->long_name);
			add_word(&opts, w.buf, w.len);
			sbuf_release(&w);
		}
	scan_options(&opts, c->usage);
	for (part = c->parts; part && (part->opts || part->text); part++)
		scan_options(&opts, part->text);
	add_word(&opts, "--help", 6);
	fputs(subs.buf, stdout);
	fputs(opts.buf, stdout);
	sbuf_release(&subs);
	sbuf_release(&opts);
	return EXIT_OK;
}
