import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import ServiceOperations
import ServiceSupport
import TestSupport
import Testing

@testable import Gateway

@Suite("Gateway HTTP contract", .serialized)
struct GatewayHTTPTests {
    @Test("the status table: every error row answers with its code")
    func statusTable() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            // 401: missing and wrong token, with WWW-Authenticate.
            try await client.execute(
                uri: "/events", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "unauthorized")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            try await client.execute(
                uri: "/events/batch", method: .post,
                headers: [.authorization: "Bearer wrong-token-1", .contentType: "application/json"],
                body: ByteBuffer(string: "[\(envelope())]")
            ) { response in
                #expect(response.status == .unauthorized)
            }
            // 415: wrong content type.
            try await client.execute(
                uri: "/events", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "text/plain"],
                body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.errorCode == "unsupported_media_type")
            }
            // 400 invalid_json.
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{not json")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "invalid_json")
            }
            // 400 validation_failed: each rule and an unknown field, all reported.
            let broken =
                #"{"event_id":"nope","event_type":"Bad Type","timestamp":"2026-11-22","producer":"","severity":"loud","payload":[],"extra":1}"#
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: broken)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "validation_failed")
                #expect(
                    Set(response.detailPaths)
                        == ["/event_id", "/event_type", "/timestamp", "/producer", "/severity", "/payload", "/extra"])
            }
            // 413: an event over MAX_EVENT_BYTES inside a batch, and a body over the limit.
            let bigPayload = #"{"blob":"\#(String(repeating: "x", count: 5000))"}"#
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(envelope()),\(envelope(payload: bigPayload))]")
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "payload_too_large")
                #expect(response.detailPaths == ["/1"])
            }
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: envelope(payload: bigPayload))
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            // Empty batch, batch over MAX_BATCH_EVENTS.
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "[]")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "validation_failed")
            }
            let tooMany = (0..<51).map { _ in envelope() }.joined(separator: ",")
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "[\(tooMany)]")
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test("a batch with one bad item is rejected whole and nothing of it is produced")
    func badItemProducesNothing() async throws {
        let harness = try await GatewayHarness.make()
        let items = [envelope(), envelope(), envelope(type: "BAD")].joined(separator: ",")
        try await harness.test { client in
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "[\(items)]")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.detailPaths == ["/2/event_type"])
            }
            // A marker event afterwards: the topic must hold it alone.
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .accepted)
            }
        }
        let records = try await TestEnvironment.readTopic(
            harness.topic, brokers: harness.brokers, count: 2, timeout: .seconds(12))
        #expect(records.count == 1)
    }

    @Test("a valid event is in the topic with the contract's key, value and headers, traceparent passed through")
    func recordForm() async throws {
        let harness = try await GatewayHarness.make()
        let id = UUID().uuidString.lowercased()
        let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        var tracedHeaders = jsonHeaders
        tracedHeaders[HTTPField.Name("traceparent")!] = traceparent
        let headers = tracedHeaders
        try await harness.test { client in
            try await client.execute(
                uri: "/events", method: .post, headers: headers, body: ByteBuffer(string: envelope(id: id))
            ) { response in
                #expect(response.status == .accepted)
                #expect(response.json["event_id"] as? String == id)
                #expect(response.json["topic"] as? String == harness.topic)
                #expect(response.json["partition"] is Int)
                #expect(response.json["offset"] is Int)
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] != nil)
            }
        }
        let record = try #require(
            try await TestEnvironment.readTopic(harness.topic, brokers: harness.brokers, count: 1).first)
        #expect(record.key == Array(id.utf8))
        #expect(record.headers.lastValue(named: "event-id") == Array(id.utf8))
        #expect(record.headers.lastValue(named: "event-type") == Array("task.created".utf8))
        #expect(record.headers.lastValue(named: "content-type") == Array("application/json".utf8))
        #expect(record.headers.lastValue(named: "traceparent") == Array(traceparent.utf8))
        let value = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
        #expect(value["severity"] as? String == "info")
        #expect(value["event_version"] as? String == "1")
    }

    @Test("a batch is answered in input order and lands in input order per key")
    func batchOrder() async throws {
        let harness = try await GatewayHarness.make()
        let ids = (0..<40).map { _ in UUID().uuidString.lowercased() }
        let items = ids.enumerated().map { index, id in envelope(id: id, key: "entity-\(index % 3)") }
        try await harness.test { client in
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(items.joined(separator: ","))]")
            ) { response in
                #expect(response.status == .accepted)
                #expect(response.json["accepted"] as? Int == 40)
                let results = response.json["results"] as? [[String: Any]] ?? []
                #expect(results.compactMap { $0["event_id"] as? String } == ids)
                #expect(results.allSatisfy { $0["status"] as? String == "accepted" })
            }
        }
        let records = try await TestEnvironment.readTopic(harness.topic, brokers: harness.brokers, count: 40)
        #expect(records.count == 40)
        for entity in 0..<3 {
            let expected = ids.enumerated().filter { $0.offset % 3 == entity }.map(\.element)
            let received = records.filter { $0.key == Array("entity-\(entity)".utf8) }.sorted { $0.offset < $1.offset }
                .compactMap { $0.headers.lastValue(named: "event-id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(received == expected)
        }
    }

    @Test("KAFKA_TOPIC_ROUTES sends event types to their topics")
    func routes() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let tasks = try await TestEnvironment.makeTopic("tasks", partitions: 1, brokers: brokers)
        let reminders = try await TestEnvironment.makeTopic("reminders", partitions: 1, brokers: brokers)
        let harness = try await GatewayHarness.make(extraEnvironment: [
            "KAFKA_TOPIC_ROUTES": "task.=\(tasks),reminder.=\(reminders)"
        ])
        try await harness.test { client in
            for (type, topic) in [("task.created", tasks), ("reminder.fired", reminders), ("chat.sent", harness.topic)]
            {
                try await client.execute(
                    uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope(type: type))
                ) { response in
                    #expect(response.json["topic"] as? String == topic)
                }
            }
        }
    }

    @Test("health, readiness, metrics and the OpenAPI document need no token")
    func operationalRoutes() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["kafka"] as? String == "ok")
            }
            try await client.execute(uri: "/ready", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{"))
            { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"punk_gateway_events_rejected_total{reason="invalid_json"} 1"#))
                #expect(text.contains("punk_gateway_produce_duration_seconds_bucket"))
                #expect(text.contains("punk_gateway_producer_queue_depth_records"))
                #expect(
                    text.contains(#"punk_gateway_http_requests_total{route="/events",method="POST",status="400"} 1"#))
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["openapi"] as? String == "3.1.0")
            }
        }
    }

    @Test("draining: /ready answers 503")
    func drainingReadiness() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            harness.gateway.readiness.markDraining()
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test("settings: no token or a bad value refuses to start with a one-line reason")
    func configurationErrors() {
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(environment: .init([:])) }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(environment: .init(["PUNK_RECORDS_API_TOKEN": token, "HTTP_PORT": "eighty"]))
        }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(
                environment: .init(["PUNK_RECORDS_API_TOKEN": token, "KAFKA_TOPIC_ROUTES": "oops"]))
        }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(environment: .init(["PUNK_RECORDS_API_TOKEN": token, "LOG_FORMAT": "xml"]))
        }
    }
}
