/// An error from libpq or the server, with the SQLSTATE when the server sent one.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The server could not be reached or was not accepting connections.
        public static let connectionFailed = Code(name: "connection_failed")
        /// The server refused these credentials or this database, or the URL is malformed:
        /// trying again will not help.
        public static let connectionRejected = Code(name: "connection_rejected")
        /// The connection broke while in use.
        public static let connectionLost = Code(name: "connection_lost")
        /// The server answered a statement with an error; see `sqlState`.
        public static let server = Code(name: "server")
        /// libpq reported something this wrapper did not expect.
        public static let unexpected = Code(name: "unexpected")
    }

    public let code: Code
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let constraint: String?

    public init(code: Code, sqlState: String? = nil, message: String, detail: String? = nil, constraint: String? = nil)
    {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    public var description: String {
        var text = "\(code)"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail { text += " (\(detail))" }
        return text
    }
}
