/// One compiled (sub)schema. Subschemas are referred to by their index in the schema's node
/// array, so recursive `$ref`s need no reference cycles.
///
/// A class, so that the validator takes one reference to a node instead of copying (and
/// retaining) every rule of it at each step.
final class SchemaNode: Sendable {
    let rules: SchemaRules

    init(_ rules: SchemaRules) {
        self.rules = rules
    }
}

/// The keywords of one subschema, as the compiler fills them in.
struct SchemaRules: Sendable {
    /// Set for the boolean schemas `true` and `false`; no other field is then used.
    var constant: Bool?
    var types: JSONTypeSet?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var ref: Int?
    var number: NumberRules?
    var string: StringRules?
    var array: ArrayRules?
    var object: ObjectRules?
    var allOf: [Int] = []
    var anyOf: [Int]?
    var oneOf: [Int]?
    var not: Int?
    var condition: Condition?

    struct NumberRules: Sendable {
        var multipleOf: JSONNumber?
        var minimum: JSONNumber?
        var maximum: JSONNumber?
        var exclusiveMinimum: JSONNumber?
        var exclusiveMaximum: JSONNumber?
    }

    struct StringRules: Sendable {
        var minLength: Int?
        var maxLength: Int?
        var pattern: CompiledPattern?
        var format: StringFormat?
    }

    struct ArrayRules: Sendable {
        var minItems: Int?
        var maxItems: Int?
        var uniqueItems = false
        var prefixItems: [Int] = []
        var items: Int?
        var contains: Int?
        var minContains: Int?
        var maxContains: Int?
    }

    struct ObjectRules: Sendable {
        var minProperties: Int?
        var maxProperties: Int?
        var required: [String] = []
        var dependentRequired: [(name: String, required: [String])] = []
        var properties: [MemberName: Int] = [:]
        var patternProperties: [(pattern: CompiledPattern, schema: Int)] = []
        var additionalProperties: Int?
        var propertyNames: Int?
        var dependentSchemas: [(name: String, schema: Int)] = []
    }

    struct Condition: Sendable {
        var test: Int
        var then: Int?
        var otherwise: Int?
    }

    /// The in-place subschemas: those applied to the same instance location. A cycle through these
    /// alone would never terminate, so the compiler refuses one.
    var inPlaceApplicators: [Int] {
        var result = allOf + (anyOf ?? []) + (oneOf ?? [])
        if let ref { result.append(ref) }
        if let not { result.append(not) }
        if let condition {
            result.append(condition.test)
            if let then = condition.then { result.append(then) }
            if let otherwise = condition.otherwise { result.append(otherwise) }
        }
        if let object { result += object.dependentSchemas.map { $0.schema } }
        return result
    }
}

/// The JSON Schema primitive types a `type` keyword allows.
struct JSONTypeSet: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = JSONTypeSet(rawValue: 1 << 0)
    static let boolean = JSONTypeSet(rawValue: 1 << 1)
    static let object = JSONTypeSet(rawValue: 1 << 2)
    static let array = JSONTypeSet(rawValue: 1 << 3)
    static let number = JSONTypeSet(rawValue: 1 << 4)
    static let integer = JSONTypeSet(rawValue: 1 << 5)
    static let string = JSONTypeSet(rawValue: 1 << 6)

    static let names: [(String, JSONTypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array), ("number", .number),
        ("integer", .integer), ("string", .string),
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        guard let entry = Self.names.first(where: { $0.0 == name }) else { return nil }
        self = entry.1
    }

    func allows(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let number): contains(.number) || (contains(.integer) && number.isInteger)
        }
    }

    /// "a string", "a string or null", "an integer, a string or null".
    var phrase: String {
        let words = Self.names.filter { contains($0.1) }.map { name, _ in
            switch name {
            case "null": "null"
            case "array", "object", "integer": "an \(name)"
            default: "a \(name)"
            }
        }
        guard words.count > 1 else { return words.first ?? "nothing" }
        return words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
    }
}

/// A `pattern` compiled once at load.
///
/// `Regex` is not `Sendable` because its type can capture arbitrary output types and because it
/// lowers its program lazily. Here the output is always `AnyRegexOutput` of a pattern string,
/// the program is forced at load (the warm-up match below), the value is never mutated
/// afterwards, and the lazily created storage is published atomically by the regex runtime; so
/// sharing it between threads is safe.
final class CompiledPattern: @unchecked Sendable {
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// ECMA-262 semantics where Swift's defaults differ: `.` and character classes match Unicode
    /// scalars rather than grapheme clusters, and `\d`, `\w` mean ASCII digits and word characters.
    init(_ source: String) throws {
        self.source = source
        regex = try Regex(source)
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
        _ = "".contains(regex)
    }

    /// Whether the pattern matches anywhere in `text` (patterns are not implicitly anchored).
    func matches(_ text: String) -> Bool {
        text.contains(regex)
    }
}
