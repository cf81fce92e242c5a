/// Strings: validated as UTF-8 while skipped, decoded only when read, with the escapes that are
/// valid JSON but cannot be stored noted in `unstorable`.
extension JSONScanner {

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

    fileprivate mutating func skipEscape() throws(JSONSyntaxError) {
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

    mutating func readHexUnit() throws(JSONSyntaxError) -> UInt16 {
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
    fileprivate mutating func skipMultibyteScalar() throws(JSONSyntaxError) {
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
    fileprivate static func unescape(_ content: UnsafeBufferPointer<UInt8>) -> String {
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
