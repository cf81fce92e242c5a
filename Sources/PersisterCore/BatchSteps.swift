import EventModel
import Foundation
import Logging

/// Cutting polled records into batches.
public enum BatchSplit {
    /// The first records that fit a batch (by count and by bytes, at least one), and the rest.
    public static func split(
        _ records: [SourceRecord],
        maxEvents: Int,
        maxBytes: Int
    ) -> (batch: [SourceRecord], rest: [SourceRecord]) {
        var bytes = 0
        var end = 0
        while end < records.count, end < maxEvents {
            let size = records[end].byteCount
            if end > 0, bytes + size > maxBytes { break }
            bytes += size
            end += 1
        }
        return (Array(records[..<end]), Array(records[end...]))
    }

    /// Whether `split` would take all of `records` into one batch.
    public static func fitsOneBatch(_ records: [SourceRecord], maxEvents: Int, maxBytes: Int) -> Bool {
        guard records.count > 1 else { return true }
        guard records.count <= maxEvents else { return false }
        var bytes = 0
        for record in records {
            bytes += record.byteCount
            if bytes > maxBytes { return false }
        }
        return true
    }
}

/// A polled batch, decoded: the rows to write and what can never become a row.
public struct PreparedBatch: Sendable {
    public private(set) var rows: [EventRow] = []
    public private(set) var rejected: [RejectedRecord] = []
    /// Records of an event already among `rows`.
    public private(set) var duplicatesInBatch = 0
    /// Later records of an event already in `rows`: written only if that first copy is refused,
    /// so that whichever copy is storable becomes the row.
    public private(set) var laterCopies: [UUID: [EventRow]] = [:]

    /// Decodes `records`; an event that breaks its contract in `schemas` is rejected (`schema_violation`).
    public init(_ records: [SourceRecord], schemas: SchemaRegistry? = nil) {
        rows.reserveCapacity(records.count)
        var seen = Set<UUID>()
        for record in records {
            switch record.decoded ?? record.decode(schemas: schemas) {
            case .success(let envelope):
                let row = EventRow(envelope: envelope, record: record)
                if seen.insert(envelope.eventID).inserted {
                    rows.append(row)
                } else {
                    duplicatesInBatch += 1
                    laterCopies[envelope.eventID, default: []].append(row)
                }
            case .failure(let rejection):
                rejected.append(RejectedRecord(record: record, rejection: rejection))
            }
        }
    }
}

/// The rows of a write that went through, and the rows the database refused with why.
public struct Isolated<Row> {
    public var inserted = 0
    public var refused: [(row: Row, failure: WriteFailure)] = []
}

extension Isolated: Sendable where Row: Sendable {}

/// Writes `rows`; when the database refuses them for the data of particular rows, halves them and
/// writes each half again, recursively, until every refused row is alone, so one bad row never
/// holds back the others. A failure that is not about the rows (the database went away) ends the
/// search: it is thrown, and the caller writes all the rows again later (rows already written are
/// then duplicates, which the write absorbs).
public func isolatePoison<Row>(
    _ rows: ArraySlice<Row>,
    write: (ArraySlice<Row>) async -> Result<Int, WriteFailure>
) async throws(WriteFailure) -> Isolated<Row> {
    guard !rows.isEmpty else { return Isolated() }
    switch await write(rows) {
    case .success(let inserted):
        return Isolated(inserted: inserted)
    case .failure(let failure) where failure.kind == .rowSpecific:
        guard rows.count > 1 else { return Isolated(refused: [(rows[rows.startIndex], failure)]) }
        let middle = rows.startIndex + rows.count / 2
        let first = try await isolatePoison(rows[..<middle], write: write)
        let second = try await isolatePoison(rows[middle...], write: write)
        return Isolated(inserted: first.inserted + second.inserted, refused: first.refused + second.refused)
    case .failure(let failure):
        throw failure
    }
}

/// What became of a batch's write.
public enum BatchWriteResult: Sendable {
    case written(BatchWriteReport)
    /// No row could be written (`retryLater`), or none ever will without a person (`fatal`).
    case failed(WriteFailure)
}

public struct BatchWriteReport: Sendable {
    public var inserted = 0
    /// Events already in the table, and repeats of an event within the batch.
    public var duplicates = 0
    /// Records that cannot become rows: undecodable, invalid, or refused by the database.
    public var rejected: [RejectedRecord] = []
    /// The events' own timestamps (microseconds since the epoch), for the end-to-end latency.
    public var eventTimestamps: [Int64] = []

    public init(inserted: Int = 0, duplicates: Int = 0, rejected: [RejectedRecord] = [], eventTimestamps: [Int64] = [])
    {
        self.inserted = inserted
        self.duplicates = duplicates
        self.rejected = rejected
        self.eventTimestamps = eventTimestamps
    }
}

/// The write step of one batch: decode, write (isolating refused rows), then give a refused
/// event's later copy in the batch its chance to be the row.
public func writeBatch(
    _ records: [SourceRecord],
    schemas: SchemaRegistry? = nil,
    write: (ArraySlice<EventRow>) async -> Result<Int, WriteFailure>,
    logger: Logger
) async -> BatchWriteResult {
    let batch = PreparedBatch(records, schemas: schemas)
    var outcome: Isolated<EventRow>
    do {
        outcome = try await isolatePoison(batch.rows[...], write: write)
        let copies = outcome.refused.flatMap { batch.laterCopies[$0.row.envelope.eventID] ?? [] }
        if !copies.isEmpty {
            let second = try await isolatePoison(copies[...], write: write)
            outcome.inserted += second.inserted
            outcome.refused += second.refused
        }
    } catch {
        return .failed(error)
    }
    var report = BatchWriteReport(
        inserted: outcome.inserted,
        duplicates: batch.rows.count - outcome.inserted - outcome.refused.count + batch.duplicatesInBatch,
        rejected: batch.rejected,
        eventTimestamps: batch.rows.map(\.envelope.timestamp.microsecondsSinceEpoch))
    for (row, failure) in outcome.refused {
        logger.warning(
            "database rejected an event",
            metadata: ["event_id": "\(row.envelope.eventID)", "error": "\(failure.description)"])
        report.rejected.append(
            RejectedRecord(
                record: row.record, rejection: RecordRejection(reason: .databaseRejected, message: failure.description))
        )
    }
    return .written(report)
}

/// Sends the dead-letter copies of `rejects`. A copy the sink refuses as too large is cut to half
/// its budget and sent again at once; one refused even at `DeadLetter.minimumBudget` is logged
/// with its coordinates and skipped, so no record can hold its partition for good. Returns the
/// records the sink could not take now, and why.
public func deliverDeadLetters(
    _ rejects: [RejectedRecord],
    to sink: some DeadLetterSink,
    metrics: some PipelineMetrics,
    logger: Logger
) async -> (undelivered: [RejectedRecord], cause: String?) {
    var pending = rejects.map { (reject: $0, maxBytes: sink.maxBytes) }
    var undelivered: [RejectedRecord] = []
    var cause: String?
    while !pending.isEmpty {
        let letters = pending.map { entry in
            entry.reject.record.consumed.deadLetter(
                to: sink.topic, rejection: entry.reject.rejection, maxBytes: entry.maxBytes)
        }
        let deliveries = await sink.send(letters)
        var cutSmaller: [(reject: RejectedRecord, maxBytes: Int)] = []
        for (entry, delivery) in zip(pending, deliveries) {
            switch delivery {
            case .delivered:
                metrics.deadLettered(1, reason: entry.reject.rejection.reason.rawValue)
            case .tooLarge where entry.maxBytes > DeadLetter.minimumBudget:
                cutSmaller.append((entry.reject, entry.maxBytes / 2))
            case .tooLarge:
                let record = entry.reject.record
                logger.error(
                    "dead-letter topic refuses even a minimal copy; record skipped",
                    metadata: [
                        "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                    ])
                metrics.deadLettered(1, reason: "dead_letter_refused")
            case .unavailable(let reason):
                undelivered.append(entry.reject)
                cause = reason
            }
        }
        pending = cutSmaller
    }
    return (undelivered, cause)
}
