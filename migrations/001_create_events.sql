-- The events table of the contract: one row per event, written once.
CREATE TABLE events (
    event_id        uuid        PRIMARY KEY,
    event_type      text        NOT NULL,
    event_version   text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    correlation_id  uuid        NULL,
    producer        text        NOT NULL,
    severity        text        NOT NULL,
    event_key       text        NULL,
    payload         jsonb       NOT NULL,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    persisted_at    timestamptz NOT NULL DEFAULT now()
);

-- "All events of this type in this period", newest first.
CREATE INDEX events_type_occurred_at_idx ON events (event_type, occurred_at DESC);

-- "Everything that belongs to this request or conversation".
CREATE INDEX events_correlation_id_idx ON events (correlation_id) WHERE correlation_id IS NOT NULL;
