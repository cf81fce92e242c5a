import Foundation
import ServiceSupport

/// Whether the program exports spans, read once from the standard OpenTelemetry variables. The
/// exporter itself (endpoint, sampler, batch sizes, resource attributes) reads the other `OTEL_*`
/// variables when it starts; the values it cannot serve are refused here, with a reason, rather
/// than stopping the program later.
public struct TracingSettings: Sendable, Equatable {
    /// An OTLP endpoint is set (for all signals or for traces), the SDK is not disabled and the
    /// traces exporter is not `none`. Off, no tracer is installed and nothing is spent on spans.
    public let isEnabled: Bool

    static let exporters: Set = ["otlp", "none"]
    static let protocols: Set = ["http/protobuf", "http/json"]
    static let propagators: Set = ["tracecontext", "none"]
    static let samplers: Set = [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
        "parentbased_traceidratio",
    ]

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let variable = environment.optionalString
        let endpoint = variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? variable("OTEL_EXPORTER_OTLP_ENDPOINT")
        let disabled = variable("OTEL_SDK_DISABLED")?.lowercased() == "true"
        let exporter = variable("OTEL_TRACES_EXPORTER")?.lowercased() ?? "otlp"
        isEnabled = endpoint != nil && !disabled && exporter != "none"
        guard isEnabled else { return }
        func check(_ name: String, allowed: Set<String>, list: Bool = false) throws(ConfigurationError) {
            guard let value = variable(name) else { return }
            let values = list ? value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : [value]
            for item in values where !allowed.contains(item.lowercased()) {
                throw ConfigurationError(
                    "\(name)=\(value): \(item) is not supported here (use \(allowed.sorted().joined(separator: ", ")))"
                )
            }
        }
        try check("OTEL_TRACES_EXPORTER", allowed: Self.exporters)
        try check("OTEL_EXPORTER_OTLP_PROTOCOL", allowed: Self.protocols)
        try check("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", allowed: Self.protocols)
        try check("OTEL_PROPAGATORS", allowed: Self.propagators, list: true)
        try check("OTEL_TRACES_SAMPLER", allowed: Self.samplers)
    }
}
