# bash completion for lanuctl(1): its options, commands, each command's options and
# their values, files where a file is taken, and key names from the keys directory.
# Nothing here asks lanud. Installed as bash-completion/completions/lanuctl.

# The values of a comma-separated list: complete the word after the last comma.
_lanuctl_list()
{
	local words=$1 head=""

	[[ $cur == *,* ]] && head=${cur%,*},
	COMPREPLY=($(compgen -P "$head" -W "$words" -- "${cur##*,}"))
	compopt -o nospace 2>/dev/null
}

# The keys directory: --dir on the line, else keys-dir of lanud's configuration.
_lanuctl_keys_dir()
{
	local i conf=${LANU_CONF:-/etc/lanu/lanud.conf}

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--dir) echo "${words[i + 1]}"; return ;;
		--dir=*) echo "${words[i]#--dir=}"; return ;;
		-c | --config) conf=${words[i + 1]} ;;
		--config=*) conf=${words[i]#--config=} ;;
		esac
	done
	[[ -r $conf ]] && awk '$1 == "keys-dir" { gsub(/"/, "", $2); print $2; exit }' "$conf"
}

_lanuctl()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local global_opts="-c --config -e --endpoint -s --subscribe -t --timeout --lang --ids
		-k --key --server-key --client-conf -V --version -h --help"
	local commands="send tail status alert open ack due case compliance absences indicators
		measures report clock plan keys audit backup"
	local events="service-requested service-provided case-cancelled deadline-missed
		indicator-updated absence-alert-raised measure-status-updated alert-acknowledged
		service-postponed absence-counts-reported drop-out-reported delivery-failed"

	# The command: the first word that is neither a global option nor its value.
	local i cmd="" cmdi=0 sub=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c | --config | -e | --endpoint | -s | --subscribe | -t | --timeout | --lang | \
			-k | --key | --server-key | --client-conf)
			((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			cmdi=$i
			break ;;
		esac
	done
	if [[ -n $cmd ]] && ((cmdi + 1 < cword)); then
		sub=${words[cmdi + 1]}
	fi

	# A value for the option before the cursor.
	case $prev in
	-c | --config | -k | --key | --client-conf | --server-key | --secret | -o | --output)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--lang)
		COMPREPLY=($(compgen -W "fi sv en" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "html csv md" -- "$cur"))
		return ;;
	--role)
		COMPREPLY=($(compgen -W "producer subscriber operator admin notifier" -- "$cur"))
		return ;;
	--status)
		COMPREPLY=($(compgen -W "planned started piloted established done dropped none
			overdue" -- "$cur"))
		return ;;
	--events)
		_lanuctl_list "$events"
		return ;;
	--by)
		case $cmd in
		compliance) _lanuctl_list "area language age urgency" ;;
		absences) _lanuctl_list "school grade area" ;;
		indicators) _lanuctl_list "area language age grade gender" ;;
		esac
		return ;;
	-e | --endpoint | -s | --subscribe | -t | --timeout | -w | --window | -r | \
		--recipient | -f | --from | -N | --count | --to | --area | --service | --limit | \
		--period | --thl | --ladder | --pupil | --indicator | --goal | --year | --within | \
		--note | -b | -p | --producer | --who | --after | --areas | --recipients)
		return ;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local opts=""
	case $cmd in
	send)
		opts="--window"
		if [[ $cur != -* ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi ;;
	tail) opts="--recipient --unrouted --all --from --count --no-follow --json --ids" ;;
	status | alert) opts="--json --ids" ;;
	open) opts="--recipient --json --ids" ;;
	ack) opts="--by --note --producer" ;;
	due) opts="--within --area --service --limit --all --json --ids" ;;
	case) opts="--service --json --ids" ;;
	compliance) opts="--service --period --by --thl --json --csv --ids" ;;
	absences) opts="--period --by --area --ladder --pupil --json --csv --ids" ;;
	indicators) opts="--indicator --by --from --to --revisions --json --csv" ;;
	measures) opts="--goal --status --history --json --csv" ;;
	report) opts="--year --format --lang --output -o" ;;
	audit) opts="--from --to --who --after --json" ;;
	clock)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W "set" -- "$cur"))
		return ;;
	backup)
		opts="--json"
		if [[ -z $sub && -n $cur && $cur != -* ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi ;;
	plan)
		case $sub in
		"") COMPREPLY=($(compgen -W "check load show history diff" -- "$cur")); return ;;
		check | load)
			opts="--by --dry-run --json"
			[[ $sub == check ]] && opts=""
			if [[ $cur != -* ]]; then
				compopt -o filenames 2>/dev/null
				COMPREPLY=($(compgen -f -X '!*.y*ml' -- "$cur") \
					$(compgen -d -- "$cur"))
				return
			fi ;;
		show | history) opts="--json" ;;
		esac ;;
	keys)
		case $sub in
		"") COMPREPLY=($(compgen -W "server new list revoke" -- "$cur")); return ;;
		server) opts="--secret" ;;
		new) opts="--role --areas --events --recipients --dir --secret" ;;
		list) opts="--dir --json" ;;
		revoke)
			opts="--dir"
			if [[ $cur != -* ]]; then
				local dir=$(_lanuctl_keys_dir) names=""
				if [[ -n $dir && -d $dir ]]; then
					names=$(cd "$dir" && for f in *.key; do
						[[ -e $f ]] && echo "${f%.key}"; done)
				fi
				COMPREPLY=($(compgen -W "$names" -- "$cur"))
				return
			fi ;;
		esac ;;
	esac
	[[ $cur == -* || -z $cur ]] && COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _lanuctl lanuctl
