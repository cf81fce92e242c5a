import EventModel
import Foundation
import Kafka
import PersisterCore
import Postgres
import Tracing

/// The consumer group member as the pipeline's record source.
struct KafkaRecordSource: RecordSource {
    let consumer: KafkaConsumer
    /// The event contracts the records are checked against as they are decoded.
    let schemas: SchemaRegistry?

    func poll(maxRecords: Int, timeout: Duration) async throws -> [SourceRecord] {
        try await consumer.poll(maxRecords: maxRecords, timeout: timeout).map {
            SourceRecord($0, decodingWith: schemas)
        }
    }

    var assignment: Set<TopicPartition> { consumer.assignment }

    func commit(_ offsets: [TopicPartition: Int64]) async throws {
        try await consumer.commit(offsets)
    }

    func pause() async { await consumer.pause() }
    func resume() async { await consumer.resume() }
}

/// The events table, written on one connection per lane.
struct PostgresRowWriter: RowWriter {
    let connections: [ReconnectingConnection]
    let metrics: PersisterMetrics
    private let writer = EventWriter()

    init(connections: [ReconnectingConnection], metrics: PersisterMetrics) {
        precondition(!connections.isEmpty, "the persister needs a database connection")
        self.connections = connections
        self.metrics = metrics
    }

    var lanes: Int { connections.count }

    func write(_ rows: ArraySlice<EventRow>, lane: Int) async -> Result<Int, WriteFailure> {
        guard !rows.isEmpty else { return .success(0) }
        // A child of the batch's span when tracing is on; the no-op tracer's span costs nothing.
        return await withSpan("INSERT events", ofKind: .client) { span in
            span.attributes["db.system.name"] = "postgresql"
            span.attributes["db.operation.name"] = "INSERT"
            span.attributes["db.collection.name"] = "events"
            span.attributes["db.operation.batch.size"] = rows.count
            do throws(PostgresError) {
                let connection = try await connections[lane].connection()
                let started = ContinuousClock.now
                let inserted = try await writer.write(rows, using: connection)
                metrics.writeDuration.record(ContinuousClock.now - started)
                return .success(inserted)
            } catch {
                span.setStatus(SpanStatus(code: .error, message: error.description))
                return .failure(WriteFailure(kind: error.failureKind, description: error.description))
            }
        }
    }

    func interruptAll() async {
        for connection in connections { await connection.interrupt() }
    }
}

/// The dead-letter topic, through the persister's producer.
struct KafkaDeadLetterSink: DeadLetterSink {
    let producer: KafkaProducer
    let topic: String
    let maxBytes: Int

    func send(_ letters: [OutgoingRecord]) async -> [DeadLetterDelivery] {
        await producer.send(letters).map { result in
            switch result {
            case .success: .delivered
            case .failure(let error) where error.code == .messageTooLarge: .tooLarge
            case .failure(let error): .unavailable(error.description)
            }
        }
    }
}

extension PostgresError {
    /// How the persister answers this error: see `RetryPolicy`.
    var failureKind: FailureKind {
        let connectionFailure: RetryPolicy.ConnectionFailure? =
            switch code {
            case .connectionFailed: .failed
            case .connectionLost: .lost
            case .connectionRejected: .rejected
            case .unexpected: .unexplained
            default: nil
            }
        return RetryPolicy.classify(connectionFailure: connectionFailure, sqlState: sqlState)
    }
}

extension PersisterMetrics: PipelineMetrics {
    func polledBatch(size: Int) { batchSize.record(Double(size)) }
    func persisted(_ count: Int) { persisted.increment(by: Int64(count)) }
    func duplicatesSkipped(_ count: Int) { duplicates.increment(by: Int64(count)) }
    func databaseRetried() { databaseRetries.increment() }
    func assignedPartitions(_ count: Int) { assignedPartitions.set(Int64(count)) }
    func pending(oldestByPartition: [TopicPartition: Int64], assignment: Set<TopicPartition>) {
        notePending(oldestByPartition: oldestByPartition, assignment: assignment)
    }

    func committed(_ offsets: [TopicPartition: Int64], eventTimestamps: [Int64]) {
        noteCommitted(offsets)
        let nowMicros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        for timestamp in eventTimestamps where nowMicros >= timestamp {
            endToEndLatency.record(.microseconds(nowMicros - timestamp))
        }
    }
}
