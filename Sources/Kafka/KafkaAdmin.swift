import CRdKafka
import Logging

/// Topic administration: what the local stack, the tests and `persister` need to provision topics.
public final class KafkaAdmin: Sendable {
    private let client: RdKafkaClient

    public init(configuration: KafkaClientConfiguration, logger: Logger) throws(KafkaError) {
        client = try RdKafkaClient(
            kind: .producer, properties: configuration.properties(merging: [:]), context: ClientContext(logger: logger))
    }

    /// Creates a topic; an existing topic of that name counts as success.
    public func createTopic(
        _ name: String,
        partitions: Int,
        config: [String: String] = [:],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError) {
        let result = await client.blocking { [client] () -> Result<Void, KafkaError> in
            var errorText = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(name, Int32(partitions), -1, &errorText, errorText.count) else {
                return .failure(KafkaError(code: .invalidArgument, message: String(nullTerminated: errorText)))
            }
            defer { rd_kafka_NewTopic_destroy(newTopic) }
            for (key, value) in config { rd_kafka_NewTopic_set_config(newTopic, key, value) }
            let replies = rd_kafka_queue_new(client.pointer)
            defer { rd_kafka_queue_destroy(replies) }
            var topics: [OpaquePointer?] = [newTopic]
            rd_kafka_CreateTopics(client.pointer, &topics, 1, nil, replies)
            guard let event = rd_kafka_queue_poll(replies, Int32(clamping: timeout.milliseconds)) else {
                return .failure(KafkaError(code: .timedOut, message: "create topic \(name) timed out"))
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .failure(KafkaError(eventError, context: "create topic \(name)"))
            }
            var count = 0
            if let created = rd_kafka_event_CreateTopics_result(event),
                let results = rd_kafka_CreateTopics_result_topics(created, &count)
            {
                for index in 0..<count {
                    let error = rd_kafka_topic_result_error(results[index])
                    if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                        return .failure(KafkaError(error, context: "create topic \(name)"))
                    }
                }
            }
            return .success(())
        }
        try result.get()
    }

    public func partitionCount(topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> Int {
        try await client.partitionCount(topic: topic, timeout: timeout)
    }
}
