import EventModel
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Whether a program takes work: `starting` until it is fully up, `draining` once shutdown began.
public final class Readiness: Sendable {
    public enum State: String, Sendable {
        case starting, ready, draining
    }

    private let state = Mutex(State.starting)

    public init() {}

    public var current: State { state.withLock { $0 } }

    public func markReady() {
        state.withLock { if $0 == .starting { $0 = .ready } }
    }

    public func markDraining() {
        state.withLock { $0 = .draining }
    }
}

/// Flips readiness to `draining` as soon as graceful shutdown starts. Listed last in the service
/// group, it is the first to hear of the shutdown, before the HTTP server stops listening.
public struct DrainOnShutdown: Service {
    let readiness: Readiness
    let logger: Logger

    public init(readiness: Readiness, logger: Logger) {
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.markDraining()
        logger.info("draining: readiness is now 503")
    }
}

/// A health check with a short memory, so probes and scrapes do not each hit the dependency.
public final class CachedHealthCheck: Sendable {
    private let check: @Sendable () async -> String?
    private let maximumAge: Duration
    private let cache = Mutex<(at: ContinuousClock.Instant, problem: String?)?>(nil)

    /// `check` returns `nil` when healthy, else a short description of the problem.
    public init(maximumAge: Duration = .seconds(1), check: @escaping @Sendable () async -> String?) {
        self.check = check
        self.maximumAge = maximumAge
    }

    public func problem() async -> String? {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.at < maximumAge { return cached.problem }
        let problem = await check()
        cache.withLock { $0 = (now, problem) }
        return problem
    }
}

extension Router {
    /// `GET /health`, `GET /ready`, `GET /live` and `GET /metrics`, the same on every Punk Records program.
    /// `/live` answers from the route itself: a process whose event loop serves it is working, and
    /// an outage of Kafka or PostgreSQL must never make Kubernetes restart it.
    public func addOperationalRoutes(
        readiness: Readiness,
        healthChecks: [(name: String, check: CachedHealthCheck)],
        registry: PrometheusCollectorRegistry,
        beforeScrape: @escaping @Sendable () -> Void = {}
    ) {
        get("/health") { _, _ -> Response in
            var writer = JSONWriter()
            var healthy = true
            var parts: [(String, String)] = []
            for (name, check) in healthChecks {
                if let problem = await check.problem() {
                    healthy = false
                    parts.append((name, problem))
                } else {
                    parts.append((name, "ok"))
                }
            }
            writer.beginObject()
            writer.member("status", healthy ? "ok" : "unavailable")
            for (name, value) in parts { writer.member(name, value) }
            writer.endObject()
            return Response.json(status: healthy ? .ok : .serviceUnavailable, writer.bytes)
        }
        get("/ready") { _, _ -> Response in
            let state = readiness.current
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("status", state.rawValue)
            writer.endObject()
            return Response.json(status: state == .ready ? .ok : .serviceUnavailable, writer.bytes)
        }
        get("/live") { _, _ -> Response in
            Response.json(status: .ok, Array(#"{"status":"alive"}"#.utf8))
        }
        get("/metrics") { _, _ -> Response in
            beforeScrape()
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}

extension Response {
    public static func json(status: HTTPResponse.Status, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension MetricNameDescriptor {
    /// `punk_<subsystem>_<name>_<unit>`, the naming of every Punk Records metric.
    public static func punk(_ subsystem: String, _ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "punk", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }
}
