import Prometheus
import ServiceOperations

/// The gateway's Prometheus metrics.
struct GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let eventsAccepted: Counter
    let produceDuration: DurationHistogram
    let producerQueueDepth: Gauge
    private let requestCounters = MetricCache<Counter>()
    private let rejectionCounters = MetricCache<Counter>()

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        eventsAccepted = registry.makeCounter(
            descriptor: .punk("gateway", "events_accepted", unit: "total", help: "Events acknowledged by the broker"))
        produceDuration = registry.makeDurationHistogram(
            descriptor: .punk(
                "gateway", "produce_duration", unit: "seconds",
                help: "Time from handing events to the producer until the broker acknowledged them"),
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10),
            ])
        producerQueueDepth = registry.makeGauge(
            descriptor: .punk("gateway", "producer_queue_depth", unit: "records", help: "Records queued or in flight"))
    }

    func rejected(_ count: Int, reason: String) {
        rejectionCounters.metric(for: [reason]) {
            registry.makeCounter(
                descriptor: .punk("gateway", "events_rejected", unit: "total", help: "Events not accepted, by reason"),
                labels: [("reason", reason)])
        }.increment(by: Int64(count))
    }

    func request(route: String, method: String, status: Int) {
        requestCounters.metric(for: [route, method, String(status)]) {
            registry.makeCounter(
                descriptor: .punk(
                    "gateway", "http_requests", unit: "total", help: "HTTP requests by route, method and status"),
                labels: [("route", route), ("method", method), ("status", String(status))])
        }.increment()
    }
}
