import EventModel
import Glibc
import Kafka
import ServiceSupport

/// The Kafka settings both programs read: brokers, topics, routes, pass-through properties.
public struct KafkaSettings: Sendable {
    public var brokers: String
    public var router: TopicRouter
    public var deadLetterTopic: String
    public var passThroughProperties: [String: String]

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        brokers = environment.string("KAFKA_BROKERS", default: "127.0.0.1:9092")
        let topic = environment.string("KAFKA_TOPIC", default: "clawderpunk.events.v1")
        do {
            router = try TopicRouter(
                defaultTopic: topic, routesSpecification: environment.string("KAFKA_TOPIC_ROUTES", default: ""))
        } catch {
            throw ConfigurationError(error.description)
        }
        deadLetterTopic = environment.string("KAFKA_DLQ_TOPIC", default: "clawderpunk.events.v1.dlq")
        for name in router.allTopics + [deadLetterTopic] {
            try Self.checkTopicName(name, patternAllowed: false)
        }
        passThroughProperties = KafkaClientConfiguration.passThroughProperties(from: environment.values)
        try Self.checkGuarantees(passThroughProperties)
    }

    public func clientConfiguration(clientID: String) -> KafkaClientConfiguration {
        KafkaClientConfiguration(
            bootstrapServers: brokers, clientID: clientID, additionalProperties: passThroughProperties)
    }

    /// Pass-through properties that would silently turn off a guarantee of the contract, with the
    /// values that keep it (none: the property may not be passed at all) and what it protects.
    static let guardedProperties: [String: (kept: Set<String>, protects: String)] = [
        "acks": (["all", "-1"], "a 202 only after every in-sync replica has the record (acks=all)"),
        "request.required.acks": (["all", "-1"], "a 202 only after every in-sync replica has the record (acks=all)"),
        "enable.idempotence": (["true"], "retries that never duplicate or reorder records (idempotence)"),
        "enable.auto.commit": (["false"], "offsets committed only after the write (manual commits)"),
        "auto.commit.enable": (["false"], "offsets committed only after the write (manual commits)"),
        "enable.auto.offset.store": (["false"], "offsets committed only after the write (manual commits)"),
        "group.id": ([], "the consumer group of each command (set KAFKA_GROUP_ID; replay and dlq-redrive own theirs)"),
    ]

    static func checkGuarantees(_ properties: [String: String]) throws(ConfigurationError) {
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            guard let guarded = guardedProperties[name], !guarded.kept.contains(value.lowercased()) else { continue }
            let variable = "KAFKA_PROPERTY_" + name.uppercased().replacingOccurrences(of: ".", with: "_")
            throw ConfigurationError("\(variable)=\(value) is refused: it would break \(guarded.protects)")
        }
    }

    /// A topic name Kafka accepts, or where patterns are allowed (`KAFKA_TOPICS`) a `^`-prefixed one that compiles as
    /// librdkafka compiles it (POSIX extended), so a typo stops the program instead of leaving a
    /// consumer that subscribes to nothing.
    public static func checkTopicName(_ name: String, patternAllowed: Bool) throws(ConfigurationError) {
        if patternAllowed, name.hasPrefix("^") {
            var regex = regex_t()
            let status = regcomp(&regex, name, REG_EXTENDED | REG_NOSUB)
            defer { if status == 0 { regfree(&regex) } }
            guard status == 0 else {
                var text = [CChar](repeating: 0, count: 256)
                regerror(status, &regex, &text, text.count)
                throw ConfigurationError(
                    "topic pattern \(name) is not a valid regular expression: \(String(decoding: text.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self))"
                )
            }
            return
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...249).contains(name.utf8.count), name != ".", name != ".." else {
            throw ConfigurationError("topic name '\(name)' is not valid: 1 to 249 of a-z A-Z 0-9 . _ -")
        }
    }
}
