import EventModel
import Testing

/// Every validation step is linear in the input: bodies that would take minutes under a quadratic
/// step (duplicate detection over many members) are answered in well under a second.
@Suite("Validation stays linear in the input")
struct LinearityTests {
    @Test("a 1 MiB envelope of distinct top-level keys is refused quickly, every unknown field named")
    func distinctKeys() throws {
        var text = #"{"event_id":"\#(validID)","payload":{}"#
        var index = 0
        while text.utf8.count < 1 << 20 {
            text += #","k\#(index)":0"#
            index += 1
        }
        text += "}"
        let started = ContinuousClock.now
        let found = problems(Array(text.utf8))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(found.count > index)
    }

    @Test("a 16 MiB batch of 16 one-MiB events is decoded quickly")
    func largeBatch() throws {
        let blob = String(repeating: "abcdefgh", count: (1 << 20) / 8 - 40)
        let event = String(decoding: body(["payload": #"{"b":"\#(blob)"}"#]), as: UTF8.self)
        let batch = Array("[\(Array(repeating: event, count: 16).joined(separator: ","))]".utf8)
        let started = ContinuousClock.now
        let events = try EnvelopeDecoder(maxEventBytes: 1 << 20).decodeBatch(batch)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(events.count == 16)
    }
}
