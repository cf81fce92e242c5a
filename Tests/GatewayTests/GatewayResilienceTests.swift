import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import Gateway

@Suite("Gateway under failure", .serialized)
struct GatewayResilienceTests {
    @Test("broker stopped: 503 with Retry-After within the bound; back on its own when the broker returns")
    func brokerOutage() async throws {
        let broker = try TestBroker()
        let topic = TestEnvironment.uniqueName("outage")
        let admin = try KafkaAdmin(
            configuration: .init(bootstrapServers: broker.bootstrapServers), logger: TestEnvironment.logger)
        try await admin.createTopic(topic, partitions: 1)
        let harness = try await GatewayHarness.make(
            brokers: broker.bootstrapServers, extraEnvironment: ["KAFKA_PROPERTY_MESSAGE_TIMEOUT_MS": "2000"],
            topic: topic)
        try await harness.test { client in
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .accepted)
            }
            broker.stop()
            let started = ContinuousClock.now
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "broker_unavailable")
                #expect(response.headers[.retryAfter] != nil)
            }
            #expect(ContinuousClock.now - started < .seconds(4))
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "alive")
            }
            try broker.start()
            // Tansu keeps topics in memory only: a restarted broker needs its topic again.
            let restartedAdmin = try KafkaAdmin(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: TestEnvironment.logger)
            try await restartedAdmin.createTopic(topic, partitions: 1)
            let recovered = try await TestEnvironment.eventually(timeout: .seconds(40), interval: .milliseconds(500)) {
                try await client.execute(
                    uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
                ) {
                    $0.status == .accepted
                }
            }
            #expect(recovered)
        }
        broker.stop()
    }

    @Test("SIGTERM under load: in-flight requests finish, the process exits 0, every 202 event is in the topic")
    func sigtermUnderLoad() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = try await TestEnvironment.makeTopic("sigterm", partitions: 3, brokers: brokers)
        let port = Int.random(in: 30000...39999)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.value("PUNK_TEST_BIN_DIR") + "/gateway")
        process.environment = [
            "PUNK_RECORDS_API_TOKEN": token, "KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": String(port), "LOG_LEVEL": "warning",
        ]
        try process.run()
        let ready = await TestEnvironment.eventually(timeout: .seconds(15)) {
            let client = TestClient(host: "127.0.0.1", port: port)
            client.connect()
            let status = (try? await client.execute(.init("/ready", method: .get)))?.head.status
            try? await client.shutdown()
            return status == .ok
        }
        try #require(ready)

        let load = LoadState()
        let pid = process.processIdentifier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let client = TestClient(host: "127.0.0.1", port: port)
                    client.connect()
                    while !load.stop.load(ordering: .relaxed) {
                        let id = UUID().uuidString.lowercased()
                        let request = TestClient.Request(
                            "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope(id: id)))
                        guard let response = try? await client.execute(request) else { break }
                        if response.head.status == .accepted { load.accepted.withLock { $0.append(id) } }
                    }
                    try? await client.shutdown()
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                kill(pid, SIGTERM)
                try await Task.sleep(for: .seconds(5))
                load.stop.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        #expect(process.waitForExit(timeout: .seconds(30)))
        #expect(process.terminationStatus == 0)
        let acceptedIDs = Set(load.accepted.withLock { $0 })
        #expect(acceptedIDs.count > 50)
        let records = try await TestEnvironment.readTopic(topic, brokers: brokers, count: acceptedIDs.count)
        let stored = Set(
            records.compactMap { $0.headers.lastValue(named: "event-id").map { String(decoding: $0, as: UTF8.self) } })
        #expect(acceptedIDs.subtracting(stored).isEmpty)
    }
}

private final class LoadState: Sendable {
    let accepted = Mutex<[String]>([])
    let stop = Atomic<Bool>(false)
}
