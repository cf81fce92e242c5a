import EventModel
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

/// The hardening promises: no record, setting or stuck dependency stalls, crashes or leaks.
@Suite("Persister at the edges", .serialized)
struct PersisterEdgeTests {
    @Test("a record whose dead-letter copy is over the producer's limit is cut to fit; the partition moves on")
    func oversizedDeadLetter() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(
                bootstrapServers: harness.brokers, additionalProperties: ["message.max.bytes": "4000000"]))
        configuration.deliveryTimeout = .seconds(20)
        let producer = try KafkaProducer(configuration: configuration, logger: TestEnvironment.logger)
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 1_500_000)
        var values: [(key: String?, value: [UInt8])] = [(key: "huge", value: huge)]
        values += (0..<50).map { (key: nil, value: Events.canonical(index: $0)) }
        try await harness.produce(values, using: producer)
        let persister = try harness.start()
        #expect(try await harness.waitForRows(50) == 50)
        let deadLetters = try await TestEnvironment.readTopic(
            harness.deadLetterTopic, brokers: harness.brokers, count: 1)
        let copy = try #require(deadLetters.first)
        #expect(copy.value.count < 1_000_000 && copy.value.count > 900_000)
        #expect(copy.headers.lastValue(named: RecordHeaderName.dlqReason) == Array("invalid_json".utf8))
        let note = copy.headers.lastValue(named: RecordHeaderName.dlqTruncated).map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(note?.hasPrefix("value cut from 1500000") == true)
        #expect(harness.stop(persister))
        await producer.close()
    }

    @Test("a legacy record redriven twice is one row; of two records of one event the storable one is the row")
    func idempotencyHoles() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let connection = try await harness.migrateWithPoisonRule()
        let producer = try harness.producer()
        let original = [
            RecordHeader(RecordHeaderName.dlqOriginalTopic, Array("legacy-origin".utf8)),
            RecordHeader(RecordHeaderName.dlqOriginalPartition, Array("4".utf8)),
            RecordHeader(RecordHeaderName.dlqOriginalOffset, Array("977".utf8)),
        ]
        let shared = UUID()
        let records = [
            OutgoingRecord(topic: harness.topic, key: nil, value: Events.legacy(index: 1), headers: original),
            OutgoingRecord(topic: harness.topic, key: nil, value: Events.legacy(index: 1), headers: original),
            OutgoingRecord(topic: harness.topic, key: nil, value: Events.canonical(shared, type: "poison.row")),
            OutgoingRecord(topic: harness.topic, key: nil, value: Events.canonical(shared, type: "task.created")),
        ]
        for result in await producer.send(records) { _ = try result.get() }
        let persister = try harness.start()
        #expect(try await harness.waitForRows(2) == 2)
        try await Task.sleep(for: .seconds(2))
        #expect(try await harness.rowCount() == 2)
        let legacyID = UUID(version5Namespace: .punkRecordsNamespace, name: "legacy-origin/4/977")
        let rows = try await connection.query("SELECT event_id::text AS id, event_type FROM events ORDER BY event_type")
        #expect(rows.rows.map { $0[0] } == [shared.canonicalString, legacyID.canonicalString])
        #expect(rows.rows.map { $0[1] } == ["task.created", "task.updated"])
        #expect(harness.stop(persister))
        await producer.close()
    }

    @Test(
        "settings that would break a guarantee, a malformed DATABASE_URL, a bad pattern, a taken port: one line, exit")
    func badSettings() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let cases: [(environment: [String: String], says: String)] = [
            (["DATABASE_URL": "postgres://svc:s3cret-pw@127.0.0.1:5432/x?no_such_option=1"], "DATABASE_URL"),
            (["DATABASE_URL": "postgres://svc:s3cret-pw@[::1/x"], "DATABASE_URL"),
            (["KAFKA_PROPERTY_ENABLE_AUTO_COMMIT": "true"], "KAFKA_PROPERTY_ENABLE_AUTO_COMMIT"),
            (["KAFKA_PROPERTY_GROUP_ID": "elsewhere"], "KAFKA_PROPERTY_GROUP_ID"),
            (["KAFKA_PROPERTY_ACKS": "1"], "KAFKA_PROPERTY_ACKS"),
            (["KAFKA_TOPICS": "^events-[a"], "not a valid regular expression"),
        ]
        for (environment, says) in cases {
            let (status, output) = try harness.runToExit(environment: environment, timeout: .seconds(10))
            #expect(status == 2, "\(environment)")
            #expect(output.contains(says), "\(output)")
            #expect(!output.contains("s3cret-pw"), "\(output)")
            #expect(output.split(separator: "\n").count == 1, "\(output)")
        }
        // Well-formed but impossible settings are refused when connecting: at once, not waited on.
        let (refused, refusal) = try harness.runToExit(
            environment: ["DATABASE_URL": "postgres://svc:s3cret-pw@127.0.0.1:5432/x?sslmode=bogus"],
            timeout: .seconds(20))
        #expect(refused != 0 && refused != -1, "\(refusal)")
        #expect(!refusal.contains("s3cret-pw"), "\(refusal)")
        let taken = try ListeningSocket()
        let (status, output) = try harness.runToExit(
            environment: ["METRICS_PORT": String(taken.port)], timeout: .seconds(30))
        #expect(status != 0)
        #expect(output.contains("METRICS_PORT=\(taken.port) cannot be bound"), "\(output)")
    }

    @Test("--help and an unknown command answer before the settings are read")
    func commandLine() throws {
        let broken = ["PATH": "/usr/bin:/bin", "BATCH_MAX_EVENTS": "many"]
        let (helped, help) = try ProgramRun.toExit("persister", ["--help"], environment: broken, timeout: .seconds(10))
        #expect(helped == 0, "\(help)")
        #expect(help.hasPrefix("usage: persister"), "\(help)")
        let (refused, refusal) = try ProgramRun.toExit(
            "persister", ["bogus"], environment: broken, timeout: .seconds(10))
        #expect(refused == 2, "\(refusal)")
        #expect(refusal.hasPrefix("persister: unknown command bogus\nusage: persister"), "\(refusal)")
    }

    @Test("SIGTERM while waiting for the database at start: /live answers meanwhile, exit 0 at once")
    func sigtermWhileWaitingForDatabase() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let port = Int.random(in: 20000...29999)
        let persister = try harness.start(
            environment: ["DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "METRICS_PORT": String(port)])
        #expect(
            await TestEnvironment.eventually(timeout: .seconds(10)) {
                HTTPProbe.status(port: port, path: "/live") == 200
            })
        #expect(HTTPProbe.status(port: port, path: "/ready") == 503)
        #expect(HTTPProbe.status(port: port, path: "/live", head: true) == 200)
        let started = ContinuousClock.now
        #expect(harness.stop(persister))
        #expect(persister.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("PostgreSQL frozen: /health answers within 2 s; SIGTERM during the stuck write exits in time; nothing lost")
    func frozenDatabase() async throws {
        let harness = try await PersisterHarness.make(partitions: 2)
        let port = Int.random(in: 20000...29999)
        let first = try harness.start(environment: ["METRICS_PORT": String(port)])
        let producer = try harness.producer()
        try await harness.produce((0..<500).map { (key: nil, value: Events.canonical(index: $0)) }, using: producer)
        #expect(try await harness.waitForRows(500) == 500)
        try TestStack.run("freeze-postgres")
        var thawed = false
        defer { if !thawed { try? TestStack.run("thaw-postgres") } }
        try await harness.produce((500..<1000).map { (key: nil, value: Events.canonical(index: $0)) }, using: producer)
        try await Task.sleep(for: .seconds(3))
        let asked = ContinuousClock.now
        let health = HTTPProbe.status(port: port, path: "/health", timeout: .seconds(5))
        #expect(ContinuousClock.now - asked < .seconds(2))
        #expect(health == 503)
        #expect(HTTPProbe.status(port: port, path: "/live") == 200)
        let stopping = ContinuousClock.now
        kill(first.processIdentifier, SIGTERM)
        #expect(first.waitForExit(timeout: .seconds(45)))
        #expect(ContinuousClock.now - stopping < .seconds(45))
        try TestStack.run("thaw-postgres")
        thawed = true
        let second = try harness.start()
        #expect(try await harness.waitForRows(1000, timeout: .seconds(120)) == 1000)
        let distinct = try await harness.connect().query("SELECT count(DISTINCT event_id) AS c FROM events")
        #expect(distinct[0, "c"] == "1000")
        #expect(harness.stop(second))
        await producer.close()
    }
}

/// A port that something already listens on.
final class ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(descriptor, pointer, length)
                _ = listen(descriptor, 1)
                _ = getsockname(descriptor, pointer, &length)
            }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

@Suite("Persister event contracts", .serialized)
struct PersisterContractTests {
    @Test("a satellite record that breaks its contract is dead-lettered as schema_violation; its neighbours persist")
    func schemaViolation() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let producer = try harness.producer()
        let good = #"{"task_id":123,"user_id":"u-1","title":"Buy milk","priority":"high"}"#
        let bad = #"{"title":"no id","priority":"urgent"}"#
        func legacy(_ data: String) -> [UInt8] {
            Array(
                #"{"event_type":"task.created","version":"1.0","timestamp":"2025-01-16T10:00:00Z","data":\#(data)}"#
                    .utf8)
        }
        var values: [(key: String?, value: [UInt8])] = (0..<20).map { (key: nil, value: Events.canonical(index: $0)) }
        values.append((key: "bad", value: legacy(bad)))
        values.append((key: nil, value: legacy(good)))
        try await harness.produce(values, using: producer)
        let schemas = try TestEnvironment.repositoryRoot() + "/schemas"
        let persister = try harness.start(environment: ["SCHEMA_DIR": schemas])
        #expect(try await harness.waitForRows(21) == 21)
        let deadLetters = try await TestEnvironment.readTopic(
            harness.deadLetterTopic, brokers: harness.brokers, count: 1)
        let copy = try #require(deadLetters.first)
        #expect(copy.headers.lastValue(named: RecordHeaderName.dlqReason) == Array("schema_violation".utf8))
        let error =
            copy.headers.lastValue(named: RecordHeaderName.dlqError).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(error.contains("/payload/task_id"))
        #expect(error.contains("/payload/priority"))
        #expect(harness.stop(persister))
        await producer.close()
    }

    @Test("check-schemas names each problem and exits non-zero; a good directory exits 0")
    func checkSchemas() throws {
        let harness = PersisterHarness(
            brokers: "", topic: "t", deadLetterTopic: "d", group: "g", database: "x", port: "1")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory + "/a.b", withIntermediateDirectories: true)
        try Data(#"{"type":"object","patern":"x"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/a.b/1.json"))
        try Data(##"{"$ref":"#/$defs/missing"}"##.utf8).write(to: URL(fileURLWithPath: directory + "/a.b/2.json"))
        try Data(#"{"type":"string"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/a.b/3.json"))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try harness.runToExit(
            ["check-schemas", directory], environment: [:], timeout: .seconds(10))
        #expect(status == 1)
        #expect(output.contains("a.b/1.json") && output.contains("patern"), "\(output)")
        #expect(output.contains("a.b/2.json"), "\(output)")
        let schemas = try TestEnvironment.repositoryRoot() + "/schemas"
        let (good, said) = try harness.runToExit(["check-schemas", schemas], environment: [:], timeout: .seconds(10))
        #expect(good == 0, "\(said)")
    }
}
