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
    private(set) var position: Int = 0
    private(set) var unstorable: [UnstorableValue] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    func fail(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, reason: reason)
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
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid value") }
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

    // MARK: Strings

    /// Reads a string value and returns it decoded.
    mutating func readString() throws(JSONSyntaxError) -> String {
        let contentStart = position + 1
        let hasEscapes = try skipString()
        let contentEnd = position - 1
        let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<contentEnd])
        if !hasEscapes {
            return String(decoding: content, as: UTF8.self)
        }
        return Self.unescape(content)
    }

    /// Validates a string and moves past it; returns whether it contained escapes.
    @discardableResult
    mutating func skipString() throws(JSONSyntaxError) -> Bool {
        try expect(UInt8(ascii: "\""))
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return hasEscapes
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try skipEscape()
            } else if byte < 0x20 {
                throw fail("control character in string")
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipMultibyteScalar()
            }
        }
        throw fail("unterminated string")
    }

    private mutating func skipEscape() throws(JSONSyntaxError) {
        position += 1
        guard position < bytes.count else { throw fail("unterminated string") }
        switch bytes[position] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
        case UInt8(ascii: "u"):
            let escapeStart = position - 1
            position += 1
            let unit = try readHexUnit()
            if unit == 0 {
                unstorable.append(
                    UnstorableValue(
                        offset: escapeStart, reason: "must not contain \\u0000 (PostgreSQL cannot store it)"))
            } else if unit >= 0xD800 && unit < 0xDC00 {
                var pair = self
                if pair.position + 1 < bytes.count, bytes[pair.position] == UInt8(ascii: "\\"),
                    bytes[pair.position + 1] == UInt8(ascii: "u")
                {
                    pair.position += 2
                    if let low = try? pair.readHexUnit(), low >= 0xDC00 && low < 0xE000 {
                        position = pair.position
                        return
                    }
                }
                unstorable.append(UnstorableValue(offset: escapeStart, reason: Self.unpairedSurrogate))
            } else if unit >= 0xDC00 && unit < 0xE000 {
                unstorable.append(UnstorableValue(offset: escapeStart, reason: Self.unpairedSurrogate))
            }
        default:
            throw fail("invalid escape")
        }
    }

    static let unpairedSurrogate = "must not contain an unpaired surrogate escape (PostgreSQL cannot store it)"

    private mutating func readHexUnit() throws(JSONSyntaxError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(bytes[position]) else { throw fail("invalid \\u escape") }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Validates one UTF-8 encoded scalar of two to four bytes (no overlongs, no surrogates).
    private mutating func skipMultibyteScalar() throws(JSONSyntaxError) {
        let lead = bytes[position]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw fail("invalid UTF-8")
        }
        guard position + length <= bytes.count else { throw fail("invalid UTF-8") }
        let second = bytes[position + 1]
        guard second >= lowerBound && second <= upperBound else { throw fail("invalid UTF-8") }
        for offset in 2..<max(length, 2) where bytes[position + offset] & 0xC0 != 0x80 {
            throw fail("invalid UTF-8")
        }
        position += length
    }

    /// Decodes the content of a string already validated by `skipString`.
    private static func unescape(_ content: UnsafeBufferPointer<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(content.count)
        var index = 0
        func hexUnit(at start: Int) -> UInt32 {
            var value: UInt32 = 0
            for offset in 0..<4 { value = value << 4 | UInt32(hexValue(content[start + offset]) ?? 0) }
            return value
        }
        while index < content.count {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            let kind = content[index + 1]
            index += 2
            switch kind {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hexUnit(at: index)
                index += 4
                // An unpaired surrogate (already noted as unstorable) decodes as U+FFFD.
                if scalar >= 0xD800 && scalar < 0xDC00, index + 6 <= content.count,
                    content[index] == UInt8(ascii: "\\"), content[index + 1] == UInt8(ascii: "u")
                {
                    let low = hexUnit(at: index + 2)
                    if low >= 0xDC00 && low < 0xE000 {
                        index += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                }
                output.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: output.append(kind)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
