import EventModel
import Foundation
import Testing

/// The contracts shipped in `schemas/`, checked against the examples of the seed documents.
@Suite("Starter schemas in schemas/")
struct StarterSchemasTests {
    static let directory = JSONSchemaSuiteTests.packageRoot.appendingPathComponent("schemas").path

    static func registry() throws -> SchemaRegistry {
        try SchemaRegistry.load(directory: directory, policy: .strict)
    }

    @Test("every event type of the seed documents has a contract at the versions they use")
    func registeredPairs() throws {
        #expect(
            try Self.registry().keys.map(\.description) == [
                "reminder.cancelled/v1", "reminder.scheduled/v1", "reminder.triggered/v1", "task.completed/v1",
                "task.created/1.0", "task.created/v1", "task.deleted/1.0", "task.deleted/v1", "task.updated/1.0",
                "task.updated/v1",
            ])
    }

    /// Seed 003's examples, in the legacy `{event_type, version, timestamp, data}` shape.
    static let legacyExamples = [
        #"""
        {"event_type": "task.created", "version": "1.0", "timestamp": "2025-01-16T10:00:00Z",
         "data": {"task_id": 123, "user_id": "user-uuid", "title": "Task title", "description": "Task description",
                  "priority": "high", "category": "work", "due_date": "2025-01-20", "status": "pending"}}
        """#,
        #"""
        {"event_type": "task.updated", "version": "1.0", "timestamp": "2025-01-16T11:00:00Z",
         "data": {"task_id": 123, "user_id": "user-uuid",
                  "changes": {"status": {"old": "pending", "new": "completed"},
                              "priority": {"old": "medium", "new": "high"}}}}
        """#,
        #"""
        {"event_type": "task.deleted", "version": "1.0", "timestamp": "2025-01-16T12:00:00Z",
         "data": {"task_id": 123, "user_id": "user-uuid"}}
        """#,
    ]

    @Test("seed 003's examples pass through the consumed-record path", arguments: legacyExamples)
    func legacyExample(record: String) throws {
        let (envelope, shape) = try ConsumedRecordDecoder.decode(
            value: Array(record.utf8), key: nil,
            coordinates: RecordCoordinates(topic: "task-events", partition: 0, offset: 7), recordTimestampMilliseconds: nil
        ).get()
        #expect(shape == .legacy)
        let report = try Self.registry().check(envelope)
        #expect(report.isValid, "\(report.violations)")
    }

    /// Payloads written to seed 002's interfaces (it has no examples of its own).
    static let designExamples: [(String, String)] = [
        (
            "task.created",
            #"""
            {"task_id": "task-42", "title": "Write the report", "description": null, "priority": "HIGH",
             "status": "TODO", "due_date": "2026-12-01T17:00:00Z", "recurrence": null, "tags": ["work"],
             "user_id": "user-7", "created_at": "2026-11-22T10:00:00Z"}
            """#
        ),
        (
            "task.updated",
            #"""
            {"task_id": "task-42", "changed_fields": ["status"], "changes": {"status": {"old": "TODO", "new": "DONE"}},
             "updated_at": "2026-11-23T10:00:00+01:00"}
            """#
        ),
        (
            "reminder.scheduled",
            #"""
            {"task_id": "task-42", "reminder_id": "rem-1", "due_date": "2026-12-01",
             "reminder_time": "2026-12-01T09:00:00Z", "recurrence": {"every": "week"}}
            """#
        ),
        ("task.deleted", #"{"task_id": "task-42"}"#),
        ("task.completed", #"{"task_id": "task-42", "completed_at": "2026-11-24T10:00:00Z"}"#),
        ("reminder.triggered", #"{"task_id": "task-42", "reminder_id": "rem-1"}"#),
        ("reminder.cancelled", #"{"task_id": "task-42", "reminder_id": "rem-1"}"#),
    ]

    @Test("payloads following seed 002's interfaces pass at v1", arguments: designExamples)
    func designExample(eventType: String, payload: String) throws {
        let report = try Self.registry().check(eventType: eventType, eventVersion: "v1", payload: Array(payload.utf8))
        #expect(report.isValid, "\(report.violations)")
    }

    @Test("each version keeps its own form of task_id and priority")
    func versionsDisagree() throws {
        let registry = try Self.registry()
        let lowercase = #"""
            {"task_id": "task-42", "title": "t", "description": null, "priority": "high", "status": "TODO",
             "due_date": null, "recurrence": null, "tags": [], "user_id": "u", "created_at": "2026-11-22T10:00:00Z",
             "category": "work"}
            """#
        #expect(
            registry.check(eventType: "task.created", eventVersion: "v1", payload: Array(lowercase.utf8), at: "/0")
                .violations.map(\.description) == [
                    #"/0/payload/priority: must be one of "HIGH", "MEDIUM", "LOW""#,
                    "/0/payload/category: is not an allowed property",
                ])
        let legacy = #"{"task_id": "123", "user_id": "u", "title": "t", "priority": "HIGH"}"#
        #expect(
            registry.check(eventType: "task.created", eventVersion: "1.0", payload: Array(legacy.utf8))
                .violations.map(\.description) == [
                    "/payload/task_id: must be an integer, not a string",
                    #"/payload/priority: must be one of "high", "medium", "low""#,
                ])
    }
}
