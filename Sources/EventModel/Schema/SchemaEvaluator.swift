/// Applies compiled nodes to a value.
///
/// In collecting mode it reports every violation (up to `limit`) with the instance location; in
/// probing mode (for `anyOf`, `oneOf`, `not`, `if`, `contains` and `isValid`) it stops at the
/// first failure and builds no messages, so alternatives cost no string work.
struct SchemaEvaluator {
    enum PathToken {
        case name(String)
        case index(Int)
    }

    /// Bounds recursion through `$ref`s; in-place cycles are refused at load, so only absurdly deep
    /// schemas applied to deep values get near it.
    static let maximumDepth = 1000

    let nodes: [SchemaNode]
    let collecting: Bool
    let limit: Int
    let prefix: String
    var path: [PathToken] = []
    private(set) var violations: [SchemaViolation] = []
    private(set) var isTruncated = false
    private var depth = 0

    init(nodes: [SchemaNode], collecting: Bool, limit: Int, prefix: String) {
        self.nodes = nodes
        self.collecting = collecting
        self.limit = limit
        self.prefix = prefix
    }

    /// Whether to look for further violations after one was found.
    var continues: Bool { collecting && !isTruncated }

    private func pointer(appending token: PathToken?) -> String {
        var result = prefix
        for element in path + (token.map { [$0] } ?? []) {
            switch element {
            case .name(let name): result += "/" + JSONPointer.escape(name)
            case .index(let index): result += "/\(index)"
            }
        }
        return result
    }

    /// Records a violation at the current location (or one member/element below it).
    mutating func report(_ message: @autoclosure () -> String, at token: PathToken? = nil) {
        guard collecting, !isTruncated else { return }
        guard violations.count < limit else {
            isTruncated = true
            return
        }
        violations.append(SchemaViolation(pointer: pointer(appending: token), message: message()))
    }

    /// Evaluates a subschema one level below the current location.
    mutating func evaluate(_ index: Int, _ value: JSONValue, at token: PathToken) -> Bool {
        guard collecting else { return evaluate(index, value) }  // locations only matter for reports
        path.append(token)
        defer { path.removeLast() }
        return evaluate(index, value)
    }

    /// Evaluates without reporting, for keywords that only need a yes or no.
    func probe(_ index: Int, _ value: JSONValue) -> Bool {
        var probe = SchemaEvaluator(nodes: nodes, collecting: false, limit: 0, prefix: "")
        probe.depth = depth
        return probe.evaluate(index, value)
    }

    mutating func evaluate(_ index: Int, _ value: JSONValue) -> Bool {
        let node = nodes[index]
        if let constant = node.rules.constant {
            if !constant { report("is not allowed") }
            return constant
        }
        guard depth < Self.maximumDepth else {
            report("is nested too deeply to validate")
            return false
        }
        depth += 1
        defer { depth -= 1 }
        var valid = true
        // Each check below: on failure, note it and stop unless every violation is wanted.
        if let types = node.rules.types, !types.allows(value) {
            report("must be \(types.phrase), not \(value.article)")
            valid = false
            guard continues else { return false }
        }
        if let values = node.rules.enumValues, !values.contains(value) {
            report(Self.enumMessage(values))
            valid = false
            guard continues else { return false }
        }
        if let constant = node.rules.constValue, constant != value {
            report("must be \(constant.jsonText)")
            valid = false
            guard continues else { return false }
        }
        switch value {
        case .number(let number):
            if let numberRules = node.rules.number, !checkNumber(number, numberRules) {
                valid = false
                guard continues else { return false }
            }
        case .string(let text):
            if let stringRules = node.rules.string, !checkString(text, stringRules) {
                valid = false
                guard continues else { return false }
            }
        case .array(let elements):
            if let arrayRules = node.rules.array, !checkArray(elements, arrayRules) {
                valid = false
                guard continues else { return false }
            }
        case .object(let object):
            if let objectRules = node.rules.object, !checkObject(object, objectRules) {
                valid = false
                guard continues else { return false }
            }
        case .null, .bool:
            break
        }
        if let ref = node.rules.ref, !evaluate(ref, value) {
            valid = false
            guard continues else { return false }
        }
        for schema in node.rules.allOf where !evaluate(schema, value) {
            valid = false
            guard continues else { return false }
        }
        if let anyOf = node.rules.anyOf, !anyOf.contains(where: { probe($0, value) }) {
            report("must match at least one of the \(anyOf.count) schemas in anyOf")
            valid = false
            guard continues else { return false }
        }
        if let oneOf = node.rules.oneOf {
            var matches = 0
            for schema in oneOf where probe(schema, value) {
                matches += 1
                if matches > 1 { break }
            }
            if matches != 1 {
                report("must match exactly one schema in oneOf, but matches \(matches == 0 ? "none" : "more than one")")
                valid = false
                guard continues else { return false }
            }
        }
        if let not = node.rules.not, probe(not, value) {
            report("must not match the schema in not")
            valid = false
            guard continues else { return false }
        }
        if let condition = node.rules.condition {
            let branch = probe(condition.test, value) ? condition.then : condition.otherwise
            if let branch, !evaluate(branch, value) {
                valid = false
            }
        }
        return valid
    }

    private static func enumMessage(_ values: [JSONValue]) -> String {
        if values.count == 1 { return "must be \(values[0].jsonText)" }
        let shown = values.prefix(10).map(\.jsonText).joined(separator: ", ")
        return "must be one of \(shown)\(values.count > 10 ? ", …" : "")"
    }

    private mutating func checkNumber(_ number: JSONNumber, _ rules: SchemaRules.NumberRules) -> Bool {
        var valid = true
        if let divisor = rules.multipleOf, !number.isMultiple(of: divisor) {
            report("must be a multiple of \(divisor)")
            valid = false
            guard continues else { return false }
        }
        if let minimum = rules.minimum, number < minimum {
            report("must be at least \(minimum)")
            valid = false
            guard continues else { return false }
        }
        if let bound = rules.exclusiveMinimum, number <= bound {
            report("must be greater than \(bound)")
            valid = false
            guard continues else { return false }
        }
        if let maximum = rules.maximum, number > maximum {
            report("must be at most \(maximum)")
            valid = false
            guard continues else { return false }
        }
        if let bound = rules.exclusiveMaximum, number >= bound {
            report("must be less than \(bound)")
            valid = false
        }
        return valid
    }

    private mutating func checkString(_ text: String, _ rules: SchemaRules.StringRules) -> Bool {
        var valid = true
        if rules.minLength != nil || rules.maxLength != nil {
            let length = text.unicodeScalars.count
            if let minimum = rules.minLength, length < minimum {
                report("must be at least \(minimum) character\(minimum == 1 ? "" : "s")")
                valid = false
                guard continues else { return false }
            }
            if let maximum = rules.maxLength, length > maximum {
                report("must be at most \(maximum) character\(maximum == 1 ? "" : "s")")
                valid = false
                guard continues else { return false }
            }
        }
        if let pattern = rules.pattern, !pattern.matches(text) {
            report("must match the pattern \(pattern.source)")
            valid = false
            guard continues else { return false }
        }
        if let format = rules.format, !format.accepts(text) {
            report(format.message)
            valid = false
        }
        return valid
    }
}

extension JSONValue {
    /// "a string", "an object", ... for "must be X, not Y" messages.
    var article: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
