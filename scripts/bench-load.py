"""The load of scripts/bench-persister.sh: posts canonical envelopes to a gateway's POST /events/batch.

    python3 scripts/bench-load.py <host> <port> <token> <events> <events-per-request> <workers>

<events> envelopes (random UUID event_id, a ~200-byte payload, five event types, correlation_id
on every other event) go as bodies of <events-per-request> events, sent by <workers> threads. A
batch is resent whole after a 503 or a connection error (the persister absorbs the duplicates);
only batches answered 202 count. Progress goes to stderr every tenth of the events; at the end
one line on stdout:

    LOADED events=<accepted> seconds=<elapsed> events_per_s=<rate> batch_retries=<retries>

Any other answer, or a batch not accepted after 30 attempts, ends the load with exit status 1.
Standard library only.
"""

import http.client
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

if len(sys.argv) != 7:
    sys.exit("usage: python3 scripts/bench-load.py <host> <port> <token> <events> <events-per-request> <workers>")
host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
total, batch, workers = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

TYPES = ("task.created", "task.updated", "reminder-triggered", "chat.message", "user.signed-in")
SEVERITIES = ("info", "notice", "warning")
NOTE = "lorem ipsum dolor sit amet, consectetur " * 4
HEADERS = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

local = threading.local()
lock = threading.Lock()
state = {"sent": 0, "retries": 0, "next_report": total // 10}


def body(first, count):
    now = datetime.now(timezone.utc)
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
    items = []
    for seq in range(first, first + count):
        correlation = ',"correlation_id":"%s"' % uuid.uuid4() if seq % 2 else ""
        items.append(
            '{"event_id":"%s","event_type":"%s","timestamp":"%s","producer":"bench-loader"%s,"severity":"%s",'
            '"payload":{"seq":%d,"order":"order-%d","note":"%s"}}'
            % (uuid.uuid4(), TYPES[seq % len(TYPES)], timestamp, correlation, SEVERITIES[seq % len(SEVERITIES)],
               seq, seq % 9973, NOTE))
    return ("[" + ",".join(items) + "]").encode()


def fail(message):
    sys.stderr.write("load: %s\n" % message)
    sys.stderr.flush()
    os._exit(1)


def send(index):
    first = index * batch
    count = min(batch, total - first)
    data = body(first, count)
    for _ in range(30):
        try:
            if getattr(local, "connection", None) is None:
                local.connection = http.client.HTTPConnection(host, port, timeout=60)
            local.connection.request("POST", "/events/batch", data, HEADERS)
            response = local.connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException):
            local.connection.close()
            local.connection = None
            with lock:
                state["retries"] += 1
            time.sleep(1)
            continue
        if response.status == 202:
            with lock:
                state["sent"] += count
                if state["sent"] >= state["next_report"]:
                    sys.stderr.write("load: %d of %d events accepted\n" % (state["sent"], total))
                    state["next_report"] += max(total // 10, 1)
            return count
        if response.status == 503:
            with lock:
                state["retries"] += 1
            time.sleep(float(response.getheader("Retry-After", "1")))
            continue
        fail("POST /events/batch answered %d: %s" % (response.status, answer[:500]))
    fail("a batch was not accepted after 30 attempts")


started = time.monotonic()
with ThreadPoolExecutor(max_workers=workers) as pool:
    accepted = sum(pool.map(send, range((total + batch - 1) // batch)))
elapsed = time.monotonic() - started
print("LOADED events=%d seconds=%.3f events_per_s=%.0f batch_retries=%d"
      % (accepted, elapsed, accepted / elapsed, state["retries"]))
