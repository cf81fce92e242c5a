/// The input rules of PostgreSQL 15's `numeric` (which `jsonb` uses for every JSON number), as
/// `numeric_in` and `make_result` apply them; `PostgresTests` proves each edge against a server.
///
/// `numeric_in` reads the digits and an exponent, refuses an exponent whose magnitude reaches
/// `INT_MAX / 2`, and stores the value in base 10000 with a 16-bit weight (the position of the
/// first non-zero group: at most 131,071 decimal digits before the point) and a 14-bit display
/// scale (digits after the point: at most 16,383, counted before trailing zeros are dropped).
enum NumericLimits {
    static let maximumExponentMagnitude = 1_073_741_823
    static let maximumDecimalWeight = 131_071
    static let maximumScale = 16_383

    /// Why the number whose digits are given cannot be stored, or `nil` when it can.
    static func problem(
        integerDigits: Range<Int>,
        fractionDigits: Range<Int>,
        exponent: Int,
        in bytes: UnsafeBufferPointer<UInt8>
    ) -> String? {
        if exponent >= maximumExponentMagnitude || exponent <= -maximumExponentMagnitude {
            return "must be a number PostgreSQL can store (its exponent is out of range)"
        }
        if fractionDigits.count - exponent > maximumScale {
            return "must be a number PostgreSQL can store (at most \(maximumScale) digits after the decimal point)"
        }
        // The decimal weight of the first non-zero digit; a zero has none and always fits.
        var weight: Int?
        if let first = integerDigits.first(where: { bytes[$0] != UInt8(ascii: "0") }) {
            weight = integerDigits.upperBound - 1 - first + exponent
        } else if let first = fractionDigits.first(where: { bytes[$0] != UInt8(ascii: "0") }) {
            weight = fractionDigits.lowerBound - 1 - first + exponent
        }
        if let weight, weight > maximumDecimalWeight {
            return
                "must be a number PostgreSQL can store (at most \(maximumDecimalWeight + 1) digits before the decimal point)"
        }
        return nil
    }
}

extension JSONScanner {
    /// The JSON Pointer, relative to the value that starts at `start`, of the innermost value that
    /// holds `offset`: a member name with the problem points at its member. Only called when a
    /// problem was found, so it may scan the value again.
    static func pointer(to offset: Int, inValueAt start: Int, of bytes: UnsafeBufferPointer<UInt8>) -> String {
        var scanner = JSONScanner(bytes, position: start)
        return (try? scanner.locate(offset, depth: 0)) ?? ""
    }

    private mutating func locate(_ offset: Int, depth: Int) throws(JSONSyntaxError) -> String {
        switch try peek() {
        case UInt8(ascii: "{"):
            var found: String?
            try readObject(depth: depth) { (scanner, name) throws(JSONSyntaxError) in
                let valueStart = (try? scanner.peek()).map { _ in scanner.position } ?? scanner.position
                guard found == nil else { return try scanner.skipValue(depth: depth + 1) }
                let member = "/" + name.jsonPointerToken
                if offset < valueStart {
                    found = member
                    return try scanner.skipValue(depth: depth + 1)
                }
                var probe = scanner
                try probe.skipValue(depth: depth + 1)
                if offset < probe.position {
                    found = member + (try scanner.locate(offset, depth: depth + 1))
                } else {
                    scanner = probe
                }
            }
            return found ?? ""
        case UInt8(ascii: "["):
            var found: String?
            try readArray(depth: depth) { (scanner, index) throws(JSONSyntaxError) in
                guard found == nil else { return try scanner.skipValue(depth: depth + 1) }
                var probe = scanner
                try probe.skipValue(depth: depth + 1)
                if offset < probe.position {
                    found = "/\(index)" + (try scanner.locate(offset, depth: depth + 1))
                } else {
                    scanner = probe
                }
            }
            return found ?? ""
        default:
            try skipValue(depth: depth)
            return ""
        }
    }
}
