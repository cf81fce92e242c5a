import EventModel
import Kafka

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
        passThroughProperties = KafkaClientConfiguration.passThroughProperties(from: environment.values)
    }

    public func clientConfiguration(clientID: String) -> KafkaClientConfiguration {
        KafkaClientConfiguration(
            bootstrapServers: brokers, clientID: clientID, additionalProperties: passThroughProperties)
    }
}
