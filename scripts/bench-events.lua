-- The wrk script of scripts/bench-gateway.sh: POST /events or /events/batch with canonical envelopes.
--
--   wrk ... -s scripts/bench-events.lua <url> -- <run-id> <events-per-request> <token> [contract]
--
-- <events-per-request> 0 sends one event per POST /events, N > 0 sends N per POST /events/batch.
-- Every event gets its own event_id (run id, thread, counter as 8-4-4-4-12 hex) and a payload of
-- about 200 bytes. With `contract`, every event is a task.created v1 whose payload fits
-- schemas/task.created/v1.json. At the end wrk prints one line:
--   RESULT requests=... seconds=... rps=... p50_ms=... p99_ms=... non2xx=... socket_errors=...

local threads_created = 0

function setup(thread)
    threads_created = threads_created + 1
    thread:set("tid", threads_created)
end

function init(args)
    run_id = tonumber(args[1]) or 0
    batch = tonumber(args[2]) or 0
    counter = 0
    headers = {
        ["Authorization"] = "Bearer " .. (args[3] or "bench-token-123"),
        ["Content-Type"] = "application/json",
    }
    path = batch > 0 and "/events/batch" or "/events"
    contract = args[4] == "contract"
    types = { "task.created", "task.updated", "reminder-triggered", "chat.message" }
    -- the payload object comes to about 200 bytes
    note = string.rep("lorem ipsum dolor sit amet ", 6)
end

local function event()
    counter = counter + 1
    local id = string.format("%08x-%04x-4%03x-8%03x-%012x", run_id, tid, counter % 4096, tid % 4096, counter)
    if contract then
        return '{"event_id":"' .. id .. '","event_type":"task.created","event_version":"v1",'
            .. '"timestamp":"2026-11-22T10:00:00.000Z","producer":"bench","payload":{"task_id":"t-' .. counter
            .. '","title":"Write the report","description":"' .. note .. '","priority":"HIGH","status":"TODO",'
            .. '"due_date":"2026-12-01","recurrence":null,"tags":["work","q4"],"user_id":"u-' .. tid
            .. '","created_at":"2026-11-22T10:00:00Z"}}'
    end
    return '{"event_id":"' .. id .. '","event_type":"' .. types[counter % 4 + 1]
        .. '","timestamp":"2026-11-22T10:00:00.000Z","producer":"bench","payload":{"seq":'
        .. counter .. ',"thread":' .. tid .. ',"note":"' .. note .. '"}}'
end

function request()
    if batch == 0 then
        return wrk.format("POST", path, headers, event())
    end
    local parts = {}
    for i = 1, batch do
        parts[i] = event()
    end
    return wrk.format("POST", path, headers, "[" .. table.concat(parts, ",") .. "]")
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d seconds=%.3f rps=%.2f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
        summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
