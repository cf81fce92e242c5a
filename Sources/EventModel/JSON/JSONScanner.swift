/// A syntax error in JSON input, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A JSON value as the envelope decoder needs it: strings are decoded, everything else keeps its
/// raw byte range so that payloads pass through untouched and are never rebuilt.
enum ScannedValue {
    case string(String)
    case number(Range<Int>)
    case bool(Bool)
    case null
    case object(Range<Int>)
    case array(Range<Int>)

    var typeName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

/// A value that is valid JSON (RFC 8259) but that PostgreSQL cannot store, found at `offset`.
struct UnstorableValue: Sendable, Equatable {
    let offset: Int
    let reason: String
}

/// A single-pass, allocation-light JSON reader over UTF-8 bytes (RFC 8259).
///
/// It validates everything it skips: strings must be valid UTF-8, and nesting is bounded so hostile
/// input cannot exhaust the stack. What is valid JSON but cannot be stored (`\u0000`, an unpaired
/// surrogate escape, a number outside `numeric`) is not a syntax error: it is noted in `unstorable`
/// with its offset, so the caller can answer `validation_failed` with a JSON Pointer to it rather
/// than accept an event that would become a dead letter later.
struct JSONScanner {
    static let maximumDepth = 256

    let bytes: UnsafeBufferPointer<UInt8>
    // Set only by the scanner's own methods (here and in JSONScanner+Strings.swift).
    var position: Int = 0
    var unstorable: [UnstorableValue] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    func fail(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, reason: reason)
    }

    /// Nothing JSON starts here. A byte order mark at the start gets its own reason: Windows tools
    /// add one, RFC 8259 forbids it, and "invalid value at byte 0" would not tell the sender why.
    func invalidValue() -> JSONSyntaxError {
        if position == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return fail("a UTF-8 byte order mark precedes the JSON; send it without one")
        }
        return fail("invalid value")
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func peek() throws(JSONSyntaxError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard try peek() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    /// Consumes `byte` if it is next (after whitespace).
    mutating func consume(_ byte: UInt8) throws(JSONSyntaxError) -> Bool {
        if try peek() == byte {
            position += 1
            return true
        }
        return false
    }

    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard isAtEnd else { throw fail("unexpected data after the JSON value") }
    }

    // MARK: Objects and arrays

    /// Iterates the members of an object; `body` must consume each member's value.
    mutating func readObject(
        depth: Int,
        _ body: (inout JSONScanner, String) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "{"))
        guard depth < Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth) levels") }
        if try consume(UInt8(ascii: "}")) { return }
        repeat {
            guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let name = try readString()
            try expect(UInt8(ascii: ":"))
            try body(&self, name)
        } while try readSeparator(closing: UInt8(ascii: "}"))
    }

    /// Iterates the elements of an array; `body` must consume each element.
    mutating func readArray(
        depth: Int,
        _ body: (inout JSONScanner, Int) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "["))
        guard depth < Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth) levels") }
        if try consume(UInt8(ascii: "]")) { return }
        var index = 0
        repeat {
            try body(&self, index)
            index += 1
        } while try readSeparator(closing: UInt8(ascii: "]"))
    }

    private mutating func readSeparator(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        let byte = try peek()
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        position -= 1
        throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    // MARK: Values

    /// Reads one value, decoding it only if it is a string or a literal.
    mutating func readValue(depth: Int) throws(JSONSyntaxError) -> ScannedValue {
        switch try peek() {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "{"):
            let begin = position
            try skipValue(depth: depth)
            return .object(begin..<position)
        case UInt8(ascii: "["):
            let begin = position
            try skipValue(depth: depth)
            return .array(begin..<position)
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        default:
            let begin = position
            try skipNumber()
            return .number(begin..<position)
        }
    }

    /// Validates one value without building anything.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        switch try peek() {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"):
            try readObject(depth: depth + 1) { (scanner, _) throws(JSONSyntaxError) in
                try scanner.skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            try readArray(depth: depth + 1) { (scanner, _) throws(JSONSyntaxError) in
                try scanner.skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readLiteral("null")
        default: try skipNumber()
        }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("invalid literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[position + offset] != expected[offset] {
            throw fail("invalid literal")
        }
        position += count
    }

    private mutating func skipNumber() throws(JSONSyntaxError) {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw invalidValue() }
        let integerDigits = position
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        let integerEnd = position
        var fractionDigits = position..<position
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            let fractionStart = position
            skipDigits()
            fractionDigits = fractionStart..<position
        }
        var exponent = 0
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            var negative = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                negative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) {
                // Saturates far beyond every limit below, so no exponent can overflow.
                exponent = min(exponent * 10 + Int(bytes[position] &- UInt8(ascii: "0")), 1 << 40)
                position += 1
            }
            if negative { exponent = -exponent }
        }
        if let reason = NumericLimits.problem(
            integerDigits: integerDigits..<integerEnd, fractionDigits: fractionDigits, exponent: exponent, in: bytes)
        {
            unstorable.append(UnstorableValue(offset: start, reason: reason))
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
