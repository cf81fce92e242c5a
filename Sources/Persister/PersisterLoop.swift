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
    /// Runs before the consumer joins the group (migrations, waiting for the database).
    private let startUp: @Sendable () async throws -> Void
    /// One client (and so one connection) per batch that may be written at the same time.
    private let writers: [PostgresClient]
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
        startUp: @escaping @Sendable () async throws -> Void = {},
        writers: [PostgresClient],
        deadLetters: KafkaProducer,
        metrics: PersisterMetrics,
        readiness: Readiness,
        logger: Logger
    ) {
        self.configuration = configuration
        self.consumerConfiguration = consumerConfiguration
        self.mode = mode
        self.startUp = startUp
        precondition(!writers.isEmpty, "the persister needs a database connection")
        self.writers = writers
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
        do {
            try await startUp()
        } catch is CancellationError {
            logger.info("stopped while starting; nothing was consumed")
            return
        }
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
        let writers = self.writers
        let outcome: Result<Void, PollFailure> = await withGracefulShutdownHandler {
            do throws(PollFailure) {
                try await consume(consumer)
                return .success(())
            } catch {
                return .failure(error)
            }
        } onGracefulShutdown: {
            self.stopRequested.store(true, ordering: .relaxed)
            // A write stuck on a database that stopped answering must not outlast the grace period:
            // after a while it is cut off, and its batch stays uncommitted.
            Task {
                try await Task.sleep(for: Self.stuckWriteGrace)
                for writer in writers { await writer.interrupt() }
            }
        }
        await consumer.close()
        logger.info("persister left the group")
        try outcome.get()
    }

    /// How long shutdown waits for writes in flight before cutting their connections.
    static let stuckWriteGrace: Duration = .seconds(10)

    /// The broker refused a poll for good: the service ends with this reason (exit 1).
    struct PollFailure: Error, CustomStringConvertible {
        let error: KafkaError
        var description: String { "polling the broker failed: \(error)" }
    }

    private var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Up to `writers.count` batches are written at once, each on its own connection, while the next
    /// batch is polled and decoded, so the broker, the decoding and the database work at the same
    /// time. Batches are completed (dead letters, then the offset commit) in the order they were
    /// polled, each only after its own write, so a committed offset never passes an unwritten record.
    private func consume(_ consumer: KafkaConsumer) async throws(PollFailure) {
        var session = BatchSession(consumer: consumer)
        var idleSince = ContinuousClock.now
        var pending: [PendingWrite] = []
        defer {
            if !pending.isEmpty {
                logger.info(
                    "stopping with batches unfinished; their offsets stay uncommitted",
                    metadata: ["batches": "\(pending.count)"])
            }
        }
        do {
            while !stopping {
                // Commit what is already written before waiting on the broker again.
                while let oldest = pending.first, oldest.isWritten {
                    try await completeOldest(of: &pending, session: &session)
                }
                var records = session.takeCarryOver()
                if records.isEmpty {
                    do {
                        records = try await consumer.poll(
                            maxRecords: configuration.batchMaxEvents, timeout: configuration.batchMaxWait)
                    } catch {
                        logger.error("poll failed; stopping", metadata: ["kafka.error": "\(error)"])
                        throw PollFailure(error: error)
                    }
                }
                let (batchRecords, rest) = Self.split(
                    records, maxEvents: configuration.batchMaxEvents, maxBytes: configuration.batchMaxBytes)
                session.putBack(rest)
                records = batchRecords
                metrics.assignedPartitions.set(Int64(consumer.assignment.count))
                guard !records.isEmpty else {
                    while !pending.isEmpty { try await completeOldest(of: &pending, session: &session) }
                    if case .replay(let idleExit) = mode, ContinuousClock.now - idleSince > idleExit,
                        !consumer.assignment.isEmpty
                    {
                        logger.info("replay caught up")
                        return
                    }
                    continue
                }
                idleSince = ContinuousClock.now
                let batch = prepare(records)
                if pending.count < writers.count {
                    let lane = writers.indices.first { lane in !pending.contains { $0.lane == lane } }!
                    pending.append(startWrite(batch, lane: lane))
                } else {
                    try await completeOldest(of: &pending, then: batch, session: &session)
                }
            }
            // Shutdown finishes the batches in flight and commits them before leaving the group.
            while !pending.isEmpty { try await completeOldest(of: &pending, session: &session) }
        } catch let failure as PollFailure {
            throw failure
        } catch {
            return
        }
    }

    /// The first records that fit a batch (by count and by bytes, at least one), and the rest.
    static func split(
        _ records: [KafkaRecord],
        maxEvents: Int,
        maxBytes: Int
    ) -> (batch: [KafkaRecord], rest: [KafkaRecord]) {
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

    /// A batch whose first write runs on the connection of `lane`.
    private struct PendingWrite: Sendable {
        let batch: PreparedBatch
        let lane: Int
        let firstAttempt: Task<Result<Int, PostgresError>, Never>
        private let finished: FinishedFlag

        init(batch: PreparedBatch, lane: Int, write: @escaping @Sendable () async -> Result<Int, PostgresError>) {
            let finished = FinishedFlag()
            self.batch = batch
            self.lane = lane
            self.finished = finished
            self.firstAttempt = Task {
                let result = await write()
                finished.set()
                return result
            }
        }

        /// Whether the first write has its answer, so completing the batch will not wait on it.
        var isWritten: Bool { finished.isSet }
    }

    private final class FinishedFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    private func startWrite(_ batch: PreparedBatch, lane: Int) -> PendingWrite {
        let rows = batch.rows
        return PendingWrite(batch: batch, lane: lane) { await self.writeOnce(rows[...], lane: lane) }
    }

    /// Completes the oldest pending batch. When its write succeeded, `next` starts on the freed
    /// connection before the dead letters and the offset commit, so the database is not left idle.
    private func completeOldest(
        of pending: inout [PendingWrite],
        then next: PreparedBatch? = nil,
        session: inout BatchSession
    ) async throws(Stopping) {
        let oldest = pending.removeFirst()
        let firstAttempt = await oldest.firstAttempt.value
        var next = next
        if case .success = firstAttempt, let batch = next.take() {
            pending.append(startWrite(batch, lane: oldest.lane))
        }
        try await complete(oldest.batch, firstAttempt: firstAttempt, lane: oldest.lane, session: &session)
        if let batch = next {
            pending.append(startWrite(batch, lane: oldest.lane))
        }
    }

    /// Raised when shutdown interrupts a wait; the batch's offsets stay uncommitted.
    struct Stopping: Error {}

    /// A polled batch, decoded: the rows to write and what can never become a row.
    private struct PreparedBatch: Sendable {
        var records: [KafkaRecord]
        var rows: [EventRow] = []
        var rejects: [(record: KafkaRecord, rejection: RecordRejection)] = []
        var duplicatesInBatch = 0
        /// Later records of an event already in `rows`: written only if that first copy is refused,
        /// so that whichever copy is storable becomes the row.
        var laterCopies: [UUID: [EventRow]] = [:]
    }

    private func prepare(_ records: [KafkaRecord]) -> PreparedBatch {
        metrics.batchSize.record(Double(records.count))
        var batch = PreparedBatch(records: records)
        batch.rows.reserveCapacity(records.count)
        var seen = Set<UUID>()
        for record in records {
            let decoded = ConsumedRecordDecoder.decode(
                value: record.value, key: record.key,
                coordinates: record.origin,
                recordTimestampMilliseconds: record.timestampMilliseconds)
            switch decoded {
            case .success(let event):
                if let rejection = configuration.schemas?.rejection(for: event.envelope) {
                    batch.rejects.append((record, rejection))
                    continue
                }
                let row = EventRow(envelope: event.envelope, record: record)
                if seen.insert(event.envelope.eventID).inserted {
                    batch.rows.append(row)
                } else {
                    batch.duplicatesInBatch += 1
                    batch.laterCopies[event.envelope.eventID, default: []].append(row)
                }
            case .failure(let rejection):
                batch.rejects.append((record, rejection))
            }
        }
        return batch
    }

    /// The optimistic first write of a batch, run while the next batch is being polled.
    private func writeOnce(_ rows: ArraySlice<EventRow>, lane: Int) async -> Result<Int, PostgresError> {
        guard !rows.isEmpty else { return .success(0) }
        do {
            let connection = try await writers[lane].connection()
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
        lane: Int,
        session: inout BatchSession
    ) async throws(Stopping) {
        var rejects = batch.rejects
        var outcome: WriteOutcome
        switch firstAttempt {
        case .success(let inserted):
            outcome = WriteOutcome(inserted: inserted)
        case .failure:
            outcome = try await writeIsolating(batch.rows[...], lane: lane, session: &session)
        }
        let copies = outcome.rejected.flatMap { batch.laterCopies[$0.0.envelope.eventID] ?? [] }
        if !copies.isEmpty {
            let second = try await writeIsolating(copies[...], lane: lane, session: &session)
            outcome.inserted += second.inserted
            outcome.rejected += second.rejected
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
        lane: Int,
        session: inout BatchSession
    ) async throws(Stopping) -> WriteOutcome {
        guard !rows.isEmpty else { return WriteOutcome() }
        switch try await writeRetryingTransient(rows, lane: lane, session: &session) {
        case .success(let inserted):
            return WriteOutcome(inserted: inserted)
        case .failure(let error):
            guard rows.count > 1 else { return WriteOutcome(rejected: [(rows[rows.startIndex], error)]) }
            let middle = rows.startIndex + rows.count / 2
            let first = try await writeIsolating(rows[..<middle], lane: lane, session: &session)
            let second = try await writeIsolating(rows[middle...], lane: lane, session: &session)
            return WriteOutcome(inserted: first.inserted + second.inserted, rejected: first.rejected + second.rejected)
        }
    }

    /// Retries every failure that is not about particular rows (database down, connection lost,
    /// serialization failure, missing table) with capped exponential backoff, partitions paused;
    /// returns a row-specific failure for the caller to isolate.
    private func writeRetryingTransient(
        _ rows: ArraySlice<EventRow>,
        lane: Int,
        session: inout BatchSession
    ) async throws(Stopping) -> Result<Int, PostgresError> {
        var attempt = 0
        while true {
            do {
                let connection = try await writers[lane].connection()
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

    /// Sends the dead letters, waiting (partitions paused) while the dead-letter topic is
    /// unreachable. A copy the broker refuses as too large is cut smaller and sent again at once;
    /// one that cannot be sent even without its value is logged with its coordinates and skipped,
    /// so no record can hold its partition for good.
    private func deadLetter(
        _ rejects: [(record: KafkaRecord, rejection: RecordRejection)],
        session: inout BatchSession
    ) async throws(Stopping) {
        var pending = rejects.map { (reject: $0, maxBytes: deadLetterMaxBytes) }
        var attempt = 0
        while !pending.isEmpty {
            let outgoing = pending.map { entry in
                let record = entry.reject.record
                let copy = DeadLetter(
                    key: record.key, value: record.value, headers: record.headers, rejection: entry.reject.rejection,
                    origin: record.origin, maxBytes: entry.maxBytes)
                return KafkaOutgoingRecord(
                    topic: configuration.kafka.deadLetterTopic, key: copy.key, value: copy.value,
                    headers: copy.headers)
            }
            let results = await deadLetters.send(outgoing)
            var unreachable: [(reject: (record: KafkaRecord, rejection: RecordRejection), maxBytes: Int)] = []
            var tooLarge: [(reject: (record: KafkaRecord, rejection: RecordRejection), maxBytes: Int)] = []
            for (entry, result) in zip(pending, results) {
                switch result {
                case .success:
                    metrics.deadLettered(1, reason: entry.reject.rejection.reason.rawValue)
                case .failure(let error) where error.code == .messageTooLarge:
                    guard entry.maxBytes > DeadLetter.minimumBudget else {
                        logger.error(
                            "dead-letter topic refuses even a minimal copy; record skipped",
                            metadata: [
                                "topic": "\(entry.reject.record.topic)",
                                "partition": "\(entry.reject.record.partition)",
                                "offset": "\(entry.reject.record.offset)", "kafka.error": "\(error)",
                            ])
                        metrics.deadLettered(1, reason: "dead_letter_refused")
                        continue
                    }
                    tooLarge.append((entry.reject, entry.maxBytes / 2))
                case .failure:
                    unreachable.append(entry)
                }
            }
            pending = tooLarge + unreachable
            if unreachable.isEmpty {
                await session.resumeIfPaused(logger: logger)
            } else {
                logger.warning(
                    "dead-letter topic unavailable; retrying before committing",
                    metadata: ["records": "\(unreachable.count)"])
                await session.pauseIfRunning()
                try await session.wait(backoff(attempt), configuration: configuration, stopping: { self.stopping })
                attempt += 1
            }
        }
    }

    private var deadLetterMaxBytes: Int { configuration.producerConfiguration().maxMessageBytes }

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

    /// Records polled but not taken into this batch: they start the next one.
    mutating func putBack(_ records: [KafkaRecord]) {
        guard !records.isEmpty else { return }
        carryOver = records + carryOver
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

extension KafkaRecord {
    /// What the record weighs in a batch: key, value and headers.
    var byteCount: Int {
        (key?.count ?? 0) + value.count + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count }
    }

    /// Where the record was first produced (a redriven dead letter keeps its original coordinates).
    var origin: RecordCoordinates {
        RecordCoordinates.origin(topic: topic, partition: partition, offset: offset, headers: headers)
    }
}
