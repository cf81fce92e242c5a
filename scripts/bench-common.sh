# What the benchmark scripts share; sourced after scripts/lib.sh, not run.
# Both use one private stack (.stack/bench, PostgreSQL on 55532, Tansu on 59192) and a work
# directory ($work). On exit, also after Ctrl-C, the sourcing script's `stop_processes` runs, then
# the stack stops and the work directory goes.
# shellcheck shell=bash disable=SC2034 # the variables below are for the sourcing scripts

# shellcheck disable=SC2154 # root, from scripts/lib.sh
export PUNK_STACK_DIR="$root/.stack/bench"
export PUNK_STACK_PG_PORT=55532
export PUNK_STACK_KAFKA_PORT=59192
export PUNK_STACK_PG_FSYNC=${PUNK_STACK_PG_FSYNC:-on}
pg_port=$PUNK_STACK_PG_PORT
brokers="127.0.0.1:$PUNK_STACK_KAFKA_PORT"
log_dir=$PUNK_STACK_DIR/logs
gateway_port=18080
token=bench-token-123
work=$(mktemp -d)

stop_processes() { :; } # the sourcing script redefines it: stop_pid on what it started

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_processes
    bash "$root/scripts/stack.sh" down >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fresh_stack: scripts/setup.sh, then the bench stack started from nothing.
fresh_stack() {
    log "setup"
    bash "$root/scripts/setup.sh"
    bash "$root/scripts/stack.sh" down >/dev/null 2>&1 || true
    rm -rf "$PUNK_STACK_DIR"
    bash "$root/scripts/stack.sh" up
}

# build_release <product>...: builds the release products and sets `bin` to where they are.
build_release() {
    local product
    log "building release $(printf '%s and ' "$@" | sed 's/ and $//')"
    for product in "$@"; do swift build -c release --product "$product"; done
    bin=$(swift build -c release --show-bin-path)
}

# start_gateway <port> <log file> [VARIABLE=value...]: starts the release gateway in the background
# ($! is its pid) on 127.0.0.1:<port>, producing to the bench broker, with LOG_LEVEL=warning,
# MAX_BATCH_EVENTS=1000 and the given variables.
start_gateway() {
    local port=$1 file=$2
    shift 2
    env HTTP_HOST=127.0.0.1 HTTP_PORT="$port" KAFKA_BROKERS="$brokers" PUNK_RECORDS_API_TOKEN="$token" \
        LOG_LEVEL=warning MAX_BATCH_EVENTS=1000 "$@" "$bin/gateway" >>"$file" 2>&1 &
}

# wait_gateway <port> <what> <log file>: waits for the gateway's /ready, then /health (the broker
# reached); if it does not answer, shows the end of its log and exits.
wait_gateway() {
    local port=$1 what=$2 file=$3
    if ! wait_http "http://127.0.0.1:$port/ready" "$what" \
        || ! wait_http "http://127.0.0.1:$port/health" "$what (broker health)"; then
        tail -n 20 "$file" >&2
        exit 1
    fi
}

# sample_rss <pid> <file>: appends the RSS in KiB every second while the process lives.
sample_rss() {
    local pid=$1 file=$2
    while kill -0 "$pid" 2>/dev/null; do
        ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' >>"$file" || true
        sleep 1
    done
}

# max_mib <file>: the largest sample of sample_rss's file, in MiB.
max_mib() { local kib; kib=$(sort -n "$1" | tail -n1); calc "${kib:-0} / 1024" 1; }

# print_host, print_build: the lines of the `== machine` block that both benchmarks print.
print_host() {
    echo "cpus:        $(nproc)"
    echo "cpu:         $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory:      $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel:      $(uname -sr)"
    echo "librdkafka:  $(pkg-config --modversion rdkafka 2>/dev/null || echo unknown)"
}
print_build() {
    echo "swift:       $(swift --version 2>/dev/null | head -n1)"
    echo "commit:      $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty)')"
}

# calc <expression> [decimals]: floating-point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

# at_least <a> <b>: succeeds when a >= b (decimals allowed).
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
