#!/usr/bin/env bash
# Gateway benchmark: prints numbers, asserts nothing (see docs/benchmarks.md).
#
# Starts a private Tansu + PostgreSQL (scripts/stack.sh, own dir and ports), builds the release
# gateway and the no-Kafka ceiling server (bench-ceiling), and drives both with wrk on loopback:
#   1. POST /events, one event per request, to the gateway and to the ceiling  -> ratio
#   2. POST /events/batch with 100 and with 1000 events per request            -> events/s
#   3. POST /events with task.created v1 events (the starter contract's shape), to the gateway
#      and to a second gateway with SCHEMA_DIR=schemas: what checking the contract costs
#   4. POST /events, one event per request, to the gateway and to two with tracing on (every
#      request sampled, and one in ten), spans exported over OTLP/HTTP to scripts/otlp-sink.py:
#      what tracing costs, the three run twice, alternating
# while sampling the gateway's RSS every second.
#
# Environment: BENCH_DURATION (20s), BENCH_WARMUP (5s), BENCH_CONNECTIONS (64),
#              BENCH_BATCH1000_CONNECTIONS (16), BENCH_THREADS (2),
#              BENCH_PHASES (all; "tracing" runs only step 4).
# Do not run it at the same time as scripts/bench-persister.sh: both use .stack/bench.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/bench-common.sh
source "$root/scripts/bench-common.sh"
cd "$root"

duration=${BENCH_DURATION:-20s}
warmup=${BENCH_WARMUP:-5s}
connections=${BENCH_CONNECTIONS:-64}
batch1000_connections=${BENCH_BATCH1000_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
ceiling_port=18081
contract_port=18082
traced_port=18083
sink_port=18084
ratio_port=18085
phases=${BENCH_PHASES:-all}

gateway_pid=""
contract_gateway_pid=""
traced_gateway_pid=""
ratio_gateway_pid=""
sink_pid=""
ceiling_pid=""
sampler_pid=""
stop_processes() {
    stop_pid "$sampler_pid" "$gateway_pid" "$contract_gateway_pid" "$traced_gateway_pid" "$ratio_gateway_pid" "$sink_pid" "$ceiling_pid"
}

# `field "RESULT a=1 b=2" b` prints 2.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

print_machine() {
    echo "== machine"
    print_host
    echo "wrk:         $(wrk -v 2>&1 | head -n1)"
    print_build
    echo "command:     ${BENCH_COMMAND:-scripts/bench-gateway.sh} (BENCH_DURATION=$duration BENCH_WARMUP=$warmup BENCH_CONNECTIONS=$connections BENCH_BATCH1000_CONNECTIONS=$batch1000_connections BENCH_THREADS=$threads BENCH_PHASES=$phases)"
    echo
}

run_sequence=0
# run_wrk <label> <url> <events-per-request> <connections> [contract] -> prints wrk's output, sets
# $result. The requests come from scripts/bench-events.lua (its head says what they hold).
run_wrk() {
    local label=$1 url=$2 batch=$3 conns=$4 mode=${5:-} run_id output
    for phase in warmup measure; do
        run_sequence=$((run_sequence + 1))
        # kept below 2^31 so that LuaJIT's %x formats it exactly
        run_id=$(( ($(date +%s) % 10000000) * 16 + run_sequence % 16 ))
        local length=$duration
        [ "$phase" = warmup ] && length=$warmup
        local command=(wrk -t"$threads" -c"$conns" -d"$length" --timeout 10s --latency -s scripts/bench-events.lua "$url" -- "$run_id" "$batch" "$token" ${mode:+"$mode"})
        if [ "$phase" = warmup ]; then
            log "$label: warm-up $length"
            "${command[@]}" >/dev/null
        else
            echo "== $label"
            echo "\$ ${command[*]}"
            output=$("${command[@]}")
            echo "$output"
            echo
            result=$(grep '^RESULT' <<<"$output" | tail -n1)
            [ -n "$result" ] || { log "wrk printed no RESULT line for $label"; exit 1; }
        fi
    done
}

# ---------------------------------------------------------------------------------------------
fresh_stack

build_release gateway bench-ceiling

print_machine

log "starting gateway on 127.0.0.1:$gateway_port and ceiling on 127.0.0.1:$ceiling_port"
start_gateway "$gateway_port" "$log_dir/bench-gateway.log"
gateway_pid=$!
env HTTP_PORT=$ceiling_port LOG_LEVEL=warning "$bin/bench-ceiling" >>"$log_dir/bench-ceiling.log" 2>&1 &
ceiling_pid=$!
wait_gateway "$gateway_port" gateway "$log_dir/bench-gateway.log"
wait_for_port "$ceiling_port" bench-ceiling || { tail -n 20 "$log_dir/bench-ceiling.log" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
verdict() { # verdict <ok?> <errors in the phases involved>
    if [ "$2" -gt 0 ]; then echo "MISS ($2 errors)"; elif [ "$1" = yes ]; then echo PASS; else echo MISS; fi
}
errors_of() { echo $(( $(field "$1" non2xx) + $(field "$1" socket_errors) )); }

measure_throughput() {
    idle_rss_kib=$(ps -o rss= -p "$gateway_pid" | tr -d ' ')
    rss_file=$work/gateway-rss
    sample_rss "$gateway_pid" "$rss_file" &
    sampler_pid=$!

    run_wrk "gateway POST /events (1 event per request, $connections connections)" \
        "http://127.0.0.1:$gateway_port" 0 "$connections"
    gateway_single=$result
    run_wrk "ceiling POST /events (no Kafka, no validation, $connections connections)" \
        "http://127.0.0.1:$ceiling_port" 0 "$connections"
    ceiling_single=$result
    run_wrk "gateway POST /events/batch (100 events per request, $connections connections)" \
        "http://127.0.0.1:$gateway_port" 100 "$connections"
    batch100=$result
    run_wrk "gateway POST /events/batch (1000 events per request, $batch1000_connections connections)" \
        "http://127.0.0.1:$gateway_port" 1000 "$batch1000_connections"
    batch1000=$result

    kill -0 "$gateway_pid" 2>/dev/null || { log "the gateway died during the run; see $log_dir/bench-gateway.log"; exit 1; }
    max_rss_mib=$(max_mib "$rss_file")

    log "starting a gateway with the starter contracts (SCHEMA_DIR=schemas) on 127.0.0.1:$contract_port"
    start_gateway "$contract_port" "$log_dir/bench-contract-gateway.log" SCHEMA_DIR="$root/schemas"
    contract_gateway_pid=$!
    wait_gateway "$contract_port" "gateway with contracts" "$log_dir/bench-contract-gateway.log"
    run_wrk "gateway POST /events, task.created v1, no registry ($connections connections)" \
        "http://127.0.0.1:$gateway_port" 0 "$connections" contract
    plain_task=$result
    run_wrk "gateway POST /events, task.created v1, checked against its contract ($connections connections)" \
        "http://127.0.0.1:$contract_port" 0 "$connections" contract
    checked_task=$result
}

summarise_throughput() {
    g_rps=$(field "$gateway_single" rps)
    c_rps=$(field "$ceiling_single" rps)
    ratio=$(calc "100 * $g_rps / $c_rps" 1)
    b100_eps=$(calc "$(field "$batch100" rps) * 100" 0)
    b1000_eps=$(calc "$(field "$batch1000" rps) * 1000" 0)
    idle_rss_mib=$(calc "$idle_rss_kib / 1024" 1)

    at_least "$ratio" 50 && ratio_ok=yes || ratio_ok=no
    at_least "$b100_eps" 150000 && b100_ok=yes || b100_ok=no
    at_least "$b1000_eps" 150000 && b1000_ok=yes || b1000_ok=no
    at_least 150 "$max_rss_mib" && rss_ok=yes || rss_ok=no

    echo "== summary (loopback, wrk -t$threads, $duration per run after a $warmup warm-up)"
    printf '%-44s %14s  %s\n' "single event, gateway" "$(calc "$g_rps" 0) req/s" \
        "p50 $(field "$gateway_single" p50_ms) ms, p99 $(field "$gateway_single" p99_ms) ms, non-2xx $(field "$gateway_single" non2xx), socket errors $(field "$gateway_single" socket_errors)"
    printf '%-44s %14s  %s\n' "single event, ceiling (no Kafka)" "$(calc "$c_rps" 0) req/s" \
        "p50 $(field "$ceiling_single" p50_ms) ms, p99 $(field "$ceiling_single" p99_ms) ms"
    printf '%-44s %14s  %s\n' "gateway / ceiling (target >= 50%)" "$ratio %" \
        "$(verdict "$ratio_ok" $(( $(errors_of "$gateway_single") + $(errors_of "$ceiling_single") )))"
    printf '%-44s %14s  %s\n' "batch 100, $connections conns (target >= 150000)" "$b100_eps ev/s" \
        "$(verdict "$b100_ok" "$(errors_of "$batch100")")  ($(calc "$(field "$batch100" rps)" 1) req/s, p50 $(field "$batch100" p50_ms) ms, p99 $(field "$batch100" p99_ms) ms)"
    printf '%-44s %14s  %s\n' "batch 1000, $batch1000_connections conns (target >= 150000)" "$b1000_eps ev/s" \
        "$(verdict "$b1000_ok" "$(errors_of "$batch1000")")  ($(calc "$(field "$batch1000" rps)" 1) req/s, p50 $(field "$batch1000" p50_ms) ms, p99 $(field "$batch1000" p99_ms) ms)"
    printf '%-44s %14s  %s\n' "gateway max RSS (target <= 150 MiB)" "$max_rss_mib MiB" \
        "$(verdict "$rss_ok" 0)  (idle $idle_rss_mib MiB, sampled every second over all runs)"
    p_rps=$(field "$plain_task" rps)
    k_rps=$(field "$checked_task" rps)
    cost=$(calc "100 - 100 * $k_rps / $p_rps" 1)
    at_least 15 "$cost" && cost_ok=yes || cost_ok=no
    printf '%-44s %14s  %s\n' "task.created v1, no registry" "$(calc "$p_rps" 0) req/s" \
        "p50 $(field "$plain_task" p50_ms) ms, p99 $(field "$plain_task" p99_ms) ms"
    printf '%-44s %14s  %s\n' "task.created v1, contract checked" "$(calc "$k_rps" 0) req/s" \
        "p50 $(field "$checked_task" p50_ms) ms, p99 $(field "$checked_task" p99_ms) ms"
    printf '%-44s %14s  %s\n' "cost of the contract (target <= 15%)" "$cost %" \
        "$(verdict "$cost_ok" $(( $(errors_of "$plain_task") + $(errors_of "$checked_task") )))"
}

# Step 4: the same requests to the gateway and to one with tracing on, twice, alternating.
measure_tracing() {
    log "starting the OTLP sink on 127.0.0.1:$sink_port and gateways with tracing on 127.0.0.1:$traced_port (all sampled) and :$ratio_port (1 in 10)"
    python3 scripts/otlp-sink.py "$sink_port" >>"$log_dir/bench-otlp-sink.log" 2>&1 &
    sink_pid=$!
    start_gateway "$traced_port" "$log_dir/bench-traced-gateway.log" \
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on
    traced_gateway_pid=$!
    start_gateway "$ratio_port" "$log_dir/bench-ratio-gateway.log" \
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=parentbased_traceidratio \
        OTEL_TRACES_SAMPLER_ARG=0.1
    ratio_gateway_pid=$!
    wait_gateway "$traced_port" "gateway with tracing" "$log_dir/bench-traced-gateway.log"
    wait_gateway "$ratio_port" "gateway with tracing, 1 in 10" "$log_dir/bench-ratio-gateway.log"
    # tracing_results: off, all sampled, 1 in 10; then the same again.
    tracing_results=()
    local round
    for round in 1 2; do
        run_wrk "gateway POST /events, tracing off, round $round ($connections connections)" \
            "http://127.0.0.1:$gateway_port" 0 "$connections"
        tracing_results+=("$result")
        run_wrk "gateway POST /events, tracing on (all sampled), round $round ($connections connections)" \
            "http://127.0.0.1:$traced_port" 0 "$connections"
        tracing_results+=("$result")
        run_wrk "gateway POST /events, tracing on (1 in 10 sampled), round $round ($connections connections)" \
            "http://127.0.0.1:$ratio_port" 0 "$connections"
        tracing_results+=("$result")
    done
    local pid
    for pid in "$traced_gateway_pid" "$ratio_gateway_pid"; do
        kill -0 "$pid" 2>/dev/null || { log "a traced gateway died; see $log_dir/bench-*-gateway.log"; exit 1; }
    done
}

summarise_tracing() {
    # mean_rps <offset>: the mean req/s of a variant over both rounds.
    mean_rps() { calc "($(field "${tracing_results[$1]}" rps) + $(field "${tracing_results[$(($1 + 3))]}" rps)) / 2" 1; }
    p99s() { echo "p99 $(field "${tracing_results[$1]}" p99_ms) / $(field "${tracing_results[$(($1 + 3))]}" p99_ms) ms"; }
    local off all ratio errors=0 index
    off=$(mean_rps 0)
    all=$(mean_rps 1)
    ratio=$(mean_rps 2)
    for index in 0 1 2 3 4 5; do errors=$((errors + $(errors_of "${tracing_results[$index]}"))); done
    local cost ratio_cost
    cost=$(calc "100 - 100 * $all / $off" 1)
    ratio_cost=$(calc "100 - 100 * $ratio / $off" 1)
    at_least 20 "$cost" && cost_ok=yes || cost_ok=no
    echo "== tracing (two rounds, the three gateways alternating)"
    printf '%-44s %14s  %s\n' "single event, tracing off" "$(calc "$off" 0) req/s" "$(p99s 0)"
    printf '%-44s %14s  %s\n' "single event, tracing on (all sampled)" "$(calc "$all" 0) req/s" "$(p99s 1)"
    printf '%-44s %14s  %s\n' "single event, tracing on (1 in 10 sampled)" "$(calc "$ratio" 0) req/s" "$(p99s 2)"
    printf '%-44s %14s  %s\n' "cost of tracing, all sampled (target <= 20%)" "$cost %" "$(verdict "$cost_ok" "$errors")"
    printf '%-44s %14s\n' "cost of tracing, 1 in 10 sampled" "$ratio_cost %"
    stop_pid "$sink_pid"
    sink_pid=""
    tail -n1 "$log_dir/bench-otlp-sink.log"
}

# ---------------------------------------------------------------------------------------------
[ "$phases" = tracing ] || measure_throughput
measure_tracing
[ "$phases" = tracing ] || summarise_throughput
summarise_tracing
