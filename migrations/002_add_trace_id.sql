-- The trace of each row: the 32 lowercase hex digits of its record's W3C traceparent trace id
-- (NULL when the record carried none). The partial index serves "the rows of this trace".
ALTER TABLE events ADD COLUMN IF NOT EXISTS trace_id text;
CREATE INDEX IF NOT EXISTS events_trace_id_idx ON events (trace_id) WHERE trace_id IS NOT NULL;
