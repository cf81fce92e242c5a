#!/usr/bin/env python3
"""Follows one event through gateway -> Kafka -> persister with tracing on.

Starts an OTLP/HTTP receiver (protobuf decoded with opentelemetry-proto), the migrate one-shot,
one persister and the gateway from the compose file's environments (as compose_topology.py runs
them) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at the receiver, sends an event carrying a client
`traceparent`, and checks: the gateway's server span is the child of the client's span, the produce
span is the server span's child, the persister's batch span links to the produce span, the
statement span is the batch span's child, and the row's trace_id is the client's trace id.

Needs the stack of scripts/stack.sh, the binaries in PUNK_TEST_BIN_DIR and the Tansu binary in
PUNK_TEST_TANSU (for a topic of the test's own, so that nothing left on the broker is in the way). The last line is
`trace-end-to-end: N passed, M failed`.
"""
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml
from tally import Tally
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compose_topology import (  # noqa: E402
    KAFKA_PORT, ROOT, bind_mounts, expand, free_port, launch, localise, post_event, psql, stop_checking_exit, wait_ready)

check = Tally("trace")


class Receiver(ThreadingHTTPServer):
    """Keeps every span posted to /v1/traces, with its service's name."""

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)
        self.spans = []
        self.lock = threading.Lock()

    def find(self, predicate):
        with self.lock:
            return [span for span in self.spans if predicate(span)]


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            self.send_response(404)
            self.end_headers()
            return
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(body)
        received = []
        for resource_spans in request.resource_spans:
            service = next((a.value.string_value for a in resource_spans.resource.attributes
                            if a.key == "service.name"), None)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append({
                        "service": service, "name": span.name, "kind": span.kind,
                        "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "links": [(link.trace_id.hex(), link.span_id.hex()) for link in span.links],
                        "attributes": {a.key: getattr(a.value, a.value.WhichOneof("value")) for a in span.attributes},
                    })
        with self.server.lock:
            self.server.spans.extend(received)
        answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *arguments):
        pass


def wait_for(find, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.2)
    return []


def main():
    services = yaml.safe_load(open(os.path.join(ROOT, "docker-compose.yml")))["services"]
    database = expand(services["postgres"]["environment"]["POSTGRES_DB"]) + "_trace"
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")
    # A topic of its own: records other runs left on the compose topic would be written first.
    topic = f"trace-e2e-{uuid.uuid4().hex[:8]}"
    for name, partitions in ((topic, 1), (topic + ".dlq", 1)):
        subprocess.run([os.environ["PUNK_TEST_TANSU"], "topic", "create", name, "--broker",
                        f"tcp://127.0.0.1:{KAFKA_PORT}", "--partitions", str(partitions)], check=True,
                       capture_output=True)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    tracing = {
        "KAFKA_TOPIC": topic, "KAFKA_DLQ_TOPIC": topic + ".dlq",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within moments, not the default 5 s
    }

    logs = os.path.join(ROOT, ".stack", "trace-end-to-end")
    os.makedirs(logs, exist_ok=True)
    processes = []

    def start(name, arguments, environment):
        environment = dict(environment, **tracing)
        if "DATABASE_URL" in environment:
            environment["DATABASE_URL"] = environment["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}"
        return launch(name, arguments, environment, logs, processes)

    try:
        migrate = services["migrate"]
        result = start("migrate", list(migrate.get("command") or []), localise(migrate["environment"]))
        check("the migrate one-shot completes", result.wait(timeout=120) == 0)

        persister_port = free_port()
        persister_env = localise(services["persister"]["environment"], metrics_port=persister_port,
                                 mounts=bind_mounts(services["persister"]))
        persister_env["KAFKA_TOPICS"] = topic
        persister_env["KAFKA_GROUP_ID"] = topic  # a group of its own: no rebalance with other runs' members
        persister = start("persister", [], persister_env)
        gateway_port = free_port()
        gateway_env = localise(services["gateway"]["environment"], http_port=gateway_port,
                               mounts=bind_mounts(services["gateway"]))
        gateway = start("gateway", [], gateway_env)
        check("gateway ready", wait_ready(gateway_port))
        check("persister ready", wait_ready(persister_port))

        client_trace, client_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        event_id, status, answer = post_event(
            gateway_port, gateway_env["PUNK_RECORDS_API_TOKEN"], "trace-end-to-end", "followed end to end",
            {"traceparent": f"00-{client_trace}-{client_span}-01"})
        check("POST /events with a traceparent answers 202", status == 202, f"got {status} {answer[:200]!r}")

        row = wait_for(lambda: psql(f"SELECT coalesce(trace_id, 'null') FROM events WHERE event_id = '{event_id}'",
                                    database), timeout=60)
        check("the row keeps the client's trace id", row == client_trace, f"got {row!r}, client {client_trace}")

        server = wait_for(lambda: receiver.find(
            lambda s: s["service"] == "punk-records-gateway" and s["kind"] == trace_pb2.Span.SPAN_KIND_SERVER
            and s["trace_id"] == client_trace))
        check("the gateway's server span is the child of the client's span",
              len(server) == 1 and server[0]["parent_span_id"] == client_span, f"got {server}")
        server_attributes = server[0]["attributes"] if server else {}
        check("the server span has the HTTP method, route and status",
              server_attributes.get("http.request.method") == "POST" and server_attributes.get("http.route") == "/events"
              and server_attributes.get("http.response.status_code") == 202, f"got {server_attributes}")
        server_id = server[0]["span_id"] if server else None
        produce = wait_for(lambda: receiver.find(
            lambda s: s["kind"] == trace_pb2.Span.SPAN_KIND_PRODUCER and s["trace_id"] == client_trace))
        check("the produce span is the server span's child, in the client's trace",
              len(produce) == 1 and produce[0]["parent_span_id"] == server_id and produce[0]["name"].startswith("send"),
              f"got {produce}")
        produce_attributes = produce[0]["attributes"] if produce else {}
        check("the produce span names the messaging system and topic",
              produce_attributes.get("messaging.system") == "kafka"
              and produce_attributes.get("messaging.destination.name") == topic, f"got {produce_attributes}")
        produce_id = produce[0]["span_id"] if produce else None
        batch = wait_for(lambda: receiver.find(
            lambda s: s["service"] == "punk-records-persister" and s["name"] == "persist batch"
            and (client_trace, produce_id) in s["links"]))
        check("the persister's batch span links to the produce span", len(batch) == 1, f"got {batch}")
        if batch:
            statement = wait_for(lambda: receiver.find(
                lambda s: s["name"] == "INSERT events" and s["trace_id"] == batch[0]["trace_id"]
                and s["parent_span_id"] == batch[0]["span_id"]))
            check("the statement span is the batch span's child", len(statement) >= 1, f"spans: {receiver.spans}")

        stop_checking_exit([gateway, persister], check, " with tracing on")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        receiver.shutdown()
        psql(f"DROP DATABASE IF EXISTS {database}")
    return check.finish("trace-end-to-end")


if __name__ == "__main__":
    sys.exit(main())
