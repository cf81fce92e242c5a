import Foundation
import PersisterCore
import Testing

/// The driver over fakes of the broker, the table and the dead-letter topic. `FakeSource` checks
/// at every commit that each record below it is a row or a dead letter.
@Suite("Pipeline driver")
struct PipelineDriverTests {
    @Test("concurrent writes finishing out of order: commits in poll order, never past an unwritten record")
    func inOrderCommitsWithConcurrentWrites() async throws {
        let records = Records.events(200, partition: 0) + Records.events(200, partition: 1)
        // Writes take 0 to 6 ms at random, so later batches often finish first.
        let pipeline = Pipeline(
            records, lanes: 4, maxEvents: 7, writeDelay: { _ in .milliseconds(Int.random(in: 0...6)) })
        pipeline.source.assign([Records.partition(0), Records.partition(1)])
        let run = pipeline.start()
        #expect(await eventually { pipeline.allCommitted })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.table.rowCount == 400)
        #expect(pipeline.table.mostInFlight > 1, "writes overlapped")
        #expect(!pipeline.table.laneClash, "a lane serves one write at a time")
        #expect(pipeline.source.violations == [])
    }

    @Test("the first write fails after the second succeeded: nothing is committed until the first is written again")
    func earlierWriteFailsAfterLaterSucceeded() async throws {
        // Write 0 (batch 0) is slow and fails; write 1 (batch 1) succeeds at once.
        let pipeline = Pipeline(
            Records.events(20), lanes: 2, maxEvents: 10,
            writeDelay: { $0 == 0 ? .milliseconds(100) : .zero }, failingWrites: [0])
        let run = pipeline.start()
        #expect(await eventually { pipeline.table.rowCount >= 10 })
        if pipeline.table.rowCount == 10 {
            #expect(pipeline.source.commits.isEmpty, "batch 1 is written but must wait for batch 0")
        }
        #expect(await eventually { pipeline.allCommitted })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.source.commits == [[Records.partition(0): 20]])
        #expect(pipeline.source.pauseCount == 1 && pipeline.source.resumeCount == 1)
        #expect(pipeline.table.rewrittenRows == 0)
        #expect(pipeline.source.violations == [])
    }

    @Test("a partition revoked while its batch is being written: nothing more of it is committed or written")
    func revokedWhileWriting() async throws {
        let records = Records.events(10, partition: 0) + Records.events(10, partition: 1)
        let pipeline = Pipeline(records, lanes: 1, maxEvents: 10, writeDelay: { _ in .milliseconds(100) })
        pipeline.source.assign([Records.partition(0), Records.partition(1)])
        let run = pipeline.start()
        #expect(await eventually { pipeline.table.mostInFlight == 1 })
        pipeline.source.assign([Records.partition(0)])
        #expect(await eventually { pipeline.source.committed[Records.partition(0)] == 10 })
        try await Task.sleep(for: .milliseconds(300))
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.source.committed[Records.partition(1)] == nil, "partition 1 is its new owner's")
        #expect(pipeline.table.rowCount == 10, "partition 1's records waiting for a lane were dropped")
        #expect(pipeline.source.violations == [])
    }

    @Test("repeats of an event inside a batch become one row; the storable copy wins over a refused one")
    func duplicatesInsideBatch() async throws {
        let repeated = UUID()
        let poisoned = UUID()
        let values = [
            Records.event(repeated), Records.event(), Records.event(repeated),
            Records.event(poisoned, type: "poison.row"), Records.event(poisoned), Records.event(repeated),
        ]
        let records = values.enumerated().map { Records.record(offset: Int64($0.offset), value: $0.element) }
        let pipeline = Pipeline(records, lanes: 1, maxEvents: 10)
        let run = pipeline.start()
        #expect(await eventually { pipeline.allCommitted })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.table.rowCount == 3)
        #expect(pipeline.table.rewrittenRows == 0)
        #expect(pipeline.deadLetters.delivered.count == 1, "only the refused copy is a dead letter")
        #expect(pipeline.deadLetters.holds(partition: 0, offset: 3))
    }

    @Test("batches are cut by events and by bytes")
    func batchesBounded() async throws {
        let small = Records.events(25)
        let bounded = Pipeline(small, lanes: 1, maxEvents: 10)
        let run = bounded.start()
        #expect(await eventually { bounded.allCommitted })
        bounded.stop.pull()
        _ = await run.value
        #expect(bounded.table.writeSizes == [10, 10, 5])

        let large = (0..<6).map {
            Records.record(offset: Int64($0), value: Records.event() + Array(repeating: 0x20, count: 400))
        }
        let byBytes = Pipeline(large, lanes: 1, maxEvents: 100, maxBytes: 1200)
        let second = byBytes.start()
        #expect(await eventually { byBytes.allCommitted })
        byBytes.stop.pull()
        _ = await second.value
        #expect(byBytes.table.writeSizes == [2, 2, 2])
    }

    @Test("database outage: partitions paused, nothing committed, resumed after; nothing skipped or repeated")
    func outagePauseResume() async throws {
        let pipeline = Pipeline(Records.events(100), lanes: 2, maxEvents: 10)
        pipeline.table.goDown()
        let run = pipeline.start()
        #expect(await eventually { pipeline.source.pauseCount == 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(pipeline.source.commits.isEmpty)
        #expect(pipeline.table.rowCount == 0)
        pipeline.table.comeBack()
        #expect(await eventually { pipeline.allCommitted })
        #expect(pipeline.source.resumeCount == 1)
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.table.rowCount == 100)
        #expect(pipeline.table.rewrittenRows == 0)
        #expect(pipeline.deadLetters.delivered.isEmpty, "an outage dead-letters nothing")
        #expect(pipeline.source.violations == [])
    }

    @Test("poison rows and undecodable records are dead-lettered; the rows around them are written")
    func poisonAroundGoodRows() async throws {
        var records = Records.events(30)
        let poisonAt = [0, 13, 14, 29]
        for offset in poisonAt {
            records[offset] = Records.record(offset: Int64(offset), value: Records.event(type: "poison.row"))
        }
        records[20] = Records.record(offset: 20, value: [0xFF, 0x00])
        let pipeline = Pipeline(records, lanes: 2, maxEvents: 15)
        let run = pipeline.start()
        #expect(await eventually { pipeline.allCommitted })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.table.rowCount == 25)
        #expect(pipeline.deadLetters.delivered.count == 5)
        for offset in poisonAt + [20] { #expect(pipeline.deadLetters.holds(partition: 0, offset: Int64(offset))) }
        #expect(pipeline.source.violations == [])
    }

    @Test("dead-letter topic down: the batch is not committed until its dead letters are delivered")
    func deadLetterSinkDown() async throws {
        var records = Records.events(20)
        records[5] = Records.record(offset: 5, value: Array("not json".utf8))
        let pipeline = Pipeline(records, lanes: 2, maxEvents: 10)
        pipeline.deadLetters.goDown()
        let run = pipeline.start()
        #expect(await eventually { pipeline.source.pauseCount == 1 })
        #expect(await eventually { pipeline.table.rowCount == 19 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(pipeline.source.commits.isEmpty, "neither the batch nor the one after it is committed")
        pipeline.deadLetters.comeBack()
        #expect(await eventually { pipeline.allCommitted })
        #expect(pipeline.source.resumeCount == 1)
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.deadLetters.holds(partition: 0, offset: 5))
        #expect(pipeline.source.violations == [])
    }

    @Test("stop while writes are in flight: they finish and are committed, then the run returns")
    func stopWhileWritesInFlight() async throws {
        let pipeline = Pipeline(Records.events(20), lanes: 2, maxEvents: 10, writeDelay: { _ in .milliseconds(150) })
        let run = pipeline.start()
        #expect(await eventually { pipeline.table.mostInFlight == 2 })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.source.committed == [Records.partition(0): 20])
        #expect(pipeline.table.interrupted.load(ordering: .relaxed) == 0, "they ended within the grace period")
        #expect(pipeline.source.violations == [])
    }

    @Test("stop during an outage: the waiting batches stay uncommitted and the run returns at once")
    func stopDuringOutage() async throws {
        let pipeline = Pipeline(Records.events(20), lanes: 2, maxEvents: 10)
        pipeline.table.goDown()
        let run = pipeline.start()
        #expect(await eventually { pipeline.source.pauseCount == 1 })
        let stopping = ContinuousClock.now
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(ContinuousClock.now - stopping < .seconds(3), "no retry delay is waited out")
        #expect(pipeline.source.commits.isEmpty)
    }

    @Test("a write stuck past the grace period is cut off at stop; its batch stays uncommitted")
    func stuckWriteInterrupted() async throws {
        let pipeline = Pipeline(Records.events(5), lanes: 1, writeDelay: { _ in .milliseconds(600) })
        let run = pipeline.start()
        #expect(await eventually { pipeline.table.mostInFlight == 1 })
        pipeline.table.goDown()
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())
        #expect(pipeline.table.interrupted.load(ordering: .relaxed) == 1)
        #expect(pipeline.source.commits.isEmpty)
    }

    @Test("a failed poll ends the run with the cause")
    func failedPoll() async {
        let pipeline = Pipeline(Records.events(5))
        pipeline.source.failPolls("the consumer is closed")
        let result = await pipeline.start().value
        #expect(throws: PipelineDriver<FakeSource, FakeTable, FakeDeadLetters>.Failure.self) { try result.get() }
        if case .failure(let failure) = result {
            #expect(failure.description == "polling the broker failed: the consumer is closed")
        }
    }

    @Test("a fatal database error ends the run with the cause, nothing committed past it")
    func fatalWrite() async {
        let pipeline = Pipeline(Records.events(30), lanes: 2, maxEvents: 10)
        pipeline.table.goDown(.fatal)
        let result = await pipeline.start().value
        guard case .failure(let failure) = result else {
            Issue.record("the run should fail")
            return
        }
        #expect(failure.description.hasPrefix("the database refused the write"))
        #expect(pipeline.source.commits.isEmpty)
    }

    @Test("a replay stops by itself once it read everything; rejected records are not dead-lettered again")
    func replay() async throws {
        var records = Records.events(30)
        records[3] = Records.record(offset: 3, value: Array("not json".utf8))
        let pipeline = Pipeline(records, maxEvents: 10, idleExit: .milliseconds(100))
        #expect(try await pipeline.start().value.get() == ())
        #expect(pipeline.table.rowCount == 29)
        #expect(pipeline.deadLetters.delivered.isEmpty)
        #expect(pipeline.source.committed == [Records.partition(0): 30])
    }
}
