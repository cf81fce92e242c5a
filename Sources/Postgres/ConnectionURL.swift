import CLibPQ
import Foundation

/// What the program may say about a `DATABASE_URL` (or `key=value` conninfo): it checks the
/// syntax once at start-up, and it removes the password from any text before it is logged,
/// libpq's own messages included (they may quote the URL).
public struct ConnectionURL: Sendable {
    public let text: String
    private let secrets: [String]

    /// Parses `text` as libpq would; a malformed one is refused with a message free of secrets.
    public init(_ text: String) throws(PostgresError) {
        self.text = text
        var secrets = Self.userInfoPasswords(in: text)
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0).trimmingTrailingNewlines } ?? "cannot be parsed"
            PQfreemem(errorMessage)
            let redacted = Self.redact(message, secrets: secrets, url: text)
            throw PostgresError(code: .connectionRejected, message: "DATABASE_URL is malformed: \(redacted)")
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                secrets.append(String(cString: value))
            }
            option += 1
        }
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// `text` with every form of the password replaced.
    public func redact(_ text: String) -> String {
        Self.redact(text, secrets: secrets, url: self.text)
    }

    /// The URL itself, fit for a log line.
    public var redacted: String { redact(text) }

    private static func redact(_ text: String, secrets: [String], url: String) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: "***")
        }
        return result
    }

    /// The password of `scheme://user:password@host`, raw and percent-decoded.
    private static func userInfoPasswords(in url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [] }
        let rest = url[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return [] }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return [] }
        let raw = String(userInfo[userInfo.index(after: colon)...])
        return [raw, raw.removingPercentEncodingIfValid].compactMap { $0 }
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remainder = self[...]
        while let range = remainder.range(of: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        return result + remainder
    }

    fileprivate var removingPercentEncodingIfValid: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
