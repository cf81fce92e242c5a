import EventModel
import Testing

@Suite("Record types and headers")
struct RecordsTests {
    @Test("the last header of a name wins; names match whole, byte for byte")
    func lastHeader() {
        let headers = [
            RecordHeader("traceparent", [1]), RecordHeader("trace", [2]), RecordHeader("traceparent", [3]),
            RecordHeader("traceparent-x", [4]),
        ]
        #expect(headers.lastValue(named: "traceparent") == [3])
        #expect(headers.lastValue(named: "trace") == [2])
        #expect(headers.lastValue(named: "tracepar") == nil)
        #expect([RecordHeader]().lastValue(named: "traceparent") == nil)
        // "é" precomposed and decomposed are equal as Strings, not as header names.
        #expect([RecordHeader("caf\u{E9}", [5])].lastValue(named: "cafe\u{301}") == nil)
    }

    @Test("an event's record goes to the topic given, with the contract's headers")
    func eventRecord() throws {
        let body =
            #"{"event_id":"0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c","event_type":"task.created","#
            + #""timestamp":"2026-11-22T10:00:00Z","producer":"p","payload":{},"key":"k-1"}"#
        let event = try EnvelopeDecoder(maxEventBytes: 1 << 20).decodeEvent(Array(body.utf8))
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let record = event.record(topic: "task-events", traceparent: traceparent)
        #expect(record.topic == "task-events")
        #expect(record.key == Array("k-1".utf8))
        #expect(record.value == event.recordValue)
        #expect(
            record.headers == [
                RecordHeader(RecordHeaderName.eventID, Array("0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c".utf8)),
                RecordHeader(RecordHeaderName.eventType, Array("task.created".utf8)),
                RecordHeader(RecordHeaderName.contentType, Array("application/json".utf8)),
                RecordHeader(RecordHeaderName.traceparent, Array(traceparent.utf8)),
            ])
        #expect(event.record(topic: "t").headers.lastValue(named: RecordHeaderName.traceparent) == nil)
    }

    @Test("a dead letter goes to the dead-letter topic with its original headers and new dlq headers")
    func deadLetter() {
        let consumed = ConsumedRecord(
            topic: "events", partition: 3, offset: 17, key: [9], value: Array("{".utf8),
            headers: [RecordHeader("traceparent", [1]), RecordHeader(RecordHeaderName.dlqReason, [2])])
        let letter = consumed.deadLetter(
            to: "events.dlq", rejection: RecordRejection(reason: .invalidJSON, message: "not JSON"), maxBytes: 1 << 20)
        #expect(letter.topic == "events.dlq")
        #expect(letter.key == [9])
        #expect(letter.value == Array("{".utf8))
        #expect(
            letter.headers == [
                RecordHeader("traceparent", [1]),
                RecordHeader(RecordHeaderName.dlqReason, Array("invalid_json".utf8)),
                RecordHeader(RecordHeaderName.dlqError, Array("not JSON".utf8)),
                RecordHeader(RecordHeaderName.dlqOriginalTopic, Array("events".utf8)),
                RecordHeader(RecordHeaderName.dlqOriginalPartition, Array("3".utf8)),
                RecordHeader(RecordHeaderName.dlqOriginalOffset, Array("17".utf8)),
            ])
    }

    @Test("a redriven dead letter goes back to its original topic without the headers that say why")
    func redriven() throws {
        let consumed = ConsumedRecord(
            topic: "events", partition: 3, offset: 17, key: [9], value: [1, 2],
            headers: [RecordHeader("traceparent", [1])])
        let letter = consumed.deadLetter(
            to: "events.dlq", rejection: RecordRejection(reason: .databaseRejected, message: "no"), maxBytes: 3000)
        let dead = ConsumedRecord(
            topic: letter.topic, partition: 0, offset: 5, key: letter.key, value: letter.value,
            headers: letter.headers + [RecordHeader(RecordHeaderName.dlqTruncated, [0])])
        let back = try #require(dead.redriven())
        #expect(back.topic == "events")
        #expect(back.key == [9])
        #expect(back.value == [1, 2])
        #expect(
            back.headers.map(\.name) == [
                "traceparent", RecordHeaderName.dlqOriginalTopic, RecordHeaderName.dlqOriginalPartition,
                RecordHeaderName.dlqOriginalOffset,
            ])
        #expect(
            ConsumedRecord(topic: back.topic, partition: 1, offset: 0, key: nil, value: [], headers: back.headers)
                .origin == RecordCoordinates(topic: "events", partition: 3, offset: 17))
        #expect(consumed.redriven() == nil, "a record that says not where it came from stays")
    }
}
