/// A JSON number as an exact decimal: `±significand × 10^exponent`.
///
/// JSON Schema compares numbers by mathematical value (`1.0` equals `1`, `0.0075` is a multiple of
/// `0.0001`, `1e308` is an integer), which binary floating point cannot do. The significand keeps
/// every digit of the literal, so no input is rounded before it is compared.
public struct JSONNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Decimal digits (0...9), most significant first, without leading or trailing zeros; empty for zero.
    let digits: [UInt8]
    /// The power of ten the significand is scaled by.
    let exponent: Int
    /// Never set for zero, so that `-0` equals `0`.
    let isNegative: Bool

    /// Exponents beyond this are clamped; such numbers still order correctly against any realistic bound.
    private static let exponentLimit = 1 << 40

    init(digits: [UInt8], exponent: Int, isNegative: Bool) {
        var digits = digits
        var exponent = exponent
        let leading = digits.firstIndex { $0 != 0 } ?? digits.count
        digits.removeFirst(leading)
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : exponent
        self.isNegative = digits.isEmpty ? false : isNegative
    }

    public init<Value: BinaryInteger>(_ value: Value) {
        let magnitude = value.magnitude
        let digits = magnitude == 0 ? [] : String(magnitude).utf8.map { $0 - UInt8(ascii: "0") }
        self.init(digits: digits, exponent: 0, isNegative: value < 0)
    }

    /// Reads a literal that `JSONScanner` has already validated against the JSON number grammar.
    init(literal bytes: UnsafeBufferPointer<UInt8>) {
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        var index = 0
        var isNegative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            isNegative = true
            index += 1
        }
        var fractionDigits = 0
        var inFraction = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else if byte | 0x20 == UInt8(ascii: "e") {
                break
            } else {
                digits.append(byte - UInt8(ascii: "0"))
                if inFraction { fractionDigits += 1 }
            }
            index += 1
        }
        var exponent = 0
        if index < bytes.count {
            index += 1
            var negativeExponent = false
            if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            while index < bytes.count {
                exponent = min(exponent * 10 + Int(bytes[index] - UInt8(ascii: "0")), Self.exponentLimit)
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        self.init(digits: digits, exponent: exponent - fractionDigits, isNegative: isNegative)
    }

    /// Whether the value has no fractional part (`1.0` and `1e3` are integers).
    public var isInteger: Bool { exponent >= 0 }

    var isZero: Bool { digits.isEmpty }

    /// The nearest `Double`; only for the rare cases exact arithmetic does not cover.
    var doubleValue: Double { Double(scientificText) ?? (isNegative ? -.infinity : .infinity) }

    private var scientificText: String {
        guard !digits.isEmpty else { return "0" }
        let text = String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
        return (isNegative ? "-" : "") + text + "e" + String(exponent)
    }

    /// Plain notation for moderate magnitudes, scientific notation otherwise (e.g. in messages).
    public var description: String {
        guard !digits.isEmpty else { return "0" }
        let text = String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
        let sign = isNegative ? "-" : ""
        let pointPosition = digits.count + exponent
        if exponent >= 0 && pointPosition <= 21 {
            return sign + text + String(repeating: "0", count: exponent)
        }
        if exponent < 0 && pointPosition > 0 {
            let split = text.index(text.startIndex, offsetBy: pointPosition)
            return sign + String(text[..<split]) + "." + String(text[split...])
        }
        if exponent < 0 && pointPosition > -6 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + text
        }
        let first = String(text.prefix(1))
        let mantissa = digits.count == 1 ? first : first + "." + String(text.dropFirst())
        return sign + mantissa + "e" + String(pointPosition - 1)
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let order = compareMagnitudes(lhs, rhs)
        return lhs.isNegative ? order > 0 : order < 0
    }

    /// -1, 0 or 1 as |lhs| is below, equal to or above |rhs|.
    private static func compareMagnitudes(_ lhs: JSONNumber, _ rhs: JSONNumber) -> Int {
        if lhs.digits.isEmpty || rhs.digits.isEmpty {
            return lhs.digits.isEmpty ? (rhs.digits.isEmpty ? 0 : -1) : 1
        }
        let lhsOrder = lhs.digits.count + lhs.exponent
        let rhsOrder = rhs.digits.count + rhs.exponent
        if lhsOrder != rhsOrder { return lhsOrder < rhsOrder ? -1 : 1 }
        for index in 0..<max(lhs.digits.count, rhs.digits.count) {
            let left = index < lhs.digits.count ? lhs.digits[index] : 0
            let right = index < rhs.digits.count ? rhs.digits[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }

    /// Whether `self / divisor` is an integer, computed exactly.
    ///
    /// With `self = a × 10^x` and `divisor = b × 10^y` (neither significand ends in 0), the quotient
    /// is an integer only if `x >= y` and `b` divides `a × 10^(x−y)`; that is checked modulo `b`, so
    /// no huge intermediate is built. A divisor with more than 19 significant digits falls back to
    /// `Double`.
    func isMultiple(of divisor: JSONNumber) -> Bool {
        guard !digits.isEmpty else { return true }
        guard !divisor.digits.isEmpty else { return false }
        let shift = exponent - divisor.exponent
        guard shift >= 0 else { return false }
        guard divisor.digits.count <= 19 else {
            let quotient = doubleValue / divisor.doubleValue
            return quotient.isFinite && quotient == quotient.rounded(.towardZero)
        }
        let modulus = divisor.digits.reduce(UInt64(0)) { $0 * 10 + UInt64($1) }
        guard modulus > 1 else { return true }
        var remainder: UInt64 = 0
        for digit in digits {
            remainder = Self.multiplyModulo(remainder, 10, modulus)
            remainder = (remainder + UInt64(digit)) % modulus
        }
        return Self.multiplyModulo(remainder, Self.powerOfTenModulo(shift, modulus), modulus) == 0
    }

    private static func multiplyModulo(_ lhs: UInt64, _ rhs: UInt64, _ modulus: UInt64) -> UInt64 {
        let product = (lhs % modulus).multipliedFullWidth(by: rhs % modulus)
        return modulus.dividingFullWidth(product).remainder
    }

    private static func powerOfTenModulo(_ power: Int, _ modulus: UInt64) -> UInt64 {
        var result: UInt64 = 1 % modulus
        var base: UInt64 = 10 % modulus
        var power = power
        while power > 0 {
            if power & 1 == 1 { result = multiplyModulo(result, base, modulus) }
            base = multiplyModulo(base, base, modulus)
            power >>= 1
        }
        return result
    }
}
