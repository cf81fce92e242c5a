import Logging

/// One connection, replaced when it was lost: callers retrying a transient failure get a fresh
/// connection without knowing about reconnects. It is not a pool; a program that writes on
/// several connections at once holds one `ReconnectingConnection` per connection.
public actor ReconnectingConnection {
    public let url: String
    private let logger: Logger
    private var connection: PostgresConnection?

    public init(url: String, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// The open connection, reconnecting first if there is none or it broke.
    public func connection() async throws(PostgresError) -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        if connection != nil { logger.warning("database connection lost, reconnecting") }
        connection = nil
        let fresh = try await PostgresConnection.connect(url: url, logger: logger)
        connection = fresh
        return fresh
    }

    /// Cuts off the call in progress on the connection, if any (see `PostgresConnection.interrupt`).
    public func interrupt() {
        connection?.interrupt()
    }

    /// Drops the connection; the next `connection()` opens a new one.
    public func reset() {
        connection = nil
    }
}
