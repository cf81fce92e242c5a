import EventModel
import Foundation
import PersisterCore
import Prometheus
import ServiceOperations
import Synchronization

/// The persister's Prometheus metrics.
struct PersisterMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let persisted: Counter
    let duplicates: Counter
    let batchSize: ValueHistogram
    let writeDuration: DurationHistogram
    let endToEndLatency: DurationHistogram
    let assignedPartitions: Gauge
    let databaseRetries: Counter
    /// The oldest pending record per partition, as the pipeline last reported it; the lag gauges
    /// are computed from it at each scrape, so they keep growing while the pipeline waits.
    private let pending = PendingRecords()
    private let lagGauges = MetricCache<Gauge>()
    private let recordLagGauges = MetricCache<Gauge>()
    /// The next offset this replica last committed per partition, for the lag in records.
    private let committedOffsets = CommittedOffsets()
    private let deadLetterCounters = MetricCache<Counter>()

    private final class PendingRecords: Sendable {
        let state = Mutex<(oldest: [TopicPartition: Int64], assignment: Set<TopicPartition>)>(([:], []))
    }

    private final class CommittedOffsets: Sendable {
        let next = Mutex<[TopicPartition: Int64]>([:])
    }

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        persisted = registry.makeCounter(
            descriptor: .punk("persister", "events_persisted", unit: "total", help: "Rows inserted into events"))
        duplicates = registry.makeCounter(
            descriptor: .punk(
                "persister", "duplicates_skipped", unit: "total", help: "Events already in the table (ON CONFLICT)"))
        batchSize = registry.makeValueHistogram(
            descriptor: .punk("persister", "batch_size", unit: "events", help: "Records per polled batch"),
            buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000])
        writeDuration = registry.makeDurationHistogram(
            descriptor: .punk("persister", "write_duration", unit: "seconds", help: "Time of one batch transaction"),
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ])
        endToEndLatency = registry.makeDurationHistogram(
            descriptor: .punk(
                "persister", "end_to_end_latency", unit: "seconds",
                help: "From the event's timestamp to the offset commit after its row was written"),
            buckets: [
                .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
            ])
        assignedPartitions = registry.makeGauge(
            descriptor: .punk("persister", "assigned_partitions", unit: "count", help: "Partitions this replica owns"))
        databaseRetries = registry.makeCounter(
            descriptor: .punk(
                "persister", "database_retries", unit: "total", help: "Batch writes retried after a transient failure"))
    }

    func notePending(oldestByPartition: [TopicPartition: Int64], assignment: Set<TopicPartition>) {
        pending.state.withLock { $0 = (oldestByPartition, assignment) }
    }

    func noteCommitted(_ offsets: [TopicPartition: Int64]) {
        committedOffsets.next.withLock { $0.merge(offsets, uniquingKeysWith: max) }
    }

    /// Sets, per assigned partition, `punk_persister_lag_seconds{topic,partition}`: the age of the
    /// oldest record consumed but not yet committed, 0 when the partition is caught up; and
    /// `punk_persister_lag_records{topic,partition}`: the broker's high watermark (as last seen in
    /// a fetch) minus the offset this replica committed, where both are known. Called before each
    /// scrape.
    func updateLag(highWatermarks: [TopicPartition: Int64] = [:], now: Date = Date()) {
        let (oldest, assignment) = pending.state.withLock { $0 }
        let committed = committedOffsets.next.withLock { next in
            // A partition that went to another replica may come back with a newer group offset.
            next = next.filter { assignment.contains($0.key) }
            return next
        }
        for (partition, high) in highWatermarks where assignment.contains(partition) {
            guard let next = committed[partition] else { continue }
            let partitionLabel = String(partition.partition)
            recordLagGauges.metric(for: [partition.topic, partitionLabel]) {
                registry.makeGauge(
                    descriptor: .punk(
                        "persister", "lag", unit: "records",
                        help:
                            "Records on the broker after the offset this replica committed (high watermark - committed)"
                    ),
                    labels: [("topic", partition.topic), ("partition", partitionLabel)])
            }.set(Double(max(0, high - next)))
        }
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        for partition in assignment {
            let age = oldest[partition].map { max(0, Double(nowMilliseconds - $0) / 1000) } ?? 0
            let partitionLabel = String(partition.partition)
            lagGauges.metric(for: [partition.topic, partitionLabel]) {
                registry.makeGauge(
                    descriptor: .punk(
                        "persister", "lag", unit: "seconds",
                        help: "Age of the oldest record consumed but not yet committed; 0 when caught up"),
                    labels: [("topic", partition.topic), ("partition", partitionLabel)])
            }.set(age)
        }
    }

    func deadLettered(_ count: Int, reason: String) {
        deadLetterCounters.metric(for: [reason]) {
            registry.makeCounter(
                descriptor: .punk(
                    "persister", "dead_lettered", unit: "total", help: "Records sent to the dead-letter topic"),
                labels: [("reason", reason)])
        }.increment(by: Int64(count))
    }
}
