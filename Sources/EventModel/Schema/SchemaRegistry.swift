/// What happens to an event whose `(event_type, event_version)` has no schema.
public enum SchemaPolicy: String, Sendable, CaseIterable {
    /// It passes: contracts are opt-in per event type (the default).
    case registered
    /// It is refused: every event must have a contract.
    case strict
}

/// An `(event_type, event_version)` pair: the unit a contract is published for.
public struct SchemaKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let eventType: String
    public let eventVersion: String

    public init(eventType: String, eventVersion: String) {
        self.eventType = eventType
        self.eventVersion = eventVersion
    }

    public var description: String { "\(eventType)/\(eventVersion)" }

    public static func < (lhs: SchemaKey, rhs: SchemaKey) -> Bool {
        (lhs.eventType, lhs.eventVersion) < (rhs.eventType, rhs.eventVersion)
    }

    /// Why this pair cannot name a schema file, or `nil` when it can: the type follows the
    /// envelope's `event_type` rule and the version is 1 to 32 characters, as in the envelope.
    var problem: String? {
        if eventType.utf8.count > 128 || !FieldValidator.isValidEventType(eventType) {
            return
                "\"\(eventType)\" is not an event type (1 to 128 characters matching ^[a-z][a-z0-9]*([._-][a-z0-9]+)*$)"
        }
        if !(1...32).contains(eventVersion.unicodeScalars.count) {
            return "\"\(eventVersion)\" is not an event version (1 to 32 characters)"
        }
        return nil
    }
}

/// The contracts of a deployment, compiled at start and shared read-only by every request.
public struct SchemaRegistry: Sendable {
    /// One contract: the compiled schema, and its document as published (served by `GET /schemas/…`).
    public struct Entry: Sendable {
        public let schema: JSONSchema
        public let document: [UInt8]
    }

    public let policy: SchemaPolicy
    /// The registered pairs, sorted (what `GET /schemas` lists).
    public let keys: [SchemaKey]
    private let entries: [SchemaKey: Entry]

    /// Compiles every document; the first that fails stops the load with an error naming its pair.
    public init(documents: [SchemaKey: [UInt8]], policy: SchemaPolicy) throws(SchemaLoadError) {
        var entries: [SchemaKey: Entry] = [:]
        for key in documents.keys.sorted() {
            let file = "\(key).json"
            if let problem = key.problem {
                throw SchemaLoadError(file: file, pointer: "", keyword: nil, reason: problem)
            }
            let bytes = documents[key] ?? []
            do throws(SchemaLoadError) {
                entries[key] = Entry(schema: try JSONSchema.compile(bytes), document: bytes)
            } catch {
                var located = error
                located.file = file
                throw located
            }
        }
        self.entries = entries
        self.keys = entries.keys.sorted()
        self.policy = policy
    }

    /// Loads `directory/<event_type>/<event_version>.json` for every pair. Anything else in the
    /// directory (except hidden entries and a top-level README.md) is an error, so a misnamed file
    /// cannot silently leave an event type unchecked.
    public static func load(directory: String, policy: SchemaPolicy) throws(SchemaLoadError) -> SchemaRegistry {
        let files = try SchemaDirectory.read(directory)
        var documents: [SchemaKey: [UInt8]] = [:]
        for file in files { documents[file.key] = file.bytes }
        do throws(SchemaLoadError) {
            return try SchemaRegistry(documents: documents, policy: policy)
        } catch {
            var located = error
            if let file = files.first(where: { "\($0.key).json" == error.file }) { located.file = file.path }
            throw located
        }
    }

    /// Every problem of a directory, each document compiled on its own (the load stops at the
    /// first), and how many documents compile: what an operator's check reports.
    public static func check(directory: String) -> (problems: [SchemaLoadError], count: Int) {
        let files: [SchemaDirectory.File]
        do {
            files = try SchemaDirectory.read(directory)
        } catch {
            return ([error], 0)
        }
        var problems: [SchemaLoadError] = []
        for file in files {
            do throws(SchemaLoadError) {
                _ = try SchemaRegistry(documents: [file.key: file.bytes], policy: .registered)
            } catch {
                var located = error
                located.file = file.path
                problems.append(located)
            }
        }
        return (problems, files.count - problems.count)
    }

    /// The contract of a pair, or `nil` when none is registered.
    public func entry(eventType: String, eventVersion: String) -> Entry? {
        entries[SchemaKey(eventType: eventType, eventVersion: eventVersion)]
    }

    /// Checks one event's payload against its contract, applying the policy.
    ///
    /// - Parameters:
    ///   - pointer: the JSON Pointer of the envelope in the caller's document ("" for a single
    ///     event, "/3" for the fourth of a batch); payload violations are reported below
    ///     `pointer/payload`, a missing contract under `strict` at `pointer/event_type`.
    ///   - limit: how many violations to report at most (a batch passes what is left of its budget).
    public func check(
        eventType: String,
        eventVersion: String,
        payload: [UInt8],
        at pointer: String = "",
        limit: Int = JSONSchema.defaultViolationLimit
    ) -> SchemaReport {
        guard let entry = entry(eventType: eventType, eventVersion: eventVersion) else {
            guard policy == .strict else { return SchemaReport() }
            let violation = SchemaViolation(
                pointer: pointer + "/event_type",
                message: "has no registered schema for event_version \"\(eventVersion)\" (SCHEMA_POLICY=strict)")
            return limit > 0 ? SchemaReport(violations: [violation]) : SchemaReport(isTruncated: true)
        }
        do {
            return entry.schema.validate(try JSONValue.parse(payload), at: pointer + "/payload", limit: limit)
        } catch {
            let violation = SchemaViolation(pointer: pointer + "/payload", message: "is not valid JSON: \(error)")
            return limit > 0 ? SchemaReport(violations: [violation]) : SchemaReport(isTruncated: true)
        }
    }

    /// `check` for a consumed record: `nil` when it passes, else the dead-letter reason with the
    /// violations as its one-line `dlq-error`.
    public func rejection(for envelope: EventEnvelope) -> RecordRejection? {
        let report = check(envelope, limit: 10)
        guard !report.isValid else { return nil }
        let listed = report.violations.map(\.description).joined(separator: "; ")
        return RecordRejection(reason: .schemaViolation, message: listed + (report.isTruncated ? "; …" : ""))
    }

    /// `check` for a decoded envelope.
    public func check(
        _ envelope: EventEnvelope,
        at pointer: String = "",
        limit: Int = JSONSchema.defaultViolationLimit
    ) -> SchemaReport {
        check(
            eventType: envelope.eventType, eventVersion: envelope.eventVersion, payload: envelope.payload,
            at: pointer, limit: limit)
    }
}
