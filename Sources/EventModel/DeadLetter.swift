/// The limits and headers of dead-letter copies: `ConsumedRecord.deadLetter(to:rejection:maxBytes:)`
/// makes one, `ConsumedRecord.redriven()` sends one back.
public enum DeadLetter {
    /// Room kept for the record's framing and batch overhead in the producer's size limit.
    static let overhead = 512
    /// Below this budget a copy holds its headers only; the dead-letter path stops cutting there.
    public static let minimumBudget = 4096
    static let maximumErrorBytes = 2000
    /// Why the record was dead-lettered no longer holds once it is redriven.
    static let droppedOnRedrive: Set<String> = [
        RecordHeaderName.dlqReason, RecordHeaderName.dlqError, RecordHeaderName.dlqTruncated,
    ]

    /// At most `maxBytes` of `text`'s UTF-8, cut on a character boundary.
    static func truncatedUTF8(_ text: String, maxBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for character in text {
            let encoded = Array(character.utf8)
            guard bytes.count + encoded.count <= maxBytes else { break }
            bytes += encoded
        }
        return bytes
    }
}

extension ConsumedRecord {
    /// The dead-letter copy of the record for `topic`: its key, value and headers with the `dlq-*`
    /// headers of the contract. A copy larger than the dead-letter producer may send (`maxBytes`)
    /// is cut to fit (value first, then the key and the original headers), and says so in
    /// `dlq-truncated`, so a record can always be dead-lettered and never stalls its partition.
    public func deadLetter(to topic: String, rejection: RecordRejection, maxBytes: Int) -> OutgoingRecord {
        let origin = self.origin
        var dlqHeaders = [
            RecordHeader(RecordHeaderName.dlqReason, Array(rejection.reason.rawValue.utf8)),
            RecordHeader(
                RecordHeaderName.dlqError,
                DeadLetter.truncatedUTF8(rejection.message, maxBytes: DeadLetter.maximumErrorBytes)),
            RecordHeader(RecordHeaderName.dlqOriginalTopic, Array(origin.topic.utf8)),
            RecordHeader(RecordHeaderName.dlqOriginalPartition, Array(String(origin.partition).utf8)),
            RecordHeader(RecordHeaderName.dlqOriginalOffset, Array(String(origin.offset).utf8)),
        ]
        var original = headers.filter { !$0.name.hasPrefix("dlq-") }
        var key = self.key
        var value = self.value
        let budget = max(maxBytes - DeadLetter.overhead, 0)
        func size() -> Int {
            (key?.count ?? 0) + value.count
                + (original + dlqHeaders).reduce(0) { $0 + $1.name.utf8.count + $1.value.count + 8 }
        }
        if size() > budget {
            let originalSize = value.count
            let room = max(budget - (size() - value.count) - 160, 0)
            value = Array(value.prefix(room))
            var note = "value cut from \(originalSize) to \(value.count) bytes"
            if size() > budget {
                original = []
                key = key.map { Array($0.prefix(256)) }
                note += "; key cut to 256 bytes and original headers dropped"
                let left = max(budget - (size() - value.count) - 160, 0)
                value = Array(value.prefix(left))
            }
            dlqHeaders.append(RecordHeader(RecordHeaderName.dlqTruncated, Array(note.utf8)))
        }
        return OutgoingRecord(topic: topic, key: key, value: value, headers: original + dlqHeaders)
    }

    /// The dead letter sent back to the topic it came from (`dlq-original-topic`), without the
    /// headers that say why it was dead-lettered; `nil` when it does not say where it came from.
    /// The `dlq-original-*` coordinates stay: they are the record's identity (see `origin`).
    public func redriven() -> OutgoingRecord? {
        guard let topic = headers.lastValue(named: RecordHeaderName.dlqOriginalTopic) else { return nil }
        return OutgoingRecord(
            topic: String(decoding: topic, as: UTF8.self), key: key, value: value,
            headers: headers.filter { !DeadLetter.droppedOnRedrive.contains($0.name) })
    }
}
