import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Installs the OpenTelemetry tracer (OTLP over HTTP) as the process's tracer and propagator.
public enum TraceExport {
    /// Installs the tracer when `settings` enable it and returns the service that batches and
    /// exports the spans (to run beside the program's own, so that shutdown flushes them); `nil`
    /// when tracing is off. Call once per process, before any span is made.
    public static func start(
        _ settings: TracingSettings,
        serviceName: String,
        logger: Logger
    ) throws -> (any Service)? {
        guard settings.isEnabled else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.traces.enabled = true
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        // At info the exporter logs every OTEL_* value it applies, OTLP headers (credentials) too;
        // OTEL_LOG_LEVEL can still ask for more.
        configuration.diagnosticLogLevel = .warning
        // The environment (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER, ...) overrides these.
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("tracing on: spans exported over OTLP/HTTP")
        return backend.service
    }
}
