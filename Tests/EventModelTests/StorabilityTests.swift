import EventModel
import TestSupport
import Testing

/// The messages of values that are valid JSON but cannot be stored, as the decoder words them.
enum JSONScannerMessages {
    static let nul = "must not contain \\u0000 (PostgreSQL cannot store it)"
    static let unpairedSurrogate = "must not contain an unpaired surrogate escape (PostgreSQL cannot store it)"
}

@Suite("Accepted means storable: valid JSON that PostgreSQL refuses is validation_failed with a pointer")
struct StorabilityTests {
    @Test(
        "\\u0000 anywhere: in a payload string, a member name, an envelope field, an array",
        arguments: [
            (#"{"a":{"b":["x","\u0000"]}}"#, "/payload/a/b/1"),
            (#"{"a\u0000b":1}"#, "/payload/a\u{0}b"),
            (#"{"x~/y":"\u0000"}"#, "/payload/x~0~1y"),
        ])
    func nulInPayload(payload: String, pointer: String) {
        #expect(
            problems(body(["payload": payload])) == [EnvelopeProblem(path: pointer, message: JSONScannerMessages.nul)])
    }

    @Test("\\u0000 in an envelope field and in a batch item points at them")
    func nulInFields() throws {
        #expect(
            problems(body(["producer": #""chat\u0000api""#]))
                == [EnvelopeProblem(path: "/producer", message: JSONScannerMessages.nul)])
        let item = String(decoding: body(["payload": #"{"t":"\u0000"}"#]), as: UTF8.self)
        let good = String(decoding: body([:]), as: UTF8.self)
        do {
            _ = try EnvelopeDecoder().decodeBatch(Array("[\(good),\(good),\(item)]".utf8))
            Issue.record("the batch must be rejected")
        } catch {
            guard case .rejected(let found) = error else {
                Issue.record("not a validation failure: \(error)")
                return
            }
            #expect(found == [EnvelopeProblem(path: "/2/payload/t", message: JSONScannerMessages.nul)])
        }
    }

    @Test("numbers inside numeric's range are accepted")
    func storableNumbers() {
        for number in NumericEdges.storable {
            #expect(problems(body(["payload": #"{"n":\#(number)}"#])) == [], "\(number)")
        }
    }

    @Test("numbers outside numeric's range are validation_failed at their pointer")
    func unstorableNumbers() {
        for number in NumericEdges.unstorable {
            let found = problems(body(["payload": #"{"list":[0,\#(number)]}"#]))
            #expect(found.map(\.path) == ["/payload/list/1"], "\(number.prefix(40))")
            #expect(found.first?.message.hasPrefix("must be a number PostgreSQL can store") == true)
        }
    }

    @Test("a record produced straight to Kafka with an unstorable value is validation_failed, not a database error")
    func consumedRecord() {
        let value = body(["payload": #"{"n":1e131072}"#])
        let result = ConsumedRecordDecoder.decode(
            value: value, key: nil, coordinates: RecordCoordinates(topic: "t", partition: 0, offset: 1),
            recordTimestampMilliseconds: nil)
        guard case .failure(let rejection) = result else {
            Issue.record("must be rejected")
            return
        }
        #expect(rejection.reason == .validationFailed)
        #expect(rejection.message.contains("/payload/n"))
    }

    @Test("a record timestamp outside the years 0001 to 9999 cannot overflow: a CloudEvent without time is refused")
    func extremeRecordTimestamps() {
        let json = Array(#"{"specversion":"1.0","id":"1","source":"s","type":"a.b"}"#.utf8)
        for milliseconds in [Int64.max, Int64.min, 253_402_300_800_000, -62_135_596_800_001] {
            let result = ConsumedRecordDecoder.decode(
                value: json, key: nil, coordinates: RecordCoordinates(topic: "t", partition: 0, offset: 1),
                recordTimestampMilliseconds: milliseconds)
            #expect((try? result.get()) == nil)
        }
        let edge = ConsumedRecordDecoder.decode(
            value: json, key: nil, coordinates: RecordCoordinates(topic: "t", partition: 0, offset: 1),
            recordTimestampMilliseconds: 253_402_300_799_999)
        #expect((try? edge.get())?.envelope.timestamp.text == "9999-12-31T23:59:59.999000Z")
    }

    @Test("a redriven legacy record keeps the identity of its original coordinates")
    func legacyIdentitySurvivesRedrive() throws {
        let value = Array(
            #"{"event_type":"task.updated","version":"1","timestamp":"2025-01-16T10:00:00Z","data":{}}"#.utf8)
        let first = ConsumedRecord(topic: "events", partition: 2, offset: 41, key: nil, value: value).origin
        let redriven = ConsumedRecord(
            topic: "events", partition: 0, offset: 977, key: nil, value: value,
            headers: [
                RecordHeader(RecordHeaderName.dlqOriginalTopic, Array("events".utf8)),
                RecordHeader(RecordHeaderName.dlqOriginalPartition, Array("2".utf8)),
                RecordHeader(RecordHeaderName.dlqOriginalOffset, Array("41".utf8)),
            ]
        ).origin
        #expect(first == redriven)
        let decode = { (coordinates: RecordCoordinates) in
            try ConsumedRecordDecoder.decode(
                value: value, key: nil, coordinates: coordinates, recordTimestampMilliseconds: nil
            ).get().envelope.eventID
        }
        #expect(try decode(first) == decode(redriven))
    }
}
