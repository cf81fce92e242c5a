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

/// A health check with a short memory, so probes and scrapes do not each hit the dependency, and
/// with a deadline, so a dependency that hangs (a frozen database) makes `/health` answer
/// "timed out" within the probe's budget instead of hanging with it. At most one check runs at a
/// time; a slow one keeps running in the background and its answer is remembered when it comes.
public final class CachedHealthCheck: Sendable {
    private let check: @Sendable () async -> String?
    private let maximumAge: Duration
    private let timeout: Duration
    private let state = Mutex(State())

    private struct State {
        var cached: (at: ContinuousClock.Instant, problem: String?)?
        var running: Task<String?, Never>?
    }

    /// `check` returns `nil` when healthy, else a short description of the problem.
    public init(
        maximumAge: Duration = .seconds(1),
        timeout: Duration = .milliseconds(1500),
        check: @escaping @Sendable () async -> String?
    ) {
        self.check = check
        self.maximumAge = maximumAge
        self.timeout = timeout
    }

    public func problem() async -> String? {
        let now = ContinuousClock.now
        let maximumAge = self.maximumAge
        let task: Task<String?, Never> = state.withLock { state in
            if let cached = state.cached, now - cached.at < maximumAge { return Task { cached.problem } }
            if let running = state.running { return running }
            let running = Task { [self] in
                let problem = await check()
                self.state.withLock { state in
                    state.cached = (ContinuousClock.now, problem)
                    state.running = nil
                }
                return problem
            }
            state.running = running
            return running
        }
        return await Self.first(of: task, orAfter: timeout) ?? "timed out after \(timeout)"
    }

    /// The task's value, or `nil` once `timeout` passed first (the task is left running).
    private static func first(of task: Task<String?, Never>, orAfter timeout: Duration) async -> String?? {
        let answer = AnswerOnce()
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            Task { answer.resume(with: .some(await task.value)) }
            Task {
                try? await Task.sleep(for: timeout)
                answer.resume(with: nil)
            }
        }
    }

    private final class AnswerOnce: Sendable {
        private let continuation = Mutex<CheckedContinuation<String??, Never>?>(nil)

        func set(_ value: CheckedContinuation<String??, Never>) { continuation.withLock { $0 = value } }

        func resume(with value: String??) {
            continuation.withLock { stored in
                stored?.resume(returning: value)
                stored = nil
            }
        }
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
            // The checks run side by side, so the answer takes as long as the slowest one, not the sum.
            let problems = await withTaskGroup(of: (Int, String?).self) { group in
                for (index, entry) in healthChecks.enumerated() {
                    group.addTask { (index, await entry.check.problem()) }
                }
                var problems = [String?](repeating: nil, count: healthChecks.count)
                for await (index, problem) in group { problems[index] = problem }
                return problems
            }
            let healthy = problems.allSatisfy { $0 == nil }
            let parts = zip(healthChecks, problems).map { ($0.name, $1 ?? "ok") }
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
