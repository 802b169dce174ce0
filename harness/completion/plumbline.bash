# bash completion for plumbline(1). The binary lists its own commands, subcommands and options
# (`plumbline --list-options [COMMAND]`, generated from its option tables and usage texts), so
# this file never goes stale. Installed as share/bash-completion/completions/plumbline.

_plumbline()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local bin=${COMP_WORDS[0]} cmd="" at=0 i list
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]} at=$i; break ;;
		esac
	done
	COMPREPLY=()
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$("$bin" --list-options 2>/dev/null)" -- "$cur")
		fi
		return 0
	fi
	list=$("$bin" --list-options "$cmd" 2>/dev/null) || return 0
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(grep -- '^-' <<<"$list")" -- "$cur")
		return 0
	fi
	if ((COMP_CWORD == at + 1)) && grep -q -- '^[a-z]' <<<"$list"; then
		mapfile -t COMPREPLY < <(compgen -W "$(grep -- '^[a-z]' <<<"$list")" -- "$cur")
		return 0
	fi
	if [[ $cmd == init && $prev == --vendor ]]; then
		mapfile -t COMPREPLY < <(compgen -W "openai azure anthropic gemini ollama bedrock" -- "$cur")
		return 0
	fi
	# configs, suites, reports, folders
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	return 0
}
complete -o filenames -F _plumbline plumbline
