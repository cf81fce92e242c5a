/// librdkafka properties shared by every client; typed settings come first, then whatever the
/// operator passed through (`KAFKA_PROPERTY_*`), which wins.
public struct KafkaClientConfiguration: Sendable, Hashable {
    /// `host:port` pairs, comma separated (`bootstrap.servers`).
    public var bootstrapServers: String
    public var clientID: String
    /// Any librdkafka property (TLS, SASL, tuning); applied last.
    public var additionalProperties: [String: String]

    public init(
        bootstrapServers: String, clientID: String = "punk-records", additionalProperties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.additionalProperties = additionalProperties
    }

    /// Reads `KAFKA_PROPERTY_<NAME>` variables: `KAFKA_PROPERTY_SECURITY_PROTOCOL=SASL_SSL` becomes
    /// `security.protocol=SASL_SSL`.
    public static func passThroughProperties(from environment: [String: String]) -> [String: String] {
        let prefix = "KAFKA_PROPERTY_"
        var properties: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(prefix) && name.count > prefix.count && !value.isEmpty {
            properties[name.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        return properties
    }

    package func properties(merging typed: [String: String]) -> [String: String] {
        var result = ["bootstrap.servers": bootstrapServers, "client.id": clientID]
        result.merge(typed) { _, new in new }
        result.merge(additionalProperties) { _, new in new }
        return result
    }
}

public struct KafkaProducerConfiguration: Sendable, Hashable {
    public var client: KafkaClientConfiguration
    /// How long a record may wait for its acknowledgement before its delivery fails
    /// (`message.timeout.ms`): the bound on a produce call when the broker is down or slow.
    public var deliveryTimeout: Duration = .seconds(5)
    /// Records waiting in the local queue before `send` fails fast with `queueFull`.
    public var queueCapacity: Int = 100_000
    /// Time librdkafka waits to fill a batch (`linger.ms`).
    public var linger: Duration = .milliseconds(2)

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    /// The largest record this producer sends (`message.max.bytes`, librdkafka's default 1,000,000).
    public var maxMessageBytes: Int {
        client.additionalProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    var properties: [String: String] {
        client.properties(merging: [
            "acks": "all",
            "enable.idempotence": "true",
            "message.timeout.ms": String(deliveryTimeout.milliseconds),
            "queue.buffering.max.messages": String(queueCapacity),
            "linger.ms": String(linger.milliseconds),
            // The Java client's partitioner, so that satellites using it and the gateway agree on
            // which partition a key goes to.
            "partitioner": "murmur2_random",
            // A topic the broker does not have fails its records with UNKNOWN_TOPIC after this,
            // before the delivery timeout, so the caller can tell "no such topic" from "broker slow".
            "topic.metadata.propagation.max.ms": String(max(deliveryTimeout.milliseconds / 2, 100)),
            "compression.type": "lz4",
        ])
    }
}

public struct KafkaConsumerConfiguration: Sendable, Hashable {
    public enum StartPosition: Sendable, Hashable {
        /// The group's committed offsets; `auto.offset.reset=earliest` where there are none.
        case committed
        /// The same offset in every assigned partition (clamped by the broker to what it holds).
        case offset(Int64)
        /// The first record at or after this time (milliseconds since the epoch).
        case timestamp(milliseconds: Int64)
    }

    public var client: KafkaClientConfiguration
    public var groupID: String
    public var sessionTimeout: Duration = .seconds(10)
    /// How long the application may go without polling before it is removed from the group.
    public var maxPollInterval: Duration = .seconds(300)
    public var startPosition: StartPosition = .committed

    public init(client: KafkaClientConfiguration, groupID: String) {
        self.client = client
        self.groupID = groupID
    }

    var properties: [String: String] {
        client.properties(merging: [
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": String(sessionTimeout.milliseconds),
            "heartbeat.interval.ms": String(max(sessionTimeout.milliseconds / 6, 100)),
            "max.poll.interval.ms": String(maxPollInterval.milliseconds),
            "enable.partition.eof": "false",
            // librdkafka prefetches up to 64 MiB per consumer by default; 8 MiB still keeps several
            // batches ahead and bounds a replica's memory.
            "queued.max.messages.kbytes": "8192",
            // When that bound is reached, librdkafka postpones the next fetch by this much (1 s by
            // default), which leaves a fast consumer idle with an empty queue; re-check soon instead.
            "fetch.queue.backoff.ms": "10",
        ])
    }
}

extension Duration {
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
