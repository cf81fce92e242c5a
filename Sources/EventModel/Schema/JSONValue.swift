/// A parsed JSON document, as schema validation needs it: every value decoded, numbers exact,
/// object members in input order.
///
/// Equality follows JSON Schema, not the text: numbers compare by value and objects ignore member
/// order, which is what `enum`, `const` and `uniqueItems` require.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses UTF-8 JSON with the same rules as the envelope decoder (valid UTF-8, no `\u0000`,
    /// bounded nesting), so a payload the gateway accepted always parses here.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do throws(JSONSyntaxError) {
                let value = try read(&scanner, depth: 0)
                try scanner.expectEnd()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func read(_ scanner: inout JSONScanner, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        switch try scanner.peek() {
        case UInt8(ascii: "{"):
            var members: [JSONObject.Member] = []
            try scanner.readObject(depth: depth + 1) { (scanner, name) throws(JSONSyntaxError) in
                members.append(JSONObject.Member(name: name, value: try read(&scanner, depth: depth + 1)))
            }
            return .object(JSONObject(members))
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try scanner.readArray(depth: depth + 1) { (scanner, _) throws(JSONSyntaxError) in
                elements.append(try read(&scanner, depth: depth + 1))
            }
            return .array(elements)
        default:
            switch try scanner.readValue(depth: depth) {
            case .string(let text): return .string(text)
            case .bool(let flag): return .bool(flag)
            case .null: return .null
            case .number(let range):
                return .number(JSONNumber(literal: UnsafeBufferPointer(rebasing: scanner.bytes[range])))
            case .object, .array: throw scanner.fail("invalid value")
            }
        }
    }

    /// Strings compare by code points, as JSON Schema requires; Swift's `String` equality would
    /// treat "é" and "e\u{301}" as equal.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let left), .bool(let right)): left == right
        case (.number(let left), .number(let right)): left == right
        case (.string(let left), .string(let right)):
            left.hasSameCodePoints(as: right)
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)): left == right
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let flag): hasher.combine(flag)
        case .number(let number): hasher.combine(number)
        case .string(let text):
            hasher.combine(MemberName(text))
        case .array(let elements): hasher.combine(elements)
        case .object(let object): hasher.combine(object)
        }
    }

    /// The JSON Schema type name of this value ("integer" for numbers without a fractional part).
    var schemaTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact JSON text, for messages that quote a value (`must be one of "HIGH", "LOW"`).
    var jsonText: String {
        var writer = JSONWriter()
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let flag): writer.bool(flag)
        case .number(let number): writer.raw(number.description.utf8)
        case .string(let text): writer.string(text)
        case .array(let elements):
            writer.beginArray()
            for element in elements { element.write(to: &writer) }
            writer.endArray()
        case .object(let object):
            writer.beginObject()
            for member in object.members {
                writer.key(member.name)
                member.value.write(to: &writer)
            }
            writer.endObject()
        }
    }
}

/// The members of a JSON object in input order. Duplicate names are kept (every occurrence is
/// validated, and the validator reports them like the envelope decoder does); lookups by name
/// return the first.
public struct JSONObject: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public let name: String
        public let value: JSONValue
    }

    public let members: [Member]
    /// Whether some name occurs twice.
    public let hasDuplicateNames: Bool
    /// First index of each name, built only for objects large enough for a linear scan to hurt.
    private let index: [MemberName: Int]?

    private static let indexThreshold = 12

    init(_ members: [Member]) {
        self.members = members
        if members.count > Self.indexThreshold {
            var index: [MemberName: Int] = [:]
            index.reserveCapacity(members.count)
            for (position, member) in members.enumerated() where index[MemberName(member.name)] == nil {
                index[MemberName(member.name)] = position
            }
            self.index = index
            self.hasDuplicateNames = index.count < members.count
        } else {
            // Small objects (the usual payload) are checked pairwise: no dictionary to allocate.
            var hasDuplicates = false
            for later in members.indices.dropFirst() where !hasDuplicates {
                hasDuplicates = members[..<later].contains { $0.name.hasSameCodePoints(as: members[later].name) }
            }
            self.index = nil
            self.hasDuplicateNames = hasDuplicates
        }
    }

    public var count: Int { members.count }

    /// The first member with exactly this name (code points compared, as JSON Schema and
    /// PostgreSQL's `jsonb` do; not Swift's canonical equivalence).
    public subscript(name: String) -> JSONValue? {
        if let index {
            return index[MemberName(name)].map { members[$0].value }
        }
        return members.first { $0.name.hasSameCodePoints(as: name) }?.value
    }

    /// Equal when both have the same names with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.name], other == member.value else { return false }
        }
        return true
    }

    /// Order-independent, to agree with `==`.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(MemberName(member.name))
            memberHasher.combine(member.value)
            combined = combined &+ memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

/// A member name as a dictionary key that compares code points rather than canonical equivalence,
/// so that "é" and "e\u{301}" stay two names, as they are for every JSON consumer downstream.
struct MemberName: Hashable, Sendable {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (lhs: MemberName, rhs: MemberName) -> Bool { lhs.text.hasSameCodePoints(as: rhs.text) }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}

extension String {
    func hasSameCodePoints(as other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }
}
