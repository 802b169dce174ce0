#!/usr/bin/env bash
# test_completion.sh: the bash completion (harness/completion/plumbline.bash), sourced as
# bash-completion would, offers the commands, each command's options and subcommands; and for
# every command the options the completion offers are exactly those `plumbline CMD --help`
# shows (both come from the command's option tables and usage text). The zsh file parses.
source "$(dirname "$0")/lib.sh"
comp="$PL_SOURCE_DIR/harness/completion"

# complete WORDS...: the completions for the last word (may be "") as one sorted line.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_plumbline; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp/plumbline.bash" "$PLUMBLINE" "$@" | sort | tr '\n' ' '
}
bash -c 'source "$1"; complete -p plumbline' _ "$comp/plumbline.bash" | grep -q -- '-F _plumbline' ||
	fail "the completion is not registered for plumbline"

# Commands: those of `plumbline help`.
want=$("$PLUMBLINE" help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' | sort | tr '\n' ' ')
[ "$(echo $want | wc -w)" -ge 12 ] || fail "help lists: $want"
got=$(complete_words "")
[ "$got" = "$want" ] || fail "commands: got '$got', want '$want'"
[ "$(complete_words ru)" = "run " ] || fail "ru: $(complete_words ru)"
[ "$(complete_words do)" = "doctor " ] || fail "do: $(complete_words do)"

# `plumbline run --`: run's options.
got=$(complete_words run --)
for o in --config --vendor --dry-run --max-cost --lock-wait --junit --quiet; do
	case " $got" in *" $o "*) ;; *) fail "run -- does not offer $o: $got" ;; esac
done
[ "$(complete_words run --dry)" = "--dry-run " ] || fail "--dry: $(complete_words run --dry)"
[ "$(complete_words doctor --)" = "--config --help --send " ] || fail "doctor: $(complete_words doctor --)"

# Subcommands right after the command; option values.
[ "$(complete_words baseline "")" = "accept record " ] || fail "baseline: $(complete_words baseline "")"
[ "$(complete_words alert "")" = "test " ] || fail "alert: $(complete_words alert "")"
[ "$(complete_words register "")" = "add prove report show verify " ] || fail "register: $(complete_words register "")"
[ "$(complete_words init --vendor "")" = "anthropic azure bedrock gemini ollama openai " ] || fail "init --vendor"
# `plumbline help <TAB>`: the commands (QA: it offered nothing)
[ "$(complete_words help ru)" = "run " ] || fail "help ru: $(complete_words help ru)"
[ "$(complete_words help "")" = "$want" ] || fail "help: $(complete_words help "")"
mkdir "$tmp/files" && touch "$tmp/files/suite-a.json"
[ "$(complete_words run --config x "$tmp/files/su")" = "$tmp/files/suite-a.json " ] || fail "files"

# For every command: the offered options are the options its --help shows.
for c in $want; do
	[ "$c" = help ] || [ "$c" = version ] && continue
	help=$("$PLUMBLINE" "$c" --help | grep -o -- '\(^\|[^a-zA-Z0-9-]\)--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u | tr '\n' ' ')
	offered=$(complete_words "$c" -- | tr ' ' '\n' | grep -v '^--help$' | sort -u | tr '\n' ' ')
	help=$(echo "$help" | tr ' ' '\n' | grep -v '^--help$' | grep . | sort -u | tr '\n' ' ')
	[ -n "$offered" ] || fail "$c: no options offered"
	[ "$offered" = "$help" ] || fail "$c: completion offers '$offered', --help shows '$help'"
done

# zsh_words WORDS...: what _plumbline offers for the last word, with zsh's compadd and _files
# stood in for by functions that print their candidates (they are builtins only inside a
# completion widget).
zsh_words() {
	zsh -f -c 'compadd() { if [[ $1 == -a ]]; then print -l -- ${(P)2}; else
			[[ $1 == -- ]] && shift; print -l -- "$@"; fi }
		_files() { print -- "(files)" }
		comp=$1; shift; words=("$@"); CURRENT=$#words; PREFIX=${words[CURRENT]}
		source "$comp"' _ "$comp/_plumbline" "$PLUMBLINE" "$@" | sort | tr '\n' ' '
}
if command -v zsh >/dev/null; then
	zsh -n "$comp/_plumbline" || fail "_plumbline does not parse"
	[ "$(zsh_words "")" = "$(complete_words "")" ] ||
		fail "zsh offers other commands: '$(zsh_words "")' vs bash '$(complete_words "")'"
	for c in run compare doctor; do
		[ "$(zsh_words "$c" --)" = "$(complete_words "$c" --)" ] ||
			fail "zsh: $c --: '$(zsh_words "$c" --)' vs bash '$(complete_words "$c" --)'"
	done
	zsh_words init --vendor "" | grep -q "anthropic" || fail "zsh: init --vendor: $(zsh_words init --vendor "")"
	zsh_words baseline "" | grep -q "record" || fail "zsh: baseline subcommands: $(zsh_words baseline "")"
else
	echo "SKIP: zsh not installed; _plumbline not parsed"
fi
echo ok
