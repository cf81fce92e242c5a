#!/usr/bin/env python3
"""An OTLP/HTTP endpoint that takes every export and keeps nothing, counting what it took.

For benchmarks: the gateway with tracing on exports its spans here, so the run measures making and
sending spans, not a collector. `otlp-sink.py PORT`; SIGTERM prints `otlp-sink: N exports, B bytes`.
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

exports = 0
received = 0


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global exports, received
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        exports += 1
        received += length
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)

    def stop(*_):
        print(f"otlp-sink: {exports} exports, {received} bytes", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
