import EventModel
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

/// A persister deployment for one test: its own database, topic, dead-letter topic and group.
struct PersisterHarness {
    let brokers: String
    let topic: String
    let deadLetterTopic: String
    let group: String
    let database: String
    let port: String

    static func make(partitions: Int = 3) async throws -> PersisterHarness {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = try await TestEnvironment.makeTopic("persist", partitions: partitions, brokers: brokers)
        let deadLetterTopic = try await TestEnvironment.makeTopic("persist-dlq", partitions: 1, brokers: brokers)
        let database = "test_" + TestEnvironment.uniqueName("db").replacingOccurrences(of: "-", with: "_")
        let admin = try await PostgresConnection.connect(
            url: try TestEnvironment.databaseURL(), logger: TestEnvironment.logger)
        try await admin.query("CREATE DATABASE \(database)")
        return PersisterHarness(
            brokers: brokers, topic: topic, deadLetterTopic: deadLetterTopic,
            group: TestEnvironment.uniqueName("group"),
            database: database, port: try TestEnvironment.value("PUNK_TEST_PG_PORT"))
    }

    var databaseURL: String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "KAFKA_BROKERS": brokers, "KAFKA_TOPICS": topic, "KAFKA_DLQ_TOPIC": deadLetterTopic,
            "KAFKA_GROUP_ID": group,
            "DATABASE_URL": databaseURL, "METRICS_PORT": String(Int.random(in: 20000...29999)), "LOG_LEVEL": "info",
            "LOG_FORMAT": "text",
            "BATCH_MAX_EVENTS": "500", "BATCH_MAX_WAIT_MS": "100", "KAFKA_PROPERTY_SESSION_TIMEOUT_MS": "6000",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Starts a persister process (`arguments` selects a subcommand).
    func start(_ arguments: [String] = [], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.executable("persister"))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: try TestEnvironment.repositoryRoot())
        process.environment = environment(extra)
        // PUNK_TEST_PERSISTER_LOGS=DIR keeps each replica's log for a failing test.
        if let directory = ProcessInfo.processInfo.environment["PUNK_TEST_PERSISTER_LOGS"] {
            let path = "\(directory)/persister-\(TestEnvironment.uniqueName("log")).log"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: path)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Runs the persister until it exits on its own; returns its status and everything it printed.
    func runToExit(
        _ arguments: [String] = [],
        environment extra: [String: String],
        timeout: Duration
    ) throws -> (status: Int32, output: String) {
        try ProgramRun.toExit("persister", arguments, environment: environment(extra), timeout: timeout)
    }

    /// Applies the migrations, then adds a rule rows of type `poison.row` break, so a test can make
    /// the database refuse a row that decodes fine; returns a connection to the database.
    @discardableResult
    func migrateWithPoisonRule() async throws -> PostgresConnection {
        let migrate = try start(["migrate"])
        #expect(migrate.waitForExit(timeout: .seconds(60)))
        let connection = try await connect()
        try await connection.query("ALTER TABLE events ADD CONSTRAINT no_poison CHECK (event_type <> 'poison.row')")
        return connection
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: databaseURL, logger: TestEnvironment.logger)
    }

    func rowCount() async throws -> Int {
        let connection = try await connect()
        return Int(try await connection.query("SELECT count(*) AS c FROM events")[0, "c"] ?? "0") ?? 0
    }

    /// Waits until the table holds `count` rows; returns the count reached.
    func waitForRows(_ count: Int, timeout: Duration = .seconds(90)) async throws -> Int {
        var last = 0
        _ = await TestEnvironment.eventually(timeout: timeout, interval: .milliseconds(500)) {
            last = (try? await rowCount()) ?? last
            return last >= count
        }
        return last
    }

    func producer() throws -> KafkaProducer {
        try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: brokers)),
            logger: TestEnvironment.logger)
    }

    /// Produces raw values to the topic and checks every one was acknowledged.
    func produce(_ values: [(key: String?, value: [UInt8])], using producer: KafkaProducer) async throws {
        let results = await producer.send(
            values.map { OutgoingRecord(topic: topic, key: $0.key.map { Array($0.utf8) }, value: $0.value) })
        for result in results { _ = try result.get() }
    }

    func stop(_ process: Process, signal: Int32 = SIGTERM) -> Bool {
        kill(process.processIdentifier, signal)
        return process.waitForExit(timeout: .seconds(60))
    }
}

enum Events {
    static func canonical(_ id: UUID = UUID(), type: String = "task.created", index: Int = 0) -> [UInt8] {
        Array(
            #"{"event_id":"\#(id.uuidString.lowercased())","event_type":"\#(type)","timestamp":"2026-11-22T10:00:00.5+01:00","producer":"tests","severity":"notice","correlation_id":"\#(id.uuidString.lowercased())","key":"k\#(index % 7)","payload":{"index":\#(index)}}"#
                .utf8)
    }

    static func cloudEvent(id: String, index: Int) -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"\#(id)","source":"dapr-app","type":"com.dapr.event.sent","time":"2026-11-22T10:00:00Z","datacontenttype":"application/json","data":{"index":\#(index)}}"#
                .utf8)
    }

    static func legacy(index: Int) -> [UInt8] {
        Array(
            #"{"event_type":"task.updated","version":"1.0","timestamp":"2025-01-16T10:00:00Z","data":{"index":\#(index)}}"#
                .utf8)
    }
}
