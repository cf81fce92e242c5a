import Foundation

/// How urgent an event is; the contract's closed set.
public enum Severity: String, Sendable, CaseIterable, Hashable {
    case debug, info, notice, warning, error, critical
}

/// The event envelope, version 1, of the contract. Values are already validated: an instance
/// only comes out of `EnvelopeDecoder`, `ConsumedRecordDecoder` or code that checked its inputs.
public struct EventEnvelope: Sendable, Hashable {
    public var eventID: UUID
    public var eventType: String
    public var eventVersion: String
    public var timestamp: RFC3339Timestamp
    public var correlationID: UUID?
    public var producer: String
    public var severity: Severity
    public var key: String?
    /// The payload object exactly as received (valid JSON, never rebuilt).
    public var payload: [UInt8]
    /// The trace id the event names itself, not a field of the envelope: a CloudEvent's
    /// `traceparent` attribute (the distributed tracing extension, which Dapr fills in). The row
    /// keeps it when the record has no valid `traceparent` header, which wins.
    public var traceID: String?

    public init(
        eventID: UUID,
        eventType: String,
        eventVersion: String = "1",
        timestamp: RFC3339Timestamp,
        correlationID: UUID? = nil,
        producer: String,
        severity: Severity = .info,
        key: String? = nil,
        payload: [UInt8],
        traceID: String? = nil
    ) {
        self.eventID = eventID
        self.eventType = eventType
        self.eventVersion = eventVersion
        self.timestamp = timestamp
        self.correlationID = correlationID
        self.producer = producer
        self.severity = severity
        self.key = key
        self.payload = payload
        self.traceID = traceID
    }

    /// The Kafka partition key: per-entity ordering when the producer set `key`, else the event id.
    public var partitionKey: String { key ?? eventID.canonicalString }

    /// The envelope as compact JSON with defaults filled in: the Kafka record value.
    public func encodedJSON() -> [UInt8] {
        var writer = JSONWriter(capacity: payload.count + 256)
        writer.beginObject()
        writer.member("event_id", eventID.canonicalString)
        writer.member("event_type", eventType)
        writer.member("event_version", eventVersion)
        writer.member("timestamp", timestamp.text)
        writer.member("correlation_id", correlationID?.canonicalString)
        writer.member("producer", producer)
        writer.member("severity", severity.rawValue)
        writer.member("key", key)
        writer.key("payload")
        writer.raw(payload)
        writer.endObject()
        return writer.bytes
    }
}

/// One problem found in a request body, located by a JSON Pointer (RFC 6901) into that body.
public struct EnvelopeProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case invalid
        case tooLarge
    }

    public let path: String
    public let message: String
    public let kind: Kind

    public init(path: String, message: String, kind: Kind = .invalid) {
        self.path = path
        self.message = message
        self.kind = kind
    }

    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// Why a body could not be turned into events.
public enum EnvelopeDecodingError: Error, Sendable, Equatable {
    /// The body is not JSON at all.
    case invalidJSON(JSONSyntaxError)
    /// The body is JSON, but breaks the envelope rules; every problem is listed.
    case rejected([EnvelopeProblem])

    /// Whether any problem is a size limit (the contract answers those with 413).
    public var isSizeLimit: Bool {
        if case .rejected(let problems) = self { return problems.contains { $0.kind == .tooLarge } }
        return false
    }
}

extension String {
    /// This string as one reference token of a JSON Pointer.
    var jsonPointerToken: String {
        guard contains("~") || contains("/") else { return self }
        return replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
