import Synchronization

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
