import EventModel
import Foundation
import PersisterCore
import Prometheus
import Testing

@testable import Persister

/// The lag gauges computed at scrape time from what the pipeline and the consumer reported. (The
/// test broker's high watermark is not usable, so the records gauge is checked here, not live.)
@Suite("Persister lag gauges")
struct LagGaugeTests {
    static let topic = "events"

    static func scrape(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("lag in records: high watermark minus the committed offset, where both are known; never negative")
    func records() {
        let metrics = PersisterMetrics()
        let p0 = TopicPartition(topic: Self.topic, partition: 0)
        let p1 = TopicPartition(topic: Self.topic, partition: 1)
        let p2 = TopicPartition(topic: Self.topic, partition: 2)
        metrics.notePending(oldestByPartition: [:], assignment: [p0, p1, p2])
        metrics.noteCommitted([p0: 40, p1: 10])
        metrics.noteCommitted([p0: 100])
        metrics.updateLag(highWatermarks: [p0: 250, p1: 5, p2: 900])
        let text = Self.scrape(metrics.registry)
        #expect(text.contains(#"punk_persister_lag_records{topic="events",partition="0"} 150"#), "\(text)")
        #expect(text.contains(#"punk_persister_lag_records{topic="events",partition="1"} 0"#))
        #expect(!text.contains(#"punk_persister_lag_records{topic="events",partition="2"}"#), "nothing committed there")
    }

    @Test("lag in seconds: the oldest pending record's age; 0 for a caught-up partition")
    func seconds() {
        let metrics = PersisterMetrics()
        let p0 = TopicPartition(topic: Self.topic, partition: 0)
        let p1 = TopicPartition(topic: Self.topic, partition: 1)
        let now = Date(timeIntervalSince1970: 1_000)
        metrics.notePending(oldestByPartition: [p0: 990_000], assignment: [p0, p1])
        metrics.updateLag(now: now)
        let text = Self.scrape(metrics.registry)
        #expect(text.contains(#"punk_persister_lag_seconds{topic="events",partition="0"} 10"#), "\(text)")
        #expect(text.contains(#"punk_persister_lag_seconds{topic="events",partition="1"} 0"#))
    }
}
