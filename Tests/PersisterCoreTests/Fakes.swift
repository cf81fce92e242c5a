import EventModel
import Foundation
import Logging
import PersisterCore
import Synchronization
import Tracing

/// Records of one topic, made up for the tests.
enum Records {
    static let topic = "events"

    /// A canonical envelope; `type` "poison.row" is what `FakeTable` refuses.
    static func event(_ id: UUID = UUID(), type: String = "task.created") -> [UInt8] {
        let text =
            #"{"event_id":"\#(id.uuidString.lowercased())","event_type":"\#(type)","#
            + #""timestamp":"2026-11-22T10:00:00Z","producer":"tests","severity":"notice","payload":{}}"#
        return Array(text.utf8)
    }

    static func record(partition: Int32 = 0, offset: Int64, value: [UInt8]) -> SourceRecord {
        SourceRecord(ConsumedRecord(topic: topic, partition: partition, offset: offset, key: nil, value: value))
    }

    /// `count` good events on `partition`, from offset `from`.
    static func events(_ count: Int, partition: Int32 = 0, from: Int64 = 0) -> [SourceRecord] {
        (0..<count).map { record(partition: partition, offset: from + Int64($0), value: event()) }
    }

    static func partition(_ number: Int32) -> TopicPartition {
        TopicPartition(topic: topic, partition: number)
    }
}

/// A consumer group member over records given up front. It checks the promise at every commit:
/// each record below a committed offset is a row or a dead letter.
final class FakeSource: RecordSource {
    private struct State {
        var pending: [SourceRecord] = []
        var assignment: Set<TopicPartition> = [Records.partition(0)]
        var paused = false
        var pauses = 0
        var resumes = 0
        var commits: [[TopicPartition: Int64]] = []
        var violations: [String] = []
        var pollFailure: String?
    }

    private let state = Mutex(State())
    /// Whether a record is a row or a dead letter; checked at every commit.
    let isSettled: @Sendable (SourceRecord) -> Bool
    let all: [SourceRecord]

    init(_ records: [SourceRecord], isSettled: @escaping @Sendable (SourceRecord) -> Bool) {
        all = records
        self.isSettled = isSettled
        state.withLock { $0.pending = records }
    }

    func poll(maxRecords: Int, timeout: Duration) async throws -> [SourceRecord] {
        struct PollFailed: Error, CustomStringConvertible { let description: String }
        let records = try state.withLock { state throws -> [SourceRecord] in
            if let failure = state.pollFailure { throw PollFailed(description: failure) }
            guard !state.paused else { return [] }
            let taken = Array(state.pending.prefix(maxRecords))
            state.pending.removeFirst(taken.count)
            return taken
        }
        if records.isEmpty { try? await Task.sleep(for: .milliseconds(2)) }
        return records
    }

    var assignment: Set<TopicPartition> { state.withLock { $0.assignment } }

    func commit(_ offsets: [TopicPartition: Int64]) async throws {
        let unsettled = all.filter { record in
            guard let next = offsets[record.topicPartition] else { return false }
            return record.offset < next && !isSettled(record)
        }
        state.withLock { state in
            if let previous = state.commits.last {
                for (partition, offset) in offsets where (previous[partition] ?? 0) > offset {
                    state.violations.append("\(partition) committed \(offset) after \(previous[partition]!)")
                }
            }
            for record in unsettled { state.violations.append("committed past \(record.offset) before it settled") }
            state.commits.append(offsets)
        }
    }

    func pause() async {
        state.withLock {
            $0.paused = true; $0.pauses += 1
        }
    }
    func resume() async {
        state.withLock {
            $0.paused = false; $0.resumes += 1
        }
    }

    func failPolls(_ reason: String) { state.withLock { $0.pollFailure = reason } }
    func assign(_ partitions: Set<TopicPartition>) { state.withLock { $0.assignment = partitions } }
    var commits: [[TopicPartition: Int64]] { state.withLock { $0.commits } }
    var violations: [String] { state.withLock { $0.violations } }
    var pauseCount: Int { state.withLock { $0.pauses } }
    var resumeCount: Int { state.withLock { $0.resumes } }

    /// The highest committed next offset per partition.
    var committed: [TopicPartition: Int64] {
        state.withLock { $0.commits.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: max) } }
    }
}

/// The events table: refuses `poison.row` rows as a CHECK constraint would, and can be "down".
final class FakeTable: RowWriter {
    private struct State {
        var rows: [UUID: Int] = [:]
        var down: WriteFailure?
        var writes = 0
        var writeSizes: [Int] = []
        var inFlight = 0
        var mostInFlight = 0
        var busyLanes: Set<Int> = []
        var laneClash = false
    }

    private let state = Mutex(State())
    let lanes: Int
    /// How long each write takes, by the number of the write (0 for the first).
    let delay: @Sendable (Int) -> Duration
    let interrupted = Atomic<Int>(0)

    /// Writes (by number) that fail as if the connection was lost.
    let failing: Set<Int>

    /// Makes a span per write, as the real table does for its statement.
    let tracer: (any Tracer)?

    init(
        lanes: Int,
        delay: @escaping @Sendable (Int) -> Duration = { _ in .zero },
        failing: Set<Int> = [],
        tracer: (any Tracer)? = nil
    ) {
        self.lanes = lanes
        self.delay = delay
        self.failing = failing
        self.tracer = tracer
    }

    func write(_ rows: ArraySlice<EventRow>, lane: Int) async -> Result<Int, WriteFailure> {
        guard let tracer else { return await writeUntraced(rows, lane: lane) }
        return await tracer.withSpan("fake insert", ofKind: .client) { _ in await writeUntraced(rows, lane: lane) }
    }

    private func writeUntraced(_ rows: ArraySlice<EventRow>, lane: Int) async -> Result<Int, WriteFailure> {
        let number = state.withLock { state in
            state.writes += 1
            state.writeSizes.append(rows.count)
            state.inFlight += 1
            state.mostInFlight = max(state.mostInFlight, state.inFlight)
            if !state.busyLanes.insert(lane).inserted { state.laneClash = true }
            return state.writes - 1
        }
        let wait = delay(number)
        if wait > .zero { try? await Task.sleep(for: wait) }
        return state.withLock { state in
            state.inFlight -= 1
            state.busyLanes.remove(lane)
            if let down = state.down { return .failure(down) }
            if failing.contains(number) {
                return .failure(WriteFailure(kind: .retryLater, description: "connection_lost: reset"))
            }
            if rows.contains(where: { $0.envelope.eventType == "poison.row" }) {
                return .failure(WriteFailure(kind: .rowSpecific, description: "23514 check violation"))
            }
            var inserted = 0
            for row in rows {
                state.rows[row.envelope.eventID, default: 0] += 1
                if state.rows[row.envelope.eventID] == 1 { inserted += 1 }
            }
            return .success(inserted)
        }
    }

    func interruptAll() async { interrupted.add(1, ordering: .relaxed) }

    func goDown(_ kind: FailureKind = .retryLater) {
        state.withLock { $0.down = WriteFailure(kind: kind, description: "connection_failed: refused") }
    }

    func comeBack() { state.withLock { $0.down = nil } }

    func contains(_ id: UUID) -> Bool { state.withLock { $0.rows[id] != nil } }
    var rowCount: Int { state.withLock { $0.rows.count } }
    /// Rows written more than once (the real table would absorb them with ON CONFLICT).
    var rewrittenRows: Int { state.withLock { $0.rows.values.filter { $0 > 1 }.count } }
    var mostInFlight: Int { state.withLock { $0.mostInFlight } }
    /// The number of rows of each write, in the order they began.
    var writeSizes: [Int] { state.withLock { $0.writeSizes } }
    var laneClash: Bool { state.withLock { $0.laneClash } }
}

/// The dead-letter topic; can be "down", and refuses copies over `largestAccepted` as too large.
final class FakeDeadLetters: DeadLetterSink {
    private struct State {
        var delivered: [OutgoingRecord] = []
        var down = false
        var largestAccepted = Int.max
    }

    private let state = Mutex(State())
    let topic = "events.dlq"
    let maxBytes = 1_000_000

    func send(_ letters: [OutgoingRecord]) async -> [DeadLetterDelivery] {
        state.withLock { state in
            letters.map { letter in
                if state.down { return .unavailable("broker down") }
                if letter.value.count > state.largestAccepted { return .tooLarge }
                state.delivered.append(letter)
                return .delivered
            }
        }
    }

    func goDown() { state.withLock { $0.down = true } }
    func comeBack() { state.withLock { $0.down = false } }
    func acceptAtMost(_ bytes: Int) { state.withLock { $0.largestAccepted = bytes } }
    var delivered: [OutgoingRecord] { state.withLock { $0.delivered } }

    /// Whether a dead letter of the record at `offset` was delivered.
    func holds(partition: Int32, offset: Int64) -> Bool {
        state.withLock { state in
            state.delivered.contains { letter in
                letter.headers.contains {
                    $0.name == RecordHeaderName.dlqOriginalOffset && $0.value == Array("\(offset)".utf8)
                }
                    && letter.headers.contains {
                        $0.name == RecordHeaderName.dlqOriginalPartition && $0.value == Array("\(partition)".utf8)
                    }
            }
        }
    }
}

struct NoMetrics: PipelineMetrics {
    func polledBatch(size: Int) {}
    func persisted(_ count: Int) {}
    func duplicatesSkipped(_ count: Int) {}
    func deadLettered(_ count: Int, reason: String) {}
    func databaseRetried() {}
    func assignedPartitions(_ count: Int) {}
    func committed(_ offsets: [TopicPartition: Int64], eventTimestamps: [Int64]) {}
}

/// A stop signal the test pulls.
final class StopSwitch: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    func pull() { continuation.yield() }

    func wait() async {
        for await _ in stream { return }
    }
}

/// A driver over the fakes, with everything settled the way the real edges would settle it.
struct Pipeline {
    let source: FakeSource
    let table: FakeTable
    let deadLetters: FakeDeadLetters
    let stop = StopSwitch()
    let driver: PipelineDriver<FakeSource, FakeTable, FakeDeadLetters>

    init(
        _ records: [SourceRecord],
        lanes: Int = 2,
        maxEvents: Int = 10,
        maxBytes: Int = 1 << 20,
        writeDelay: @escaping @Sendable (Int) -> Duration = { _ in .zero },
        failingWrites: Set<Int> = [],
        idleExit: Duration? = nil,
        tracer: (any Tracer)? = nil
    ) {
        let table = FakeTable(lanes: lanes, delay: writeDelay, failing: failingWrites, tracer: tracer)
        let deadLetters = FakeDeadLetters()
        source = FakeSource(records) { record in
            switch ConsumedRecordDecoder.decode(
                value: record.value, key: record.key, coordinates: record.origin, recordTimestampMilliseconds: nil)
            {
            case .success(let event) where table.contains(event.envelope.eventID): true
            default: deadLetters.holds(partition: record.partition, offset: record.offset)
            }
        }
        self.table = table
        self.deadLetters = deadLetters
        driver = PipelineDriver(
            configuration: .init(
                machine: .init(
                    maxEvents: maxEvents, maxBytes: maxBytes, lanes: lanes, deadLettering: idleExit == nil,
                    idleExit: idleExit),
                pollTimeout: .milliseconds(5), stuckWriteGrace: .milliseconds(200)),
            source: source, writer: table, sink: deadLetters, metrics: NoMetrics(),
            logger: Logger(label: "tests") { _ in SwiftLogNoOpLogHandler() },
            tracing: tracer.map(PipelineTracing.init(tracer:)))
    }

    /// Runs the driver in the background.
    func start() -> Task<Result<Void, PipelineDriver<FakeSource, FakeTable, FakeDeadLetters>.Failure>, Never> {
        let driver = driver
        let stop = stop
        return Task {
            do throws(PipelineDriver<FakeSource, FakeTable, FakeDeadLetters>.Failure) {
                try await driver.run(stopRequested: { await stop.wait() })
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    /// Whether every record is committed.
    var allCommitted: Bool {
        let ends = source.all.reduce(into: [TopicPartition: Int64]()) {
            $0[$1.topicPartition] = max($0[$1.topicPartition] ?? 0, $1.offset + 1)
        }
        return source.committed == ends
    }
}

/// Waits until `condition` holds, for at most `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}
