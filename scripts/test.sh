#!/usr/bin/env bash
# Runs every test: installs what is missing, starts a private PostgreSQL and Tansu (ports apart
# from a dev stack), runs the Swift test suites, the compose topology as local processes, one event
# traced end to end, and the offline deploy checks, then stops what it started.
# Extra arguments go to `swift test` (e.g. --filter GatewayTests).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

bash scripts/setup.sh

export PUNK_STACK_DIR="$root/.stack/test"
export PUNK_STACK_PG_PORT=${PUNK_TEST_PG_PORT:-55432}
export PUNK_STACK_KAFKA_PORT=${PUNK_TEST_KAFKA_PORT:-59092}
export PUNK_STACK_PG_FSYNC=off

bash scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$PUNK_STACK_DIR"
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up

export PUNK_TEST_KAFKA_BROKERS="127.0.0.1:$PUNK_STACK_KAFKA_PORT"
export PUNK_TEST_PG_PORT="$PUNK_STACK_PG_PORT"
export PUNK_TEST_TANSU
PUNK_TEST_TANSU=$(tansu_binary)
export PUNK_TEST_STACK_SCRIPT="$root/scripts/stack.sh"

swift build --build-tests
export PUNK_TEST_BIN_DIR
PUNK_TEST_BIN_DIR=$(swift build --show-bin-path)

swift test --skip-build --no-parallel "$@"

if [ $# -eq 0 ]; then
    python3 deploy/tests/compose_topology.py
    python3 deploy/tests/trace_end_to_end.py
    bash deploy/tests/validate.sh
fi
