import EventModel
import Kafka
import ServiceKafka
import ServiceSupport
import Telemetry

/// Everything the gateway reads from the environment, checked once at start-up.
struct GatewayConfiguration: Sendable {
    var host: String
    var port: Int
    var apiToken: String
    var maxEventBytes: Int
    var maxBatchEvents: Int
    /// Request body bytes held at once across every request; beyond it, `503 overloaded`.
    var maxInFlightBodyBytes: Int
    var kafka: KafkaSettings
    var logging: LoggingSettings
    /// The event contracts (`SCHEMA_DIR`), checked after the envelope; `nil` when none are set.
    var schemas: SchemaRegistry?
    /// Spans exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    var tracing: TracingSettings

    /// How long a produce may wait for the broker's acknowledgement before the client gets 503.
    var deliveryTimeout: Duration {
        let configured =
            kafka.passThroughProperties["message.timeout.ms"] ?? kafka.passThroughProperties["delivery.timeout.ms"]
        return configured.flatMap(Int.init).map { Duration.milliseconds($0) } ?? .seconds(5)
    }

    /// A batch body may hold up to 16 maximal events (16 MiB by default); each event is still
    /// limited to `maxEventBytes`.
    var maxBatchBodyBytes: Int { maxEventBytes * min(maxBatchEvents, 16) }

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        guard let token = environment.optionalString("PUNK_RECORDS_API_TOKEN") else {
            throw ConfigurationError("PUNK_RECORDS_API_TOKEN is not set: the gateway refuses to run without a token")
        }
        guard token.utf8.count >= 8 else {
            throw ConfigurationError("PUNK_RECORDS_API_TOKEN is shorter than 8 characters")
        }
        apiToken = token
        host = environment.string("HTTP_HOST", default: "0.0.0.0")
        port = try environment.integer("HTTP_PORT", default: 8000, in: 1...65535)
        maxEventBytes = try environment.integer("MAX_EVENT_BYTES", default: 1_048_576, in: 1024...(64 << 20))
        maxBatchEvents = try environment.integer("MAX_BATCH_EVENTS", default: 1000, in: 1...100_000)
        maxInFlightBodyBytes = try environment.integer(
            "MAX_IN_FLIGHT_BODY_BYTES", default: 64 << 20, in: (64 << 10)...(16 << 30))
        guard maxInFlightBodyBytes >= maxEventBytes * min(maxBatchEvents, 16) else {
            throw ConfigurationError(
                "MAX_IN_FLIGHT_BODY_BYTES=\(maxInFlightBodyBytes) is below the largest batch body "
                    + "(\(maxEventBytes * min(maxBatchEvents, 16)) bytes): such a batch could never be read")
        }
        kafka = try KafkaSettings(environment: environment)
        logging = try LoggingSettings(environment: environment)
        schemas = try SchemaSettings(environment: environment).loadRegistry()
        tracing = try TracingSettings(environment: environment)
    }

    func producerConfiguration() -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(
            client: kafka.clientConfiguration(clientID: "punk-records-gateway"))
        configuration.deliveryTimeout = deliveryTimeout
        // A single event may be up to maxEventBytes; the broker-facing limit must allow it.
        configuration.client.additionalProperties["message.max.bytes"] =
            configuration.client.additionalProperties["message.max.bytes"]
            ?? String(max(maxEventBytes + 65_536, 1_000_000))
        return configuration
    }
}
