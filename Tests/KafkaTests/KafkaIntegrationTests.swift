import EventModel
import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Kafka wrapper against Tansu", .serialized)
struct KafkaIntegrationTests {
    let brokers: String
    let logger = TestEnvironment.logger

    init() throws {
        brokers = try TestEnvironment.kafkaBrokers()
    }

    func producer() throws -> KafkaProducer {
        try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: brokers)),
            logger: logger)
    }

    func consumerConfiguration(group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers), groupID: group)
        configuration.sessionTimeout = .seconds(6)
        return configuration
    }

    func records(topic: String, count: Int, from start: Int = 0) -> [OutgoingRecord] {
        (start..<start + count).map { index in
            OutgoingRecord(
                topic: topic, key: Array("key-\(index % 17)".utf8), value: Array("value-\(index)".utf8),
                headers: [RecordHeader("index", Array(String(index).utf8))])
        }
    }

    /// Polls until `expected` distinct values arrived or the time is up; commits after each poll.
    func drain(
        _ consumer: KafkaConsumer,
        into seen: inout [String: Int],
        expected: Int,
        timeout: Duration = .seconds(60)
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while seen.count < expected, ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxRecords: 500, timeout: .milliseconds(500))
            for record in batch { seen[String(decoding: record.value, as: UTF8.self), default: 0] += 1 }
            try await consumer.commit(nextOffsets(batch))
        }
    }

    func nextOffsets(_ records: [ConsumedRecord]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for record in records {
            offsets[record.topicPartition] = max(offsets[record.topicPartition] ?? 0, record.offset + 1)
        }
        return offsets
    }

    @Test("10,000 records each get a delivery report with a partition and offset")
    func produceTenThousand() async throws {
        let topic = try await TestEnvironment.makeTopic("produce", partitions: 3, brokers: brokers)
        let producer = try producer()
        let results = await producer.send(records(topic: topic, count: 10_000))
        #expect(results.count == 10_000)
        let reports = results.compactMap { try? $0.get() }
        #expect(reports.count == 10_000)
        #expect(Set(reports.map(\.partition)).count == 3)
        #expect(Set(reports.map { "\($0.partition)/\($0.offset)" }).count == 10_000)
        await producer.close()
    }

    @Test("a single send returns where the record was stored, and headers survive the trip")
    func singleSendAndHeaders() async throws {
        let topic = try await TestEnvironment.makeTopic("single", partitions: 1, brokers: brokers)
        let producer = try producer()
        let report = try await producer.send(
            OutgoingRecord(
                topic: topic, key: Array("k".utf8), value: Array("v".utf8), headers: [RecordHeader("h", [1, 2, 3])]))
        #expect(report.topic == topic)
        #expect(report.offset >= 0)
        await producer.close()

        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(group: TestEnvironment.uniqueName("g")), topics: [topic],
            logger: logger)
        var received: [ConsumedRecord] = []
        _ = await TestEnvironment.eventually(timeout: .seconds(30)) {
            received += (try? await consumer.poll(maxRecords: 10, timeout: .milliseconds(500))) ?? []
            return !received.isEmpty
        }
        await consumer.close()
        let record = try #require(received.first)
        #expect(record.key == Array("k".utf8))
        #expect(record.value == Array("v".utf8))
        #expect(record.headers == [RecordHeader("h", [1, 2, 3])])
        #expect(record.timestampMilliseconds != nil)
    }

    @Test("a producer whose broker is unreachable fails the send within its delivery timeout")
    func unreachableBrokerFailsInTime() async throws {
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1"))
        configuration.deliveryTimeout = .seconds(1)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let started = ContinuousClock.now
        await #expect(throws: KafkaError.self) {
            try await producer.send(OutgoingRecord(topic: "nowhere", key: nil, value: [1]))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await producer.close()
    }

    @Test("a full local queue fails fast with queueFull")
    func queueFull() async throws {
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1"))
        configuration.queueCapacity = 10
        configuration.deliveryTimeout = .seconds(1)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let results = await producer.send(records(topic: "nowhere", count: 20))
        let queueFull = results.filter {
            if case .failure(let error) = $0 { return error.code == .queueFull }
            return false
        }
        #expect(queueFull.count == 10)
        await producer.close()
    }

    @Test("consume with manual commits, restart, and resume exactly at the committed offsets")
    func resumeAtCommittedOffsets() async throws {
        let topic = try await TestEnvironment.makeTopic("resume", partitions: 3, brokers: brokers)
        let group = TestEnvironment.uniqueName("group")
        let producer = try producer()
        _ = await producer.send(records(topic: topic, count: 1000))

        var seen: [String: Int] = [:]
        let first = try KafkaConsumer(
            configuration: consumerConfiguration(group: group), topics: [topic], logger: logger)
        try await drain(first, into: &seen, expected: 1000)
        #expect(seen.count == 1000)
        await first.close()

        _ = await producer.send(records(topic: topic, count: 500, from: 1000))
        await producer.close()

        var afterRestart: [String: Int] = [:]
        let second = try KafkaConsumer(
            configuration: consumerConfiguration(group: group), topics: [topic], logger: logger)
        try await drain(second, into: &afterRestart, expected: 500)
        // Nothing before the committed offsets is read again, nothing after them is missed.
        #expect(afterRestart.count == 500)
        #expect(afterRestart.keys.allSatisfy { Int($0.dropFirst("value-".count))! >= 1000 })
        #expect(afterRestart.values.allSatisfy { $0 == 1 })
        let committed = try await second.committedOffsets((0..<3).map { TopicPartition(topic: topic, partition: $0) })
        #expect(committed.values.compactMap { $0 }.reduce(0, +) == 1500)
        await second.close()
    }

    @Test("a second member triggers a rebalance; together the two see every record")
    func rebalanceBetweenTwoMembers() async throws {
        let topic = try await TestEnvironment.makeTopic("rebalance", partitions: 4, brokers: brokers)
        let group = TestEnvironment.uniqueName("group")
        let producer = try producer()
        _ = await producer.send(records(topic: topic, count: 2000))

        let first = try KafkaConsumer(
            configuration: consumerConfiguration(group: group), topics: [topic], logger: logger)
        var seenByFirst: [String: Int] = [:]
        // Take part of the stream alone, then let the second member join.
        try await drain(first, into: &seenByFirst, expected: 300)
        #expect(first.assignment.count == 4)

        let second = try KafkaConsumer(
            configuration: consumerConfiguration(group: group), topics: [topic], logger: logger)
        var seenBySecond: [String: Int] = [:]
        _ = await producer.send(records(topic: topic, count: 2000, from: 2000))
        await producer.close()

        let deadline = ContinuousClock.now + .seconds(90)
        while seenByFirst.count + seenBySecond.count < 4000, ContinuousClock.now < deadline {
            async let firstBatch = first.poll(maxRecords: 500, timeout: .milliseconds(300))
            async let secondBatch = second.poll(maxRecords: 500, timeout: .milliseconds(300))
            let (a, b) = try await (firstBatch, secondBatch)
            for record in a { seenByFirst[String(decoding: record.value, as: UTF8.self), default: 0] += 1 }
            for record in b { seenBySecond[String(decoding: record.value, as: UTF8.self), default: 0] += 1 }
            try await first.commit(nextOffsets(a).filter { first.assignment.contains($0.key) })
            try await second.commit(nextOffsets(b).filter { second.assignment.contains($0.key) })
        }
        let all = Set(seenByFirst.keys).union(seenBySecond.keys)
        #expect(all.count == 4000)
        #expect(!seenBySecond.isEmpty)
        // The second member took partitions from the first.
        #expect(first.assignment.count < 4)
        #expect(first.assignment.isDisjoint(with: second.assignment))
        await first.close()
        await second.close()
    }

    @Test("health check: metadata from a live broker, an error from a dead one")
    func connectionCheck() async throws {
        let live = try producer()
        try await live.checkConnection()
        await live.close()
        let dead = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1")),
            logger: logger)
        await #expect(throws: KafkaError.self) { try await dead.checkConnection(timeout: .milliseconds(500)) }
        await dead.close()
    }

    @Test("pass-through properties: KAFKA_PROPERTY_* names become librdkafka names, bad ones are refused")
    func passThroughProperties() throws {
        let properties = KafkaClientConfiguration.passThroughProperties(from: [
            "KAFKA_PROPERTY_SECURITY_PROTOCOL": "plaintext", "KAFKA_PROPERTY_LINGER_MS": "7", "OTHER": "x",
        ])
        #expect(properties == ["security.protocol": "plaintext", "linger.ms": "7"])
        let bad = KafkaClientConfiguration(bootstrapServers: brokers, additionalProperties: ["no.such.property": "1"])
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: KafkaProducerConfiguration(client: bad), logger: logger)
        }
    }
}
