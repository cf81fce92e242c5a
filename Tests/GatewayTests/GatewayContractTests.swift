import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceSupport
import TestSupport
import Testing

@testable import Gateway

/// Event contracts at the gateway: every violation listed with its pointer into the body.
@Suite("Gateway event contracts", .serialized)
struct GatewayContractTests {
    static var schemaDirectory: String { (try? TestEnvironment.repositoryRoot()).map { $0 + "/schemas" } ?? "schemas" }

    static let validTask = #"""
        {"task_id":"t-1","title":"Buy milk","description":null,"priority":"HIGH","status":"TODO","due_date":null,"recurrence":null,"tags":[],"user_id":"u-1","created_at":"2026-11-22T10:00:00Z"}
        """#

    func event(type: String = "task.created", version: String = "v1", payload: String) -> String {
        #"{"event_id":"\#(UUID().uuidString)","event_type":"\#(type)","event_version":"\#(version)","timestamp":"2026-11-22T10:00:00Z","producer":"tests","payload":\#(payload)}"#
    }

    @Test("a payload that breaks its contract: 400 validation_failed, every violation with its pointer")
    func singleEvent() async throws {
        let harness = try await GatewayHarness.make(extraEnvironment: ["SCHEMA_DIR": Self.schemaDirectory])
        try await harness.test { client in
            let broken =
                #"{"title":"","description":null,"priority":"URGENT","status":"TODO","due_date":null,"recurrence":null,"tags":[1],"user_id":"u","created_at":"2026-11-22T10:00:00Z","color":"red"}"#
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: event(payload: broken))
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "validation_failed")
                #expect(
                    Set(response.detailPaths)
                        == [
                            "/payload/task_id", "/payload/title", "/payload/priority", "/payload/tags/0",
                            "/payload/color",
                        ])
                let messages = ((response.json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? [])
                    .compactMap { $0["message"] as? String }
                #expect(messages.contains { $0.contains("HIGH") && $0.contains("MEDIUM") && $0.contains("LOW") })
                #expect(messages.contains { $0.contains("required") })
            }
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: event(payload: Self.validTask))
            ) { response in
                #expect(response.status == .accepted)
            }
            // registered: a pair without a contract passes.
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: event(type: "chat.message", version: "1", payload: #"{"any":1}"#))
            ) { response in
                #expect(response.status == .accepted)
            }
        }
    }

    @Test("a batch with any violation is refused whole; pointers carry the item index")
    func batch() async throws {
        let harness = try await GatewayHarness.make(extraEnvironment: ["SCHEMA_DIR": Self.schemaDirectory])
        try await harness.test { client in
            let items = [
                event(payload: Self.validTask), event(payload: Self.validTask), event(payload: Self.validTask),
                event(payload: Self.validTask.replacingOccurrences(of: #""title":"Buy milk""#, with: #""title":7"#)),
            ]
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(items.joined(separator: ","))]")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.detailPaths == ["/3/payload/title"])
            }
        }
    }

    @Test("strict: an event without a contract is refused at /event_type")
    func strict() async throws {
        let harness = try await GatewayHarness.make(extraEnvironment: [
            "SCHEMA_DIR": Self.schemaDirectory, "SCHEMA_POLICY": "strict",
        ])
        try await harness.test { client in
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: event(type: "chat.message", version: "1", payload: "{}"))
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.detailPaths == ["/event_type"])
            }
        }
    }

    @Test("GET /schemas lists the contracts and GET /schemas/{type}/{version} serves one, without a token")
    func schemaRoutes() async throws {
        let harness = try await GatewayHarness.make(extraEnvironment: ["SCHEMA_DIR": Self.schemaDirectory])
        try await harness.test { client in
            try await client.execute(uri: "/schemas", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["policy"] as? String == "registered")
                let listed = (response.json["schemas"] as? [[String: Any]] ?? []).map { entry in
                    "\(entry["event_type"] as? String ?? "")/\(entry["event_version"] as? String ?? "")"
                }
                #expect(listed.contains("task.created/v1"))
                #expect(listed.contains("task.created/1.0"))
            }
            try await client.execute(uri: "/schemas/task.created/v1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/schema+json")
                #expect(response.json["title"] as? String == "task.created v1")
            }
            try await client.execute(uri: "/schemas/task.created/v9", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("a schema that cannot be loaded stops the gateway at start with one line naming file and keyword")
    func loadErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory + "/task.created", withIntermediateDirectories: true)
        try Data(#"{"type":"object","properties":{"title":{"patern":"x"}}}"#.utf8).write(
            to: URL(fileURLWithPath: directory + "/task.created/1.json"))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try GatewayConfiguration(
                environment: EnvironmentReader(["PUNK_RECORDS_API_TOKEN": token, "SCHEMA_DIR": directory]))
            Issue.record("an unsupported keyword must stop the gateway")
        } catch {
            #expect(error.description.contains("task.created/1.json"))
            #expect(error.description.contains("patern"))
            #expect(!error.description.contains("\n"))
        }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(
                environment: EnvironmentReader(["PUNK_RECORDS_API_TOKEN": token, "SCHEMA_POLICY": "strict"]))
        }
    }
}
