import Dispatch
import Foundation
import Synchronization

/// One record of a `send` call, carried through librdkafka as the message's opaque pointer.
final class DeliveryTicket: Sendable {
    let batch: DeliveryBatch
    let index: Int
    let topic: String

    init(batch: DeliveryBatch, index: Int, topic: String) {
        self.batch = batch
        self.index = index
        self.topic = topic
    }
}

/// The `send` calls still waiting, oldest first, so that none waits longer than `bound`. The
/// delivery-report threads sweep it after every poll (at least every 100 ms); a sweep that finds
/// nothing overdue costs one clock read and one lock.
final class DeliveryDeadlines: Sendable {
    private struct Watched {
        let deadline: ContinuousClock.Instant
        weak var batch: DeliveryBatch?
    }

    private struct State {
        /// In deadline order: every batch gets the same bound, and its deadline is taken under the lock.
        var watched: [Watched] = []
        var head = 0
    }

    let bound: Duration
    private let state = Mutex(State())

    init(bound: Duration) {
        self.bound = bound
    }

    func watch(_ batch: DeliveryBatch) {
        state.withLock { state in
            state.watched.append(Watched(deadline: .now + bound, batch: batch))
        }
    }

    /// Fails what is still undelivered in every batch whose deadline passed.
    func expireOverdue() {
        let now = ContinuousClock.now
        let overdue = state.withLock { state -> [DeliveryBatch] in
            var overdue: [DeliveryBatch] = []
            while state.head < state.watched.count, state.watched[state.head].deadline <= now {
                if let batch = state.watched[state.head].batch { overdue.append(batch) }
                state.head += 1
            }
            if state.head > 1024, state.head * 2 > state.watched.count {
                state.watched.removeFirst(state.head)
                state.head = 0
            }
            return overdue
        }
        for batch in overdue { batch.expire(after: bound) }
    }

    func expireAll() {
        let all = state.withLock { state -> [DeliveryBatch] in
            defer {
                state.watched = []
                state.head = 0
            }
            return state.watched[state.head...].compactMap(\.batch)
        }
        for batch in all { batch.expire(after: bound) }
    }
}

/// Collects the delivery reports of one `send` call and resumes its caller after the last one.
final class DeliveryBatch: Sendable {
    typealias Results = [Result<KafkaDeliveryReport, KafkaError>]

    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<Results, Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: nil))
    }

    /// Hands over the caller to resume; resumes at once if every report is already in.
    func start(_ continuation: CheckedContinuation<Results, Never>) {
        let finished: Results? = state.withLock { state in
            guard state.remaining == 0 else {
                state.continuation = continuation
                return nil
            }
            return state.results.map { $0! }
        }
        if let finished { continuation.resume(returning: finished) }
    }

    /// Fails every record still without a report; a report arriving later is ignored.
    func expire(after bound: Duration) {
        let pending = state.withLock { state in state.results.indices.filter { state.results[$0] == nil } }
        let error = KafkaError(code: .messageTimedOut, message: "no delivery report within \(bound)")
        for index in pending { complete(index, .failure(error)) }
    }

    func complete(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let finished: (CheckedContinuation<Results, Never>, Results)? = state.withLock { state in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished {
            continuation.resume(returning: results)
        }
    }
}
