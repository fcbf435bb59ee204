#!/usr/bin/env bash
# test/matrix.sh: lifeguard on every other PostgreSQL major that Debian's
# archive carries, each in a minimal Debian root file system.
#
#   bash test/matrix.sh test       `make test-matrix`: the table below
#   bash test/matrix.sh bench      `make bench-matrix`: the ids and audit
#                                  overhead benchmarks in every root
#   bash test/matrix.sh roots      only build the cached roots
#   bash test/matrix.sh suite S    only suite S's row
#   bash test/matrix.sh openssl    only the OpenSSL 1.1.1 check
#
# For each suite in LG_MATRIX_SUITES (default: trixie sid) it builds, once
# per machine, a root with `debootstrap --variant=minbase` under
# /var/cache/lifeguard-matrix/<suite> (LG_MATRIX_CACHE), reads which
# PostgreSQL major the suite carries from its package metadata (what the
# `postgresql` package depends on), and skips the suite when that major is
# the host's own (make test covers it) or one lifeguard does not support.
# In each remaining root it copies the working tree (the host tree is never
# written), and runs `test/harness.sh matrix` there as root: the harness
# installs the packages for that major into the root, builds the extension
# and the client with -Werror, runs the whole pgTAP suite with and without
# preloading, the client TAP tests that need no node, the pgbench
# -M prepared audit check and, where the suite's PgBouncer is 1.21 or later,
# the PGBOUNCER_N check (pgbench -M prepared through a PgBouncer with
# max_prepared_statements: the server gets PgBouncer's names), and writes
# one result line.  A row for the
# host's major comes from the same harness mode run on the host.
#
# The OpenSSL 1.1.1 check runs in a root of LG_MATRIX_OPENSSL1_SUITE
# (default bullseye, whose libssl is 1.1.1): the client is built with
# -Werror there and the CUID2 reference vectors and core checks are run (no server).
#
# Every root is entered in its own mount and PID namespace (unshare), so its
# mounts and processes cannot outlive the run; on every exit path the trap
# below also unmounts anything left under the roots and kills any process
# whose root directory is one of them.  Roots are locked (flock) while used.

set -Eeuo pipefail

LG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${LG_MATRIX_CACHE:-/var/cache/lifeguard-matrix}"
MIRROR="${LG_MATRIX_MIRROR:-http://deb.debian.org/debian}"
read -r -a SUITES <<< "${LG_MATRIX_SUITES:-trixie sid}"
OPENSSL1_SUITE="${LG_MATRIX_OPENSSL1_SUITE:-bullseye}"
# what this script needs on the host
HOST_PACKAGES=(debootstrap debian-archive-keyring util-linux git tar)
# what the OpenSSL 1.1.1 root needs (the PostgreSQL roots get the harness's
# own list, installed by the harness in the root)
OPENSSL1_PACKAGES=(build-essential pkg-config libpq-dev libssl-dev libjansson-dev
	libncurses-dev libmicrohttpd-dev perl)

log() { printf '\033[1m== matrix: %s\033[0m\n' "$*" >&2; }
die() { printf 'matrix: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it)"

# ---------------------------------------------------------------------------
# cleanup: mounts and processes under any root this run entered

ENTERED=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	local r p m
	for r in "${ENTERED[@]}"; do
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && kill -9 "${p#/proc/}" 2>/dev/null
		done
		# deepest first
		while read -r m; do
			umount -l "$m" 2>/dev/null
		done < <(awk -v r="$r" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_host_packages() {
	local missing=() p
	for p in "${HOST_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]} on the host"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------------------
# roots

# in_root ROOT CMD...: run CMD in ROOT, in a private mount and PID namespace
# with /proc, /dev (the few nodes a build and a server use), /dev/pts and
# /dev/shm.  Every mount is in the namespace only and goes with it.  The
# namespace's first process (its init) stays a shell that waits for CMD:
# an init ignores signals it has no handler for, so CMD must not be it (make
# as init re-raises SIGINT at itself in vain and spins).  --kill-child: if
# unshare dies, the namespace's init, and with it every process in the
# namespace, is killed.
in_root() {
	local root="$1"; shift
	unshare --mount --pid --fork --kill-child --propagation private -- bash -c '
		set -e
		r="$1"; shift
		mount -t proc proc "$r/proc"
		mount -t tmpfs -o mode=755,size=64k tmpfs "$r/dev"
		for d in null zero full random urandom tty; do
			touch "$r/dev/$d"
			mount --bind "/dev/$d" "$r/dev/$d"
		done
		mkdir -p "$r/dev/pts" "$r/dev/shm"
		mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
		ln -s pts/ptmx "$r/dev/ptmx"
		mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
		ln -s /proc/self/fd "$r/dev/fd"
		chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
	' in_root "$root" "$@"
}

# ensure_root SUITE: a minimal root for SUITE under $CACHE/SUITE/root with
# apt configured; sets ROOT
ensure_root() {
	local suite="$1"
	ROOT="$CACHE/$suite/root"
	mkdir -p "$CACHE/$suite"
	if [ ! -f "$CACHE/$suite/bootstrapped" ]; then
		log "$suite: debootstrap --variant=minbase (first run on this machine)"
		rm -rf "$ROOT"
		debootstrap --variant=minbase "$suite" "$ROOT" "$MIRROR" > "$CACHE/$suite/debootstrap.log" 2>&1 \
			|| { tail -20 "$CACHE/$suite/debootstrap.log" >&2; die "$suite: debootstrap failed"; }
		# an unstable suite's Release file may be past its Valid-Until
		echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99lifeguard-matrix"
		# packages in the root must not start services
		printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
		chmod 755 "$ROOT/usr/sbin/policy-rc.d"
		in_root "$ROOT" apt-get update -qq >/dev/null
		touch "$CACHE/$suite/bootstrapped"
	fi
	ENTERED+=("$ROOT")
}

# suite_major ROOT: the PostgreSQL major the harness picks in ROOT: the one
# installed there, else the one the suite's `postgresql` package depends on
# (test/harness.sh, discover_pg_major); copies the working tree into ROOT
suite_major() {
	copy_tree "$1"
	in_root "$1" bash /build/lifeguard/test/harness.sh major 2>/dev/null
}

# copy_tree ROOT: the working tree (tracked and untracked files, not the
# ignored build products) into ROOT/build/lifeguard, fresh
copy_tree() {
	rm -rf "$1/build"
	mkdir -p "$1/build/lifeguard"
	(cd "$LG_ROOT" && git ls-files -z -co --exclude-standard | xargs -0 -r ls -d 2>/dev/null | tar -cf - -T -) \
		| tar -xf - -C "$1/build/lifeguard"
}

# result KEY FILE [DEFAULT]: the value of KEY in a result file, DEFAULT
# (FAIL) when absent
result() { sed -n "s/^$1=//p" "$2" 2>/dev/null | grep . || echo "${3:-FAIL}"; }

ROWS=()
DONE_MAJORS=" "
FAILED=0
add_row() { # label result-file seconds
	local f="$2" b p c a n
	b="$(result build "$f")"; p="$(result pgtap "$f")"; c="$(result client "$f")"; a="$(result audit "$f")"
	n="$(result pgbouncer "$f")"
	[ "$b" = ok ] && [[ "$p" =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] \
		&& [ "${BASH_REMATCH[2]}" -gt 0 ] && [[ "$c" == ok:* ]] && [ "$a" = ok ] && [ "$n" != FAIL ] || FAILED=1
	[ "$b" = FAIL ] && { p=-; c=-; a=-; n=-; }
	ROWS+=("$(printf '%-22s %-6s %-12s %-20s %-11s %-11s %s' "$1" "$b" "$p" "${c/ok:/ok (}$([[ "$c" == ok:* ]] && echo ' tests)')" "$a" "$n" "$3 s")")
}

# the host's own major, in the same mode
host_row() {
	local f="$CACHE/host.result" start=$SECONDS
	rm -f "$f"
	log "host: test/harness.sh matrix"
	LG_MATRIX_RESULT="$f" bash "$LG_ROOT/test/harness.sh" matrix > "$CACHE/host.log" 2>&1 \
		|| { tail -40 "$CACHE/host.log" >&2; log "host: FAILED (log: $CACHE/host.log)"; }
	HOST_MAJOR="$(result major "$f")"
	add_row "$(result version "$f" "$HOST_MAJOR") (host, $(. /etc/os-release; echo "$VERSION_CODENAME"))" "$f" \
		"$((SECONDS - start))"
	DONE_MAJORS=" $HOST_MAJOR "
}

# suite_row SUITE: the suite's major in its root, unless done or unsupported
suite_row() {
	local suite="$1" major f start=$SECONDS
	exec 9>"$CACHE/$suite.lock"
	flock 9
	ensure_root "$suite"
	major="$(suite_major "$ROOT")"
	if [ -z "$major" ]; then
		ROWS+=("$(printf '%-22s %s' "? ($suite)" "FAIL: no postgresql package")"); FAILED=1; return
	fi
	if [[ "$DONE_MAJORS" == *" $major "* ]] || [ "$major" -lt 14 ]; then
		log "$suite carries PostgreSQL $major: already tested or unsupported, skipped"
		return
	fi
	DONE_MAJORS+="$major "
	log "$suite: PostgreSQL $major: test/harness.sh matrix in the root"
	f="$ROOT/build/result"
	in_root "$ROOT" bash -c 'cd /build/lifeguard && LG_MATRIX_RESULT=/build/result bash test/harness.sh matrix' \
		> "$CACHE/$suite/matrix.log" 2>&1 \
		|| { tail -40 "$CACHE/$suite/matrix.log" >&2; log "$suite: FAILED (log: $CACHE/$suite/matrix.log)"; }
	add_row "$(result version "$f" "$major") ($suite)" "$f" "$((SECONDS - start))"
	exec 9>&-
}

# the client and the CUID2 core against OpenSSL 1.1.1
openssl1_row() {
	local suite="$OPENSSL1_SUITE" ver b=FAIL v=FAIL start=$SECONDS
	exec 9>"$CACHE/$suite.lock"
	flock 9
	ensure_root "$suite"
	in_root "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${OPENSSL1_PACKAGES[@]}" >/dev/null
	ver="$(in_root "$ROOT" bash -c "dpkg-query -W -f='\${Version}' libssl-dev")"
	copy_tree "$ROOT"
	log "$suite: OpenSSL $ver: the client with -Werror, the CUID2 reference vectors and core checks"
	if in_root "$ROOT" make -C /build/lifeguard/client -s WERROR=1 all > "$CACHE/$suite/openssl.log" 2>&1; then
		b=ok
		in_root "$ROOT" bash -c 'cd /build/lifeguard && prove test/client/cuid2_vectors.t test/client/cuid2_digits.t' >> "$CACHE/$suite/openssl.log" 2>&1 && v=ok
	fi
	[ "$b" = ok ] && [ "$v" = ok ] || { tail -30 "$CACHE/$suite/openssl.log" >&2; FAILED=1; }
	OPENSSL_LINE="$(printf 'OpenSSL %s (%s): client build %s, CUID2 reference vectors %s (%d s)' \
		"$ver" "$suite" "$b" "$v" "$((SECONDS - start))")"
	exec 9>&-
}

# the ids and audit overhead benchmarks on the host and in every root
BENCHES=(ids audit_overhead)
cmd_bench() {
	ensure_host_packages
	local s major
	log "host: test/harness.sh bench ${BENCHES[*]}"
	bash "$LG_ROOT/test/harness.sh" bench "${BENCHES[@]}" 2>&1 | tee "$CACHE/host.bench.log"
	for s in "${SUITES[@]}"; do
		(
			exec 9>"$CACHE/$s.lock"
			flock 9
			ensure_root "$s"
			major="$(suite_major "$ROOT")"
			[ -n "$major" ] && [ "$major" -ge 14 ] || exit 0
			log "$s: PostgreSQL $major: test/harness.sh bench ${BENCHES[*]} in the root"
			in_root "$ROOT" bash -c 'cd /build/lifeguard && LG_NO_NODE=1 bash test/harness.sh bench "$@"' _ "${BENCHES[@]}" \
				2>&1 | tee "$CACHE/$s/bench.log"
		)
	done
}

cmd_test() {
	ensure_host_packages
	local s t0=$SECONDS
	host_row
	for s in "${SUITES[@]}"; do suite_row "$s"; done
	openssl1_row
	# time: the row's wall-clock seconds, building its root included
	printf '\n%-22s %-6s %-12s %-20s %-11s %-11s %s\n' "PostgreSQL" build pgTAP client "audit check" PGBOUNCER_N time
	printf '%s\n' "${ROWS[@]}" "" "$OPENSSL_LINE"
	printf '(%d s)\n' "$((SECONDS - t0))"
	exit "$FAILED"
}

cmd_roots() {
	ensure_host_packages
	local s
	for s in "${SUITES[@]}" "$OPENSSL1_SUITE"; do
		( exec 9>"$CACHE/$s.lock"; flock 9; ensure_root "$s"; log "$s: PostgreSQL $(suite_major "$ROOT")" )
	done
}

mkdir -p "$CACHE"
case "${1:-}" in
	test) shift; cmd_test "$@" ;;
	bench) shift; cmd_bench "$@" ;;
	roots) shift; cmd_roots "$@" ;;
	openssl) shift; ensure_host_packages; openssl1_row; echo "$OPENSSL_LINE"; exit "$FAILED" ;;
	suite) shift; ensure_host_packages; suite_row "$1"; printf '%s\n' "${ROWS[@]}"; exit "$FAILED" ;;
	*) echo "usage: bash test/matrix.sh test|bench|roots|suite SUITE|openssl" >&2; exit 2 ;;
esac
