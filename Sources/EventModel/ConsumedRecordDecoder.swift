import Foundation

/// Which of the accepted shapes a consumed record had.
public enum RecordShape: String, Sendable {
    case envelope
    case cloudEvents = "cloudevents"
    case legacy
}

/// Why a consumed record cannot become a row: the `dlq-reason` and `dlq-error` headers.
public struct RecordRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case invalidJSON = "invalid_json"
        case validationFailed = "validation_failed"
        case databaseRejected = "database_rejected"
        /// The payload breaks the contract registered for its event type and version.
        case schemaViolation = "schema_violation"
    }

    public let reason: Reason
    public let message: String

    public init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}

/// Decodes records consumed from a topic: the canonical envelope, CloudEvents 1.0 structured
/// JSON (what Dapr publishes) and the legacy `{event_type, version, timestamp, data}` shape.
public enum ConsumedRecordDecoder {
    public static func decode(
        value: [UInt8],
        key: [UInt8]?,
        coordinates: RecordCoordinates,
        recordTimestampMilliseconds: Int64?
    ) -> Result<(envelope: EventEnvelope, shape: RecordShape), RecordRejection> {
        guard !value.isEmpty else {
            return .failure(
                RecordRejection(reason: .invalidJSON, message: "the record has no value (empty, or a tombstone)"))
        }
        return value.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            let members: ObjectMembers
            do throws(JSONSyntaxError) {
                guard try scanner.peek() == UInt8(ascii: "{") else {
                    try scanner.skipValue(depth: 0)
                    try scanner.expectEnd()
                    return .failure(RecordRejection(reason: .validationFailed, message: "/: must be a JSON object"))
                }
                members = try ObjectMembers.read(&scanner, depth: 0)
                try scanner.expectEnd()
            } catch {
                return .failure(RecordRejection(reason: .invalidJSON, message: error.description))
            }
            var validator = FieldValidator(members: members, bytes: bytes, pointer: "")
            let shape: RecordShape
            let envelope: EventEnvelope?
            if members.contains("specversion") {
                shape = .cloudEvents
                envelope = validator.cloudEvent(
                    recordKey: key, recordTimestampMilliseconds: recordTimestampMilliseconds)
            } else if !members.contains("event_id") && members.contains("data") && members.contains("event_type") {
                shape = .legacy
                envelope = validator.legacyEvent(recordKey: key, coordinates: coordinates)
            } else {
                shape = .envelope
                envelope = validator.envelope()
            }
            let problems =
                validator.problems
                + scanner.unstorable.map {
                    EnvelopeProblem(
                        path: JSONScanner.pointer(to: $0.offset, inValueAt: 0, of: bytes), message: $0.reason)
                }
            guard let envelope, problems.isEmpty else {
                let message = "\(shape.rawValue) shape: " + problems.map(\.description).joined(separator: "; ")
                return .failure(RecordRejection(reason: .validationFailed, message: message))
            }
            return .success((envelope, shape))
        }
    }
}

extension FieldValidator {
    static let legacyFields: Set<String> = ["event_type", "version", "timestamp", "data"]

    mutating func legacyEvent(recordKey: [UInt8]?, coordinates: RecordCoordinates) -> EventEnvelope? {
        rejectUnknownFields(allowed: Self.legacyFields)
        let eventType = eventType("event_type")
        let version = boundedString("version", required: false, maxLength: 32) ?? (hasProblem("version") ? nil : "1")
        let timestamp = timestamp("timestamp", required: true)
        let payload = payloadObject("data")
        guard problems.isEmpty, let eventType, let version, let timestamp, let payload else { return nil }
        let name = "\(coordinates.topic)/\(coordinates.partition)/\(coordinates.offset)"
        return EventEnvelope(
            eventID: UUID(version5Namespace: .punkRecordsNamespace, name: name), eventType: eventType,
            eventVersion: version, timestamp: timestamp, producer: "legacy", key: Self.keyText(recordKey),
            payload: payload)
    }

    mutating func cloudEvent(recordKey: [UInt8]?, recordTimestampMilliseconds: Int64?) -> EventEnvelope? {
        if let version = string("specversion", required: true), version != "1.0" {
            report("specversion", "must be \"1.0\"")
        }
        let id = boundedString("id", required: true, maxLength: 1024)
        let source = boundedString("source", required: true, maxLength: 128)
        let eventType = eventType("type")
        var timestamp = timestamp("time", required: false)
        if timestamp == nil, !hasProblem("time") {
            guard
                let recordTimestamp = recordTimestampMilliseconds.flatMap(
                    RFC3339Timestamp.init(millisecondsSinceEpoch:))
            else {
                report("time", "is required when the record has no timestamp in the years 0001 to 9999")
                return nil
            }
            timestamp = recordTimestamp
        }
        let payload: [UInt8]
        if let data = members.value("data") {
            if case .object = data {
                payload = rawValue(data)
            } else {
                payload = Self.wrap("data", rawValue(data))
            }
        } else if let encoded = members.value("data_base64") {
            payload = Self.wrap("data_base64", rawValue(encoded))
        } else {
            payload = Array("{}".utf8)
        }
        guard problems.isEmpty, let id, let source, let eventType, let timestamp else { return nil }
        // A non-UUID id is only unique per source (CloudEvents 1.0 §3.1), so both name the event.
        let eventID =
            UUID(hyphenatedHex: id) ?? UUID(version5Namespace: .punkRecordsNamespace, name: "\(source)\u{0}\(id)")
        // The distributed tracing extension: optional, so a value that is not a valid traceparent is ignored.
        var traceID: String?
        if case .string(let traceparent) = members.value("traceparent") {
            traceID = TraceParent.traceID(Array(traceparent.utf8))
        }
        return EventEnvelope(
            eventID: eventID, eventType: eventType, timestamp: timestamp, producer: source,
            key: Self.keyText(recordKey), payload: payload, traceID: traceID)
    }

    /// A record key becomes the event key when it is text the contract allows.
    static func keyText(_ key: [UInt8]?) -> String? {
        guard let key, !key.isEmpty, let text = String(validating: key, as: UTF8.self),
            text.unicodeScalars.count <= 256, !text.unicodeScalars.contains("\u{0}")
        else { return nil }
        return text
    }

    static func wrap(_ name: String, _ raw: [UInt8]) -> [UInt8] {
        var writer = JSONWriter(capacity: raw.count + name.utf8.count + 4)
        writer.beginObject()
        writer.key(name)
        writer.raw(raw)
        writer.endObject()
        return writer.bytes
    }
}
