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

    /// Whether the same statement may succeed later: a lost or refused connection, a server
    /// shutting down, too many connections, a serialization failure or deadlock. Everything else
    /// (constraint violations, bad input, syntax) fails again the same way. The persister does not
    /// decide with this alone: its `RetryPolicy` also tells rows at fault from a missing table.
    public var isTransient: Bool {
        switch code {
        case .connectionFailed, .connectionLost: return true
        case .server:
            guard let sqlState else { return false }
            if sqlState.hasPrefix("08") { return true }  // connection exception
            if sqlState.hasPrefix("53") { return true }  // insufficient resources, too many connections
            return Self.transientStates.contains(sqlState)
        default: return false
        }
    }

    private static let transientStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "55P03",  // lock_not_available
        "57P01",  // admin_shutdown
        "57P02",  // crash_shutdown
        "57P03",  // cannot_connect_now
        "57014",  // query_canceled (statement timeout)
        "58000",  // system_error
        "58030",  // io_error
    ]

    public var description: String {
        var text = "\(code)"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail { text += " (\(detail))" }
        return text
    }
}
