/// Byte-level grammars for the `email` (RFC 5321 mailbox) and `uri` (RFC 3986 absolute URI)
/// formats, and the host forms they share. ASCII only: both grammars exclude other characters.
enum FormatSyntax {
    typealias Bytes = ArraySlice<UInt8>

    private static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
    private static func isHex(_ byte: UInt8) -> Bool { JSONScanner.hexValue(byte) != nil }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || "-._~".utf8.contains(byte)
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool { "!$&'()*+,;=".utf8.contains(byte) }

    // MARK: E-mail

    static func isEmail(_ bytes: Bytes) -> Bool {
        guard let at = localPartEnd(bytes), at < bytes.endIndex, bytes[at] == UInt8(ascii: "@") else { return false }
        let domain = bytes[(at + 1)...]
        if domain.first == UInt8(ascii: "["), domain.last == UInt8(ascii: "]") {
            let literal = domain.dropFirst().dropLast()
            let prefix = Array("IPv6:".utf8)
            if literal.starts(with: prefix) { return isIPv6(literal.dropFirst(prefix.count)) }
            return isIPv4(literal)
        }
        return isHostname(domain)
    }

    /// The index just past a dot-atom or quoted-string local part, or `nil` if it is malformed.
    private static func localPartEnd(_ bytes: Bytes) -> Int? {
        var index = bytes.startIndex
        if bytes.first == UInt8(ascii: "\"") {
            index += 1
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { return index + 1 > bytes.startIndex + 2 ? index + 1 : nil }
                guard byte >= 0x20 && byte < 0x7F else { return nil }
                index += 1
            }
            return nil
        }
        var atomLength = 0
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "@") {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard atomLength > 0 else { return nil }
                atomLength = 0
            } else {
                guard isAlpha(byte) || isDigit(byte) || "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte) else { return nil }
                atomLength += 1
            }
            index += 1
        }
        return atomLength > 0 ? index : nil
    }

    /// Dot-separated labels of letters, digits and inner hyphens, each 1 to 63 long.
    static func isHostname(_ bytes: Bytes) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                label.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        return true
    }

    /// Dotted decimal without leading zeros, each part 0...255.
    static func isIPv4(_ bytes: Bytes) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            guard part.count == 1 || part.first != UInt8(ascii: "0") else { return false }
            guard part.reduce(0, { $0 * 10 + Int($1 - UInt8(ascii: "0")) }) <= 255 else { return false }
        }
        return true
    }

    /// Eight groups of 1–4 hex digits, at most one `::`, optionally ending in an IPv4 address.
    static func isIPv6(_ bytes: Bytes) -> Bool {
        let text = Array(bytes)
        var groups = 0
        var compressed = false
        var index = 0
        if text.starts(with: Array("::".utf8)) {
            compressed = true
            index = 2
            if index == text.count { return true }
        }
        while index < text.count {
            var end = index
            while end < text.count, text[end] != UInt8(ascii: ":") { end += 1 }
            let group = text[index..<end]
            if end == text.count, group.contains(UInt8(ascii: ".")) {
                guard isIPv4(group) else { return false }
                groups += 2
                break
            }
            guard (1...4).contains(group.count), group.allSatisfy(isHex) else { return false }
            groups += 1
            if end == text.count { break }
            if end + 1 < text.count, text[end + 1] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                index = end + 2
                if index == text.count { break }
            } else {
                guard end + 1 < text.count else { return false }
                index = end + 1
            }
        }
        return compressed ? groups < 8 : groups == 8
    }

    // MARK: URI

    /// `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`.
    static func isURI(_ bytes: Bytes) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > bytes.startIndex,
            isAlpha(bytes[bytes.startIndex]),
            bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || "+-.".utf8.contains($0) })
        else { return false }
        var rest = bytes[(colon + 1)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            guard isComponent(rest[(hash + 1)...], extra: "/?") else { return false }
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            guard isComponent(rest[(question + 1)...], extra: "/?") else { return false }
            rest = rest[..<question]
        }
        if rest.starts(with: "//".utf8) {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            guard isAuthority(rest[..<slash]) else { return false }
            rest = rest[slash...]
        }
        return isComponent(rest, extra: "/")
    }

    /// pchar (unreserved, percent-encoded, sub-delims, ":" and "@") plus the `extra` characters.
    private static func isComponent(_ bytes: Bytes, extra: String) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else {
                    return false
                }
                index += 3
                continue
            }
            guard
                isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":")
                    || byte == UInt8(ascii: "@") || extra.utf8.contains(byte)
            else { return false }
            index += 1
        }
        return true
    }

    /// `[ userinfo "@" ] host [ ":" port ]`.
    private static func isAuthority(_ bytes: Bytes) -> Bool {
        var hostPart = bytes
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            let userInfo = bytes[..<at]
            guard isComponent(userInfo, extra: ""), !userInfo.contains(UInt8(ascii: "@")) else { return false }
            hostPart = bytes[(at + 1)...]
        }
        if hostPart.first == UInt8(ascii: "[") {
            guard let close = hostPart.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = hostPart[(hostPart.startIndex + 1)..<close]
            guard isIPv6(literal) || isIPFuture(literal) else { return false }
            return isPort(hostPart[(close + 1)...])
        }
        let colon = hostPart.firstIndex(of: UInt8(ascii: ":")) ?? hostPart.endIndex
        let host = hostPart[..<colon]
        guard host.allSatisfy({ isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: "%") }),
            isComponent(host, extra: "")
        else { return false }
        return isPort(hostPart[colon...])
    }

    private static func isPort(_ bytes: Bytes) -> Bool {
        guard let first = bytes.first else { return true }
        return first == UInt8(ascii: ":") && bytes.dropFirst().allSatisfy(isDigit)
    }

    private static func isIPFuture(_ bytes: Bytes) -> Bool {
        guard let first = bytes.first, first | 0x20 == UInt8(ascii: "v") else { return false }
        let rest = bytes.dropFirst()
        guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), dot > rest.startIndex,
            rest[..<dot].allSatisfy(isHex), dot + 1 < rest.endIndex
        else { return false }
        return rest[(dot + 1)...].allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
    }
}
