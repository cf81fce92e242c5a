import Foundation

/// The top-level members of one JSON object, in input order, with raw access to their bytes.
struct ObjectMembers {
    var names: [String] = []
    var values: [ScannedValue] = []
    var duplicates: [String] = []

    static func read(_ scanner: inout JSONScanner, depth: Int) throws(JSONSyntaxError) -> ObjectMembers {
        var members = ObjectMembers()
        // Beyond a handful of members a set keeps duplicate detection linear in their number.
        var seen = Set<String>()
        try scanner.readObject(depth: depth) { (scanner, name) throws(JSONSyntaxError) in
            let value = try scanner.readValue(depth: depth + 1)
            let isDuplicate: Bool
            if members.names.count < 16 {
                isDuplicate = members.names.contains(name)
            } else {
                if seen.isEmpty { seen = Set(members.names) }
                isDuplicate = !seen.insert(name).inserted
            }
            if isDuplicate { members.duplicates.append(name) }
            members.names.append(name)
            members.values.append(value)
        }
        return members
    }

    func value(_ name: String) -> ScannedValue? {
        guard let index = names.firstIndex(of: name) else { return nil }
        return values[index]
    }

    func contains(_ name: String) -> Bool { names.contains(name) }
}

/// Checks the fields of one object against the contract's rules and collects every problem,
/// each with its JSON Pointer, instead of stopping at the first.
struct FieldValidator {
    let members: ObjectMembers
    let bytes: UnsafeBufferPointer<UInt8>
    let pointer: String
    var problems: [EnvelopeProblem] = []

    init(members: ObjectMembers, bytes: UnsafeBufferPointer<UInt8>, pointer: String) {
        self.members = members
        self.bytes = bytes
        self.pointer = pointer
        for name in members.duplicates {
            problems.append(EnvelopeProblem(path: path(name), message: "duplicate field"))
        }
    }

    func path(_ field: String) -> String { pointer + "/" + field.jsonPointerToken }

    mutating func report(_ field: String, _ message: String) {
        problems.append(EnvelopeProblem(path: path(field), message: message))
    }

    func hasProblem(_ field: String) -> Bool {
        guard !problems.isEmpty else { return false }
        let fieldPath = path(field)
        return problems.contains { $0.path == fieldPath }
    }

    mutating func rejectUnknownFields(allowed: Set<String>) {
        for name in members.names where !allowed.contains(name) {
            report(name, "unknown field")
        }
    }

    /// A string member; reports a missing required member or a wrong type.
    mutating func string(_ field: String, required: Bool) -> String? {
        guard let value = members.value(field) else {
            if required { report(field, "is required") }
            return nil
        }
        guard case .string(let text) = value else {
            if case .null = value, !required { return nil }
            report(field, "must be a string, not \(value.typeName)")
            return nil
        }
        return text
    }

    mutating func boundedString(_ field: String, required: Bool, maxLength: Int) -> String? {
        guard let text = string(field, required: required) else { return nil }
        let length = text.unicodeScalars.count
        guard length >= 1 && length <= maxLength else {
            report(field, "must be 1 to \(maxLength) characters long")
            return nil
        }
        return text
    }

    mutating func uuid(_ field: String, required: Bool) -> UUID? {
        guard let text = string(field, required: required) else { return nil }
        guard let uuid = UUID(hyphenatedHex: text) else {
            report(field, "must be a UUID (8-4-4-4-12 hexadecimal digits)")
            return nil
        }
        return uuid
    }

    mutating func eventType(_ field: String) -> String? {
        guard let text = string(field, required: true) else { return nil }
        guard text.utf8.count <= 128, Self.isValidEventType(text) else {
            report(field, "must be 1 to 128 characters matching ^[a-z][a-z0-9]*([._-][a-z0-9]+)*$")
            return nil
        }
        return text
    }

    mutating func timestamp(_ field: String, required: Bool) -> RFC3339Timestamp? {
        guard let text = string(field, required: required) else { return nil }
        guard let timestamp = RFC3339Timestamp(text) else {
            report(field, "must be an RFC 3339 date-time with a zone offset, e.g. 2026-11-22T10:00:00Z")
            return nil
        }
        return timestamp
    }

    mutating func severity(_ field: String) -> Severity? {
        guard let text = string(field, required: false) else { return .info }
        guard let severity = Severity(rawValue: text) else {
            report(field, "must be one of debug, info, notice, warning, error, critical")
            return nil
        }
        return severity
    }

    mutating func payloadObject(_ field: String) -> [UInt8]? {
        guard let value = members.value(field) else {
            report(field, "is required")
            return nil
        }
        guard case .object(let range) = value else {
            report(field, "must be an object, not \(value.typeName)")
            return nil
        }
        return Array(bytes[range])
    }

    /// Raw JSON bytes of any member value (for satellite shapes whose data may be any JSON).
    func rawValue(_ value: ScannedValue) -> [UInt8] {
        switch value {
        case .object(let range), .array(let range), .number(let range):
            return Array(bytes[range])
        case .string(let text):
            var writer = JSONWriter()
            writer.string(text)
            return writer.bytes
        case .bool(let flag):
            return Array((flag ? "true" : "false").utf8)
        case .null:
            return Array("null".utf8)
        }
    }

    /// `^[a-z][a-z0-9]*([._-][a-z0-9]+)*$` without a regex engine on the hot path.
    static func isValidEventType(_ text: String) -> Bool {
        var previousWasSeparator = true
        var isFirst = true
        for byte in text.utf8 {
            let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isSeparator = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if isFirst {
                guard isLower else { return false }
                isFirst = false
                previousWasSeparator = false
            } else if isSeparator {
                guard !previousWasSeparator else { return false }
                previousWasSeparator = true
            } else {
                guard isLower || isDigit else { return false }
                previousWasSeparator = false
            }
        }
        return !isFirst && !previousWasSeparator
    }
}

extension FieldValidator {
    static let envelopeFields: Set<String> = [
        "event_id", "event_type", "event_version", "timestamp", "correlation_id", "producer", "severity", "key",
        "payload",
    ]

    /// The canonical envelope; `nil` with `problems` filled when any rule is broken.
    mutating func envelope() -> EventEnvelope? {
        rejectUnknownFields(allowed: Self.envelopeFields)
        let eventID = uuid("event_id", required: true)
        let eventType = eventType("event_type")
        let eventVersion =
            boundedString("event_version", required: false, maxLength: 32)
            ?? (hasProblem("event_version") ? nil : "1")
        let timestamp = timestamp("timestamp", required: true)
        let correlationID = uuid("correlation_id", required: false)
        let producer = boundedString("producer", required: true, maxLength: 128)
        let severity = severity("severity")
        let key = boundedString("key", required: false, maxLength: 256)
        let payload = payloadObject("payload")
        guard problems.isEmpty, let eventID, let eventType, let eventVersion, let timestamp, let producer,
            let severity, let payload
        else { return nil }
        return EventEnvelope(
            eventID: eventID, eventType: eventType, eventVersion: eventVersion, timestamp: timestamp,
            correlationID: correlationID, producer: producer, severity: severity, key: key, payload: payload)
    }
}
