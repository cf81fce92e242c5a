import EventModel
import Foundation
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// The consumer loop: poll a batch, decode it, write its events in one statement, dead-letter
/// what can never become a row, then commit the batch's offsets. An offset is committed only
/// when its record is in the table or in the dead-letter topic.
final class PersisterLoop: Service, Sendable {
    enum Mode: Sendable {
        /// Runs until graceful shutdown, dead-lettering poison records.
        case live
        /// Re-reads a topic and stops after `idleExit` without records; nothing is dead-lettered
        /// again (it already was on the first pass).
        case replay(idleExit: Duration)
    }

    private let configuration: PersisterConfiguration
    private let consumerConfiguration: KafkaConsumerConfiguration
    private let mode: Mode
    private let database: PostgresClient
    private let deadLetters: KafkaProducer
    private let metrics: PersisterMetrics
    private let readiness: Readiness
    private let logger: Logger
    private let writer = EventWriter()
    private let stopRequested = Atomic<Bool>(false)
    private let consumer = Mutex<KafkaConsumer?>(nil)

    init(
        configuration: PersisterConfiguration,
        consumerConfiguration: KafkaConsumerConfiguration,
        mode: Mode = .live,
        database: PostgresClient,
        deadLetters: KafkaProducer,
        metrics: PersisterMetrics,
        readiness: Readiness,
        logger: Logger
    ) {
        self.configuration = configuration
        self.consumerConfiguration = consumerConfiguration
        self.mode = mode
        self.database = database
        self.deadLetters = deadLetters
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    /// The broker check of `/health`.
    func checkBroker() async -> String? {
        guard let consumer = consumer.withLock({ $0 }) else { return "not connected yet" }
        do {
            try await consumer.checkConnection()
            return nil
        } catch {
            return "unreachable: \(error.message)"
        }
    }

    func run() async throws {
        // Offsets are committed after every batch, so no written record waits for a commit when
        // partitions are revoked: the consumer needs no rebalance handler of ours.
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration, topics: configuration.topics, logger: logger)
        self.consumer.withLock { $0 = consumer }
        readiness.markReady()
        logger.info(
            "persister consuming",
            metadata: [
                "topics": "\(configuration.topics.joined(separator: ","))", "group": "\(consumerConfiguration.groupID)",
            ])
        await withGracefulShutdownHandler {
            await consume(consumer)
        } onGracefulShutdown: {
            self.stopRequested.store(true, ordering: .relaxed)
        }
        await consumer.close()
        logger.info("persister left the group")
    }

    private var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// One write is in flight while the next batch is polled and decoded, so the broker, the
    /// decoding and the database work at the same time. Offsets are still committed batch by batch,
    /// each only after its own write.
    private func consume(_ consumer: KafkaConsumer) async {
        var session = BatchSession(consumer: consumer)
        var idleSince = ContinuousClock.now
        var inFlight: (batch: PreparedBatch, write: Task<Result<Int, PostgresError>, Never>)?
        defer { if inFlight != nil { logger.info("stopping with a batch unfinished; its offsets stay uncommitted") } }
        while !stopping {
            var records = session.takeCarryOver()
            if records.isEmpty {
                do {
                    records = try await consumer.poll(
                        maxRecords: configuration.batchMaxEvents, timeout: configuration.batchMaxWait)
                } catch {
                    logger.error("poll failed", metadata: ["kafka.error": "\(error)"])
                    return
                }
            }
            metrics.assignedPartitions.set(Int64(consumer.assignment.count))
            let prepared = records.isEmpty ? nil : prepare(records)
            if let (batch, write) = inFlight {
                do {
                    try await complete(batch, firstAttempt: await write.value, session: &session)
                    inFlight = nil
                } catch {
                    return
                }
            }
            guard let prepared else {
                if case .replay(let idleExit) = mode, ContinuousClock.now - idleSince > idleExit,
                    !consumer.assignment.isEmpty
                {
                    logger.info("replay caught up")
                    return
                }
                continue
            }
            idleSince = ContinuousClock.now
            let rows = prepared.rows
            inFlight = (prepared, Task { await self.writeOnce(rows[...]) })
        }
        if let (batch, write) = inFlight {
            // Shutdown finishes the batch in flight and commits it before leaving the group.
            do {
                try await complete(batch, firstAttempt: await write.value, session: &session)
                inFlight = nil
            } catch {
                return
            }
        }
    }

    /// Raised when shutdown interrupts a wait; the batch's offsets stay uncommitted.
    struct Stopping: Error {}

    /// A polled batch, decoded: the rows to write and what can never become a row.
    private struct PreparedBatch {
        var records: [KafkaRecord]
        var rows: [EventRow] = []
        var rejects: [(record: KafkaRecord, rejection: RecordRejection)] = []
        var duplicatesInBatch = 0
    }

    private func prepare(_ records: [KafkaRecord]) -> PreparedBatch {
        metrics.batchSize.record(Double(records.count))
        var batch = PreparedBatch(records: records)
        batch.rows.reserveCapacity(records.count)
        var seen = Set<UUID>()
        for record in records {
            let decoded = ConsumedRecordDecoder.decode(
                value: record.value, key: record.key,
                coordinates: RecordCoordinates(topic: record.topic, partition: record.partition, offset: record.offset),
                recordTimestampMicros: record.timestampMilliseconds.map { $0 * 1000 })
            switch decoded {
            case .success(let event):
                if seen.insert(event.envelope.eventID).inserted {
                    batch.rows.append(EventRow(envelope: event.envelope, record: record))
                } else {
                    batch.duplicatesInBatch += 1
                }
            case .failure(let rejection):
                batch.rejects.append((record, rejection))
            }
        }
        return batch
    }

    /// The optimistic first write of a batch, run while the next batch is being polled.
    private func writeOnce(_ rows: ArraySlice<EventRow>) async -> Result<Int, PostgresError> {
        guard !rows.isEmpty else { return .success(0) }
        do {
            let connection = try await database.connection()
            let started = ContinuousClock.now
            let inserted = try await writer.write(rows, using: connection)
            metrics.writeDuration.record(ContinuousClock.now - started)
            return .success(inserted)
        } catch {
            return .failure(error)
        }
    }

    /// Finishes a batch after its first write: a failed write goes through the careful path
    /// (retrying and isolating), then dead letters, then the offset commit.
    private func complete(
        _ batch: PreparedBatch,
        firstAttempt: Result<Int, PostgresError>,
        session: inout BatchSession
    ) async throws(Stopping) {
        var rejects = batch.rejects
        let outcome: WriteOutcome
        switch firstAttempt {
        case .success(let inserted):
            outcome = WriteOutcome(inserted: inserted)
        case .failure:
            outcome = try await writeIsolating(batch.rows[...], session: &session)
        }
        metrics.persisted.increment(by: Int64(outcome.inserted))
        metrics.duplicates.increment(
            by: Int64(batch.rows.count - outcome.inserted - outcome.rejected.count + batch.duplicatesInBatch))
        for (row, error) in outcome.rejected {
            logger.warning(
                "database rejected an event", metadata: ["event_id": "\(row.envelope.eventID)", "error": "\(error)"])
            rejects.append((row.record, RecordRejection(reason: .databaseRejected, message: error.description)))
        }
        if !rejects.isEmpty {
            if case .live = mode {
                try await deadLetter(rejects, session: &session)
            } else {
                logger.warning(
                    "replay skipped records that cannot become rows", metadata: ["count": "\(rejects.count)"])
            }
        }

        var offsets: [TopicPartition: Int64] = [:]
        for record in batch.records {
            offsets[record.topicPartition] = max(offsets[record.topicPartition] ?? 0, record.offset + 1)
        }
        let assignment = session.consumer.assignment
        do {
            // Partitions lost meanwhile are re-read by their new owner; ON CONFLICT absorbs the repeat.
            try await session.consumer.commit(offsets.filter { assignment.contains($0.key) })
        } catch {
            logger.warning("offset commit failed; the batch will be read again", metadata: ["kafka.error": "\(error)"])
            return
        }
        let nowMicros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        for row in batch.rows {
            let latency = nowMicros - row.envelope.timestamp.microsecondsSinceEpoch
            if latency >= 0 { metrics.endToEndLatency.record(.microseconds(latency)) }
        }
    }

    private struct WriteOutcome {
        var inserted = 0
        var rejected: [(EventRow, PostgresError)] = []
    }

    /// Writes the rows; a permanent failure is narrowed down by halving until the rows the
    /// database refuses are alone, so one bad row never holds back the others.
    private func writeIsolating(
        _ rows: ArraySlice<EventRow>,
        session: inout BatchSession
    ) async throws(Stopping) -> WriteOutcome {
        guard !rows.isEmpty else { return WriteOutcome() }
        switch try await writeRetryingTransient(rows, session: &session) {
        case .success(let inserted):
            return WriteOutcome(inserted: inserted)
        case .failure(let error):
            guard rows.count > 1 else { return WriteOutcome(rejected: [(rows[rows.startIndex], error)]) }
            let middle = rows.startIndex + rows.count / 2
            let first = try await writeIsolating(rows[..<middle], session: &session)
            let second = try await writeIsolating(rows[middle...], session: &session)
            return WriteOutcome(inserted: first.inserted + second.inserted, rejected: first.rejected + second.rejected)
        }
    }

    /// Retries every failure that is not about particular rows (database down, connection lost,
    /// serialization failure, missing table) with capped exponential backoff, partitions paused;
    /// returns a row-specific failure for the caller to isolate.
    private func writeRetryingTransient(
        _ rows: ArraySlice<EventRow>,
        session: inout BatchSession
    ) async throws(Stopping) -> Result<Int, PostgresError> {
        var attempt = 0
        while true {
            do {
                let connection = try await database.connection()
                let started = ContinuousClock.now
                let inserted = try await writer.write(rows, using: connection)
                metrics.writeDuration.record(ContinuousClock.now - started)
                await session.resumeIfPaused(logger: logger)
                return .success(inserted)
            } catch  where !error.isRowSpecific {
                // Not about particular rows: a database that is down, or one that cannot take any
                // row (a missing table, a lost privilege). Dead-lettering would empty the topic into
                // the dead-letter topic, so wait for it to be fixed instead.
                if attempt == 0 || attempt % 10 == 0 {
                    logger.warning(
                        "database unavailable; partitions paused, retrying",
                        metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                }
                metrics.databaseRetries.increment()
                await session.pauseIfRunning()
                try await session.wait(backoff(attempt), configuration: configuration, stopping: { self.stopping })
                attempt += 1
            } catch {
                return .failure(error)
            }
        }
    }

    private func deadLetter(
        _ rejects: [(record: KafkaRecord, rejection: RecordRejection)],
        session: inout BatchSession
    ) async throws(Stopping) {
        var pending = rejects.map { reject in
            var headers = reject.record.headers.filter { !$0.name.hasPrefix("dlq-") }
            headers.append((RecordHeaderName.dlqReason, Array(reject.rejection.reason.rawValue.utf8)))
            headers.append((RecordHeaderName.dlqError, Array(reject.rejection.message.prefix(2000).utf8)))
            headers.append((RecordHeaderName.dlqOriginalTopic, Array(reject.record.topic.utf8)))
            headers.append((RecordHeaderName.dlqOriginalPartition, Array(String(reject.record.partition).utf8)))
            headers.append((RecordHeaderName.dlqOriginalOffset, Array(String(reject.record.offset).utf8)))
            return (
                reason: reject.rejection.reason,
                record: KafkaOutgoingRecord(
                    topic: configuration.kafka.deadLetterTopic, key: reject.record.key, value: reject.record.value,
                    headers: headers)
            )
        }
        var attempt = 0
        while !pending.isEmpty {
            let results = await deadLetters.send(pending.map(\.record))
            var failed: [(reason: RecordRejection.Reason, record: KafkaOutgoingRecord)] = []
            for (entry, result) in zip(pending, results) {
                switch result {
                case .success: metrics.deadLettered(1, reason: entry.reason.rawValue)
                case .failure: failed.append(entry)
                }
            }
            pending = failed
            if pending.isEmpty {
                await session.resumeIfPaused(logger: logger)
            } else {
                logger.warning(
                    "dead-letter topic unavailable; retrying before committing",
                    metadata: ["records": "\(pending.count)"])
                await session.pauseIfRunning()
                try await session.wait(backoff(attempt), configuration: configuration, stopping: { self.stopping })
                attempt += 1
            }
        }
    }

    private func backoff(_ attempt: Int) -> Duration {
        .milliseconds(min(100 << min(attempt, 6), 5000))
    }
}

/// The consumer as seen by one batch: whether its partitions are paused, and records that arrived
/// while the batch waited (they are the next batch).
struct BatchSession {
    let consumer: KafkaConsumer
    private var paused = false
    private var carryOver: [KafkaRecord] = []

    init(consumer: KafkaConsumer) {
        self.consumer = consumer
    }

    mutating func takeCarryOver() -> [KafkaRecord] {
        defer { carryOver = [] }
        return carryOver
    }

    mutating func pauseIfRunning() async {
        guard !paused else { return }
        await consumer.pause()
        paused = true
    }

    mutating func resumeIfPaused(logger: Logger) async {
        guard paused else { return }
        await consumer.resume()
        paused = false
        logger.info("database available again; partitions resumed")
    }

    /// Waits `delay` while polling, so the member keeps its place in the group.
    mutating func wait(
        _ delay: Duration,
        configuration: PersisterConfiguration,
        stopping: () -> Bool
    ) async throws(PersisterLoop.Stopping) {
        let deadline = ContinuousClock.now + delay
        repeat {
            if stopping() { throw PersisterLoop.Stopping() }
            let slice = min(deadline - ContinuousClock.now, .milliseconds(250))
            if slice <= .zero { break }
            if let records = try? await consumer.poll(maxRecords: configuration.batchMaxEvents, timeout: slice) {
                carryOver += records
            }
        } while ContinuousClock.now < deadline
    }
}
