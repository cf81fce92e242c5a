import CRdKafka
import EventModel
import Logging
import Synchronization

/// A group member with manual offset commits. Every librdkafka call runs on the consumer's own
/// serial queue, so polls, commits, pauses and rebalance callbacks never overlap.
public final class KafkaConsumer: Sendable {
    private final class SharedState: Sendable {
        let lock = Mutex(State())
    }

    private struct State {
        var assignment: Set<TopicPartition> = []
        var paused = false
        var closed = false
        /// Partitions already positioned by a non-default start position.
        var positioned: Set<TopicPartition> = []
    }

    /// `package` for test helpers that ask librdkafka about the group (TestSupport's `committedOffsets`).
    package let client: RdKafkaClient
    nonisolated(unsafe) private let consumerQueue: OpaquePointer
    private let shared: SharedState
    private let configuration: KafkaConsumerConfiguration

    public init(
        configuration: KafkaConsumerConfiguration,
        topics: [String],
        logger: Logger
    ) throws(KafkaError) {
        let state = SharedState()
        let startPosition = configuration.startPosition
        let context = ClientContext(logger: logger) { handle, event, partitions in
            Self.rebalance(
                handle: handle, event: event, partitions: partitions, state: state, startPosition: startPosition,
                logger: logger)
        }
        client = try RdKafkaClient(kind: .consumer, properties: configuration.properties, context: context) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { handle, event, partitions, opaque in
                guard let handle, let context = ClientContext.from(opaque) else { return }
                context.rebalance?(handle, event, partitions)
            }
        }
        self.shared = state
        self.configuration = configuration
        rd_kafka_poll_set_consumer(client.pointer)
        consumerQueue = rd_kafka_queue_get_consumer(client.pointer)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let error = rd_kafka_subscribe(client.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_queue_destroy(consumerQueue)
            throw KafkaError(error, context: "subscribe")
        }
    }

    deinit {
        rd_kafka_queue_destroy(consumerQueue)
    }

    /// The partitions this member owns now.
    public var assignment: Set<TopicPartition> { shared.lock.withLock { $0.assignment } }

    /// Waits up to `timeout` for up to `maxRecords` records (returns earlier once it has them).
    /// Rebalances are handled during this call.
    public func poll(maxRecords: Int, timeout: Duration) async throws(KafkaError) -> [ConsumedRecord] {
        guard !shared.lock.withLock({ $0.closed }) else {
            throw KafkaError(code: .closed, message: "the consumer is closed")
        }
        let logger = client.logger
        return await client.blocking { [self] in
            var messages = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: max(maxRecords, 1))
            let count = rd_kafka_consume_batch_queue(
                consumerQueue, Int32(clamping: timeout.milliseconds), &messages, messages.count)
            guard count > 0 else { return [] }
            var records: [ConsumedRecord] = []
            records.reserveCapacity(count)
            for message in messages[0..<count] {
                guard let message else { continue }
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("consumer error", metadata: ["kafka.error": "\(KafkaError(message.pointee.err))"])
                    continue
                }
                records.append(ConsumedRecord(message))
            }
            return records
        }
    }

    /// Commits the given next offsets (last processed offset + 1) and waits for the broker.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let result = await client.blocking { [client] () -> Result<Void, KafkaError> in
            Result { () throws(KafkaError) in try commitSynchronously(handle: client.pointer, offsets: offsets) }
        }
        try result.get()
    }

    /// Stops fetching from every assigned partition, and from partitions assigned later, while the
    /// member keeps polling and so stays in its group.
    public func pause() async {
        await setPaused(true)
    }

    public func resume() async {
        await setPaused(false)
    }

    private func setPaused(_ paused: Bool) async {
        let partitions = shared.lock.withLock { state in
            state.paused = paused
            return state.assignment
        }
        await client.blocking { [client] in
            let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if paused {
                rd_kafka_pause_partitions(client.pointer, list)
            } else {
                rd_kafka_resume_partitions(client.pointer, list)
            }
        }
    }

    /// The high watermark librdkafka last saw in a fetch response for each assigned partition: a
    /// local lookup, no broker round trip. Partitions not fetched from yet are absent.
    public func cachedHighWatermarks() -> [TopicPartition: Int64] {
        let partitions = shared.lock.withLock { $0.closed ? [] : $0.assignment }
        var watermarks: [TopicPartition: Int64] = [:]
        for partition in partitions {
            var low: Int64 = 0
            var high: Int64 = 0
            let error = rd_kafka_get_watermark_offsets(
                client.pointer, partition.topic, partition.partition, &low, &high)
            if error == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 { watermarks[partition] = high }
        }
        return watermarks
    }

    /// Whether a broker answers a metadata request within `timeout`.
    public func checkConnection(timeout: Duration = .seconds(2)) async throws(KafkaError) {
        try await client.checkConnection(timeout: timeout)
    }

    /// Leaves the group (revoking its partitions) and stops.
    public func close() async {
        let wasOpen = shared.lock.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        await client.blocking { [client] in
            let error = rd_kafka_consumer_close(client.pointer)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                client.logger.warning("consumer close", metadata: ["kafka.error": "\(KafkaError(error))"])
            }
        }
    }

    private static func rebalance(
        handle: OpaquePointer,
        event: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        state: SharedState,
        startPosition: KafkaConsumerConfiguration.StartPosition,
        logger: Logger
    ) {
        let elements = partitions.map(partitionElements) ?? []
        let changed = Set(elements.map { TopicPartition(topic: String(cString: $0.topic), partition: $0.partition) })
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        switch event {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let partitions {
                position(partitions, handle: handle, state: state, startPosition: startPosition, logger: logger)
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    logger.error("incremental assign failed", metadata: ["error": "\(KafkaError(consuming: error))"])
                }
            } else {
                rd_kafka_assign(handle, partitions)
            }
            let paused = state.lock.withLock { state in
                if cooperative { state.assignment.formUnion(changed) } else { state.assignment = changed }
                return state.paused
            }
            if paused, let partitions { rd_kafka_pause_partitions(handle, partitions) }
            logger.info(
                "partitions assigned", metadata: ["partitions": "\(changed.sorted { $0.description < $1.description })"]
            )
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    logger.error("incremental unassign failed", metadata: ["error": "\(KafkaError(consuming: error))"])
                }
            } else {
                rd_kafka_assign(handle, nil)
            }
            state.lock.withLock { state in
                if cooperative { state.assignment.subtract(changed) } else { state.assignment = [] }
            }
            logger.info(
                "partitions revoked", metadata: ["partitions": "\(changed.sorted { $0.description < $1.description })"])
        default:
            logger.error("rebalance failed", metadata: ["kafka.error": "\(KafkaError(event))"])
            rd_kafka_assign(handle, nil)
            state.lock.withLock { $0.assignment = [] }
        }
    }

    /// Applies a non-default start position to partitions seen for the first time.
    private static func position(
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        handle: OpaquePointer,
        state: SharedState,
        startPosition: KafkaConsumerConfiguration.StartPosition,
        logger: Logger
    ) {
        let fresh: Set<TopicPartition> = state.lock.withLock { state in
            var fresh: Set<TopicPartition> = []
            for element in partitionElements(partitions) {
                let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
                if state.positioned.insert(partition).inserted { fresh.insert(partition) }
            }
            return fresh
        }
        switch startPosition {
        case .committed:
            return
        case .offset(let offset):
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems[index]
                if fresh.contains(TopicPartition(topic: String(cString: element.topic), partition: element.partition)) {
                    partitions.pointee.elems[index].offset = offset
                }
            }
        case .timestamp(let milliseconds):
            let query = rd_kafka_topic_partition_list_copy(partitions)!
            defer { rd_kafka_topic_partition_list_destroy(query) }
            for index in 0..<Int(query.pointee.cnt) { query.pointee.elems[index].offset = milliseconds }
            let error = rd_kafka_offsets_for_times(handle, query, 10_000)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                logger.error("offsets for times failed", metadata: ["kafka.error": "\(KafkaError(error))"])
                return
            }
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems[index]
                if fresh.contains(TopicPartition(topic: String(cString: element.topic), partition: element.partition)) {
                    // -1 (no record that late) means "the end", as OFFSET_END does.
                    let found = query.pointee.elems[index].offset
                    partitions.pointee.elems[index].offset = found >= 0 ? found : Int64(RD_KAFKA_OFFSET_END)
                }
            }
        }
    }
}

extension ConsumedRecord {
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let pointee = message.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        var headerList: OpaquePointer?
        var headers: [RecordHeader] = []
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var headerValue: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &headerValue, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                if let name {
                    let bytes = headerValue.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                    headers.append(RecordHeader(String(cString: name), bytes))
                }
                index += 1
            }
        }
        self.init(
            topic: String(cString: rd_kafka_topic_name(pointee.rkt)),
            partition: pointee.partition,
            offset: pointee.offset,
            key: pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) },
            value: pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) } ?? [],
            headers: headers,
            timestampMilliseconds: timestamp >= 0 ? timestamp : nil)
    }
}

package func makePartitionList(_ entries: [(TopicPartition, Int64)]) -> UnsafeMutablePointer<
    rd_kafka_topic_partition_list_t
> {
    let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
    for (partition, offset) in entries {
        rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
    }
    return list
}

package func partitionElements(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
    -> [rd_kafka_topic_partition_t]
{
    (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0] }
}

private func commitSynchronously(handle: OpaquePointer, offsets: [TopicPartition: Int64]) throws(KafkaError) {
    let list = makePartitionList(offsets.map { ($0.key, $0.value) })
    defer { rd_kafka_topic_partition_list_destroy(list) }
    let error = rd_kafka_commit(handle, list, 0)
    guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "commit") }
    for element in partitionElements(list) where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
        throw KafkaError(element.err, context: "commit \(String(cString: element.topic))[\(element.partition)]")
    }
}
