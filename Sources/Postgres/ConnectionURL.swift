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
            result = result.replacingOccurrences(of: secret, with: "***")
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
        return [raw, raw.removingPercentEncoding].compactMap { $0 }
    }
}
