/// The `format` values this validator asserts. Any other format name is refused at load: an
/// annotation-only `format` would look like a check to the schema's author and silently not be one.
enum StringFormat: String, Sendable, CaseIterable {
    case dateTime = "date-time"
    case date
    case time
    case uuid
    case email
    case uri

    var message: String {
        switch self {
        case .dateTime: "must be an RFC 3339 date-time, e.g. 2026-11-22T10:00:00Z"
        case .date: "must be an RFC 3339 full-date, e.g. 2026-11-22"
        case .time: "must be an RFC 3339 full-time with an offset, e.g. 10:00:00Z"
        case .uuid: "must be a UUID (8-4-4-4-12 hexadecimal digits)"
        case .email: "must be an e-mail address"
        case .uri: "must be an absolute URI (RFC 3986)"
        }
    }

    func accepts(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        switch self {
        case .dateTime:
            guard bytes.count > 11, bytes[10] | 0x20 == UInt8(ascii: "t") else { return false }
            return Self.isDate(bytes[..<10]) && Self.isTime(bytes[11...])
        case .date: return Self.isDate(bytes[...])
        case .time: return Self.isTime(bytes[...])
        case .uuid: return Self.isUUID(bytes)
        case .email: return FormatSyntax.isEmail(bytes[...])
        case .uri: return FormatSyntax.isURI(bytes[...])
        }
    }

    /// Reads fixed-width decimal fields; `nil` on anything but ASCII digits.
    private static func number(_ bytes: ArraySlice<UInt8>, _ start: Int, _ width: Int) -> Int? {
        let begin = bytes.startIndex + start
        guard begin + width <= bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[begin..<begin + width] {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    private static func byte(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt8? {
        let index = bytes.startIndex + offset
        return index < bytes.endIndex ? bytes[index] : nil
    }

    /// `full-date`: YYYY-MM-DD with the day valid for its month and year.
    static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 10, byte(bytes, 4) == UInt8(ascii: "-"), byte(bytes, 7) == UInt8(ascii: "-"),
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
            (1...12).contains(month), day >= 1
        else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// `full-time`: HH:MM:SS[.frac](Z|±HH:MM); second 60 only where it is 23:59:60 in UTC.
    static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard byte(bytes, 2) == UInt8(ascii: ":"), byte(bytes, 5) == UInt8(ascii: ":"),
            let hour = number(bytes, 0, 2), let minute = number(bytes, 3, 2), let second = number(bytes, 6, 2),
            hour < 24, minute < 60, second <= 60
        else { return false }
        var offset = 8
        if byte(bytes, offset) == UInt8(ascii: ".") {
            offset += 1
            let start = offset
            while let digit = byte(bytes, offset), digit &- UInt8(ascii: "0") < 10 { offset += 1 }
            guard offset > start else { return false }
        }
        var offsetMinutes = 0
        guard let zone = byte(bytes, offset) else { return false }
        if zone | 0x20 == UInt8(ascii: "z") {
            guard bytes.count == offset + 1 else { return false }
        } else {
            guard zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-"), bytes.count == offset + 6,
                byte(bytes, offset + 3) == UInt8(ascii: ":"), let zoneHour = number(bytes, offset + 1, 2),
                let zoneMinute = number(bytes, offset + 4, 2), zoneHour < 24, zoneMinute < 60
            else { return false }
            offsetMinutes = (zoneHour * 60 + zoneMinute) * (zone == UInt8(ascii: "-") ? -1 : 1)
        }
        guard second == 60 else { return true }
        let utcMinutes = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
        return utcMinutes == 23 * 60 + 59
    }

    static func isUUID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard JSONScanner.hexValue(byte) != nil else { return false }
            }
        }
        return true
    }
}
