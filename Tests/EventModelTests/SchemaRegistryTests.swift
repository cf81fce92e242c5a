import EventModel
import Foundation
import Testing

/// A scratch schema directory, removed when the test ends.
final class ScratchSchemaDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func loadError() -> SchemaLoadError? {
        do {
            _ = try SchemaRegistry.load(directory: path, policy: .registered)
            return nil
        } catch {
            return error
        }
    }
}

@Suite("Schema registry: loading a directory and applying the policy")
struct SchemaRegistryTests {
    static let titleSchema = #"{"type": "object", "required": ["title"], "properties": {"title": {"maxLength": 3}}}"#

    func populated() throws -> ScratchSchemaDirectory {
        let directory = try ScratchSchemaDirectory()
        try directory.write("task.created/1.json", Self.titleSchema)
        try directory.write("task.created/2.json", "true")
        try directory.write("reminder-due/v1.json", #"{"type": "object"}"#)
        try directory.write("README.md", "# contracts")
        try directory.write(".hidden", "")
        try directory.write("task.created/.swp", "")
        return directory
    }

    @Test("every <event_type>/<event_version>.json is registered, with its document as published")
    func loadsDirectory() throws {
        let directory = try populated()
        let registry = try SchemaRegistry.load(directory: directory.path, policy: .registered)
        #expect(registry.keys.map(\.description) == ["reminder-due/v1", "task.created/1", "task.created/2"])
        #expect(registry.entry(eventType: "task.created", eventVersion: "1")?.document == Array(Self.titleSchema.utf8))
        #expect(registry.entry(eventType: "task.created", eventVersion: "3") == nil)
    }

    @Test("registered: only events with a schema are checked; strict: events without one are refused")
    func policies() throws {
        let directory = try populated()
        let payload = Array(#"{"title": "long"}"#.utf8)
        for policy in SchemaPolicy.allCases {
            let registry = try SchemaRegistry.load(directory: directory.path, policy: policy)
            let checked = registry.check(eventType: "task.created", eventVersion: "1", payload: payload, at: "/3")
            #expect(checked.violations.map(\.description) == ["/3/payload/title: must be at most 3 characters"])
            #expect(registry.check(eventType: "task.created", eventVersion: "2", payload: payload).isValid)
            let unknown = registry.check(eventType: "task.deleted", eventVersion: "1", payload: payload, at: "/3")
            if policy == .strict {
                #expect(
                    unknown.violations.map(\.description) == [
                        #"/3/event_type: has no registered schema for event_version "1" (SCHEMA_POLICY=strict)"#
                    ])
            } else {
                #expect(unknown.isValid)
            }
        }
    }

    @Test("the envelope form of check uses the envelope's type, version and payload")
    func checkEnvelope() throws {
        let directory = try populated()
        let registry = try SchemaRegistry.load(directory: directory.path, policy: .strict)
        let event = try EnvelopeDecoder().decodeEvent(
            body(["event_version": "\"1\"", "payload": #"{"title": "toolong"}"#]))
        #expect(
            registry.check(event.envelope).violations.map(\.description) == [
                "/payload/title: must be at most 3 characters"
            ])
        let rejection = try #require(registry.rejection(for: event.envelope))
        #expect(rejection.description == "schema_violation: /payload/title: must be at most 3 characters")
        let valid = try EnvelopeDecoder().decodeEvent(body(["event_version": "\"1\"", "payload": #"{"title": "ok"}"#]))
        #expect(registry.rejection(for: valid.envelope) == nil)
    }

    @Test(
        "anything else in the directory is a load error naming it",
        arguments: [
            ("notes.txt", "x", "notes.txt"),
            ("Task.Created/1.json", "true", "Task.Created"),
            ("task..created/1.json", "true", "task..created"),
            ("task.created/1.yaml", "true", "task.created/1.yaml"),
            ("task.created/\(String(repeating: "9", count: 33)).json", "true", ".json"),
            ("task.created/1.json/x.json", "true", "task.created/1.json"),
        ])
    func strayEntries(path: String, content: String, named: String) throws {
        let directory = try ScratchSchemaDirectory()
        try directory.write("task.created/0.json", "true")
        try directory.write(path, content)
        let error = try #require(directory.loadError())
        #expect(error.file?.hasSuffix(named) == true, "\(error)")
    }

    @Test("a schema that does not load names its file, pointer and keyword")
    func badSchema() throws {
        let directory = try ScratchSchemaDirectory()
        try directory.write("task.created/1.json", #"{"properties": {"title": {"patern": "^a"}}}"#)
        let error = try #require(directory.loadError())
        #expect(error.file == directory.path + "/task.created/1.json")
        #expect(error.keyword == "patern")
        #expect(
            error.description
                == directory.path + #"/task.created/1.json: /properties/title/patern: unsupported keyword "patern""#)
        try directory.write("task.created/1.json", "{")
        #expect(directory.loadError()?.reason.hasPrefix("not JSON") == true)
        #expect(throws: SchemaLoadError.self) {
            try SchemaRegistry.load(directory: directory.path + "/missing", policy: .strict)
        }
    }
}
