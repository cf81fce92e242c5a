import EventModel
import Foundation
import Testing

let validID = "0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c"

func body(_ fields: [String: String], removing: [String] = []) -> [UInt8] {
    var base: [String: String] = [
        "event_id": "\"\(validID)\"", "event_type": "\"task.created\"", "timestamp": "\"2026-11-22T10:00:00Z\"",
        "producer": "\"chat-api\"", "payload": "{\"title\":\"hi\"}",
    ]
    base.merge(fields) { _, new in new }
    for name in removing { base[name] = nil }
    let members = base.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
    return Array("{\(members.joined(separator: ","))}".utf8)
}

func problems(_ bytes: [UInt8], decoder: EnvelopeDecoder = EnvelopeDecoder()) -> [EnvelopeProblem] {
    do {
        _ = try decoder.decodeEvent(bytes)
        return []
    } catch {
        if case .rejected(let problems) = error { return problems }
        return [EnvelopeProblem(path: "<invalid json>", message: "\(error)")]
    }
}

@Suite("Envelope decoding: the contract's rules")
struct EnvelopeDecoderTests {
    @Test("a minimal valid envelope gets the defaults filled in")
    func minimalEnvelope() throws {
        let event = try EnvelopeDecoder().decodeEvent(body([:]))
        #expect(event.envelope.eventID == UUID(uuidString: validID))
        #expect(event.envelope.eventVersion == "1")
        #expect(event.envelope.severity == .info)
        #expect(event.envelope.key == nil)
        #expect(event.envelope.partitionKey == validID)
        #expect(event.envelope.payload == Array(#"{"title":"hi"}"#.utf8))
        let value = String(decoding: event.recordValue, as: UTF8.self)
        #expect(
            value
                == #"{"event_id":"0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c","event_type":"task.created","event_version":"1","#
                + #""timestamp":"2026-11-22T10:00:00Z","producer":"chat-api","severity":"info","payload":{"title":"hi"}}"#
        )
    }

    @Test("all optional fields are kept", arguments: ["debug", "info", "notice", "warning", "error", "critical"])
    func optionalFields(severity: String) throws {
        let event = try EnvelopeDecoder().decodeEvent(
            body([
                "event_version": "\"2.1\"", "correlation_id": "\"\(validID.uppercased())\"",
                "severity": "\"\(severity)\"", "key": "\"task-42\"",
            ]))
        #expect(event.envelope.eventVersion == "2.1")
        #expect(event.envelope.correlationID == UUID(uuidString: validID))
        #expect(event.envelope.severity.rawValue == severity)
        #expect(event.envelope.partitionKey == "task-42")
    }

    @Test("null optional fields count as absent")
    func nullOptionals() throws {
        let event = try EnvelopeDecoder().decodeEvent(
            body(["event_version": "null", "correlation_id": "null", "severity": "null", "key": "null"]))
        #expect(event.envelope.eventVersion == "1")
        #expect(event.envelope.severity == .info)
    }

    @Test(
        "each required field is required",
        arguments: ["event_id", "event_type", "timestamp", "producer", "payload"])
    func requiredFields(field: String) {
        #expect(problems(body([:], removing: [field])) == [EnvelopeProblem(path: "/\(field)", message: "is required")])
    }

    @Test(
        "event_type follows its pattern",
        arguments: [
            ("task.created", true), ("reminder-triggered", true), ("a", true), ("a1.b2_c3-d4", true),
            ("Task.created", false), ("1task", false), ("task..created", false), ("task.", false), ("", false),
            ("task created", false), (".task", false), ("task.-x", false), (String(repeating: "a", count: 128), true),
            (String(repeating: "a", count: 129), false), ("tâsk", false),
        ])
    func eventTypePattern(value: String, valid: Bool) {
        #expect(problems(body(["event_type": "\"\(value)\""])).isEmpty == valid)
    }

    @Test(
        "timestamp must be RFC 3339 with an offset",
        arguments: [
            ("2026-11-22T10:00:00Z", true), ("2026-11-22T10:00:00+02:00", true),
            ("2026-11-22T10:00:00.123456789-05:30", true),
            ("2026-11-22t10:00:00z", true), ("2024-02-29T00:00:00Z", true), ("2026-11-22T10:00:00", false),
            ("2026-11-22", false), ("2026-02-29T00:00:00Z", false), ("2026-13-01T00:00:00Z", false),
            ("2026-11-22T24:00:00Z", false), ("2026-11-22T10:00:00+2:00", false), ("yesterday", false),
            ("2026-11-22T10:00:00.Z", false),
        ])
    func timestampFormat(value: String, valid: Bool) {
        #expect(problems(body(["timestamp": "\"\(value)\""])).isEmpty == valid)
    }

    @Test("offsets are applied: the same instant in two zones is equal")
    func timestampInstant() throws {
        let utc = try #require(RFC3339Timestamp("2026-11-22T08:00:00Z"))
        let plusTwo = try #require(RFC3339Timestamp("2026-11-22T10:00:00+02:00"))
        #expect(utc.microsecondsSinceEpoch == plusTwo.microsecondsSinceEpoch)
        #expect(utc.microsecondsSinceEpoch == 1_795_334_400_000_000)
        #expect(RFC3339Timestamp(microsecondsSinceEpoch: 1_795_334_400_000_001).text == "2026-11-22T08:00:00.000001Z")
        #expect(RFC3339Timestamp("1969-12-31T23:59:59.5Z")?.microsecondsSinceEpoch == -500_000)
    }

    @Test("type, length and enum rules each report their field")
    func fieldRules() {
        let cases: [(String, String, String)] = [
            ("event_id", "\"not-a-uuid\"", "/event_id"), ("event_id", "42", "/event_id"),
            ("correlation_id", "\"nope\"", "/correlation_id"), ("producer", "\"\"", "/producer"),
            ("producer", "\"\(String(repeating: "p", count: 129))\"", "/producer"),
            ("event_version", "\"\"", "/event_version"),
            ("event_version", "\"\(String(repeating: "v", count: 33))\"", "/event_version"),
            ("severity", "\"fatal\"", "/severity"), ("key", "\"\"", "/key"),
            ("key", "\"\(String(repeating: "k", count: 257))\"", "/key"), ("payload", "[1,2]", "/payload"),
            ("payload", "\"text\"", "/payload"), ("payload", "null", "/payload"),
            ("timestamp", "1700000000", "/timestamp"),
        ]
        for (field, value, path) in cases {
            #expect(problems(body([field: value])).map(\.path) == [path], "\(field)=\(value)")
        }
    }

    @Test("unknown and duplicate fields are rejected")
    func unknownAndDuplicateFields() {
        #expect(problems(body(["extra": "1"])) == [EnvelopeProblem(path: "/extra", message: "unknown field")])
        #expect(problems(body(["a/b~c": "1"])).map(\.path) == ["/a~1b~0c"])
        var duplicated = body([:])
        duplicated.removeLast()
        duplicated += Array(#","producer":"again"}"#.utf8)
        #expect(problems(duplicated).map(\.path) == ["/producer"])
    }

    @Test("every problem is reported, not just the first")
    func everyProblem() {
        let found = problems(
            body(["event_id": "\"x\"", "severity": "\"loud\"", "bogus": "true"], removing: ["producer"]))
        #expect(Set(found.map(\.path)) == ["/event_id", "/severity", "/bogus", "/producer"])
    }

    @Test("bodies that are not JSON are invalid_json, JSON that is not an object is a validation problem")
    func notJSON() {
        for text in ["", "{", "nope", "{\"a\":}", "{\"a\":1,}", "[1,]", "{\"a\":\"\u{1}\"}", "{} {}", "{\"a\":01}"] {
            #expect(isInvalidJSON(Array(text.utf8)), "\(text)")
        }
        #expect(problems(Array("[1]".utf8)) == [EnvelopeProblem(path: "", message: "must be a JSON object")])
        #expect(problems(Array("\"x\"".utf8)) == [EnvelopeProblem(path: "", message: "must be a JSON object")])
    }

    @Test("invalid UTF-8, lone surrogates and \\u0000 are refused; valid escapes decode")
    func stringEdgeCases() throws {
        var invalidUTF8 = body([:])
        invalidUTF8.insert(contentsOf: [0x22, 0x78, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x2C], at: 1)
        #expect(throws: EnvelopeDecodingError.self) { try EnvelopeDecoder().decodeEvent(invalidUTF8) }
        #expect(
            problems(body(["payload": #"{"a":"\ud800"}"#]))
                == [EnvelopeProblem(path: "/payload/a", message: JSONScannerMessages.unpairedSurrogate)])
        #expect(
            problems(body(["payload": #"{"a":"\u0000"}"#]))
                == [EnvelopeProblem(path: "/payload/a", message: JSONScannerMessages.nul)])
        let event = try EnvelopeDecoder().decodeEvent(
            body(["producer": #""caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n""#, "payload": #"{"emoji":"😀"}"#]))
        #expect(event.envelope.producer == "café 😀 \"q\" \\ / \n")
        // The record value escapes again what needs escaping and stays valid JSON.
        let reparsed = try JSONSerialization.jsonObject(with: Data(event.recordValue)) as? [String: Any]
        #expect(reparsed?["producer"] as? String == "café 😀 \"q\" \\ / \n")
    }

    @Test("the size limit applies to the serialized event")
    func sizeLimit() throws {
        let decoder = EnvelopeDecoder(maxEventBytes: 300)
        let small = try decoder.decodeEvent(body([:]))
        #expect(small.recordValue.count <= 300)
        let large = body(["payload": "{\"blob\":\"\(String(repeating: "x", count: 300))\"}"])
        do {
            _ = try decoder.decodeEvent(large)
            Issue.record("a 300+ byte event should be rejected")
        } catch {
            #expect(error.isSizeLimit)
        }
    }

    @Test("large and deeply nested payloads: 1 MiB passes, nesting past the limit is refused, not a crash")
    func largeAndDeep() throws {
        let items = (0..<20_000).map { "{\"i\":\($0),\"s\":\"item number \($0)\"}" }.joined(separator: ",")
        let large = body(["payload": "{\"items\":[\(items)]}"])
        #expect(large.count > 500_000)
        let event = try EnvelopeDecoder(maxEventBytes: 2_000_000).decodeEvent(large)
        #expect(event.envelope.payload.count > 500_000)

        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        _ = try EnvelopeDecoder().decodeEvent(body(["payload": "{\"n\":\(nested)}"]))
        let tooDeep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: EnvelopeDecodingError.self) {
            try EnvelopeDecoder(maxEventBytes: 10_000_000).decodeEvent(body(["payload": "{\"n\":\(tooDeep)}"]))
        }
    }

    @Test("round trip: the record value decodes to the same envelope")
    func roundTrip() throws {
        let original = try EnvelopeDecoder().decodeEvent(
            body([
                "correlation_id": "\"\(validID)\"", "severity": "\"critical\"", "key": "\"k\"",
                "event_version": "\"3\"",
                "payload": #"{"nested":{"list":[1,2.5e3,-0.1,true,false,null,"s"]},"unicode":"\u00fc"}"#,
            ]))
        let again = try EnvelopeDecoder().decodeEvent(original.recordValue)
        #expect(again.envelope == original.envelope)
        #expect(again.recordValue == original.recordValue)
    }
}

@Suite("Batch decoding")
struct BatchDecoderTests {
    func batch(_ items: [[UInt8]]) -> [UInt8] {
        Array("[".utf8) + items.joined(separator: Array(",".utf8)) + Array("]".utf8)
    }

    @Test("a valid batch keeps input order")
    func validBatch() throws {
        let ids = (0..<5).map { _ in UUID().uuidString.lowercased() }
        let events = try EnvelopeDecoder().decodeBatch(batch(ids.map { body(["event_id": "\"\($0)\""]) }))
        #expect(events.map { $0.envelope.eventID.uuidString.lowercased() } == ids)
    }

    @Test("problems carry the item index in their pointer, and one bad item rejects the batch")
    func badItem() {
        let bytes = batch([body([:]), body([:]), body([:]), body(["timestamp": "\"soon\""], removing: ["producer"])])
        do {
            _ = try EnvelopeDecoder().decodeBatch(bytes)
            Issue.record("the batch should be rejected")
        } catch {
            guard case .rejected(let problems) = error else { Issue.record("expected rejected, got \(error)"); return }
            #expect(Set(problems.map(\.path)) == ["/3/timestamp", "/3/producer"])
        }
    }

    @Test("an empty batch, a batch over the limit and a non-array body are rejected")
    func limits() {
        #expect(throws: EnvelopeDecodingError.self) { try EnvelopeDecoder().decodeBatch(Array("[]".utf8)) }
        do {
            _ = try EnvelopeDecoder(maxBatchEvents: 2).decodeBatch(batch([body([:]), body([:]), body([:])]))
            Issue.record("over the limit")
        } catch {
            #expect(error.isSizeLimit)
        }
        #expect(throws: EnvelopeDecodingError.self) { try EnvelopeDecoder().decodeBatch(body([:])) }
        #expect(throws: EnvelopeDecodingError.self) { try EnvelopeDecoder().decodeBatch(Array("[{},".utf8)) }
    }

    @Test("JSON after a UTF-8 byte order mark is invalid and says why")
    func byteOrderMark() {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        func syntaxError(_ bytes: [UInt8], batch: Bool) -> JSONSyntaxError? {
            do {
                if batch {
                    _ = try EnvelopeDecoder().decodeBatch(bytes)
                } else {
                    _ = try EnvelopeDecoder().decodeEvent(bytes)
                }
            } catch {
                if case .invalidJSON(let syntax) = error { return syntax }
            }
            return nil
        }
        for syntax in [
            syntaxError(mark + body([:]), batch: false), syntaxError(mark + batch([body([:])]), batch: true),
        ] {
            #expect(syntax?.offset == 0)
            #expect(syntax?.reason == "a UTF-8 byte order mark precedes the JSON; send it without one")
        }
    }

    @Test("a batch item that is not an object is reported at its index")
    func nonObjectItem() {
        do {
            _ = try EnvelopeDecoder().decodeBatch(batch([body([:]), Array("7".utf8)]))
        } catch {
            guard case .rejected(let problems) = error else { Issue.record("expected rejected"); return }
            #expect(problems == [EnvelopeProblem(path: "/1", message: "must be a JSON object")])
        }
    }
}

func isInvalidJSON(_ bytes: [UInt8]) -> Bool {
    do {
        _ = try EnvelopeDecoder().decodeEvent(bytes)
        return false
    } catch {
        if case .invalidJSON = error { return true }
        return false
    }
}
