import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import ServiceSupport
import TestSupport
import Testing

@testable import Gateway

let token = "test-token-123"

struct GatewayHarness {
    let gateway: Gateway
    let producer: KafkaProducer
    let topic: String
    let brokers: String

    /// A gateway on its own topic of the shared test broker (or of `brokers`).
    static func make(
        brokers: String? = nil,
        extraEnvironment: [String: String] = [:],
        topic: String? = nil
    ) async throws -> GatewayHarness {
        let brokers = try brokers ?? TestEnvironment.kafkaBrokers()
        let topic = try await resolveTopic(topic, brokers: brokers)
        var environment = [
            "PUNK_RECORDS_API_TOKEN": token, "KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "MAX_EVENT_BYTES": "4096",
            "MAX_BATCH_EVENTS": "50",
        ]
        environment.merge(extraEnvironment) { _, new in new }
        let configuration = try GatewayConfiguration(environment: EnvironmentReader(environment))
        let producer = try KafkaProducer(
            configuration: configuration.producerConfiguration(), logger: TestEnvironment.logger)
        return GatewayHarness(
            gateway: Gateway(configuration: configuration, producer: producer, logger: TestEnvironment.logger),
            producer: producer, topic: topic, brokers: brokers)
    }

    private static func resolveTopic(_ topic: String?, brokers: String) async throws -> String {
        if let topic { return topic }
        return try await TestEnvironment.makeTopic("gateway", partitions: 3, brokers: brokers)
    }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        gateway.readiness.markReady()
        try await gateway.application().test(.router, body)
        await producer.close()
    }
}

func envelope(
    id: String = UUID().uuidString.lowercased(),
    type: String = "task.created",
    key: String? = nil,
    payload: String = #"{"title":"hello"}"#
) -> String {
    let keyField = key.map { #","key":"\#($0)""# } ?? ""
    return
        #"{"event_id":"\#(id)","event_type":"\#(type)","timestamp":"2026-11-22T10:00:00Z","producer":"tests"\#(keyField),"payload":\#(payload)}"#
}

let jsonHeaders: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }

    var detailPaths: [String] {
        ((json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}
