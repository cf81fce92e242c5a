import Logging
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
