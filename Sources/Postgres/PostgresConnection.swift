import CLibPQ
import Dispatch
import Foundation
import Logging
import Synchronization

/// Rows of a result, as text (PostgreSQL's output format for each type).
public struct PostgresRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows inserted, updated or deleted (the command tag's count).
    public let affectedRows: Int

    public subscript(row: Int, column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }
}

/// One libpq connection. Every libpq call runs on the connection's serial queue, off the
/// cooperative thread pool. A connection serves one caller at a time; `ReconnectingConnection` hands it out.
///
/// No call waits forever: the server ends a statement after `statementTimeout`, and a server that
/// cannot (stopped, frozen, unreachable without a reset) is cut off by the client once
/// `statementTimeout` plus a margin has passed, so the caller gets a lost connection to retry.
public final class PostgresConnection: Sendable {
    nonisolated(unsafe) private let handle: OpaquePointer
    private let queue: DispatchQueue
    private let preparedStatements = Mutex<[String: String]>([:])
    private let calls = Mutex(CallState())
    private let callDeadline: Duration
    let logger: Logger

    /// The call running on the queue, so that only that call is ever cut off.
    private struct CallState {
        var generation: UInt64 = 0
        var running = false
    }

    private init(handle: OpaquePointer, queue: DispatchQueue, callDeadline: Duration, logger: Logger) {
        self.handle = handle
        self.queue = queue
        self.callDeadline = callDeadline
        self.logger = logger
    }

    deinit {
        PQfinish(handle)
    }

    /// Connects with a `postgres://` URL (or a `key=value` conninfo string). TCP keepalives and a
    /// user timeout find a dead peer; `statementTimeout` bounds every statement on the server.
    public static func connect(
        url: String,
        logger: Logger,
        connectTimeout: Duration = .seconds(5),
        statementTimeout: Duration = .seconds(30)
    ) async throws(PostgresError) -> PostgresConnection {
        let parsed = try ConnectionURL(url)
        let queue = DispatchQueue(label: "punk-records.postgres")
        let result: Result<PostgresConnection, PostgresError> = await withCheckedContinuation { continuation in
            queue.async {
                // Later keywords override earlier ones, so settings in the URL win over these defaults.
                let settings: KeyValuePairs<String, String> = [
                    "connect_timeout": "\(max(connectTimeout.components.seconds, 1))",
                    "application_name": "punk-records",
                    "keepalives": "1", "keepalives_idle": "15", "keepalives_interval": "5", "keepalives_count": "3",
                    "tcp_user_timeout": "30000",
                    "options": "-c statement_timeout=\(statementTimeout.components.seconds * 1000)",
                    "dbname": url,
                ]
                let handle = withCStringArray(settings.map(\.key)) { keywordPointers in
                    withCStringArray(settings.map(\.value)) { valuePointers in
                        PQconnectdbParams(keywordPointers, valuePointers, 1)
                    }
                }
                guard let handle else {
                    continuation.resume(
                        returning: .failure(PostgresError(code: .connectionFailed, message: "out of memory")))
                    return
                }
                guard PQstatus(handle) == CONNECTION_OK else {
                    let message = parsed.redact(String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines)
                    PQfinish(handle)
                    continuation.resume(returning: .failure(PostgresError(code: classify(message), message: message)))
                    return
                }
                let connection = PostgresConnection(
                    handle: handle, queue: queue, callDeadline: statementTimeout + .seconds(5), logger: logger)
                continuation.resume(returning: .success(connection))
            }
        }
        return try result.get()
    }

    /// Cuts off the call in progress, if any: it fails at once as a lost connection (used when
    /// shutdown cannot wait for a database that stopped answering).
    public func interrupt() {
        let generation = calls.withLock { $0.generation }
        interrupt(generation: generation, reason: "interrupted")
    }

    private func interrupt(generation: UInt64, reason: String) {
        calls.withLock { state in
            guard state.running, state.generation == generation else { return }
            // shutdown(2) wakes the thread blocked in libpq; the socket stays open until PQfinish.
            _ = shutdown(PQsocket(handle), Int32(SHUT_RDWR))
            logger.warning("database call cut off", metadata: ["reason": "\(reason)"])
        }
    }

    /// Whether the connection is still usable (it is not after the server dropped it).
    public var isOpen: Bool {
        queue.sync { PQstatus(handle) == CONNECTION_OK }
    }

    /// Runs one statement with parameters. With `prepared`, the statement is parsed and planned
    /// once per connection and reused.
    @discardableResult
    public func query(
        _ sql: String,
        _ parameters: [PostgresValue] = [],
        prepared: Bool = false
    ) async throws(PostgresError) -> PostgresRows {
        let result: Result<PostgresRows, PostgresError> = await run { [self] in
            var statementName: String?
            if prepared {
                let known = preparedStatements.withLock { $0[sql] }
                if let known {
                    statementName = known
                } else {
                    let name = "s\(preparedStatements.withLock { $0.count })"
                    let types = parameters.map { Oid($0.type.oid) }
                    let prepareResult = PQprepare(handle, name, sql, Int32(types.count), types)
                    if let error = self.error(from: prepareResult) { return .failure(error) }
                    preparedStatements.withLock { $0[sql] = name }
                    statementName = name
                }
            }
            let pgResult = withParameters(parameters) { count, types, values, lengths, formats in
                if let statementName {
                    PQexecPrepared(handle, statementName, count, values, lengths, formats, 0)
                } else {
                    PQexecParams(handle, sql, count, types, values, lengths, formats, 0)
                }
            }
            if let error = self.error(from: pgResult) { return .failure(error) }
            return .success(Self.rows(from: pgResult))
        }
        return try result.get()
    }

    /// Runs SQL text that may hold several statements (the simple query protocol, no parameters),
    /// e.g. a migration file.
    public func execute(script: String) async throws(PostgresError) {
        let result: Result<Void, PostgresError> = await run(watched: false) { [self] in
            var outcome: Result<Void, PostgresError> = .success(())
            guard PQsendQuery(handle, script) == 1 else { return .failure(connectionLostError()) }
            while let pgResult = PQgetResult(handle) {
                if let error = self.error(from: pgResult) {
                    if case .success = outcome { outcome = .failure(error) }
                } else {
                    PQclear(pgResult)
                }
            }
            return outcome
        }
        try result.get()
    }

    /// Runs `body` on the queue; a `watched` call is cut off after the call deadline.
    private func run<Value: Sendable>(watched: Bool = true, _ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                let generation = calls.withLock { state in
                    state.generation &+= 1
                    state.running = true
                    return state.generation
                }
                var watchdog: DispatchWorkItem?
                if watched {
                    let deadline = callDeadline
                    let item = DispatchWorkItem { [weak self] in
                        self?.interrupt(generation: generation, reason: "no answer within \(deadline)")
                    }
                    DispatchQueue.global().asyncAfter(
                        deadline: .now() + .milliseconds(Int(deadline.components.seconds * 1000)), execute: item)
                    watchdog = item
                }
                let value = body()
                watchdog?.cancel()
                calls.withLock { $0.running = false }
                continuation.resume(returning: value)
            }
        }
    }

    /// Consumes a failed result (clearing it) and describes the failure; `nil` (and the result
    /// kept) when it succeeded.
    private func error(from result: OpaquePointer?) -> PostgresError? {
        guard let result else { return connectionLostError() }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return nil
        default:
            defer { PQclear(result) }
            func field(_ code: UInt8) -> String? {
                PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
            }
            let sqlState = field(UInt8(ascii: "C"))
            let message =
                field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
            if PQstatus(handle) != CONNECTION_OK {
                return PostgresError(code: .connectionLost, sqlState: sqlState, message: message)
            }
            return PostgresError(
                code: sqlState == nil ? .unexpected : .server, sqlState: sqlState, message: message,
                detail: field(UInt8(ascii: "D")), constraint: field(UInt8(ascii: "n")))
        }
    }

    private func connectionLostError() -> PostgresError {
        PostgresError(code: .connectionLost, message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines)
    }

    private static func rows(from result: OpaquePointer?) -> PostgresRows {
        guard let result else { return PostgresRows(columns: [], rows: [], affectedRows: 0) }
        defer { PQclear(result) }
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append(
                (0..<columnCount).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
        return PostgresRows(
            columns: columns, rows: rows, affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
    }
}

/// libpq reports connection failures as text only; these mean the server answered and said no.
private func classify(_ connectionFailure: String) -> PostgresError.Code {
    let refusals = [
        "password authentication failed", "no password supplied", "does not exist", "invalid URI",
        "invalid connection option", "no pg_hba.conf entry", "invalid sslmode", "invalid port",
        "invalid integer value", "invalid value", "unsupported",
    ]
    return refusals.contains { connectionFailure.contains($0) } ? .connectionRejected : .connectionFailed
}

/// Lays out binary parameters in one buffer and passes libpq's parallel arrays.
private func withParameters<Result>(
    _ parameters: [PostgresValue],
    _ body: (
        Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
        UnsafePointer<Int32>?
    ) -> Result
) -> Result {
    var storage: [UInt8] = []
    var offsets: [Int?] = []
    var lengths: [Int32] = []
    for parameter in parameters {
        let start = storage.count
        if parameter.encode(into: &storage) {
            offsets.append(start)
            lengths.append(Int32(storage.count - start))
        } else {
            offsets.append(nil)
            lengths.append(0)
        }
    }
    let types = parameters.map { Oid($0.type.oid) }
    let formats = [Int32](repeating: 1, count: parameters.count)
    storage.append(0)  // a valid base address even when every parameter is empty
    return storage.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
        let values: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { base + $0 } }
        return body(Int32(parameters.count), types, values, lengths, formats)
    }
}

private func withCStringArray<Result>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
