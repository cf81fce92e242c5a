/// A JSON Schema (draft 2020-12) document, compiled once and then used to validate any number of
/// values concurrently.
///
/// Compilation refuses what it does not implement (an unknown keyword or format, a `$ref` that
/// leaves the document, a pattern the regex engine rejects) instead of ignoring it, so a schema that
/// loads is enforced exactly as written.
public struct JSONSchema: Sendable {
    /// The compiled subschemas; the document root is at index 0.
    let nodes: [SchemaNode]

    /// The dialect this validator implements; `$schema` may name only this.
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// How many violations `validate` reports by default; a hostile payload can break thousands of
    /// rules, and nobody reads past the first hundred.
    public static let defaultViolationLimit = 100

    /// Compiles a schema document given as UTF-8 JSON.
    public static func compile(_ bytes: [UInt8]) throws(SchemaLoadError) -> JSONSchema {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw SchemaLoadError(pointer: "", keyword: nil, reason: "not JSON: \(error)")
        }
        return try compile(document)
    }

    /// Compiles a schema document that is already parsed.
    public static func compile(_ document: JSONValue) throws(SchemaLoadError) -> JSONSchema {
        JSONSchema(nodes: try SchemaCompiler.compile(document))
    }

    /// Every violation of `value`, up to `limit`, in document order.
    ///
    /// - Parameter pointer: the JSON Pointer of `value` in the caller's document (e.g. `/payload` or
    ///   `/3/payload`); it prefixes every reported pointer, so callers need not rewrite them.
    public func validate(
        _ value: JSONValue,
        at pointer: String = "",
        limit: Int = JSONSchema.defaultViolationLimit
    ) -> SchemaReport {
        var evaluator = SchemaEvaluator(nodes: nodes, collecting: true, limit: max(limit, 0), prefix: pointer)
        if !evaluator.hasNoDuplicateNames(value) { evaluator.reportDuplicateNames(value) }
        _ = evaluator.evaluate(0, value)
        return SchemaReport(violations: evaluator.violations, isTruncated: evaluator.isTruncated)
    }

    /// Whether `value` is valid, stopping at the first violation and building no messages.
    public func isValid(_ value: JSONValue) -> Bool {
        var evaluator = SchemaEvaluator(nodes: nodes, collecting: false, limit: 0, prefix: "")
        return evaluator.hasNoDuplicateNames(value) && evaluator.evaluate(0, value)
    }
}

/// One broken rule: where in the instance, and which rule.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer into the validated document, including the caller's prefix.
    public let pointer: String
    /// Names the rule, e.g. `must be one of "HIGH", "MEDIUM", "LOW"` or `is required`.
    public let message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }

    /// The same problem in the form the gateway's error bodies already use.
    public var envelopeProblem: EnvelopeProblem { EnvelopeProblem(path: pointer, message: message) }
}

/// The outcome of `JSONSchema.validate`.
public struct SchemaReport: Sendable, Equatable {
    /// The first violations found, at most the limit asked for.
    public var violations: [SchemaViolation]
    /// Set when more violations exist than were reported; evaluation stopped there.
    public var isTruncated: Bool

    public init(violations: [SchemaViolation] = [], isTruncated: Bool = false) {
        self.violations = violations
        self.isTruncated = isTruncated
    }

    public var isValid: Bool { violations.isEmpty && !isTruncated }
}

/// Why a schema could not be loaded, as one line naming the file, the pointer into the schema and
/// the keyword, so an operator can fix it without reading code.
public struct SchemaLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The schema file, when the schema came from a directory.
    public var file: String?
    /// JSON Pointer into the schema document ("" for the whole document).
    public let pointer: String
    /// The keyword at fault, when there is one.
    public let keyword: String?
    public let reason: String

    public init(file: String? = nil, pointer: String, keyword: String?, reason: String) {
        self.file = file
        self.pointer = pointer
        self.keyword = keyword
        self.reason = reason
    }

    /// `file: pointer: reason`, e.g. `schemas/task.created/1.json: /properties/id/patern: unsupported keyword
    /// "patern"`; parts that do not apply are left out.
    public var description: String {
        var text = file.map { $0 + ": " } ?? ""
        if !pointer.isEmpty { text += pointer + ": " }
        return text + reason
    }
}

/// JSON Pointer reference tokens (RFC 6901).
enum JSONPointer {
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var result = ""
        for character in token.unicodeScalars {
            switch character {
            case "~": result += "~0"
            case "/": result += "~1"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// The unescaped tokens of `pointer`, or `nil` when it is not a JSON Pointer.
    static func tokens(_ pointer: String) -> [String]? {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            var iterator = raw.makeIterator()
            var bytes: [UInt8] = []
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "~") else {
                    bytes.append(byte)
                    continue
                }
                switch iterator.next() {
                case UInt8(ascii: "0"): bytes.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): bytes.append(UInt8(ascii: "/"))
                default: return nil
                }
            }
            tokens.append(String(decoding: bytes, as: UTF8.self))
        }
        return tokens
    }
}
