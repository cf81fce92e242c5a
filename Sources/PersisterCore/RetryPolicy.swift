/// How a failure of the database (or of the dead-letter topic) is answered. Start-up, the
/// consumer loop and `/health` all classify with this one policy and wait with its one backoff.
public enum FailureKind: Sendable, Hashable, CustomStringConvertible {
    /// The data of particular rows is at fault: other rows of the same statement can succeed on
    /// their own, so the rows are narrowed down and the refused ones dead-lettered.
    case rowSpecific
    /// Nothing is wrong with the rows, but no row can be written now (the server is down,
    /// restarting, overloaded, or the table or a privilege is missing until an operator fixes it).
    /// Waiting helps; dead-lettering would empty the topic into the dead-letter topic.
    case retryLater
    /// Waiting will not help and the rows are not at fault (refused credentials, a malformed
    /// statement, a broken migration): a person must change something, so the process stops and
    /// says why.
    case fatal

    public var description: String {
        switch self {
        case .rowSpecific: "row-specific"
        case .retryLater: "retry later"
        case .fatal: "fatal"
        }
    }
}

public enum RetryPolicy {
    /// Classifies a PostgreSQL failure from what libpq and the server said: the kind of
    /// connection failure, if it was one, and the SQLSTATE.
    public static func classify(connectionFailure: ConnectionFailure?, sqlState: String?) -> FailureKind {
        switch connectionFailure {
        case .failed, .lost, .unexplained: return .retryLater
        case .rejected: return .fatal
        case nil: break
        }
        guard let sqlState else { return .fatal }
        if sqlState.hasPrefix("22") || sqlState.hasPrefix("23") { return .rowSpecific }
        // Connection exception; insufficient resources (too many connections, disk full);
        // operator intervention (shutdown, statement timeout); system errors.
        for retryableClass in ["08", "53", "57", "58"] where sqlState.hasPrefix(retryableClass) { return .retryLater }
        return retryLaterStates.contains(sqlState) ? .retryLater : .fatal
    }

    /// What libpq reported about the connection, when the failure was not an answer to a statement.
    public enum ConnectionFailure: Sendable {
        /// The server could not be reached.
        case failed
        /// The connection broke while in use.
        case lost
        /// The server refused these credentials or this database, or the settings are unusable.
        case rejected
        /// The client library failed without an error code; nothing says that waiting will not help.
        case unexplained
    }

    private static let retryLaterStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "55P03",  // lock_not_available
        "55006",  // object_in_use
        "42P01",  // undefined_table: the events table was dropped; recreating it resumes the replicas
        "42501",  // insufficient_privilege: a revoked grant; granting it again resumes them
    ]

    /// The wait before retry number `attempt` (0 for the first retry): 100 ms doubling to 3.2 s,
    /// then every 5 s.
    public static func delay(attempt: Int) -> Duration {
        .milliseconds(min(100 << min(max(attempt, 0), 6), 5000))
    }

    /// Whether retry number `attempt` is worth a log line: the first, then every tenth.
    public static func shouldLog(attempt: Int) -> Bool {
        attempt % 10 == 0
    }
}
