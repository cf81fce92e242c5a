import EventModel
import Kafka
import Postgres
import ServiceKafka
import ServiceSupport
import Telemetry

/// Everything the persister reads from the environment, checked once at start-up.
struct PersisterConfiguration: Sendable {
    var databaseURL: String
    var topics: [String]
    var groupID: String
    var batchMaxEvents: Int
    var batchMaxWait: Duration
    /// A batch also ends before it holds more than this many bytes of keys, values and headers.
    var batchMaxBytes: Int
    /// Batches written at the same time, each on its own database connection.
    var writeConcurrency: Int
    var metricsPort: Int
    var kafka: KafkaSettings
    var logging: LoggingSettings
    /// The event contracts (`SCHEMA_DIR`): a record that breaks its contract is dead-lettered.
    var schemas: SchemaRegistry?
    /// Spans exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    var tracing: TracingSettings
    /// Where the numbered SQL files are; `./migrations` relative to the working directory.
    var migrationsDirectory: String = "migrations"

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        kafka = try KafkaSettings(environment: environment)
        databaseURL = environment.string("DATABASE_URL", default: "postgres://postgres@127.0.0.1:5432/punk_records")
        do {
            _ = try ConnectionURL(databaseURL)
        } catch {
            throw ConfigurationError(error.message)
        }
        // Every topic the gateway may route to, unless the operator names the topics.
        topics = environment.list("KAFKA_TOPICS") ?? kafka.router.allTopics
        guard !topics.isEmpty else { throw ConfigurationError("KAFKA_TOPICS names no topic") }
        for topic in topics { try KafkaSettings.checkTopicName(topic, patternAllowed: true) }
        guard !topics.contains(kafka.deadLetterTopic) else {
            throw ConfigurationError("KAFKA_TOPICS must not include the dead-letter topic \(kafka.deadLetterTopic)")
        }
        groupID = environment.string("KAFKA_GROUP_ID", default: "punk-records-persister")
        batchMaxEvents = try environment.integer("BATCH_MAX_EVENTS", default: 1000, in: 1...50_000)
        batchMaxWait = .milliseconds(try environment.integer("BATCH_MAX_WAIT_MS", default: 500, in: 1...60_000))
        batchMaxBytes = try environment.integer("BATCH_MAX_BYTES", default: 8 << 20, in: (64 << 10)...(1 << 30))
        writeConcurrency = try environment.integer("WRITE_CONCURRENCY", default: 2, in: 1...16)
        metricsPort = try environment.integer("METRICS_PORT", default: 9100, in: 1...65535)
        logging = try LoggingSettings(environment: environment)
        schemas = try SchemaSettings(environment: environment).loadRegistry()
        tracing = try TracingSettings(environment: environment)
    }

    func consumerConfiguration(
        groupID: String? = nil,
        startPosition: KafkaConsumerConfiguration.StartPosition = .committed
    ) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            client: kafka.clientConfiguration(clientID: "punk-records-persister"), groupID: groupID ?? self.groupID)
        configuration.startPosition = startPosition
        return configuration
    }

    func producerConfiguration() -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(client: kafka.clientConfiguration(clientID: "punk-records-persister-dlq"))
    }
}
