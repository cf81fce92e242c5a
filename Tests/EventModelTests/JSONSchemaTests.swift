import EventModel
import Testing

func compiledSchema(_ text: String) throws -> JSONSchema { try JSONSchema.compile(Array(text.utf8)) }

func jsonValue(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

func schemaLoadError(_ text: String) -> SchemaLoadError? {
    do {
        _ = try JSONSchema.compile(Array(text.utf8))
        return nil
    } catch {
        return error
    }
}

/// The violations of `instance` as "pointer: message" lines, for readable comparisons.
func violationLines(_ schema: JSONSchema, _ instance: String, at pointer: String = "") throws -> [String] {
    schema.validate(try jsonValue(instance), at: pointer).violations.map(\.description)
}

@Suite("JSON Schema validation: pointers, messages and bounds")
struct JSONSchemaValidationTests {
    static let taskSchema = """
        {"type": "object", "required": ["task_id", "title", "priority"],
         "properties": {
           "task_id": {"type": ["integer", "string"]},
           "title": {"type": "string", "maxLength": 10},
           "priority": {"enum": ["HIGH", "MEDIUM", "LOW"]},
           "tags": {"type": "array", "items": {"type": "string"}},
           "a/b~c": {"type": "integer", "minimum": 1}
         },
         "additionalProperties": false}
        """

    @Test("every violation is reported, with a pointer below the caller's prefix and the rule's message")
    func messagesAndPointers() throws {
        let schema = try compiledSchema(Self.taskSchema)
        let instance = #"{"title": "a very long title", "priority": "urgent", "tags": ["x", 3], "extra": true}"#
        #expect(
            try violationLines(schema, instance, at: "/payload") == [
                "/payload/task_id: is required",
                "/payload/title: must be at most 10 characters",
                #"/payload/priority: must be one of "HIGH", "MEDIUM", "LOW""#,
                "/payload/tags/1: must be a string, not a number",
                "/payload/extra: is not an allowed property",
            ])
        #expect(
            try violationLines(
                schema, #"{"task_id": 1, "title": "t", "priority": "LOW", "a/b~c": 0}"#, at: "/3/payload")
                == ["/3/payload/a~1b~0c: must be at least 1"])
        #expect(try violationLines(schema, "[]") == ["/: must be an object, not an array"])
        #expect(schema.isValid(try jsonValue(#"{"task_id": 1, "title": "ten chars!", "priority": "HIGH"}"#)))
        #expect(!schema.isValid(try jsonValue(#"{"task_id": 1, "title": "eleven char", "priority": "HIGH"}"#)))
    }

    @Test("string lengths count Unicode code points")
    func lengthsCountCodePoints() throws {
        let schema = try compiledSchema(#"{"minLength": 2, "maxLength": 2}"#)
        #expect(schema.isValid(.string("💩💩")))
        #expect(schema.isValid(.string("e\u{301}")))
        #expect(try violationLines(schema, #""abc""#) == ["/: must be at most 2 characters"])
    }

    @Test("member names match by code points, not by canonical equivalence")
    func memberNamesByCodePoints() throws {
        let schema = try compiledSchema(#"{"required": ["\u00e9"], "properties": {"\u00e9": {"type": "string"}}}"#)
        #expect(try violationLines(schema, #"{"e\u0301": 1}"#) == ["/\u{e9}: is required"])
        #expect(try violationLines(schema, #"{"\u00e9": 1}"#) == ["/\u{e9}: must be a string, not a number"])
        #expect(try violationLines(schema, #"{"\u00e9": "x", "e\u0301": 1}"#).isEmpty)
    }

    @Test("combinators are summarised in one message")
    func combinators() throws {
        let schema = try compiledSchema(
            #"{"anyOf": [{"type": "string"}, {"type": "null"}], "oneOf": [{"minimum": 0}, {"maximum": 10}], "#
                + #""not": {"const": 5}}"#)
        #expect(
            try violationLines(schema, "5") == [
                "/: must match at least one of the 2 schemas in anyOf",
                "/: must match exactly one schema in oneOf, but matches more than one",
                "/: must not match the schema in not",
            ])
        let conditional = try compiledSchema(
            #"{"if": {"properties": {"kind": {"const": "task"}}}, "then": {"required": ["task_id"]}}"#)
        #expect(try violationLines(conditional, #"{"kind": "task"}"#) == ["/task_id: is required"])
        #expect(try violationLines(conditional, #"{"kind": "note"}"#).isEmpty)
    }

    @Test("at most `limit` violations are reported, and the report says there were more")
    func violationBound() throws {
        let schema = try compiledSchema(#"{"items": {"type": "string"}}"#)
        let instance = JSONValue.array((0..<150).map { .number(JSONNumber($0)) })
        let report = schema.validate(instance)
        #expect(report.violations.count == 100)
        #expect(report.isTruncated)
        #expect(report.violations.first?.description == "/0: must be a string, not a number")
        #expect(report.violations.last?.pointer == "/99")
        let small = schema.validate(instance, limit: 5)
        #expect(small.violations.count == 5 && small.isTruncated)
        let exact = schema.validate(.array((0..<100).map { .number(JSONNumber($0)) }))
        #expect(exact.violations.count == 100 && !exact.isTruncated)
        #expect(schema.validate(.array([.string("x")])).isValid)
    }

    @Test("numbers compare by exact decimal value")
    func exactNumbers() throws {
        #expect(try compiledSchema(#"{"const": 1}"#).isValid(try jsonValue("1.0")))
        #expect(try compiledSchema(#"{"enum": [1.5, "x"]}"#).isValid(try jsonValue("15e-1")))
        #expect(try compiledSchema(#"{"type": "integer"}"#).isValid(try jsonValue("1e308")))
        #expect(try compiledSchema(#"{"type": "integer"}"#).isValid(try jsonValue("123456789012345678901234567890")))
        #expect(!(try compiledSchema(#"{"type": "integer"}"#).isValid(try jsonValue("1.000000000000000000001"))))
        let cents = try compiledSchema(#"{"multipleOf": 0.01}"#)
        #expect(cents.isValid(try jsonValue("19.99")))
        #expect(cents.isValid(try jsonValue("1e400")))
        #expect(try violationLines(cents, "19.999") == ["/: must be a multiple of 0.01"])
        let fine = try compiledSchema(#"{"multipleOf": 0.0001}"#)
        #expect(fine.isValid(try jsonValue("0.0075")))
        #expect(!fine.isValid(try jsonValue("0.00751")))
        let bound = try compiledSchema(#"{"maximum": 9007199254740992, "exclusiveMinimum": -1e-30}"#)
        #expect(bound.isValid(try jsonValue("9007199254740992")))
        #expect(try violationLines(bound, "[9007199254740993]").isEmpty)
        #expect(try violationLines(bound, "9007199254740993") == ["/: must be at most 9007199254740992"])
        #expect(try violationLines(bound, "-1e-29") == ["/: must be greater than -1e-30"])
    }

    @Test("the deepest value the scanner accepts validates through a recursive schema")
    func deepRecursion() throws {
        let schema = try compiledSchema(
            ##"{"$defs": {"n": {"type": ["array", "number"], "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}"##)
        let depth = 255
        let valid = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        #expect(schema.isValid(try jsonValue(valid)))
        let invalid = String(repeating: "[", count: depth) + "\"x\"" + String(repeating: "]", count: depth)
        let report = schema.validate(try jsonValue(invalid))
        #expect(report.violations.count == 1)
        #expect(report.violations.first?.pointer == String(repeating: "/0", count: depth))
    }

    @Test("a repeated member name is reported, and every occurrence is validated")
    func duplicateNames() throws {
        let schema = try compiledSchema(#"{"properties": {"a": {"maximum": 1}}}"#)
        let instance = #"{"a": 1, "b": {"c": 0, "c": 0}, "a": 2}"#
        #expect(
            try violationLines(schema, instance) == [
                "/b/c: duplicate field", "/a: duplicate field", "/a: must be at most 1",
            ])
        #expect(!schema.isValid(try jsonValue(#"{"b": {"c": 0, "c": 0}}"#)))
    }

    @Test("$ref: pointer escapes, percent-encoding, $id-relative and recursive references")
    func references() throws {
        let escapes = try compiledSchema(
            ##"{"$defs": {"a/b": {"type": "string"}, "c%d": {"type": "integer"}, "e~f": {"$ref": "#"}},"##
                + ##""properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c%25d"}}}"##)
        #expect(
            try violationLines(escapes, #"{"x": 1, "y": "s"}"#) == [
                "/x: must be a string, not a number", "/y: must be an integer, not a string",
            ])
        let tree = try compiledSchema(
            #"{"$id": "https://example.com/tree", "type": "object", "properties": {"children": "#
                + #"{"type": "array", "items": {"$ref": "node"}}}, "$defs": {"node": {"$id": "node", "#
                + #""$anchor": "leaf", "properties": {"value": {"type": "number"}, "next": {"$ref": "tree"}}}}}"#)
        #expect(
            try violationLines(tree, #"{"children": [{"value": 1, "next": {"children": [{"value": "x"}]}}]}"#)
                == ["/children/0/next/children/0/value: must be a number, not a string"])
        #expect(
            try compiledSchema(##"{"$ref": "#leaf", "$defs": {"l": {"$anchor": "leaf", "type": "null"}}}"##).isValid(
                .null))
    }
}

@Suite("JSON Schema: sharing")
struct JSONSchemaSharingTests {
    @Test("one compiled schema (patterns included) serves concurrent validations")
    func concurrentUse() async throws {
        let schema = try compiledSchema(#"{"patternProperties": {"^x-": {"pattern": "^[a-z]+$"}}}"#)
        let value = try jsonValue(#"{"x-a": "abc", "x-b": "ABC", "y": "ABC"}"#)
        let total = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask { (0..<50).reduce(0) { count, _ in count + schema.validate(value).violations.count } }
            }
            return await group.reduce(0, +)
        }
        #expect(total == 64 * 50)
    }
}

@Suite("JSON Schema loading: refused documents")
struct JSONSchemaLoadTests {
    @Test(
        "an unsupported or malformed keyword is an error naming it and its pointer",
        arguments: [
            (
                #"{"properties": {"title": {"type": "string", "maxLenght": 3}}}"#, "/properties/title/maxLenght",
                "maxLenght"
            ),
            (#"{"unevaluatedProperties": false}"#, "/unevaluatedProperties", "unevaluatedProperties"),
            (#"{"$schema": "http://json-schema.org/draft-07/schema#"}"#, "/$schema", "$schema"),
            (#"{"items": {"pattern": "^(abc"}}"#, "/items/pattern", "pattern"),
            (#"{"patternProperties": {"[": true}}"#, "/patternProperties", "patternProperties"),
            (##"{"$ref": "#/$defs/missing"}"##, "/$ref", "$ref"),
            (#"{"allOf": [{"$ref": "https://example.com/remote.json"}]}"#, "/allOf/0/$ref", "$ref"),
            (##"{"$ref": "#nowhere"}"##, "/$ref", "$ref"),
            (#"{"format": "hostname"}"#, "/format", "format"),
            (#"{"minLength": -1}"#, "/minLength", "minLength"),
            (#"{"type": "text"}"#, "/type", "type"),
            (#"{"required": ["a", "a"]}"#, "/required", "required"),
            (#"{"multipleOf": 0}"#, "/multipleOf", "multipleOf"),
        ])
    func keywordErrors(schema: String, pointer: String, keyword: String) throws {
        let error = try #require(schemaLoadError(schema))
        #expect(error.pointer == pointer)
        #expect(error.keyword == keyword)
        #expect(error.description.hasPrefix(pointer + ": "))
    }

    @Test("other load errors")
    func otherErrors() throws {
        #expect(schemaLoadError("{")?.reason.hasPrefix("not JSON: ") == true)
        #expect(schemaLoadError(#"{"properties": {"a": 3}}"#)?.pointer == "/properties/a")
        #expect(
            schemaLoadError(#"{"properties": {"a": {}, "b": {"type": "null", "type": "string"}}}"#)?.description
                == "/properties/b/type: duplicate member name")
        #expect(schemaLoadError(##"{"$ref": "#"}"##)?.reason == "the schema applies itself to the same value endlessly")
        #expect(
            schemaLoadError(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}}"##)
                != nil)
        #expect(schemaLoadError(##"{"properties": {"next": {"$ref": "#"}}}"##) == nil)
        #expect(schemaLoadError(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t"}"#) == nil)
        let error = SchemaLoadError(file: "schemas/a/1.json", pointer: "/x", keyword: "x", reason: "bad")
        #expect(error.description == "schemas/a/1.json: /x: bad")
    }
}
