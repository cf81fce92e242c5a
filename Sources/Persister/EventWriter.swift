import EventModel
import Foundation
import Logging
import PersisterCore
import Postgres

/// Writes rows with one set-based statement per batch: one array parameter per column, unnested
/// by the server, `ON CONFLICT (event_id) DO NOTHING` absorbing duplicates.
struct EventWriter: Sendable {
    static let insert = """
        INSERT INTO events (event_id, event_type, event_version, occurred_at, correlation_id, producer, severity,
                            event_key, payload, kafka_topic, kafka_partition, kafka_offset, trace_id)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[],
                             $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::int4[], $12::int8[],
                             $13::text[])
        ON CONFLICT (event_id) DO NOTHING
        """

    /// Inserts the rows in one transaction; returns how many were new.
    func write(_ rows: ArraySlice<EventRow>, using connection: PostgresConnection) async throws(PostgresError) -> Int {
        func column(_ type: PostgresType, _ value: (EventRow) -> PostgresValue) -> PostgresValue {
            .array(elementType: type, elements: rows.map(value))
        }
        let parameters: [PostgresValue] = [
            column(.uuid) { .uuid($0.envelope.eventID) },
            column(.text) { .text($0.envelope.eventType) },
            column(.text) { .text($0.envelope.eventVersion) },
            column(.timestamptz) { .timestamptz($0.envelope.timestamp.microsecondsSinceEpoch) },
            column(.uuid) { $0.envelope.correlationID.map(PostgresValue.uuid) ?? .null },
            column(.text) { .text($0.envelope.producer) },
            column(.text) { .text($0.envelope.severity.rawValue) },
            column(.text) { $0.envelope.key.map(PostgresValue.text) ?? .null },
            column(.jsonb) { .jsonb($0.envelope.payload) },
            column(.text) { .text($0.record.topic) },
            column(.int4) { .int32($0.record.partition) },
            column(.int8) { .int64($0.record.offset) },
            column(.text) { $0.traceID.map(PostgresValue.text) ?? .null },
        ]
        // A single statement is its own transaction: all rows commit together or none does.
        return try await connection.query(Self.insert, parameters, prepared: true).affectedRows
    }
}

extension EventRow {
    /// The trace id of the record's `traceparent` header when it carries a valid one, else the one
    /// the event names itself (a CloudEvent's `traceparent` attribute).
    var traceID: String? {
        record.headers.lastValue(named: RecordHeaderName.traceparent).flatMap(TraceParent.traceID) ?? envelope.traceID
    }
}
