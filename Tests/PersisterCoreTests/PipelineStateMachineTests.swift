import EventModel
import Foundation
import PersisterCore
import Testing

/// The machine alone: events in, actions out, no clock, no tasks.
@Suite("Pipeline state machine")
struct PipelineStateMachineTests {
    typealias Machine = PipelineStateMachine
    let now = ContinuousClock.now
    let p0 = Records.partition(0)
    let p1 = Records.partition(1)

    func machine(lanes: Int = 2, maxEvents: Int = 3, maxBytes: Int = 1 << 20, idleExit: Duration? = nil) -> Machine {
        Machine(configuration: .init(maxEvents: maxEvents, maxBytes: maxBytes, lanes: lanes, idleExit: idleExit))
    }

    func written(_ id: Int, rejected: [RejectedRecord] = []) -> Machine.Event {
        .written(id, .written(BatchWriteReport(inserted: 3, rejected: rejected)))
    }

    func outage(_ id: Int, _ kind: FailureKind = .retryLater) -> Machine.Event {
        .written(id, .failed(WriteFailure(kind: kind, description: "down")))
    }

    @Test("it starts by polling; records fill batches on free lanes, the rest waits for a lane")
    func startsBatchesOnFreeLanes() {
        var machine = machine()
        #expect(machine.start().polls)
        let actions = machine.handle(.polled(Records.events(8), assignment: [p0], at: now))
        #expect(actions.writes.map(\.count) == [3, 3])
        #expect(actions.writes.map(\.lane) == [0, 1])
        // Two records wait for a lane: less than a batch, so one more poll reads ahead.
        #expect(actions.polls)
        let more = machine.handle(.polled(Records.events(5, from: 8), assignment: [p0], at: now))
        #expect(more.writes.isEmpty)
        #expect(!more.polls, "a full batch already waits for a lane")
        let next = machine.handle(written(0))
        #expect(next.writes.map(\.count) == [3])
        #expect(next.writes.first?.lane == 0)
        #expect(next.commits == [[p0: 3]])
    }

    @Test("a write failing after a later batch succeeded: nothing is committed past it until it is written")
    func earlierBatchFailsAfterLaterSucceeded() {
        var machine = machine()
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(6), assignment: [p0], at: now))
        #expect(machine.handle(written(1)).commits.isEmpty)
        let failed = machine.handle(outage(0))
        #expect(failed.commits.isEmpty)
        #expect(failed.contains { if case .pause = $0 { true } else { false } })
        #expect(failed.retries == [0])
        let retried = machine.handle(.retryDue(0))
        #expect(retried.writes.map(\.id) == [0])
        #expect(retried.writes.first?.lane == 0, "a batch is retried on its own lane")
        let done = machine.handle(written(0))
        #expect(done.commits == [[p0: 6]], "one commit covers both batches, in poll order")
        #expect(done.contains { if case .resume = $0 { true } else { false } })
    }

    @Test("paused while any batch waits out an outage; resumed when the last one is written")
    func pausedUntilEveryOutageIsOver() {
        var machine = machine()
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(6), assignment: [p0], at: now))
        #expect(machine.handle(outage(0)).pauses == 1)
        #expect(machine.handle(outage(1)).pauses == 0)
        _ = machine.handle(.retryDue(0))
        let first = machine.handle(written(0))
        #expect(first.resumes == 0, "batch 1 still waits")
        #expect(first.commits == [[p0: 3]])
        _ = machine.handle(.retryDue(1))
        let last = machine.handle(written(1))
        #expect(last.resumes == 1)
        #expect(last.commits.isEmpty, "batch 1's commit waits for batch 0's to be answered")
        #expect(machine.handle(.committed).commits == [[p0: 6]])
    }

    @Test("one commit at a time: a batch done while a commit is in flight is committed after it")
    func commitsDoNotOverlap() {
        var machine = machine()
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(6), assignment: [p0], at: now))
        #expect(machine.handle(written(0)).commits == [[p0: 3]])
        #expect(machine.handle(written(1)).commits.isEmpty)
        #expect(machine.handle(.committed).commits == [[p0: 6]])
    }

    @Test("rejected records are dead-lettered before the commit; a dead-letter outage pauses and retries")
    func deadLettersBeforeCommit() {
        var machine = machine(lanes: 1)
        _ = machine.start()
        let records = Records.events(3)
        _ = machine.handle(.polled(records, assignment: [p0], at: now))
        let rejected = [
            RejectedRecord(record: records[1], rejection: .init(reason: .invalidJSON, message: "not JSON"))
        ]
        let sent = machine.handle(written(0, rejected: rejected))
        #expect(sent.deadLetters == [0])
        #expect(sent.commits.isEmpty)
        let down = machine.handle(.deadLettered(0, undelivered: rejected, cause: "broker down"))
        #expect(down.pauses == 1)
        #expect(down.retries == [0])
        #expect(machine.handle(.retryDue(0)).deadLetters == [0])
        let delivered = machine.handle(.deadLettered(0, undelivered: [], cause: nil))
        #expect(delivered.commits == [[p0: 3]])
        #expect(delivered.resumes == 1)
    }

    @Test(
        "partitions revoked while writes are in flight: their offsets are not committed, their waiting records dropped")
    func revokedWhileWriting() {
        var machine = machine(lanes: 1)
        _ = machine.start()
        let records = Records.events(3, partition: 0) + Records.events(2, partition: 1)
        _ = machine.handle(.polled(records, assignment: [p0, p1], at: now))
        // Batch 0 (p0 0-2) is being written; p1's records wait for the lane. Then p1 is revoked.
        let revoked = machine.handle(.polled([], assignment: [p0], at: now))
        #expect(revoked.writes.isEmpty)
        let done = machine.handle(written(0))
        #expect(done.commits == [[p0: 3]])
        #expect(done.writes.isEmpty, "the records of p1 are left to its new owner")
    }

    @Test("a batch written for a partition revoked meanwhile commits only what is still owned")
    func revokedBatchCommitsOwnedPartitionsOnly() {
        var machine = machine(lanes: 1, maxEvents: 5)
        _ = machine.start()
        let records = Records.events(2, partition: 0) + Records.events(2, partition: 1)
        _ = machine.handle(.polled(records, assignment: [p0, p1], at: now))
        _ = machine.handle(.polled([], assignment: [p1], at: now))
        #expect(machine.handle(written(0)).commits == [[p1: 2]])
    }

    @Test("stop while writes are in flight: they finish and commit; a batch waiting out an outage is given up")
    func stopWhileWriting() {
        var machine = machine()
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(6), assignment: [p0], at: now))
        _ = machine.handle(outage(0))
        let stopping = machine.handle(.stopRequested)
        #expect(stopping.contains { if case .interruptWritesAfterGrace = $0 { true } else { false } })
        #expect(!stopping.polls && stopping.finish == nil, "batch 1 is still being written")
        let last = machine.handle(written(1))
        #expect(last.commits.isEmpty, "batch 1 must not be committed past the unwritten batch 0")
        #expect(last.finish == nil, "the poll in flight is waited for")
        let polled = machine.handle(.polled(Records.events(3, from: 6), assignment: [p0], at: now))
        #expect(polled.writes.isEmpty)
        #expect(polled.finish == .stopped(unfinishedBatches: 2))
        #expect(machine.handle(.retryDue(0)).isEmpty, "nothing happens after the finish")
    }

    @Test("stop while a poll is out: the finish waits for it and drops what it brought")
    func stopWhilePolling() {
        var machine = machine()
        _ = machine.start()
        #expect(machine.handle(.stopRequested).finish == nil)
        let actions = machine.handle(.polled(Records.events(3), assignment: [p0], at: now))
        #expect(actions.writes.isEmpty)
        #expect(actions.finish == .stopped(unfinishedBatches: 0))
    }

    @Test("a fatal write error stops the pipeline with its reason once the other writes are back")
    func fatalWrite() {
        var machine = machine()
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(6), assignment: [p0], at: now))
        #expect(machine.handle(outage(1, .fatal)).finish == nil)
        let last = machine.handle(written(0))
        #expect(last.commits == [[p0: 3]], "batch 0 was before the failure and is committed")
        #expect(machine.handle(.committed).finish == nil, "the poll in flight is waited for")
        let polled = machine.handle(.polled([], assignment: [p0], at: now))
        #expect(polled.finish == .failed("the database refused the write: down"))
    }

    @Test("a failed poll ends the pipeline, saying why")
    func failedPoll() {
        var machine = machine()
        _ = machine.start()
        #expect(machine.handle(.pollFailed("closed")).finish == .failed("polling the broker failed: closed"))
    }

    @Test("batches are bounded by bytes as well as by events")
    func boundedByBytes() {
        var machine = machine(lanes: 4, maxEvents: 100, maxBytes: 1000)
        _ = machine.start()
        let big = (0..<5).map { Records.record(offset: Int64($0), value: Array(repeating: 1, count: 400)) }
        let actions = machine.handle(.polled(big, assignment: [p0], at: now))
        #expect(actions.writes.map(\.count) == [2, 2, 1])
    }

    @Test("a replay finishes once polls bring nothing for the idle time and everything is committed")
    func replayCaughtUp() {
        var machine = machine(idleExit: .seconds(5))
        _ = machine.start()
        _ = machine.handle(.polled(Records.events(3), assignment: [p0], at: now))
        #expect(machine.handle(.polled([], assignment: [p0], at: now + .seconds(6))).finish == nil)
        _ = machine.handle(written(0))
        _ = machine.handle(.committed)
        #expect(machine.handle(.polled([], assignment: [p0], at: now + .seconds(7))).finish == .caughtUp)
    }
}

extension [PipelineStateMachine.Action] {
    var polls: Bool { contains { if case .poll = $0 { true } else { false } } }

    var writes: [(id: Int, count: Int, lane: Int)] {
        compactMap { if case .write(let id, let records, let lane, _) = $0 { (id, records.count, lane) } else { nil } }
    }

    var commits: [[TopicPartition: Int64]] {
        compactMap { if case .commit(let offsets, _) = $0 { offsets } else { nil } }
    }

    var retries: [Int] {
        compactMap { if case .scheduleRetry(let id, _, _, _) = $0 { id } else { nil } }
    }

    var deadLetters: [Int] {
        compactMap { if case .deadLetter(let id, _) = $0 { id } else { nil } }
    }

    var pauses: Int { filter { if case .pause = $0 { true } else { false } }.count }
    var resumes: Int { filter { if case .resume = $0 { true } else { false } }.count }

    var finish: PipelineStateMachine.Finish? {
        for action in self { if case .finish(let finish) = action { return finish } }
        return nil
    }
}
