/// An envelope that passed every rule, with its record value already encoded (the size limit
/// applies to that encoding, so it is computed once and reused for the Kafka record).
public struct AcceptedEvent: Sendable {
    public let envelope: EventEnvelope
    public let recordValue: [UInt8]
}

/// Turns request bodies into validated events: one envelope, or a batch (a JSON array of them).
public struct EnvelopeDecoder: Sendable {
    public var maxEventBytes: Int
    public var maxBatchEvents: Int

    public init(maxEventBytes: Int = 1_048_576, maxBatchEvents: Int = 1000) {
        self.maxEventBytes = maxEventBytes
        self.maxBatchEvents = maxBatchEvents
    }

    /// Decodes a body holding one envelope.
    public func decodeEvent(_ body: [UInt8]) throws(EnvelopeDecodingError) -> AcceptedEvent {
        let result: Result<AcceptedEvent, EnvelopeDecodingError> = body.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            do throws(JSONSyntaxError) {
                guard try scanner.peek() == UInt8(ascii: "{") else {
                    try scanner.skipValue(depth: 0)
                    try scanner.expectEnd()
                    return .failure(.rejected([EnvelopeProblem(path: "", message: "must be a JSON object")]))
                }
                var problems: [EnvelopeProblem] = []
                let event = try decodeMember(&scanner, pointer: "", problems: &problems)
                try scanner.expectEnd()
                guard let event, problems.isEmpty else { return .failure(.rejected(problems)) }
                return .success(event)
            } catch {
                return .failure(.invalidJSON(error))
            }
        }
        return try result.get()
    }

    /// Decodes a body holding a JSON array of 1...`maxBatchEvents` envelopes. Any problem in any
    /// item rejects the whole batch, and all problems of all items are reported.
    public func decodeBatch(_ body: [UInt8]) throws(EnvelopeDecodingError) -> [AcceptedEvent] {
        let result: Result<[AcceptedEvent], EnvelopeDecodingError> = body.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            do throws(JSONSyntaxError) {
                guard try scanner.peek() == UInt8(ascii: "[") else {
                    try scanner.skipValue(depth: 0)
                    try scanner.expectEnd()
                    return .failure(.rejected([EnvelopeProblem(path: "", message: "must be a JSON array of events")]))
                }
                var events: [AcceptedEvent] = []
                var problems: [EnvelopeProblem] = []
                var count = 0
                try scanner.readArray(depth: 0) { (scanner, index) throws(JSONSyntaxError) in
                    count += 1
                    guard count <= maxBatchEvents else {
                        try scanner.skipValue(depth: 1)
                        return
                    }
                    guard try scanner.peek() == UInt8(ascii: "{") else {
                        try scanner.skipValue(depth: 1)
                        problems.append(EnvelopeProblem(path: "/\(index)", message: "must be a JSON object"))
                        return
                    }
                    if let event = try decodeMember(&scanner, pointer: "/\(index)", problems: &problems) {
                        events.append(event)
                    }
                }
                try scanner.expectEnd()
                if count == 0 {
                    problems.append(EnvelopeProblem(path: "", message: "a batch needs at least one event"))
                }
                if count > maxBatchEvents {
                    problems.append(
                        EnvelopeProblem(
                            path: "", message: "a batch holds at most \(maxBatchEvents) events, this one has \(count)",
                            kind: .tooLarge))
                }
                return problems.isEmpty ? .success(events) : .failure(.rejected(problems))
            } catch {
                return .failure(.invalidJSON(error))
            }
        }
        return try result.get()
    }

    private func decodeMember(
        _ scanner: inout JSONScanner,
        pointer: String,
        problems: inout [EnvelopeProblem]
    ) throws(JSONSyntaxError) -> AcceptedEvent? {
        _ = try scanner.peek()
        let start = scanner.position
        let unstorableBefore = scanner.unstorable.count
        let members = try ObjectMembers.read(&scanner, depth: 1)
        let rawSize = scanner.position - start
        var validator = FieldValidator(members: members, bytes: scanner.bytes, pointer: pointer)
        guard rawSize <= maxEventBytes * 2 else {
            problems.append(tooLarge(pointer, size: rawSize))
            return nil
        }
        let envelope = validator.envelope()
        problems.append(contentsOf: validator.problems)
        let unstorable = scanner.unstorable[unstorableBefore...]
        problems.append(
            contentsOf: unstorable.map {
                EnvelopeProblem(
                    path: pointer + JSONScanner.pointer(to: $0.offset, inValueAt: start, of: scanner.bytes),
                    message: $0.reason)
            })
        guard let envelope, unstorable.isEmpty else { return nil }
        let value = envelope.encodedJSON()
        guard value.count <= maxEventBytes else {
            problems.append(tooLarge(pointer, size: value.count))
            return nil
        }
        return AcceptedEvent(envelope: envelope, recordValue: value)
    }

    private func tooLarge(_ pointer: String, size: Int) -> EnvelopeProblem {
        EnvelopeProblem(
            path: pointer, message: "the event is \(size) bytes, over the limit of \(maxEventBytes)", kind: .tooLarge)
    }
}
