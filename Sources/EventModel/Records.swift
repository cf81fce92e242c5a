/// A partition of a topic.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// Where a record was read from; the legacy shape derives its event id from it.
public struct RecordCoordinates: Sendable, Hashable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A record as the broker handed it over.
public struct ConsumedRecord: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    public let headers: [RecordHeader]
    /// The record's timestamp in milliseconds since the epoch, when it has one.
    public let timestampMilliseconds: Int64?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [RecordHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// Where the record was first produced: the `dlq-original-*` headers of a redriven dead letter,
    /// else where it was read. A redriven record keeps its identity, so it cannot become a second row.
    public var origin: RecordCoordinates {
        func header(_ name: String) -> String? {
            headers.lastValue(named: name).flatMap { String(validating: $0, as: UTF8.self) }
        }
        if let originalTopic = header(RecordHeaderName.dlqOriginalTopic), !originalTopic.isEmpty,
            let originalPartition = header(RecordHeaderName.dlqOriginalPartition).flatMap({ Int32($0) }),
            let originalOffset = header(RecordHeaderName.dlqOriginalOffset).flatMap({ Int64($0) }),
            originalPartition >= 0, originalOffset >= 0
        {
            return RecordCoordinates(topic: originalTopic, partition: originalPartition, offset: originalOffset)
        }
        return RecordCoordinates(topic: topic, partition: partition, offset: offset)
    }
}

/// A record to produce.
public struct OutgoingRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [RecordHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [RecordHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}
