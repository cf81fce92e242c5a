#!/usr/bin/env python3
"""Runs the docker-compose.yml topology as local processes, without containers.

The gateway, the migrate one-shot and two persister replicas start from the release or debug
binaries with exactly the environment the compose file gives their containers; only network
addresses change (service names become the local PostgreSQL and broker, listening ports become
free local ones, as `--scale` would give each replica its own container), and so do paths inside
a bind mount (`./schemas:/etc/punk-records/schemas:ro` makes SCHEMA_DIR the repository's schemas/).
Then the gateway must list the repository's contracts and refuse a payload that breaks one, and
one event goes through the gateway and must come out as a row. Last, the /metrics of the gateway and
of each persister are saved next to their logs and deploy/tests/check_observability.py --scraped
checks the dashboard and alert rules of deploy/observability/ against them.

Needs the stack of scripts/stack.sh (PUNK_STACK_PG_PORT, PUNK_STACK_KAFKA_PORT) and the
binaries in PUNK_TEST_BIN_DIR. The last line is `compose-topology: N passed, M failed`.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import yaml
from tally import Tally

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_PORT = os.environ.get("PUNK_STACK_PG_PORT", "55432")
KAFKA_PORT = os.environ.get("PUNK_STACK_KAFKA_PORT", "59092")
BIN_DIR = os.environ.get("PUNK_TEST_BIN_DIR", os.path.join(ROOT, ".build", "debug"))

check = Tally("compose")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def expand(value):
    """Resolves ${VAR:-default} as compose does, from this process's environment."""
    def replace(match):
        name, default = match.group(1), match.group(2) or ""
        return os.environ.get(name) or default
    return re.sub(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}", replace, str(value))


def bind_mounts(service):
    """(container path, host path) for the service's `./source:/target[:mode]` bind mounts."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            parts = volume.split(":")
            source, target = parts[0], parts[1] if len(parts) > 1 else ""
        else:
            source, target = volume.get("source", ""), volume.get("target", "")
        if source.startswith(("./", "../")) and target.startswith("/"):
            mounts.append((target.rstrip("/"), os.path.normpath(os.path.join(ROOT, source))))
    return sorted(mounts, key=lambda mount: len(mount[0]), reverse=True)


def localise(environment, http_port=None, metrics_port=None, mounts=()):
    local = {}
    for name, value in environment.items():
        value = expand(value)
        value = value.replace("redpanda:9092", f"127.0.0.1:{KAFKA_PORT}")
        value = value.replace("@postgres:5432/", f"@127.0.0.1:{PG_PORT}/")
        for target, source in mounts:
            if value == target or value.startswith(target + "/"):
                value = source + value[len(target):]
                break
        local[name] = value
    if "HTTP_PORT" in local:
        local["HTTP_PORT"] = str(http_port)
        local["HTTP_HOST"] = "127.0.0.1"
    if "METRICS_PORT" in local:
        local["METRICS_PORT"] = str(metrics_port)
    local["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    local["LOG_FORMAT"] = "text"
    return local


def http(method, url, body=None, headers=None, timeout=10):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None, b""


def wait_ready(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if http("GET", f"http://127.0.0.1:{port}/ready", timeout=2)[0] == 200:
            return True
        time.sleep(0.3)
    return False


def launch(name, arguments, environment, logs, processes):
    """Starts the gateway (`name` "gateway") or the persister (any other name), its output in
    logs/<name>.log, and adds it to `processes`."""
    log = open(os.path.join(logs, f"{name}.log"), "w")
    binary = os.path.join(BIN_DIR, "gateway" if name == "gateway" else "persister")
    process = subprocess.Popen([binary] + arguments, env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    processes.append(process)
    return process


def post_event(port, token, producer, title, headers=None):
    """POSTs one task.created event to the gateway; returns (event_id, status, answer)."""
    event_id = str(uuid.uuid4())
    body = json.dumps({
        "event_id": event_id, "event_type": "task.created", "timestamp": "2026-11-22T10:00:00Z",
        "producer": producer, "payload": {"title": title},
    }).encode()
    status, answer = http("POST", f"http://127.0.0.1:{port}/events", body, {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {}),
    })
    return event_id, status, answer


def stop_checking_exit(processes, check, label=""):
    """SIGTERM to each process, then each must exit 0 within 60 s."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            code = None
        check(f"pid {process.pid} exits 0 on SIGTERM{label}", code == 0, f"got {code}")


def psql(sql, database="postgres"):
    return subprocess.run(
        ["psql", "-X", "-tA", "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", database, "-c", sql],
        capture_output=True, text=True).stdout.strip()


def main():
    services = yaml.safe_load(open(os.path.join(ROOT, "docker-compose.yml")))["services"]
    for name in ("gateway", "persister", "migrate", "postgres"):
        check(f"service {name} exists", name in services)
    database = expand(services["postgres"]["environment"]["POSTGRES_DB"])
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")

    logs = os.path.join(ROOT, ".stack", "compose-topology")
    os.makedirs(logs, exist_ok=True)
    processes = []

    def start(name, arguments, environment):
        return launch(name, arguments, environment, logs, processes)

    try:
        migrate = services["migrate"]
        result = start("migrate", list(migrate.get("command") or []), localise(migrate["environment"]))
        check("the migrate one-shot completes", result.wait(timeout=120) == 0)
        check("the events table exists", psql("SELECT to_regclass('events') IS NOT NULL", database) == "t")

        persister_ports = [free_port(), free_port()]
        persister = services["persister"]
        replicas = [start(f"persister-{i}", [], localise(persister["environment"], metrics_port=port,
                                                         mounts=bind_mounts(persister)))
                    for i, port in enumerate(persister_ports)]
        gateway_port = free_port()
        gateway_env = localise(services["gateway"]["environment"], http_port=gateway_port,
                               mounts=bind_mounts(services["gateway"]))
        gateway = start("gateway", [], gateway_env)
        check("gateway ready", wait_ready(gateway_port))
        for port in persister_ports:
            check(f"persister replica on {port} ready", wait_ready(port))

        # The event contracts: compose mounts ./schemas where SCHEMA_DIR points.
        schemas_dir = os.path.join(ROOT, "schemas")
        check("gateway SCHEMA_DIR is the repository's schemas/", gateway_env.get("SCHEMA_DIR") == schemas_dir,
              f"got {gateway_env.get('SCHEMA_DIR')!r}")
        expected_pairs = sorted(
            [entry, name[: -len(".json")]]
            for entry in os.listdir(schemas_dir) if os.path.isdir(os.path.join(schemas_dir, entry))
            and not entry.startswith(".")
            for name in os.listdir(os.path.join(schemas_dir, entry)) if name.endswith(".json")
        )
        status, answer = http("GET", f"http://127.0.0.1:{gateway_port}/schemas")
        try:
            listing = json.loads(answer)
            pairs = sorted([s["event_type"], s["event_version"]] for s in listing.get("schemas", []))
        except (ValueError, AttributeError, KeyError, TypeError):
            listing, pairs = {}, None
        check("GET /schemas lists the contracts of schemas/ under the compose policy",
              status == 200 and listing.get("enabled") is True and pairs == expected_pairs
              and listing.get("policy") == gateway_env.get("SCHEMA_POLICY"),
              f"got {status} {answer[:300]!r}")
        if ["task.created", "v1"] in expected_pairs:
            broken = json.dumps({
                "event_id": str(uuid.uuid4()), "event_type": "task.created", "event_version": "v1",
                "timestamp": "2026-11-22T10:00:00Z", "producer": "compose-topology", "payload": {"title": ""},
            }).encode()
            status, answer = http("POST", f"http://127.0.0.1:{gateway_port}/events", broken, {
                "Authorization": f"Bearer {gateway_env['PUNK_RECORDS_API_TOKEN']}",
                "Content-Type": "application/json",
            })
            check("a payload breaking its contract is refused (400 validation_failed)",
                  status == 400 and b"validation_failed" in answer, f"got {status} {answer[:200]!r}")

        event_id, status, answer = post_event(
            gateway_port, gateway_env["PUNK_RECORDS_API_TOKEN"], "compose-topology", "through the compose topology")
        check("POST /events answers 202", status == 202, f"got {status} {answer[:200]!r}")

        deadline = time.time() + 60
        row = ""
        while time.time() < deadline and not row:
            row = psql(f"SELECT event_type || '|' || producer FROM events WHERE event_id = '{event_id}'", database)
            time.sleep(0.5)
        check("the event is a row in PostgreSQL", row == "task.created|compose-topology", f"got {row!r}")

        # The dashboard and alert rules of deploy/observability/ against what the programs serve.
        scrapes = []
        for name, port in [("gateway", gateway_port)] + [(f"persister-{i}", p) for i, p in enumerate(persister_ports)]:
            status, text = http("GET", f"http://127.0.0.1:{port}/metrics")
            check(f"{name} serves /metrics", status == 200 and b"punk_" in text, f"got {status}")
            path = os.path.join(logs, f"{name}.metrics")
            with open(path, "wb") as scrape:
                scrape.write(text)
            scrapes.append(path)
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "deploy", "tests", "check_observability.py"), "--repo", ROOT,
             "--scraped"] + scrapes, capture_output=True, text=True)
        problems = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
        check("deploy/observability/ uses only metrics the programs serve (check_observability.py --scraped)",
              result.returncode == 0, "; ".join(problems) or result.stderr.strip()[-500:])

        stop_checking_exit([gateway] + replicas, check)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return check.finish("compose-topology")


if __name__ == "__main__":
    sys.exit(main())
