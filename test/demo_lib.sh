# test/demo_lib.sh: sourced by the screens in test/demo.d/.
#   screen "Title"        a heading
#   say "text"            a line of narration
#   show "SQL"            echo the statement, then run it with psql
#   show_err "SQL"        the same, for a statement that is meant to fail
bold=$'\033[1m'; dim=$'\033[2m'; off=$'\033[0m'
[ -t 1 ] || { bold=; dim=; off=; }

screen() { printf "\n%s== %s%s\n\n" "$bold" "$*" "$off"; }
say() { printf '%s\n' "$*"; }
show() {
	printf '%s=> %s%s\n' "$dim" "$1" "$off"
	psql -X -q -P pager=off -P footer=off -v ON_ERROR_STOP=1 -c "$1"
	echo
}
show_err() {
	printf '%s=> %s%s\n' "$dim" "$1" "$off"
	local out
	if out=$(psql -X -q -P pager=off -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$1" 2>&1); then
		echo "demo: expected an error" >&2
		return 1
	fi
	# verbose shows the SQLSTATE; the C source location is of no interest here
	printf '%s\n\n' "$out" | grep -v '^LOCATION:'

}
