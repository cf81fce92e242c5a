import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Postgres wrapper against PostgreSQL", .serialized)
struct PostgresIntegrationTests {
    let url: String
    let logger = TestEnvironment.logger

    init() throws {
        url = try TestEnvironment.databaseURL()
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: url, logger: logger)
    }

    @Test("uuid, timestamptz, jsonb, text, int, bigint and bool parameters round-trip")
    func parameterTypes() async throws {
        let connection = try await connect()
        let id = UUID()
        // microseconds since the Unix epoch, with a fraction that must survive
        let micros: Int64 = 1_795_860_000_123_456
        let rows = try await connection.query(
            """
            SELECT $1::uuid AS id, $2::timestamptz AT TIME ZONE 'UTC' AS at, $3::jsonb ->> 'name' AS name,
                   $4::text AS text, $5::int AS small, $6::bigint AS big, $7::bool AS flag, $8::text AS missing
            """,
            [
                .uuid(id), .timestamptz(micros), .jsonb(Array(#"{"name":"Zoë \"q\""}"#.utf8)), .text("tab\there"),
                .int32(-42), .int64(9_000_000_000), .bool(true), .null,
            ])
        #expect(rows[0, "id"] == id.uuidString.lowercased())
        #expect(rows[0, "at"]?.hasSuffix(".123456") == true)
        #expect(rows[0, "name"] == "Zoë \"q\"")
        #expect(rows[0, "text"] == "tab\there")
        #expect(rows[0, "small"] == "-42")
        #expect(rows[0, "big"] == "9000000000")
        #expect(rows[0, "flag"] == "t")
        #expect(rows[0, "missing"] == nil)
    }

    @Test("the epoch conversion of timestamptz is exact")
    func timestampEpoch() async throws {
        let connection = try await connect()
        let rows = try await connection.query(
            "SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::bigint AS micros", [.timestamptz(1_234_567)])
        #expect(rows[0, "micros"] == "1234567")
    }

    @Test("a bulk write of 10,000 rows through unnest of array parameters, prepared")
    func bulkWrite() async throws {
        let connection = try await connect()
        let table = "bulk_\(UUID().uuidString.prefix(8).lowercased())"
        try await connection.query(
            "CREATE TEMP TABLE \(table) (id uuid PRIMARY KEY, at timestamptz NOT NULL, body jsonb NOT NULL, n bigint)")
        let ids = (0..<10_000).map { _ in UUID() }
        let insert = """
            INSERT INTO \(table) (id, at, body, n)
            SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::jsonb[], $4::bigint[])
            ON CONFLICT (id) DO NOTHING
            """
        let parameters: [PostgresValue] = [
            .array(elementType: .uuid, elements: ids.map { .uuid($0) }),
            .array(elementType: .timestamptz, elements: ids.indices.map { .timestamptz(Int64($0) * 1_000_000) }),
            .array(elementType: .jsonb, elements: ids.indices.map { .jsonb(Array(#"{"i":\#($0)}"#.utf8)) }),
            .array(elementType: .int8, elements: ids.indices.map { $0 % 2 == 0 ? .int64(Int64($0)) : .null }),
        ]
        let inserted = try await connection.query(insert, parameters, prepared: true)
        #expect(inserted.affectedRows == 10_000)
        // The same statement again is served by the prepared statement and inserts nothing new.
        let again = try await connection.query(insert, parameters, prepared: true)
        #expect(again.affectedRows == 0)
        let sums = try await connection.query(
            "SELECT count(*) AS c, sum((body->>'i')::int) AS s, count(n) AS n FROM \(table)")
        #expect(sums[0, "c"] == "10000")
        #expect(sums[0, "s"] == "49995000")
        #expect(sums[0, "n"] == "5000")
    }

    @Test("a constraint violation is a server error with its SQLSTATE and constraint")
    func constraintErrorIsServerError() async throws {
        let connection = try await connect()
        try await connection.query("CREATE TEMP TABLE checked (n int CONSTRAINT positive CHECK (n > 0))")
        do {
            try await connection.query("INSERT INTO checked VALUES ($1)", [.int32(-1)])
            Issue.record("the insert should have failed")
        } catch {
            #expect(error.sqlState == "23514")
            #expect(error.code == .server)
            #expect(error.constraint == "positive")
        }
        // The connection is still usable after a statement error.
        let rows = try await connection.query("SELECT 1 AS one")
        #expect(rows[0, "one"] == "1")
    }

    @Test("a killed connection fails as lost and the client reconnects")
    func killedConnectionIsLostAndRecovered() async throws {
        let client = ReconnectingConnection(url: url, logger: logger)
        let victim = try await client.connection()
        let pid = try await victim.query("SELECT pg_backend_pid() AS pid")[0, "pid"]
        let killer = try await connect()
        try await killer.query("SELECT pg_terminate_backend($1::int)", [.text(try #require(pid))])
        do {
            try await victim.query("SELECT 1")
            Issue.record("the query on a terminated connection should have failed")
        } catch {
            #expect(error.code == .connectionLost)
        }
        let replacement = try await client.connection()
        let rows = try await replacement.query("SELECT 2 AS two, pg_backend_pid() AS pid")
        #expect(rows[0, "two"] == "2")
        #expect(rows[0, "pid"] != pid)
    }

    @Test("a database that does not exist is refused for good, not retried")
    func missingDatabaseIsPermanent() async throws {
        do {
            _ = try await PostgresConnection.connect(
                url: url.replacingOccurrences(of: "/postgres", with: "/no_such_database"), logger: logger)
            Issue.record("connect should have failed")
        } catch {
            #expect(error.code == .connectionRejected)
        }
    }

    @Test("an unreachable server fails to connect as connection_failed, not as refused")
    func unreachableServer() async throws {
        do {
            _ = try await PostgresConnection.connect(url: "postgres://postgres@127.0.0.1:1/none", logger: logger)
            Issue.record("connect should have failed")
        } catch {
            #expect(error.code == .connectionFailed)
        }
    }
}
