import EventModel
import Foundation
import Kafka
import Logging
import PersisterCore
import Postgres
import ServiceLifecycle
import ServiceOperations
import Synchronization
import Tracing

/// The persister as a service: the start-up (migrations, waiting for the database), then the
/// consumer group member and the pipeline (`PipelineDriver`) over Kafka and PostgreSQL. An offset
/// is committed only when its record is in the table or in the dead-letter topic.
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
    /// One connection per batch that may be written at the same time.
    private let writers: [ReconnectingConnection]
    private let deadLetters: KafkaProducer
    private let metrics: PersisterMetrics
    private let readiness: Readiness
    private let logger: Logger
    private let consumer = Mutex<KafkaConsumer?>(nil)

    init(
        configuration: PersisterConfiguration,
        consumerConfiguration: KafkaConsumerConfiguration,
        mode: Mode = .live,
        startUp: @escaping @Sendable () async throws -> Void = {},
        writers: [ReconnectingConnection],
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

    /// The broker's high watermarks as the consumer last saw them (no broker round trip).
    func cachedHighWatermarks() -> [TopicPartition: Int64] {
        consumer.withLock { $0 }?.cachedHighWatermarks() ?? [:]
    }

    /// How long shutdown waits for writes in flight before cutting their connections.
    static let stuckWriteGrace: Duration = .seconds(10)

    func run() async throws {
        do {
            try await startUp()
        } catch is CancellationError {
            logger.info("stopped while starting; nothing was consumed")
            return
        }
        // Offsets are committed as soon as batches are done, and what is not committed when
        // partitions are revoked is read again by their new owner: no rebalance handler of ours.
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration, topics: configuration.topics, logger: logger)
        self.consumer.withLock { $0 = consumer }
        readiness.markReady()
        logger.info(
            "persister consuming",
            metadata: [
                "topics": "\(configuration.topics.joined(separator: ","))", "group": "\(consumerConfiguration.groupID)",
            ])
        let idleExit: Duration? =
            switch mode {
            case .live: nil
            case .replay(let idleExit): idleExit
            }
        let driver = PipelineDriver(
            configuration: .init(
                machine: .init(
                    maxEvents: configuration.batchMaxEvents, maxBytes: configuration.batchMaxBytes,
                    lanes: writers.count, deadLettering: idleExit == nil, idleExit: idleExit),
                pollTimeout: configuration.batchMaxWait, stuckWriteGrace: Self.stuckWriteGrace,
                schemas: configuration.schemas),
            source: KafkaRecordSource(consumer: consumer, schemas: configuration.schemas),
            writer: PostgresRowWriter(connections: writers, metrics: metrics),
            sink: KafkaDeadLetterSink(
                producer: deadLetters, topic: configuration.kafka.deadLetterTopic,
                maxBytes: configuration.producerConfiguration().maxMessageBytes),
            metrics: metrics, logger: logger,
            tracing: configuration.tracing.isEnabled ? PipelineTracing(tracer: InstrumentationSystem.tracer) : nil)
        // The pipeline ends on graceful shutdown (after finishing what is in flight), when a replay
        // caught up, or with the reason it cannot go on; the group is left in every case.
        var failure: (any Error)?
        do {
            try await driver.run(stopRequested: { try? await gracefulShutdown() })
        } catch {
            failure = error
        }
        await consumer.close()
        logger.info("persister left the group")
        if let failure { throw failure }
    }
}
