import EventModel

/// A record read from the broker, with what the pipeline adds to it: its size and, once decoded,
/// its event or rejection.
///
/// Records are copied between the poll, the batches and the rows many times per event, so the
/// fields live in one shared, immutable box: a copy is one reference count, not one per field.
public struct SourceRecord: Sendable {
    private final class Storage: Sendable {
        let consumed: ConsumedRecord
        let byteCount: Int
        let decoded: Result<EventEnvelope, RecordRejection>?
        let isDecoded: Bool

        init(_ consumed: ConsumedRecord, decoded: Result<EventEnvelope, RecordRejection>?) {
            self.consumed = consumed
            self.decoded = decoded
            isDecoded = decoded != nil
            byteCount =
                (consumed.key?.count ?? 0) + consumed.value.count
                + consumed.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count }
        }
    }

    private let storage: Storage

    /// A record not decoded yet: the driver decodes it.
    public init(_ consumed: ConsumedRecord) {
        storage = Storage(consumed, decoded: nil)
    }

    /// A record decoded (and checked against `schemas`) as it is made: what a source that knows
    /// the contracts hands the pipeline, saving `decoding(schemas:)` a second copy.
    public init(_ consumed: ConsumedRecord, decodingWith schemas: SchemaRegistry?) {
        storage = Storage(consumed, decoded: Self.decode(consumed, schemas: schemas))
    }

    /// The record as the broker handed it over.
    public var consumed: ConsumedRecord { storage.consumed }
    public var topic: String { storage.consumed.topic }
    public var partition: Int32 { storage.consumed.partition }
    public var offset: Int64 { storage.consumed.offset }
    public var key: [UInt8]? { storage.consumed.key }
    public var value: [UInt8] { storage.consumed.value }
    public var headers: [RecordHeader] { storage.consumed.headers }
    /// The record's timestamp in milliseconds since the epoch, when it has one.
    public var timestampMilliseconds: Int64? { storage.consumed.timestampMilliseconds }

    public var topicPartition: TopicPartition { storage.consumed.topicPartition }

    /// The record decoded (and checked against the contracts) as soon as it was polled, so a batch
    /// reaches its database connection ready to write; `nil` until then.
    public var decoded: Result<EventEnvelope, RecordRejection>? { storage.decoded }

    /// Whether `decoded` is filled in (asking `decoded` itself would copy the envelope).
    public var isDecoded: Bool { storage.isDecoded }

    /// Decodes the record and checks it against `schemas`.
    func decode(schemas: SchemaRegistry?) -> Result<EventEnvelope, RecordRejection> {
        Self.decode(storage.consumed, schemas: schemas)
    }

    private static func decode(
        _ record: ConsumedRecord,
        schemas: SchemaRegistry?
    ) -> Result<EventEnvelope, RecordRejection> {
        let decoded = ConsumedRecordDecoder.decode(
            value: record.value, key: record.key, coordinates: record.origin,
            recordTimestampMilliseconds: record.timestampMilliseconds)
        switch decoded {
        case .success(let event):
            if let rejection = schemas?.rejection(for: event.envelope) { return .failure(rejection) }
            return .success(event.envelope)
        case .failure(let rejection):
            return .failure(rejection)
        }
    }

    /// The record with `decoded` filled in.
    public func decoding(schemas: SchemaRegistry?) -> SourceRecord {
        SourceRecord(storage.consumed, decodingWith: schemas)
    }

    /// What the record weighs in a batch: key, value and headers.
    public var byteCount: Int { storage.byteCount }

    /// Where the record was first produced (a redriven dead letter keeps its original coordinates).
    public var origin: RecordCoordinates { storage.consumed.origin }
}

/// One event ready to become a row, with where it was read from.
public struct EventRow: Sendable {
    public let envelope: EventEnvelope
    public let record: SourceRecord

    public init(envelope: EventEnvelope, record: SourceRecord) {
        self.envelope = envelope
        self.record = record
    }
}

/// A record that can never become a row, and why.
public struct RejectedRecord: Sendable {
    public let record: SourceRecord
    public let rejection: RecordRejection

    public init(record: SourceRecord, rejection: RecordRejection) {
        self.record = record
        self.rejection = rejection
    }
}

/// The broker side the records come from and the offsets go to (a consumer group member).
public protocol RecordSource: Sendable {
    /// Waits up to `timeout` for up to `maxRecords` records. A thrown error means the source
    /// cannot be used any more. Records may come decoded (`SourceRecord(_:decodingWith:)`);
    /// the driver decodes the others.
    func poll(maxRecords: Int, timeout: Duration) async throws -> [SourceRecord]
    /// The partitions this member owns now; it changes only during `poll`.
    var assignment: Set<TopicPartition> { get }
    /// Commits next offsets (last processed offset + 1).
    func commit(_ offsets: [TopicPartition: Int64]) async throws
    /// Stops fetching from every partition, including those assigned later, while polls go on.
    func pause() async
    func resume() async
}

/// Why a write did not happen, classified by `RetryPolicy`.
public struct WriteFailure: Error, Sendable, CustomStringConvertible {
    public let kind: FailureKind
    public let description: String

    public init(kind: FailureKind, description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Writes rows into the table on one of `lanes` connections; a lane serves one write at a time.
public protocol RowWriter: Sendable {
    /// How many batches may be written at the same time.
    var lanes: Int { get }
    /// Inserts the rows in one transaction; returns how many were new (the rest were already there).
    func write(_ rows: ArraySlice<EventRow>, lane: Int) async -> Result<Int, WriteFailure>
    /// Cuts off the writes in progress (shutdown gives up on a database that stopped answering).
    func interruptAll() async
}

/// What became of one dead-letter copy.
public enum DeadLetterDelivery: Sendable, Equatable {
    case delivered
    /// The broker refuses the copy as too large: a smaller cut may pass.
    case tooLarge
    /// The dead-letter topic cannot be reached now; the same copy may pass later.
    case unavailable(String)
}

/// The dead-letter topic.
public protocol DeadLetterSink: Sendable {
    /// The dead-letter topic's name, where the copies are addressed.
    var topic: String { get }
    /// The largest copy the sink may send, in bytes.
    var maxBytes: Int { get }
    /// Sends the copies and waits for each one's answer; the results are in the same order.
    func send(_ letters: [OutgoingRecord]) async -> [DeadLetterDelivery]
}

/// What the pipeline reports; the persister turns it into Prometheus metrics.
public protocol PipelineMetrics: Sendable {
    func polledBatch(size: Int)
    func persisted(_ count: Int)
    func duplicatesSkipped(_ count: Int)
    func deadLettered(_ count: Int, reason: String)
    func databaseRetried()
    func assignedPartitions(_ count: Int)
    /// Called after a commit with the next offsets committed and the rows' event timestamps
    /// (microseconds since the epoch).
    func committed(_ offsets: [TopicPartition: Int64], eventTimestamps: [Int64])
    /// The oldest record consumed but not committed, per assigned partition (milliseconds since the
    /// epoch; absent: nothing pending), after every step of the pipeline.
    func pending(oldestByPartition: [TopicPartition: Int64], assignment: Set<TopicPartition>)
}

extension PipelineMetrics {
    public func pending(oldestByPartition: [TopicPartition: Int64], assignment: Set<TopicPartition>) {}
}
