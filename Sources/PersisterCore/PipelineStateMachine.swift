import EventModel

/// The consumer pipeline as a state machine: events in, actions out, no I/O and no clock of its
/// own (the time comes with the events that need it). `PipelineDriver` performs the actions and
/// feeds back what came of them; it is the machine's only owner, so no lock guards it.
///
/// Records are polled, cut into batches (by count and by bytes) and written, several batches at a
/// time, one per write lane. A written batch with rejected records has them dead-lettered. Batches
/// are committed strictly in the order they were polled: see `takeCommittablePrefix()`.
public struct PipelineStateMachine: Sendable {
    public typealias BatchID = Int

    public struct Configuration: Sendable {
        public var maxEvents: Int
        public var maxBytes: Int
        public var lanes: Int
        /// Whether rejected records go to the dead-letter topic (a replay does not send them again).
        public var deadLettering: Bool
        /// A replay stops once polls have brought nothing for this long; a live consumer never does.
        public var idleExit: Duration?

        public init(maxEvents: Int, maxBytes: Int, lanes: Int, deadLettering: Bool = true, idleExit: Duration? = nil) {
            precondition(maxEvents > 0 && lanes > 0)
            self.maxEvents = maxEvents
            self.maxBytes = maxBytes
            self.lanes = lanes
            self.deadLettering = deadLettering
            self.idleExit = idleExit
        }
    }

    public enum Event: Sendable {
        case polled([SourceRecord], assignment: Set<TopicPartition>, at: ContinuousClock.Instant)
        case pollFailed(String)
        case written(BatchID, BatchWriteResult)
        /// The dead letters the topic did not take (empty: all were delivered or skipped).
        case deadLettered(BatchID, undelivered: [RejectedRecord], cause: String?)
        case retryDue(BatchID)
        case committed
        case stopRequested
    }

    public enum Action: Sendable {
        case poll
        case write(BatchID, [SourceRecord], lane: Int, attempt: Int)
        case deadLetter(BatchID, [RejectedRecord])
        /// Wait `delay`, then report `.retryDue`. `attempt` counts from 0 for the first retry.
        case scheduleRetry(BatchID, delay: Duration, attempt: Int, cause: Outage)
        case pause
        case resume
        case commit([TopicPartition: Int64], eventTimestamps: [Int64])
        /// Records that cannot become rows, not dead-lettered because this run does not send any.
        case skipRejected(count: Int)
        /// Stopping began: writes still running after a grace period are to be cut off.
        case interruptWritesAfterGrace
        case finish(Finish)
    }

    public enum Outage: Sendable, Equatable {
        case database(String)
        case deadLetterTopic(String)
    }

    public enum Finish: Sendable, Equatable {
        /// Stop was requested; `unfinishedBatches` keep their offsets uncommitted.
        case stopped(unfinishedBatches: Int)
        /// A replay read everything there was.
        case caughtUp
        /// The pipeline cannot go on; the process ends with this reason.
        case failed(String)
    }

    enum Stage: Sendable {
        case writing(lane: Int, attempt: Int)
        case waitingToRewrite(lane: Int, attempt: Int)
        case deadLettering(attempt: Int)
        case waitingToResendDeadLetters(attempt: Int, [RejectedRecord])
        case done
        /// Given up on (stopping, or a fatal failure): it and every batch after it stay uncommitted.
        case abandoned
    }

    struct Batch: Sendable {
        let id: BatchID
        let records: [SourceRecord]
        var stage: Stage
        var eventTimestamps: [Int64] = []
        /// The next offset to commit per partition: the highest offset in the batch + 1.
        let nextOffsets: [TopicPartition: Int64]
        /// The oldest record timestamp (milliseconds) per partition, for the lag gauge.
        let oldestTimestamps: [TopicPartition: Int64]

        /// Reads the records once: the machine asks for their offsets and ages many times.
        init(id: BatchID, records: [SourceRecord], stage: Stage) {
            self.id = id
            self.records = records
            self.stage = stage
            var offsets: [TopicPartition: Int64] = [:]
            var oldest: [TopicPartition: Int64] = [:]
            // A poll brings runs of records of one partition: the dictionaries are touched once a run.
            var run: (partition: TopicPartition, next: Int64, oldest: Int64?)?
            func close(_ run: (partition: TopicPartition, next: Int64, oldest: Int64?)) {
                offsets[run.partition] = max(offsets[run.partition] ?? 0, run.next)
                if let time = run.oldest { oldest[run.partition] = min(oldest[run.partition] ?? time, time) }
            }
            for record in records {
                let time = record.timestampMilliseconds
                if var current = run, current.partition.partition == record.partition,
                    current.partition.topic == record.topic
                {
                    current.next = max(current.next, record.offset + 1)
                    if let time { current.oldest = min(current.oldest ?? time, time) }
                    run = current
                } else {
                    if let run { close(run) }
                    run = (record.topicPartition, record.offset + 1, time)
                }
            }
            if let run { close(run) }
            nextOffsets = offsets
            oldestTimestamps = oldest
        }
    }

    let configuration: Configuration
    /// Batches not yet committed, in poll order.
    private var batches: [Batch] = []
    /// Records polled but not yet in a batch: a poll may bring more than one batch holds.
    private var carriedOver: [SourceRecord] = []
    private var assignment: Set<TopicPartition> = []
    private var freeLanes: [Int]
    /// Batches waiting for the database or the dead-letter topic to come back; the partitions are
    /// paused while there is any, so no more records pile up.
    private var waitingOutOutage: Set<BatchID> = []
    private var paused = false
    private var pollInFlight = false
    private var commitInFlight = false
    private var stopping = false
    private var failure: String?
    private var finished = false
    private var idleSince: ContinuousClock.Instant?
    private var nextBatchID = 0

    /// Per assigned partition, the record timestamp (milliseconds) of the oldest record consumed but
    /// not yet committed; a partition with nothing pending is absent. What `lag_seconds` reports.
    public var oldestPending: (byPartition: [TopicPartition: Int64], assignment: Set<TopicPartition>) {
        var oldest: [TopicPartition: Int64] = [:]
        func note(_ partition: TopicPartition, _ time: Int64) {
            guard assignment.contains(partition) else { return }
            oldest[partition] = min(oldest[partition] ?? time, time)
        }
        // Record timestamps are not ordered across producers, so every pending record counts.
        for batch in batches {
            for (partition, time) in batch.oldestTimestamps { note(partition, time) }
        }
        for record in carriedOver {
            if let time = record.timestampMilliseconds { note(record.topicPartition, time) }
        }
        return (oldest, assignment)
    }

    public init(configuration: Configuration) {
        self.configuration = configuration
        freeLanes = Array(0..<configuration.lanes)
    }

    /// The first actions: start polling.
    public mutating func start() -> [Action] {
        advance()
    }

    public mutating func handle(_ event: Event) -> [Action] {
        guard !finished else { return [] }
        var actions: [Action]
        switch event {
        case .polled(let records, let assignment, let now):
            if let finish = polled(records, assignment: assignment, at: now) { return [finish] }
            actions = []
        case .pollFailed(let reason):
            pollInFlight = false
            actions = beginStopping(failure: "polling the broker failed: \(reason)")
        case .written(let id, .written(let report)):
            actions = written(id, report)
        case .written(let id, .failed(let failure)):
            actions = writeFailed(id, failure)
        case .deadLettered(let id, let undelivered, let cause):
            actions = deadLettered(id, undelivered: undelivered, cause: cause)
        case .retryDue(let id):
            actions = retryDue(id)
        case .committed:
            commitInFlight = false
            actions = []
        case .stopRequested:
            actions = beginStopping(failure: nil)
        }
        return actions + advance()
    }

    /// Takes the records in; a replay that found nothing for `idleExit`, with nothing left to do,
    /// is finished.
    private mutating func polled(
        _ records: [SourceRecord],
        assignment newAssignment: Set<TopicPartition>,
        at now: ContinuousClock.Instant
    ) -> Action? {
        pollInFlight = false
        if newAssignment != assignment {
            assignment = newAssignment
            // Their new owner reads these again from the last commit.
            carriedOver.removeAll { !assignment.contains($0.topicPartition) }
        }
        guard !stopping else { return nil }
        carriedOver += records
        if !records.isEmpty || idleSince == nil { idleSince = now }
        guard let idleExit = configuration.idleExit, let idleSince, now - idleSince > idleExit,
            !assignment.isEmpty, batches.isEmpty, carriedOver.isEmpty, !commitInFlight
        else { return nil }
        finished = true
        return .finish(.caughtUp)
    }

    private mutating func written(_ id: BatchID, _ report: BatchWriteReport) -> [Action] {
        guard let index = index(of: id), case .writing(let lane, _) = batches[index].stage else { return [] }
        freeLanes.append(lane)
        waitingOutOutage.remove(id)
        batches[index].eventTimestamps = report.eventTimestamps
        guard !report.rejected.isEmpty else {
            batches[index].stage = .done
            return []
        }
        guard configuration.deadLettering else {
            batches[index].stage = .done
            return [.skipRejected(count: report.rejected.count)]
        }
        batches[index].stage = .deadLettering(attempt: 0)
        return [.deadLetter(id, report.rejected)]
    }

    private mutating func writeFailed(_ id: BatchID, _ failure: WriteFailure) -> [Action] {
        guard let index = index(of: id), case .writing(let lane, let attempt) = batches[index].stage else { return [] }
        switch failure.kind {
        case .fatal:
            abandon(at: index)
            return beginStopping(failure: "the database refused the write: \(failure.description)")
        case .retryLater, .rowSpecific:
            // Row-specific failures were isolated by the write step; one arriving here is waited out.
            guard !stopping else {
                abandon(at: index)
                return []
            }
            batches[index].stage = .waitingToRewrite(lane: lane, attempt: attempt + 1)
            waitingOutOutage.insert(id)
            return [
                .scheduleRetry(
                    id, delay: RetryPolicy.delay(attempt: attempt), attempt: attempt,
                    cause: .database(failure.description))
            ]
        }
    }

    private mutating func deadLettered(_ id: BatchID, undelivered: [RejectedRecord], cause: String?) -> [Action] {
        guard let index = index(of: id), case .deadLettering(let attempt) = batches[index].stage else { return [] }
        if undelivered.isEmpty {
            waitingOutOutage.remove(id)
            batches[index].stage = .done
            return []
        }
        guard !stopping else {
            abandon(at: index)
            return []
        }
        batches[index].stage = .waitingToResendDeadLetters(attempt: attempt + 1, undelivered)
        waitingOutOutage.insert(id)
        return [
            .scheduleRetry(
                id, delay: RetryPolicy.delay(attempt: attempt), attempt: attempt,
                cause: .deadLetterTopic(cause ?? "unavailable"))
        ]
    }

    private mutating func retryDue(_ id: BatchID) -> [Action] {
        guard let index = index(of: id) else { return [] }
        switch batches[index].stage {
        case .waitingToRewrite(let lane, let attempt):
            batches[index].stage = .writing(lane: lane, attempt: attempt)
            return [.write(id, batches[index].records, lane: lane, attempt: attempt)]
        case .waitingToResendDeadLetters(let attempt, let undelivered):
            batches[index].stage = .deadLettering(attempt: attempt)
            return [.deadLetter(id, undelivered)]
        default:
            // Abandoned meanwhile (a stop): nothing is retried.
            return []
        }
    }

    /// Everything that can start now, given the state: new batches on free lanes, the next commit,
    /// pausing or resuming, the next poll, and the end once stopping has nothing left in flight.
    private mutating func advance() -> [Action] {
        var actions: [Action] = []
        while !stopping, !freeLanes.isEmpty, !carriedOver.isEmpty {
            let (batch, rest) = BatchSplit.split(
                carriedOver, maxEvents: configuration.maxEvents, maxBytes: configuration.maxBytes)
            carriedOver = rest
            let lane = freeLanes.removeFirst()
            batches.append(Batch(id: nextBatchID, records: batch, stage: .writing(lane: lane, attempt: 0)))
            actions.append(.write(nextBatchID, batch, lane: lane, attempt: 0))
            nextBatchID += 1
        }
        if !commitInFlight, let commit = takeCommittablePrefix() {
            commitInFlight = true
            actions.append(commit)
        }
        if !stopping, waitingOutOutage.isEmpty == paused {
            paused.toggle()
            actions.append(paused ? .pause : .resume)
        }
        // While paused, polls go on (the member keeps its place in the group) but bring little.
        // Otherwise one batch waiting for a lane is enough read ahead.
        let readAheadFits = BatchSplit.fitsOneBatch(
            carriedOver, maxEvents: configuration.maxEvents, maxBytes: configuration.maxBytes)
        if !stopping, !pollInFlight, paused || readAheadFits {
            pollInFlight = true
            actions.append(.poll)
        }
        if stopping, !pollInFlight, !commitInFlight, !batches.contains(where: \.isRunning) {
            finished = true
            actions.append(.finish(failure.map(Finish.failed) ?? .stopped(unfinishedBatches: batches.count)))
        }
        return actions
    }

    /// The one rule that keeps the promise: an offset is committed only when every record up to it
    /// is a row or a dead letter. Only the longest run of finished batches at the front of the poll
    /// order is committed; a finished batch behind an unfinished (or abandoned) one waits, so a
    /// commit never passes an unwritten record. Partitions this member no longer owns are left to
    /// their new owner, which reads them again (`ON CONFLICT` absorbs the repeat).
    private mutating func takeCommittablePrefix() -> Action? {
        let finishedCount = batches.prefix { $0.stage.isDone }.count
        guard finishedCount > 0 else { return nil }
        let committable = batches.prefix(finishedCount)
        batches.removeFirst(finishedCount)
        var offsets: [TopicPartition: Int64] = [:]
        for batch in committable {
            offsets.merge(batch.nextOffsets.filter { assignment.contains($0.key) }, uniquingKeysWith: max)
        }
        guard !offsets.isEmpty else { return nil }
        return .commit(offsets, eventTimestamps: committable.flatMap(\.eventTimestamps))
    }

    private mutating func beginStopping(failure: String?) -> [Action] {
        if self.failure == nil { self.failure = failure }
        guard !stopping else { return [] }
        stopping = true
        carriedOver = []
        // A batch waiting out an outage is given up at once: nothing is waited on after a stop.
        for index in batches.indices where batches[index].stage.isWaiting { abandon(at: index) }
        return [.interruptWritesAfterGrace]
    }

    private mutating func abandon(at index: Int) {
        if case .writing(let lane, _) = batches[index].stage { freeLanes.append(lane) }
        if case .waitingToRewrite(let lane, _) = batches[index].stage { freeLanes.append(lane) }
        waitingOutOutage.remove(batches[index].id)
        batches[index].stage = .abandoned
    }

    private func index(of id: BatchID) -> Int? {
        batches.firstIndex { $0.id == id }
    }
}

extension PipelineStateMachine.Batch {
    /// Whether an answer is still to come for it (a write or dead letters in flight).
    var isRunning: Bool {
        switch stage {
        case .writing, .deadLettering: true
        default: false
        }
    }
}

extension PipelineStateMachine.Stage {
    var isDone: Bool {
        if case .done = self { true } else { false }
    }

    var isWaiting: Bool {
        switch self {
        case .waitingToRewrite, .waitingToResendDeadLetters: true
        default: false
        }
    }
}
