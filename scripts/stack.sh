#!/usr/bin/env bash
# The local stack without containers: PostgreSQL 15 and the Tansu broker on loopback, each with
# its state under $PUNK_STACK_DIR (git-ignored), plus — for `run` — the gateway and persisters.
#
#   scripts/stack.sh up        PostgreSQL + Tansu + topics
#   scripts/stack.sh run       up, then build and start the gateway and two persisters
#   scripts/stack.sh down      stop everything this stack started
#   scripts/stack.sh status
#   scripts/stack.sh stop-postgres | start-postgres | stop-broker | start-broker
#   scripts/stack.sh freeze-postgres | thaw-postgres   (SIGSTOP / SIGCONT every server process: a hung database)
#
# Ports and places come from the environment, so tests and a running dev stack do not collide:
#   PUNK_STACK_DIR (.stack/dev)  PUNK_STACK_PG_PORT (5432)  PUNK_STACK_KAFKA_PORT (9092)
#   PUNK_STACK_HTTP_PORT (8000)  PUNK_STACK_PERSISTERS (2)  PUNK_STACK_BUILD (debug|release)
# `run` starts the gateway and persisters with the event contracts of schemas/ (SCHEMA_DIR, checked
# first with `persister check-schemas`) and SCHEMA_POLICY (registered unless exported, e.g. strict).
# `up` never sets SCHEMA_DIR: tests decide whether their processes get a registry.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stack_dir=${PUNK_STACK_DIR:-$root/.stack/dev}
pg_port=${PUNK_STACK_PG_PORT:-5432}
kafka_port=${PUNK_STACK_KAFKA_PORT:-9092}
http_port=${PUNK_STACK_HTTP_PORT:-8000}
persisters=${PUNK_STACK_PERSISTERS:-2}
build_configuration=${PUNK_STACK_BUILD:-debug}
events_topic=${KAFKA_TOPIC:-clawderpunk.events.v1}
dlq_topic=${KAFKA_DLQ_TOPIC:-clawderpunk.events.v1.dlq}
events_partitions=${PUNK_STACK_PARTITIONS:-6}
api_token=${PUNK_RECORDS_API_TOKEN:-dev-token-change-me}
schema_dir=$root/schemas
schema_policy=${SCHEMA_POLICY:-registered}

# shellcheck disable=SC2012 # the version directories have plain names
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
pg_data=$stack_dir/postgres
log_dir=$stack_dir/logs
run_dir=$stack_dir/run

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# PostgreSQL refuses to run as root; on a root shell it runs as the postgres user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    mkdir -p "$stack_dir" "$log_dir" "$run_dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$stack_dir" "$log_dir"; fi
    if [ ! -f "$pg_data/PG_VERSION" ]; then
        log "initialising PostgreSQL in $pg_data"
        as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = ${PUNK_STACK_PG_FSYNC:-on}
shared_buffers = 256MB
CONF
    fi
    if as_postgres "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
        log "PostgreSQL already running on port $pg_port"
    else
        as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -o "-p $pg_port" -l "$log_dir/postgres.log" -w start >/dev/null
        log "PostgreSQL running on 127.0.0.1:$pg_port"
    fi
    psql_db postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'punk_records'" | grep -q 1 \
        || psql_db postgres -c "CREATE DATABASE punk_records" >/dev/null
}

stop_postgres() {
    if [ -f "$pg_data/PG_VERSION" ] && as_postgres "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
        as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
        log "PostgreSQL stopped"
    fi
}

start_broker() {
    mkdir -p "$log_dir" "$run_dir"
    if pid_alive "$run_dir/tansu.pid"; then
        log "Tansu already running on port $kafka_port"
        return 0
    fi
    local tansu
    tansu=$(tansu_binary)
    nohup "$tansu" broker </dev/null --listener-url "tcp://127.0.0.1:$kafka_port" \
        --advertised-listener-url "tcp://127.0.0.1:$kafka_port" --storage-engine memory://tansu/ \
        >>"$log_dir/tansu.log" 2>&1 &
    echo $! >"$run_dir/tansu.pid"
    wait_for_port "$kafka_port" Tansu
    log "Tansu running on 127.0.0.1:$kafka_port (memory storage: a restart starts empty)"
    create_topics
}

create_topics() {
    local tansu
    tansu=$(tansu_binary)
    for spec in "$events_topic:$events_partitions" "$dlq_topic:3"; do
        "$tansu" topic create "${spec%%:*}" --broker "tcp://127.0.0.1:$kafka_port" --partitions "${spec##*:}" \
            >/dev/null 2>&1 || true
    done
    log "topics $events_topic ($events_partitions partitions) and $dlq_topic (3 partitions) ready"
}

# stop_pidfile <pid file> <name>: stops the process of the file, if it runs, and removes the file.
stop_pidfile() {
    local file=$1 name=$2
    if pid_alive "$file"; then
        stop_pid "$(cat "$file")"
        log "$name stopped"
    fi
    rm -f "$file"
}

stop_broker() { stop_pidfile "$run_dir/tansu.pid" Tansu; }

service_environment() {
    export KAFKA_BROKERS="127.0.0.1:$kafka_port"
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/punk_records"
    export PUNK_RECORDS_API_TOKEN="$api_token"
    export LOG_FORMAT=${LOG_FORMAT:-text}
}

start_services() {
    # The persister finds migrations/ relative to its working directory.
    cd "$root"
    log "building gateway and persister ($build_configuration)"
    swift build -c "$build_configuration" --product gateway >/dev/null
    swift build -c "$build_configuration" --product persister >/dev/null
    local bin
    bin=$(swift build -c "$build_configuration" --show-bin-path)
    service_environment
    "$bin/persister" migrate >>"$log_dir/migrate.log" 2>&1
    # Every problem of the contracts at once, rather than a gateway that does not start.
    "$bin/persister" check-schemas "$schema_dir" >&2 || { log "fix $schema_dir (see above)"; exit 1; }
    # Started straight from this shell (not from a subshell) with every stream redirected, so
    # nothing keeps this script's output open after it returns.
    if ! pid_alive "$run_dir/gateway.pid"; then
        HTTP_HOST=127.0.0.1 HTTP_PORT=$http_port SCHEMA_DIR=$schema_dir SCHEMA_POLICY=$schema_policy \
            nohup "$bin/gateway" </dev/null >>"$log_dir/gateway.log" 2>&1 &
        echo $! >"$run_dir/gateway.pid"
    fi
    for index in $(seq 1 "$persisters"); do
        if ! pid_alive "$run_dir/persister-$index.pid"; then
            METRICS_PORT=$((9100 + index)) SCHEMA_DIR=$schema_dir SCHEMA_POLICY=$schema_policy \
                nohup "$bin/persister" </dev/null >>"$log_dir/persister-$index.log" 2>&1 &
            echo $! >"$run_dir/persister-$index.pid"
        fi
    done
    wait_for_port "$http_port" gateway
    for index in $(seq 1 "$persisters"); do wait_for_port $((9100 + index)) "persister $index"; done
    wait_for_partitions
    log "gateway on http://127.0.0.1:$http_port, $persisters persisters (metrics on ports 9101...)"
    log "event contracts: $schema_dir, SCHEMA_POLICY=$schema_policy (read at start: restart the services after an edit)"
}

# persister_partitions <index>: how many partitions persister <index> owns now (0 while it joins).
persister_partitions() {
    local count
    count=$(curl -fsS "http://127.0.0.1:$((9100 + $1))/metrics" 2>/dev/null |
        sed -n 's/^punk_persister_assigned_partitions_count \([0-9]*\).*/\1/p')
    echo "${count:-0}"
}

# wait_for_partitions: up to 60 s for the consumer group to settle, every partition of the events
# topic owned and every persister owning some (when there are enough), so that the event the hint
# below sends becomes a row at once rather than after the group's first rebalances.
wait_for_partitions() {
    local owners_wanted=$((persisters < events_partitions ? persisters : events_partitions))
    local assigned owners count index
    [ "$persisters" -gt 0 ] || return 0
    log "waiting for the $persisters persisters to share the $events_partitions partitions"
    for _ in $(seq 1 120); do
        assigned=0 owners=0
        for index in $(seq 1 "$persisters"); do
            count=$(persister_partitions "$index")
            assigned=$((assigned + count))
            [ "$count" -gt 0 ] && owners=$((owners + 1))
        done
        [ "$assigned" -eq "$events_partitions" ] && [ "$owners" -ge "$owners_wanted" ] && return 0
        sleep 0.5
    done
    log "the persisters own $assigned of $events_partitions partitions after 60 s (see $log_dir/persister-*.log);" \
        "events wait in Kafka until the group settles"
}

stop_services() {
    stop_pidfile "$run_dir/gateway.pid" gateway
    for file in "$run_dir"/persister-*.pid; do
        [ -e "$file" ] && stop_pidfile "$file" "persister $(basename "$file" .pid | sed 's/persister-//')"
    done
    return 0
}

print_usage_hint() {
    cat <<HINT

Punk Records is running. Send an event:

  curl -i -X POST http://127.0.0.1:$http_port/events \\
    -H 'Authorization: Bearer $api_token' -H 'Content-Type: application/json' \\
    -d '{"event_id":"'\$(cat /proc/sys/kernel/random/uuid)'","event_type":"task.created","timestamp":"'\$(date -u +%Y-%m-%dT%H:%M:%SZ)'","producer":"curl","payload":{"title":"hello"}}'

Then look at the row:

  psql -h 127.0.0.1 -p $pg_port -U postgres punk_records -c 'SELECT event_id, event_type, occurred_at FROM events'

Logs are in $log_dir; stop everything with: scripts/stack.sh down
HINT
}

[ "${1:-}" = run ] && bash "$root/scripts/setup.sh"

case "${1:-}" in
    up) start_postgres; start_broker ;;
    run) start_postgres; start_broker; start_services; print_usage_hint ;;
    down) stop_services; stop_broker; stop_postgres ;;
    status)
        as_postgres "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1 && echo "postgres: running" || echo "postgres: stopped"
        pid_alive "$run_dir/tansu.pid" && echo "tansu: running" || echo "tansu: stopped"
        pid_alive "$run_dir/gateway.pid" && echo "gateway: running" || echo "gateway: stopped"
        ;;
    stop-postgres) stop_postgres ;;
    start-postgres) start_postgres ;;
    freeze-postgres | thaw-postgres)
        # The postmaster and every backend, so that nothing answers (unlike a stop, nothing is refused).
        signal=$([ "$1" = freeze-postgres ] && echo STOP || echo CONT)
        postmaster=$(head -n 1 "$pg_data/postmaster.pid")
        pkill -"$signal" -P "$postmaster" || true
        kill -"$signal" "$postmaster"
        ;;
    stop-broker) stop_broker ;;
    start-broker) start_broker ;;
    topics) create_topics ;;
    *)
        echo "usage: $0 up|run|down|status|stop-postgres|start-postgres|freeze-postgres|thaw-postgres|stop-broker|start-broker|topics" >&2
        exit 2
        ;;
esac
