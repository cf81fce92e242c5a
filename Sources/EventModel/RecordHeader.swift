/// One Kafka record header. Kafka allows a name more than once; the last one wins, as when the
/// headers are read as a map (see `lastValue(named:)`).
public struct RecordHeader: Sendable, Hashable {
    public let name: String
    public let value: [UInt8]

    public init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

extension [RecordHeader] {
    /// The value of the last header named `name` (the one a map of the headers would keep).
    public func lastValue(named name: String) -> [UInt8]? {
        // Bytes, not `==`: header names are ASCII, and String's equality checks Unicode equivalence;
        // the length first, because most names of a record differ in length from the one sought.
        let length = name.utf8.count
        for index in indices.reversed() {
            let candidate = self[index].name.utf8
            if candidate.count == length, candidate.elementsEqual(name.utf8) { return self[index].value }
        }
        return nil
    }
}

/// Names of the Kafka record headers of the contract.
public enum RecordHeaderName {
    public static let eventID = "event-id"
    public static let eventType = "event-type"
    public static let contentType = "content-type"
    public static let traceparent = "traceparent"
    public static let dlqReason = "dlq-reason"
    public static let dlqError = "dlq-error"
    public static let dlqOriginalTopic = "dlq-original-topic"
    public static let dlqOriginalPartition = "dlq-original-partition"
    public static let dlqOriginalOffset = "dlq-original-offset"
    /// Set when the dead-letter copy had to be cut to fit the dead-letter topic; says what was cut.
    public static let dlqTruncated = "dlq-truncated"
}
