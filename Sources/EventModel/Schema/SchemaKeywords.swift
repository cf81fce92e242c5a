/// The keyword vocabulary this validator accepts. Anything not listed here is refused at load.
enum SchemaKeyword {
    enum Shape {
        /// The value is one subschema.
        case schema
        /// The value is an array of subschemas.
        case schemaArray
        /// The value is an object whose member values are subschemas.
        case schemaMap
        /// The value is data (a number, a list of names, an annotation, ...).
        case value
        case unknown
    }

    static func shape(of keyword: String) -> Shape {
        switch keyword {
        case "items", "contains", "additionalProperties", "propertyNames", "not", "if", "then", "else":
            .schema
        case "prefixItems", "allOf", "anyOf", "oneOf":
            .schemaArray
        case "properties", "patternProperties", "$defs", "dependentSchemas":
            .schemaMap
        case "type", "enum", "const", "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minContains",
            "maxContains", "minProperties", "maxProperties", "required", "dependentRequired", "$ref", "$schema",
            "$id", "$anchor", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly",
            "writeOnly":
            .value
        default:
            .unknown
        }
    }
}

/// Compiles the keywords of one schema object into a `SchemaNode`, checking each keyword's value.
struct SchemaNodeBuilder {
    let location: String
    let base: SchemaURI
    private(set) var node = SchemaRules()

    init(location: String, base: SchemaURI) {
        self.location = location
        self.base = base
    }

    private func error(_ keyword: String, _ reason: String) -> SchemaLoadError {
        SchemaLoadError(
            pointer: location + "/" + JSONPointer.escape(keyword), keyword: keyword, reason: reason)
    }

    private func subschema(_ keyword: String, _ suffix: String = "", compiler: inout SchemaCompiler)
        throws(SchemaLoadError) -> Int
    {
        try compiler.node(at: location + "/" + JSONPointer.escape(keyword) + suffix)
    }

    mutating func add(_ keyword: String, _ value: JSONValue, object: JSONObject, compiler: inout SchemaCompiler)
        throws(SchemaLoadError)
    {
        switch keyword {
        case "$schema":
            guard case .string(let text) = value, text == JSONSchema.dialect || text == JSONSchema.dialect + "#" else {
                throw error(keyword, "only draft 2020-12 (\(JSONSchema.dialect)) is supported")
            }
        case "$id", "$anchor":
            break  // checked and registered by the compiler's first pass
        case "$comment", "title", "description":
            guard case .string = value else { throw error(keyword, "must be a string") }
        case "default":
            break
        case "examples":
            guard case .array = value else { throw error(keyword, "must be an array") }
        case "deprecated", "readOnly", "writeOnly":
            guard case .bool = value else { throw error(keyword, "must be a boolean") }
        case "$defs":
            guard case .object(let map) = value else { throw error(keyword, "must be an object") }
            // Compiled even when unused, so that every keyword in the document is checked.
            for entry in map.members {
                _ = try subschema(keyword, "/" + JSONPointer.escape(entry.name), compiler: &compiler)
            }
        case "$ref":
            guard case .string(let text) = value else { throw error(keyword, "must be a string") }
            node.ref = try compiler.resolveReference(text, base: base, at: location)
        case "type":
            node.types = try types(value)
        case "enum":
            guard case .array(let values) = value else { throw error(keyword, "must be an array") }
            node.enumValues = values
        case "const":
            node.constValue = value
        case "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
            try addNumberRule(keyword, value)
        case "minLength", "maxLength", "pattern", "format":
            try addStringRule(keyword, value)
        case "minItems", "maxItems", "uniqueItems", "minContains", "maxContains", "items", "prefixItems", "contains":
            try addArrayRule(keyword, value, compiler: &compiler)
        case "minProperties", "maxProperties", "required", "dependentRequired", "properties", "patternProperties",
            "additionalProperties", "propertyNames", "dependentSchemas":
            try addObjectRule(keyword, value, compiler: &compiler)
        case "allOf", "anyOf", "oneOf":
            let list = try schemaList(keyword, value, compiler: &compiler)
            switch keyword {
            case "allOf": node.allOf = list
            case "anyOf": node.anyOf = list
            default: node.oneOf = list
            }
        case "not":
            node.not = try subschema(keyword, compiler: &compiler)
        case "if":
            var condition = SchemaRules.Condition(test: try subschema(keyword, compiler: &compiler))
            if object["then"] != nil { condition.then = try subschema("then", compiler: &compiler) }
            if object["else"] != nil { condition.otherwise = try subschema("else", compiler: &compiler) }
            node.condition = condition
        case "then", "else":
            // Without `if` they have no effect, but they must still be valid schemas.
            _ = try subschema(keyword, compiler: &compiler)
        default:
            throw error(keyword, "unsupported keyword \"\(keyword)\"")
        }
    }

    private func types(_ value: JSONValue) throws(SchemaLoadError) -> JSONTypeSet {
        let names: [JSONValue]
        switch value {
        case .string: names = [value]
        case .array(let list): names = list
        default: throw error("type", "must be a type name or an array of them")
        }
        var set: JSONTypeSet = []
        for name in names {
            guard case .string(let text) = name, let type = JSONTypeSet(name: text) else {
                throw error("type", "\(name.jsonText) is not a JSON Schema type")
            }
            guard !set.contains(type) else { throw error("type", "names \"\(text)\" twice") }
            set.insert(type)
        }
        return set
    }

    private func count(_ keyword: String, _ value: JSONValue) throws(SchemaLoadError) -> Int {
        guard case .number(let number) = value, number.isInteger, !number.isNegative else {
            throw error(keyword, "must be a non-negative integer")
        }
        let text = number.description
        return Int(text) ?? Int.max
    }

    private func number(_ keyword: String, _ value: JSONValue) throws(SchemaLoadError) -> JSONNumber {
        guard case .number(let number) = value else { throw error(keyword, "must be a number") }
        return number
    }

    private func uniqueNames(_ keyword: String, _ value: JSONValue) throws(SchemaLoadError) -> [String] {
        guard case .array(let list) = value else { throw error(keyword, "must be an array of strings") }
        var names: [String] = []
        for element in list {
            guard case .string(let name) = element else { throw error(keyword, "must be an array of strings") }
            guard !names.contains(where: { $0.hasSameCodePoints(as: name) }) else {
                throw error(keyword, "names \"\(name)\" twice")
            }
            names.append(name)
        }
        return names
    }

    private func schemaList(_ keyword: String, _ value: JSONValue, compiler: inout SchemaCompiler)
        throws(SchemaLoadError) -> [Int]
    {
        guard case .array(let list) = value, !list.isEmpty else {
            throw error(keyword, "must be a non-empty array of schemas")
        }
        var indices: [Int] = []
        for position in list.indices {
            indices.append(try subschema(keyword, "/\(position)", compiler: &compiler))
        }
        return indices
    }

    private func schemaMap(_ keyword: String, _ value: JSONValue, compiler: inout SchemaCompiler)
        throws(SchemaLoadError) -> [(name: String, schema: Int)]
    {
        guard case .object(let map) = value else { throw error(keyword, "must be an object of schemas") }
        var entries: [(name: String, schema: Int)] = []
        for entry in map.members {
            let index = try subschema(keyword, "/" + JSONPointer.escape(entry.name), compiler: &compiler)
            entries.append((entry.name, index))
        }
        return entries
    }

    private func pattern(_ keyword: String, _ source: String) throws(SchemaLoadError) -> CompiledPattern {
        do {
            return try CompiledPattern(source)
        } catch {
            throw self.error(keyword, "invalid regular expression \"\(source)\": \(error)")
        }
    }

    private mutating func addNumberRule(_ keyword: String, _ value: JSONValue) throws(SchemaLoadError) {
        var rules = node.number ?? SchemaRules.NumberRules()
        let bound = try number(keyword, value)
        switch keyword {
        case "multipleOf":
            guard !bound.isNegative && !bound.isZero else { throw error(keyword, "must be greater than 0") }
            rules.multipleOf = bound
        case "minimum": rules.minimum = bound
        case "maximum": rules.maximum = bound
        case "exclusiveMinimum": rules.exclusiveMinimum = bound
        default: rules.exclusiveMaximum = bound
        }
        node.number = rules
    }

    private mutating func addStringRule(_ keyword: String, _ value: JSONValue) throws(SchemaLoadError) {
        var rules = node.string ?? SchemaRules.StringRules()
        switch keyword {
        case "minLength": rules.minLength = try count(keyword, value)
        case "maxLength": rules.maxLength = try count(keyword, value)
        case "pattern":
            guard case .string(let source) = value else { throw error(keyword, "must be a string") }
            rules.pattern = try pattern(keyword, source)
        default:
            guard case .string(let name) = value else { throw error(keyword, "must be a string") }
            guard let format = StringFormat(rawValue: name) else {
                let known = StringFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(keyword, "unsupported format \"\(name)\" (supported: \(known))")
            }
            rules.format = format
        }
        node.string = rules
    }

    private mutating func addArrayRule(_ keyword: String, _ value: JSONValue, compiler: inout SchemaCompiler)
        throws(SchemaLoadError)
    {
        var rules = node.array ?? SchemaRules.ArrayRules()
        switch keyword {
        case "minItems": rules.minItems = try count(keyword, value)
        case "maxItems": rules.maxItems = try count(keyword, value)
        case "minContains": rules.minContains = try count(keyword, value)
        case "maxContains": rules.maxContains = try count(keyword, value)
        case "uniqueItems":
            guard case .bool(let flag) = value else { throw error(keyword, "must be a boolean") }
            rules.uniqueItems = flag
        case "items": rules.items = try subschema(keyword, compiler: &compiler)
        case "contains": rules.contains = try subschema(keyword, compiler: &compiler)
        default: rules.prefixItems = try schemaList(keyword, value, compiler: &compiler)
        }
        node.array = rules
    }

    private mutating func addObjectRule(_ keyword: String, _ value: JSONValue, compiler: inout SchemaCompiler)
        throws(SchemaLoadError)
    {
        var rules = node.object ?? SchemaRules.ObjectRules()
        switch keyword {
        case "minProperties": rules.minProperties = try count(keyword, value)
        case "maxProperties": rules.maxProperties = try count(keyword, value)
        case "required": rules.required = try uniqueNames(keyword, value)
        case "dependentRequired":
            guard case .object(let map) = value else { throw error(keyword, "must be an object of name lists") }
            for entry in map.members {
                rules.dependentRequired.append((entry.name, try uniqueNames(keyword, entry.value)))
            }
        case "properties":
            for (name, schema) in try schemaMap(keyword, value, compiler: &compiler)
            where rules.properties[MemberName(name)] == nil {
                rules.properties[MemberName(name)] = schema
            }
        case "patternProperties":
            for (name, schema) in try schemaMap(keyword, value, compiler: &compiler) {
                rules.patternProperties.append((try pattern(keyword, name), schema))
            }
        case "additionalProperties": rules.additionalProperties = try subschema(keyword, compiler: &compiler)
        case "propertyNames": rules.propertyNames = try subschema(keyword, compiler: &compiler)
        default: rules.dependentSchemas = try schemaMap(keyword, value, compiler: &compiler)
        }
        node.object = rules
    }
}
