import Synchronization

/// Bytes of request bodies held across all requests at once: beyond `limit` a request is answered
/// `503` with `Retry-After` instead of growing the gateway's memory without bound.
final class ByteBudget: Sendable {
    let limit: Int
    private let held = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `count` bytes from the budget; `false` (and nothing taken) when they do not fit.
    func reserve(_ count: Int) -> Bool {
        let total = held.add(count, ordering: .relaxed).newValue
        guard total <= limit else {
            held.subtract(count, ordering: .relaxed)
            return false
        }
        return true
    }

    func release(_ count: Int) {
        guard count > 0 else { return }
        held.subtract(count, ordering: .relaxed)
    }

    var inUse: Int { held.load(ordering: .relaxed) }
}
