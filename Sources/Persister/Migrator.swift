import Foundation
import Logging
import Postgres

/// Applies the numbered SQL files of `migrations/` once each, in order. Replicas starting together
/// serialise on a PostgreSQL advisory lock; `schema_migrations` records what ran.
struct Migrator {
    struct Migration {
        let version: Int
        let name: String
        let sql: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Arbitrary but fixed: the advisory lock every replica takes before migrating.
    static let lockKey: Int64 = 0x5055_4E4B_5245_4353

    let directory: String
    let logger: Logger

    func migrations() throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw Failure(
                description: "cannot read the migrations directory \(directory): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            guard let version = Int(file.prefix { $0.isNumber }), version > 0 else {
                throw Failure(description: "migration \(file) does not start with its number")
            }
            let sql = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            migrations.append(Migration(version: version, name: file, sql: sql))
        }
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw Failure(description: "migrations \(previous.name) and \(next.name) share number \(next.version)")
        }
        return sorted
    }

    /// Returns the names of the migrations this call applied.
    @discardableResult
    func apply(using connection: PostgresConnection) async throws -> [String] {
        let pending = try migrations()
        try await connection.query("SELECT pg_advisory_lock($1)", [.int64(Self.lockKey)])
        do {
            try await connection.execute(
                script: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version    integer     PRIMARY KEY,
                        name       text        NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
            let applied = Set(
                try await connection.query("SELECT version FROM schema_migrations").rows.compactMap {
                    $0[0].flatMap(Int.init)
                })
            var appliedNow: [String] = []
            for migration in pending where !applied.contains(migration.version) {
                // The file and its record commit together: a crash in between leaves neither. A
                // migration may rewrite a large table, so the connection's statement timeout is lifted.
                let name = migration.name.replacingOccurrences(of: "'", with: "''")
                try await connection.execute(
                    script: """
                        BEGIN;
                        SET LOCAL statement_timeout = 0;
                        \(migration.sql)
                        ;
                        INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), '\(name)');
                        COMMIT;
                        """)
                logger.info("migration applied", metadata: ["migration": "\(migration.name)"])
                appliedNow.append(migration.name)
            }
            try await connection.query("SELECT pg_advisory_unlock($1)", [.int64(Self.lockKey)])
            return appliedNow
        } catch {
            _ = try? await connection.query("ROLLBACK")
            _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [.int64(Self.lockKey)])
            throw error
        }
    }
}
