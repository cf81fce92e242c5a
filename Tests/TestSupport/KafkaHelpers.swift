import CRdKafka
import EventModel
import Kafka
import Logging

/// Topic administration for the tests: the programs never create topics (the stack script and
/// the deployment's topic job do), so this lives beside the tests and reaches librdkafka through
/// the wrapper's `package` client.
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
}

extension KafkaConsumer {
    /// The group's committed next offsets for `partitions` (`nil` where none is committed).
    public func committedOffsets(
        _ partitions: [TopicPartition],
        timeout: Duration = .seconds(5)
    ) async throws(KafkaError) -> [TopicPartition: Int64?] {
        let result = await client.blocking { [client] () -> Result<[TopicPartition: Int64?], KafkaError> in
            let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_committed(client.pointer, list, Int32(clamping: timeout.milliseconds))
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(error, context: "committed")) }
            var offsets: [TopicPartition: Int64?] = [:]
            for element in partitionElements(list) {
                offsets[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] =
                    element.offset >= 0 ? element.offset : nil
            }
            return .success(offsets)
        }
        return try result.get()
    }
}
