#!/usr/bin/env bash
# Creates the Punk Records Kafka topics when they do not exist yet; existing topics are left as
# they are (a warning is printed when their partition count differs from the plan). Running it
# again is harmless, which is what the docker compose one-shot and the Kubernetes Job rely on.
#
# Runs inside the Redpanda image (it needs `rpk`). Settings:
#   KAFKA_BROKERS    comma-separated bootstrap servers (required)
#   KAFKA_TOPIC      events topic      (default clawderpunk.events.v1)
#   KAFKA_DLQ_TOPIC  dead-letter topic (default clawderpunk.events.v1.dlq)
#   --replicas N     replication factor for both topics (default 1; use 3 on a real cluster)
# TLS or SASL towards the brokers: set rpk's own RPK_TLS_ENABLED, RPK_SASL_MECHANISM, RPK_USER,
# RPK_PASS in the container environment.
set -euo pipefail

readonly EVENTS_PARTITIONS=6
readonly EVENTS_RETENTION_DAYS=7
readonly DLQ_PARTITIONS=3
readonly DLQ_RETENTION_DAYS=30
readonly DAY_MS=86400000
readonly MAX_ATTEMPTS=30

brokers="${KAFKA_BROKERS:?KAFKA_BROKERS must name the bootstrap servers}"
events_topic="${KAFKA_TOPIC:-clawderpunk.events.v1}"
dlq_topic="${KAFKA_DLQ_TOPIC:-clawderpunk.events.v1.dlq}"
replicas=1

while [ $# -gt 0 ]; do
    case "$1" in
        --replicas) replicas="${2:?--replicas needs a value}"; shift 2 ;;
        --replicas=*) replicas="${1#*=}"; shift ;;
        *) echo "create-topics: unknown argument: $1" >&2; exit 2 ;;
    esac
done

log() { printf 'create-topics: %s\n' "$*"; }

rpk_() { rpk -X brokers="$brokers" "$@"; }

# Prints the partition count of an existing topic, or nothing when it does not exist.
partitions_of() {
    rpk_ topic list 2>/dev/null | awk -v t="$1" '$1 == t { print $2 }'
}

ensure_topic() {
    local topic=$1 partitions=$2 retention_days=$3 attempt output existing
    for attempt in $(seq 1 "$MAX_ATTEMPTS"); do
        output=$(rpk_ topic create "$topic" \
            --partitions "$partitions" \
            --replicas "$replicas" \
            --topic-config cleanup.policy=delete \
            --topic-config "retention.ms=$((retention_days * DAY_MS))" 2>&1) || true
        if printf '%s\n' "$output" | grep -Eq "^${topic//./\\.}[[:space:]]+OK"; then
            log "created $topic ($partitions partitions, $replicas replicas, ${retention_days}d retention)"
            return 0
        fi
        if printf '%s\n' "$output" | grep -Eqi 'TOPIC_ALREADY_EXISTS|already exists'; then
            existing=$(partitions_of "$topic")
            if [ -n "$existing" ] && [ "$existing" != "$partitions" ]; then
                log "WARNING: $topic already exists with $existing partitions (planned: $partitions); left unchanged"
            else
                log "$topic already exists; left unchanged"
            fi
            return 0
        fi
        log "attempt $attempt/$MAX_ATTEMPTS for $topic failed: $(printf '%s' "$output" | tail -n 1)"
        sleep 2
    done
    log "giving up on $topic"
    return 1
}

log "brokers: $brokers"
ensure_topic "$events_topic" "$EVENTS_PARTITIONS" "$EVENTS_RETENTION_DAYS"
ensure_topic "$dlq_topic" "$DLQ_PARTITIONS" "$DLQ_RETENTION_DAYS"
log "done"
