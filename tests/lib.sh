# tests/lib.sh: sourced by every tests/*.t. TAP output, a private temp dir, and checks that
# assert exit status, stdout and stderr. A crash (signal, valgrind error 99) always fails.
set -u
LC_ALL=C; export LC_ALL
T=$(mktemp -d "${TMPDIR:-/tmp}/dbxi-test.XXXXXX")
trap 'tests_cleanup' EXIT
tests_cleanup() { for p in ${EMU_PIDS:-}; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
cd "$T"
DATA=$DBXI_ROOT/tests/data
n_test=0 n_fail=0
plan() { echo "1..$1"; }
ok() { # ok COND-STATUS NAME
	n_test=$((n_test + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n_test - $2"; else echo "not ok $n_test - $2"; n_fail=$((n_fail + 1)); fi
}
diag() { sed 's/^/# /' "$@" >&2; }
# run EXPECTED-STATUS CMD...: runs CMD with stdout to out, stderr to err; fails on any other status.
run() {
	want=$1; shift
	"$@" >out 2>err
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "# expected exit $want, got $got from: $*" >&2
		diag err
		return 1
	fi
	return 0
}
# check NAME EXPECTED-STATUS CMD...: one TAP line for a run.
check() { name=$1; shift; run "$@"; ok $? "$name"; }
# same FILE-A FILE-B: diff -u, shown on failure.
same() { diff -u "$1" "$2" >&2; }
# check_out NAME EXPECTED-FILE: stdout of the last run equals EXPECTED-FILE.
check_out() { same "$2" out; ok $? "$1"; }
# check_err NAME PATTERN: stderr of the last run matches the fixed string PATTERN.
check_err() { grep -qF -- "$2" err || { echo "# stderr lacks: $2" >&2; diag err; false; }; ok $? "$1"; }
# free_port: an unused loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_port PORT: until something listens (5 s).
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null && return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# nothing listens on $1" >&2; return 1
}
done_testing() { [ "$n_fail" -eq 0 ]; }
