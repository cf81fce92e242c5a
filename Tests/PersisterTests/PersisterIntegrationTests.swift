import EventModel
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

@Suite("Persister against Tansu and PostgreSQL", .serialized)
struct PersisterIntegrationTests {
    @Test("10,000 events of all three shapes end as 10,000 rows; producing them again adds none")
    func mixedShapesAndDuplicates() async throws {
        let harness = try await PersisterHarness.make()
        let producer = try harness.producer()
        var values: [(key: String?, value: [UInt8])] = []
        var replayable: [(key: String?, value: [UInt8])] = []
        for index in 0..<10_000 {
            let value: [UInt8]
            switch index % 3 {
            case 0: value = Events.canonical(index: index)
            case 1: value = Events.cloudEvent(id: "ce-\(index)", index: index)
            default: value = Events.legacy(index: index)
            }
            values.append((key: "key-\(index % 11)", value: value))
            // The legacy shape's id is derived from its offset, so only the other shapes can be
            // produced "again" as the same events.
            if index % 3 != 2 { replayable.append(values.last!) }
        }
        try await harness.produce(values, using: producer)
        let persister = try harness.start()
        #expect(try await harness.waitForRows(10_000) == 10_000)

        let connection = try await harness.connect()
        let canonical = try await connection.query(
            """
            SELECT event_version, producer, severity, event_key, correlation_id = event_id AS same, payload->>'index' AS i,
                   occurred_at = '2026-11-22T09:00:00.5Z' AS at, kafka_topic = $1 AS topic
            FROM events WHERE event_type = 'task.created' AND (payload->>'index')::int = 3
            """, [.text(harness.topic)])
        #expect(canonical.rows.first == ["1", "tests", "notice", "k3", "t", "3", "t", "t"])
        let cloud = try await connection.query(
            "SELECT event_id, producer, event_key FROM events WHERE event_type = 'com.dapr.event.sent' AND payload->>'index' = '4'"
        )
        #expect(
            cloud[0, "event_id"]
                == UUID(version5Namespace: .punkRecordsNamespace, name: "dapr-app\u{0}ce-4").canonicalString)
        #expect(cloud[0, "producer"] == "dapr-app")
        #expect(cloud[0, "event_key"] == "key-4")
        let legacy = try await connection.query(
            "SELECT event_version, producer, kafka_partition, kafka_offset FROM events WHERE event_type = 'task.updated' LIMIT 1"
        )
        #expect(legacy[0, "event_version"] == "1.0")
        #expect(legacy[0, "producer"] == "legacy")

        try await harness.produce(replayable, using: producer)
        let marker = UUID()
        try await harness.produce([(key: nil, value: Events.canonical(marker))], using: producer)
        #expect(try await harness.waitForRows(10_001) == 10_001)
        #expect(try await harness.rowCount() == 10_001)
        #expect(harness.stop(persister))
        #expect(persister.terminationStatus == 0)
        await producer.close()
    }

    @Test("poison records land in the dead-letter topic with their reasons; the valid events around them are persisted")
    func poisonRecords() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        try await harness.migrateWithPoisonRule()

        let producer = try harness.producer()
        var values: [(key: String?, value: [UInt8])] = []
        for index in 0..<300 {
            values.append((key: nil, value: Events.canonical(index: index)))
            switch index {
            case 50: values.append((key: "garbage", value: [0xFF, 0xFE, 0x00, 0x01]))
            case 100: values.append((key: nil, value: Array(#"{"event_id":"nope","payload":{}}"#.utf8)))
            case 150: values.append((key: nil, value: Events.canonical(type: "poison.row", index: index)))
            case 200: values.append((key: nil, value: Array("[1,2,3]".utf8)))
            default: break
            }
        }
        try await harness.produce(values, using: producer)
        let persister = try harness.start()
        #expect(try await harness.waitForRows(300) == 300)

        let deadLetters = try await TestEnvironment.readTopic(
            harness.deadLetterTopic, brokers: harness.brokers, count: 4)
        let reasons = deadLetters.compactMap {
            $0.headers.lastValue(named: "dlq-reason").map { String(decoding: $0, as: UTF8.self) }
        }
        .sorted()
        #expect(reasons == ["database_rejected", "invalid_json", "validation_failed", "validation_failed"])
        let garbage = try #require(deadLetters.first { $0.key == Array("garbage".utf8) })
        #expect(garbage.value == [0xFF, 0xFE, 0x00, 0x01])
        #expect(garbage.headers.lastValue(named: "dlq-original-topic") == Array(harness.topic.utf8))
        #expect(garbage.headers.lastValue(named: "dlq-original-partition") == Array("0".utf8))
        #expect(garbage.headers.lastValue(named: "dlq-original-offset") == Array("51".utf8))
        #expect(garbage.headers.lastValue(named: "dlq-error")?.isEmpty == false)
        #expect(harness.stop(persister))
        await producer.close()
    }

    @Test("kill -9 of one of two replicas in the middle of a stream: every event ends as one row")
    func killOneReplica() async throws {
        let harness = try await PersisterHarness.make(partitions: 4)
        let first = try harness.start()
        let second = try harness.start()
        let producer = try harness.producer()
        try await stream(8000, over: .seconds(12), harness: harness, producer: producer) { elapsed in
            if elapsed == 4 { kill(second.processIdentifier, SIGKILL) }
        }
        #expect(try await harness.waitForRows(8000, timeout: .seconds(120)) == 8000)
        #expect(try await distinctRows(harness) == 8000)
        #expect(harness.stop(first))
        _ = second.waitForExit(timeout: .seconds(5))
        await producer.close()
    }

    @Test("PostgreSQL stopped for 15 s mid-stream: nothing dead-lettered, nothing lost, caught up alone, alive")
    func databaseOutage() async throws {
        let harness = try await PersisterHarness.make(partitions: 2)
        let metricsPort = Int.random(in: 20000...29999)
        let persister = try harness.start(environment: ["METRICS_PORT": String(metricsPort)])
        let producer = try harness.producer()
        try await stream(3000, over: .seconds(6), harness: harness, producer: producer) { elapsed in
            if elapsed == 2 { try TestStack.run("stop-postgres") }
        }
        try await Task.sleep(for: .seconds(5))
        #expect(HTTPProbe.status(port: metricsPort, path: "/live") == 200)
        #expect(HTTPProbe.status(port: metricsPort, path: "/health") == 503)
        try await Task.sleep(for: .seconds(6))
        try TestStack.run("start-postgres")
        #expect(try await harness.waitForRows(3000, timeout: .seconds(120)) == 3000)
        #expect(persister.isRunning)
        let deadLetters = try await TestEnvironment.readTopic(
            harness.deadLetterTopic, brokers: harness.brokers, count: 1, timeout: .seconds(8))
        #expect(deadLetters.isEmpty)
        #expect(harness.stop(persister))
        #expect(persister.terminationStatus == 0)
        await producer.close()
    }

    @Test("scaling 1 → 3 → 1 replicas during a stream: every event ends as one row")
    func scaling() async throws {
        let harness = try await PersisterHarness.make(partitions: 6)
        let first = try harness.start()
        var extra: [Process] = []
        let producer = try harness.producer()
        try await stream(9000, over: .seconds(15), harness: harness, producer: producer) { elapsed in
            if elapsed == 3 { extra = [try harness.start(), try harness.start()] }
            if elapsed == 9 { for process in extra { _ = harness.stop(process) } }
        }
        #expect(try await harness.waitForRows(9000, timeout: .seconds(120)) == 9000)
        #expect(try await distinctRows(harness) == 9000)
        #expect(harness.stop(first))
        await producer.close()
    }

    @Test("ten replicas started at once against an empty database apply each migration once")
    func concurrentMigrations() async throws {
        let harness = try await PersisterHarness.make()
        let replicas = try (0..<10).map { _ in try harness.start() }
        let connection = try await harness.connect()
        let migrated = await TestEnvironment.eventually(timeout: .seconds(60)) {
            let rows = try? await connection.query(
                "SELECT version, count(*) AS n FROM schema_migrations GROUP BY version")
            return rows.map { !$0.rows.isEmpty } ?? false
        }
        #expect(migrated)
        for replica in replicas { #expect(replica.isRunning) }
        let counts = try await connection.query("SELECT version, count(*) AS n FROM schema_migrations GROUP BY version")
        #expect(counts.rows.allSatisfy { $0[1] == "1" })
        let files = try FileManager.default.contentsOfDirectory(
            atPath: try TestEnvironment.repositoryRoot() + "/migrations")
        #expect(counts.rows.count == files.filter { $0.hasSuffix(".sql") }.count)
        for replica in replicas { kill(replica.processIdentifier, SIGTERM) }
        for replica in replicas { #expect(replica.waitForExit(timeout: .seconds(60))) }
    }

    @Test("replay re-persists a topic idempotently; dlq-redrive moves fixed records back")
    func replayAndRedrive() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let producer = try harness.producer()
        try await harness.produce((0..<100).map { (key: nil, value: Events.canonical(index: $0)) }, using: producer)
        let persister = try harness.start()
        #expect(try await harness.waitForRows(100) == 100)
        #expect(harness.stop(persister))

        let connection = try await harness.connect()
        try await connection.query("DELETE FROM events WHERE (payload->>'index')::int < 40")
        let replay = try harness.start(["replay", "--from-offset", "0"])
        #expect(replay.waitForExit(timeout: .seconds(90)))
        #expect(replay.terminationStatus == 0)
        #expect(try await harness.rowCount() == 100)

        // A record dead-lettered by hand (as if rejected earlier) goes back to its topic and is persisted.
        let fixed = UUID()
        _ = try await producer.send(
            OutgoingRecord(
                topic: harness.deadLetterTopic, key: nil, value: Events.canonical(fixed),
                headers: [
                    RecordHeader("dlq-reason", Array("database_rejected".utf8)),
                    RecordHeader("dlq-original-topic", Array(harness.topic.utf8)),
                ]))
        // A legacy record keeps the identity of where it was first produced.
        _ = try await producer.send(
            OutgoingRecord(
                topic: harness.deadLetterTopic, key: nil, value: Events.legacy(index: 7),
                headers: [
                    RecordHeader("dlq-reason", Array("database_rejected".utf8)),
                    RecordHeader("dlq-original-topic", Array(harness.topic.utf8)),
                    RecordHeader("dlq-original-partition", Array("0".utf8)),
                    RecordHeader("dlq-original-offset", Array("12345".utf8)),
                ]))
        try await Task.sleep(for: .milliseconds(50))
        let redrive = try harness.start(["dlq-redrive"])
        #expect(redrive.waitForExit(timeout: .seconds(90)))
        #expect(redrive.terminationStatus == 0)
        let again = try harness.start()
        #expect(try await harness.waitForRows(102) == 102)
        let legacyID = UUID(version5Namespace: .punkRecordsNamespace, name: "\(harness.topic)/0/12345")
        let legacy = try await connection.query(
            "SELECT count(*) AS c FROM events WHERE event_id = $1", [.uuid(legacyID)])
        #expect(legacy[0, "c"] == "1")
        #expect(harness.stop(again))
        await producer.close()
    }

    /// Produces `count` canonical events spread over `duration`, calling `tick` once a second.
    func stream(
        _ count: Int,
        over duration: Duration,
        harness: PersisterHarness,
        producer: KafkaProducer,
        tick: (Int) async throws -> Void
    ) async throws {
        let seconds = Int(duration.components.seconds)
        let perSecond = count / seconds
        for second in 0..<seconds {
            let started = ContinuousClock.now
            try await tick(second)
            let share = second == seconds - 1 ? count - perSecond * (seconds - 1) : perSecond
            let values = (0..<share).map {
                (key: nil as String?, value: Events.canonical(index: second * perSecond + $0))
            }
            try await harness.produce(values, using: producer)
            let elapsed = ContinuousClock.now - started
            if elapsed < .seconds(1) { try await Task.sleep(for: .seconds(1) - elapsed) }
        }
    }

    func distinctRows(_ harness: PersisterHarness) async throws -> Int {
        let connection = try await harness.connect()
        return Int(try await connection.query("SELECT count(DISTINCT event_id) AS c FROM events")[0, "c"] ?? "0") ?? 0
    }
}
