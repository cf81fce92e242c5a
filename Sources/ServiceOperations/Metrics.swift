import Prometheus
import Synchronization

extension MetricNameDescriptor {
    /// `punk_<subsystem>_<name>_<unit>`, the naming of every Punk Records metric.
    public static func punk(_ subsystem: String, _ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "punk", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }
}

/// Metrics by label values, each made once, so a hot path skips the registry's lookup by name and
/// labels (a lock and a dictionary of strings per call) after the first time.
public final class MetricCache<Metric: AnyObject & Sendable>: Sendable {
    private let metrics = Mutex<[[String]: Metric]>([:])

    public init() {}

    /// The metric for `labels`; `make` runs only the first time (the registry hands back the same
    /// metric if two callers race to make it).
    public func metric(for labels: [String], make: () -> Metric) -> Metric {
        if let metric = metrics.withLock({ $0[labels] }) { return metric }
        let metric = make()
        metrics.withLock { $0[labels] = metric }
        return metric
    }
}
