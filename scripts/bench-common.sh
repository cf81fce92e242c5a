# Helpers shared by the benchmark scripts; sourced, not run. The sourcing script defines `log`.

# wait_http <url> <what>: waits up to 30 s for the URL to answer 2xx.
wait_http() {
    local url=$1 what=$2
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    log "$what did not answer $url"
    return 1
}

# calc <expression> [decimals]: floating-point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

# at_least <a> <b>: succeeds when a >= b (decimals allowed).
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
