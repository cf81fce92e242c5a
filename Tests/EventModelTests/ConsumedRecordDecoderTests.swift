import EventModel
import Foundation
import Testing

@Suite("Consumed records: envelope, CloudEvents and legacy shapes")
struct ConsumedRecordDecoderTests {
    let coordinates = RecordCoordinates(topic: "clawderpunk.events.v1", partition: 2, offset: 41)

    func decode(_ json: String, key: String? = nil, timestamp: Int64? = 1_795_852_800_000) -> Result<
        (envelope: EventEnvelope, shape: RecordShape), RecordRejection
    > {
        ConsumedRecordDecoder.decode(
            value: Array(json.utf8), key: key.map { Array($0.utf8) }, coordinates: coordinates,
            recordTimestampMilliseconds: timestamp)
    }

    @Test("the canonical envelope is decoded with the same rules as at the gateway")
    func canonical() throws {
        let (envelope, shape) = try decode(String(decoding: body([:]), as: UTF8.self)).get()
        #expect(shape == .envelope)
        #expect(envelope.eventID == UUID(uuidString: validID))
        if case .failure(let rejection) = decode(String(decoding: body(["extra": "1"]), as: UTF8.self)) {
            #expect(rejection.reason == .validationFailed)
            #expect(rejection.message.contains("/extra"))
        } else {
            Issue.record("unknown field must be rejected")
        }
    }

    @Test("CloudEvents 1.0 structured JSON as Dapr publishes it")
    func cloudEvents() throws {
        let json = """
            {"specversion":"1.0","id":"\(validID)","source":"reminder-worker","type":"com.dapr.event.sent",
             "time":"2026-11-22T10:00:00Z","datacontenttype":"application/json","topic":"t","pubsubname":"kafka-pubsub",
             "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","data":{"task_id":1}}
            """
        let (envelope, shape) = try decode(json, key: "task-1").get()
        #expect(shape == .cloudEvents)
        #expect(envelope.eventID == UUID(uuidString: validID))
        #expect(envelope.eventType == "com.dapr.event.sent")
        #expect(envelope.producer == "reminder-worker")
        #expect(envelope.timestamp.text == "2026-11-22T10:00:00Z")
        #expect(envelope.payload == Array(#"{"task_id":1}"#.utf8))
        #expect(envelope.key == "task-1")
        #expect(envelope.traceID == "0af7651916cd43dd8448eb211c80319c")
    }

    @Test("a CloudEvent's traceparent attribute that is not valid is ignored, not a rejection")
    func cloudEventsInvalidTraceparent() throws {
        for traceparent in [#""00-XYZ-b7ad6b7169203331-01""#, "42", "null"] {
            let json =
                #"{"specversion":"1.0","id":"\#(validID)","source":"s","type":"x.y","traceparent":\#(traceparent)}"#
            #expect(try decode(json).get().envelope.traceID == nil, "\(traceparent)")
        }
    }

    @Test("a non-UUID CloudEvents id becomes a UUIDv5 of source and id; no time uses the record's")
    func cloudEventsDerivedID() throws {
        let json = #"{"specversion":"1.0","id":"42","source":"svc","type":"x.y","data":"plain"}"#
        let (first, _) = try decode(json).get()
        let (second, _) = try decode(json).get()
        #expect(first.eventID == second.eventID)
        #expect(first.eventID == UUID(version5Namespace: .punkRecordsNamespace, name: "svc\u{0}42"))
        #expect(first.eventID.uuidString.lowercased().dropFirst(14).first == "5")
        #expect(first.timestamp.microsecondsSinceEpoch == 1_795_852_800_000_000)
        #expect(first.payload == Array(#"{"data":"plain"}"#.utf8))
        let other = try decode(#"{"specversion":"1.0","id":"42","source":"svc2","type":"x.y"}"#).get()
        #expect(other.envelope.eventID != first.eventID)
        #expect(other.envelope.payload == Array("{}".utf8))
    }

    @Test("CloudEvents missing required attributes are rejected with their names")
    func cloudEventsInvalid() {
        guard case .failure(let rejection) = decode(#"{"specversion":"0.3","type":"X"}"#) else {
            Issue.record("must be rejected")
            return
        }
        for name in ["/specversion", "/id", "/source", "/type"] { #expect(rejection.message.contains(name), "\(name)") }
    }

    @Test("the legacy shape gets a UUIDv5 of topic, partition and offset")
    func legacy() throws {
        let json =
            #"{"event_type":"task.created","version":"1.0","timestamp":"2025-01-16T10:00:00Z","data":{"task_id":123}}"#
        let (envelope, shape) = try decode(json).get()
        #expect(shape == .legacy)
        #expect(envelope.eventID == UUID(version5Namespace: .punkRecordsNamespace, name: "clawderpunk.events.v1/2/41"))
        #expect(envelope.eventVersion == "1.0")
        #expect(envelope.producer == "legacy")
        #expect(envelope.payload == Array(#"{"task_id":123}"#.utf8))
        #expect(try decode(json).get().envelope.eventID == envelope.eventID)
    }

    @Test("garbage bytes are invalid_json; a non-object is validation_failed")
    func garbage() {
        let garbage = ConsumedRecordDecoder.decode(
            value: [0xFF, 0x00, 0x13], key: nil, coordinates: coordinates, recordTimestampMilliseconds: nil)
        #expect((try? garbage.get()) == nil)
        if case .failure(let rejection) = garbage { #expect(rejection.reason == .invalidJSON) }
        if case .failure(let rejection) = decode("[1,2]") { #expect(rejection.reason == .validationFailed) }
        let empty = decode("")
        #expect(
            empty.map(\.shape)
                == .failure(
                    RecordRejection(reason: .invalidJSON, message: "the record has no value (empty, or a tombstone)")))
    }

    @Test("UUIDv5 matches RFC 9562's published example")
    func uuidV5KnownAnswer() {
        // RFC 9562 appendix A.4: DNS namespace, name "www.example.com".
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(
            UUID(version5Namespace: dns, name: "www.example.com").uuidString.lowercased()
                == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    @Test("topic routes pick the first matching prefix, else the default")
    func routes() throws {
        let router = try TopicRouter(
            defaultTopic: "events", routesSpecification: "task.=task-events, reminder.=reminders")
        #expect(router.topic(forEventType: "task.created") == "task-events")
        #expect(router.topic(forEventType: "reminder.fired") == "reminders")
        #expect(router.topic(forEventType: "chat.sent") == "events")
        #expect(router.allTopics == ["events", "task-events", "reminders"])
        #expect(throws: TopicRouteError.self) { try TopicRouter(defaultTopic: "e", routesSpecification: "nonsense") }
    }
}
