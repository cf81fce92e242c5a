import EventModel
import Foundation
import Kafka
import Logging

/// What `scripts/test.sh` provides to integration tests. A missing variable fails the test with
/// a hint instead of skipping it: integration tests must never pass by not running.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String { "\(variable) is not set: run the tests with scripts/test.sh" }
    }

    public static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(variable: name)
        }
        return value
    }

    /// The shared test broker (Tansu, started by scripts/test.sh).
    public static func kafkaBrokers() throws -> String { try value("PUNK_TEST_KAFKA_BROKERS") }

    /// A database URL of the shared test PostgreSQL server.
    public static func databaseURL(database: String = "postgres") throws -> String {
        "postgres://postgres@127.0.0.1:\(try value("PUNK_TEST_PG_PORT"))/\(database)"
    }

    public static func tansuBinary() throws -> String { try value("PUNK_TEST_TANSU") }

    /// The repository's root (the persister finds `migrations/` there).
    public static func repositoryRoot() throws -> String {
        URL(fileURLWithPath: try value("PUNK_TEST_STACK_SCRIPT")).deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// A built executable of this package.
    public static func executable(_ name: String) throws -> String { try value("PUNK_TEST_BIN_DIR") + "/" + name }

    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel =
            ProcessInfo.processInfo.environment["PUNK_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .critical
        return logger
    }()

    /// A name no other test uses (topics, groups, databases).
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic on `brokers` and returns its name.
    public static func makeTopic(_ prefix: String, partitions: Int, brokers: String) async throws -> String {
        let name = uniqueName(prefix)
        let admin = try KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: brokers), logger: logger)
        try await admin.createTopic(name, partitions: partitions)
        return name
    }

    /// Reads the records of `topic` with a throw-away group until `count` arrived or time is up.
    public static func readTopic(
        _ topic: String,
        brokers: String,
        count: Int,
        timeout: Duration = .seconds(45)
    ) async throws -> [ConsumedRecord] {
        var configuration = KafkaConsumerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers), groupID: uniqueName("reader"))
        configuration.sessionTimeout = .seconds(6)
        let consumer = try KafkaConsumer(configuration: configuration, topics: [topic], logger: logger)
        var records: [ConsumedRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(300))
        }
        await consumer.close()
        return records
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    public static func eventually(
        timeout: Duration,
        interval: Duration = .milliseconds(200),
        _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: interval)
        }
        return try await condition()
    }
}

/// A private Tansu broker for tests that stop and restart the broker.
public final class TestBroker: @unchecked Sendable {
    public let port: Int
    private var process: Process?

    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    public init() throws {
        port = Int.random(in: 41000...48999)
        try start()
    }

    deinit { stop() }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.tansuBinary())
        process.arguments = [
            "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url",
            "tcp://127.0.0.1:\(port)", "--storage-engine", "memory://tansu/",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        Thread.sleep(forTimeInterval: 0.3)
    }

    /// Kills the broker at once, as a crash would; its in-memory topics are gone with it.
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = process.waitForExit(timeout: .seconds(10))
        self.process = nil
    }
}

/// Runs one of the package's programs to its exit.
public enum ProgramRun {
    /// Runs `program` (from `PUNK_TEST_BIN_DIR`) in the repository root with exactly `environment`;
    /// returns its status and everything it printed, or status -1 when it outlived `timeout`.
    public static func toExit(
        _ program: String,
        _ arguments: [String] = [],
        environment: [String: String],
        timeout: Duration
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.executable(program))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: try TestEnvironment.repositoryRoot())
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        guard process.waitForExit(timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            return (-1, "did not exit within \(timeout)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Runs `scripts/stack.sh` against the test stack (e.g. to stop PostgreSQL for a while).
public enum TestStack {
    public static func run(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [try TestEnvironment.value("PUNK_TEST_STACK_SCRIPT"), command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = process.waitForExit(timeout: .seconds(60))
    }
}

extension Process {
    /// Waits for the process to end without `waitUntilExit`, which spins a run loop on Linux.
    /// Returns whether it ended within `timeout`.
    public func waitForExit(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        return !isRunning
    }
}

/// Asks a program's HTTP port the way an orchestrator's probe does: one GET with a short timeout.
public enum HTTPProbe {
    /// The body of `GET http://127.0.0.1:port/path` (e.g. a metrics scrape), or "" when nothing answered.
    public static func body(port: Int, path: String, timeout: Duration = .seconds(3)) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", String(timeout.components.seconds), "http://127.0.0.1:\(port)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = process.waitForExit(timeout: timeout + .seconds(2))
        return String(decoding: data, as: UTF8.self)
    }

    /// The status code of `GET` (or `HEAD`) `http://127.0.0.1:port/path`, or `nil` when nothing
    /// answered in time.
    public static func status(port: Int, path: String, head: Bool = false, timeout: Duration = .seconds(3)) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments =
            (head ? ["-I"] : []) + [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", String(timeout.components.seconds),
                "http://127.0.0.1:\(port)\(path)",
            ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = process.waitForExit(timeout: timeout + .seconds(2))
        guard let code = Int(String(decoding: data, as: UTF8.self)), code > 0 else { return nil }
        return code
    }
}
