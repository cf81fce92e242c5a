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

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/bench-common.sh
source "$root/scripts/bench-common.sh"
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
columns="event_id, event_type, event_version, occurred_at, correlation_id, producer, severity, event_key, payload, kafka_topic, kafka_partition, kafka_offset"
database_url="postgres://postgres@127.0.0.1:$pg_port/$database"

gateway_pid=""
persister_pids=()
sampler_pids=()
stop_processes() { stop_pid "${sampler_pids[@]}" "${persister_pids[@]}" "$gateway_pid"; }

now() { date +%s.%N; }
verdict() { if [ "$1" = yes ]; then echo PASS; else echo MISS; fi; }

print_machine() {
    echo "== machine"
    print_host
    echo "postgresql:  $(psql_db postgres -tAc 'SHOW server_version'), fsync=$(psql_db postgres -tAc 'SHOW fsync'), synchronous_commit=$(psql_db postgres -tAc 'SHOW synchronous_commit'), shared_buffers=$(psql_db postgres -tAc 'SHOW shared_buffers')"
    echo "tansu:       $("$tansu" --version 2>/dev/null || echo unknown) (memory storage)"
    print_build
    echo "command:     ${BENCH_COMMAND:-scripts/bench-persister.sh} (BENCH_EVENTS=$events BENCH_REPLICAS=\"$replica_runs\" PUNK_STACK_PG_FSYNC=$PUNK_STACK_PG_FSYNC BENCH_LOAD_WORKERS=$load_workers BENCH_COPY_RUNS=$copy_runs)"
    echo "persister:   BATCH_MAX_EVENTS=5000 BATCH_MAX_WAIT_MS=200 WRITE_CONCURRENCY=$write_concurrency KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000 LOG_LEVEL=warning"
    echo
}

# ---------------------------------------------------------------------------------------------
fresh_stack
tansu=$(tansu_binary)

build_release gateway persister

print_machine

"$tansu" topic create "$topic" --broker "tcp://$brokers" --partitions 6
"$tansu" topic create "$dlq_topic" --broker "tcp://$brokers" --partitions 3

# --- load -------------------------------------------------------------------------------------
log "loading $events events into $topic through the release gateway (POST /events/batch, 1000 per request)"
start_gateway "$gateway_port" "$log_dir/bench-gateway.log" KAFKA_TOPIC="$topic" KAFKA_DLQ_TOPIC="$dlq_topic"
gateway_pid=$!
wait_gateway "$gateway_port" gateway "$log_dir/bench-gateway.log"
# The loader: random UUIDs, five event types, ~200-byte payloads; a batch answered 503 goes again.
load_command=(python3 scripts/bench-load.py 127.0.0.1 "$gateway_port" "$token" "$events" 1000 "$load_workers")
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
    local group
    group="bench-persister-$replicas-$(date +%s)"
    log "run with $replicas replica(s): fresh database $database, group $group"
    psql_db postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
    psql_db postgres -c "CHECKPOINT"

    echo "== persister, $replicas replica(s)"
    persister_pids=()
    sampler_pids=()
    local started index
    started=$(now)
    for index in $(seq 1 "$replicas"); do
        local command=(env DATABASE_URL="$database_url" KAFKA_BROKERS="$brokers" KAFKA_TOPICS="$topic"
            KAFKA_DLQ_TOPIC="$dlq_topic" KAFKA_GROUP_ID="$group" BATCH_MAX_EVENTS=5000 BATCH_MAX_WAIT_MS=200
            WRITE_CONCURRENCY="$write_concurrency" KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000 METRICS_PORT=$((19100 + index)) LOG_LEVEL=warning
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

    stop_pid "${persister_pids[@]}"
    stop_pid "${sampler_pids[@]}"
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
        "$percent % of \\copy: $(verdict "$rate_ok")  (start -> all: ${rate_start[$replicas]} ev/s, $(calc "100 * ${rate_start[$replicas]} / $copy_rate" 1) %)"
    printf '%-46s %16s  %s\n' "persister x$replicas, max RSS per replica (<= 200)" "${rss_list[$replicas]} MiB" \
        "$(verdict "${rss_ok_all[$replicas]}")  (dead-lettered: ${dead_lettered[$replicas]})"
done
echo "load (by-product, gateway batch path while nothing else ran): $load_result"
