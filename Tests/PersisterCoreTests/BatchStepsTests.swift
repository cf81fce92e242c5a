import EventModel
import Foundation
import Logging
import PersisterCore
import Testing

/// The pure steps: cutting batches, isolating poison, delivering dead letters.
@Suite("Batch steps")
struct BatchStepsTests {
    /// A write of integers that refuses any slice holding a negative one.
    func isolate(_ rows: [Int]) async throws -> (inserted: Int, refused: [Int], writes: Int) {
        let writes = WriteCounter()
        let result = try await isolatePoison(rows[...]) { slice in
            writes.count += 1
            if slice.contains(where: { $0 < 0 }) {
                return .failure(WriteFailure(kind: .rowSpecific, description: "check violation"))
            }
            return .success(slice.count)
        }
        return (result.inserted, result.refused.map(\.row), writes.count)
    }

    final class WriteCounter: @unchecked Sendable { var count = 0 }

    @Test(
        "one poison at the first, middle or last position is isolated; the rest is written",
        arguments: [0, 4, 9])
    func onePoison(at position: Int) async throws {
        var rows = Array(1...10)
        rows[position] = -1
        let (inserted, refused, writes) = try await isolate(rows)
        #expect(inserted == 9)
        #expect(refused == [-1])
        #expect(writes <= 1 + 2 * 4, "halving needs about two writes per level")
    }

    @Test("two poisons in one batch are both isolated")
    func twoPoisons() async throws {
        let (inserted, refused, _) = try await isolate([1, -2, 3, 4, 5, 6, 7, -8])
        #expect(inserted == 6)
        #expect(refused == [-2, -8])
    }

    @Test("a clean batch is one write; an empty one none")
    func cleanBatch() async throws {
        #expect(try await isolate(Array(1...100)) == (100, [], 1))
        #expect(try await isolate([]) == (0, [], 0))
    }

    @Test("a failure that is not about the rows ends the isolation and is thrown")
    func outageDuringIsolation() async throws {
        let calls = WriteCounter()
        await #expect(throws: WriteFailure.self) {
            _ = try await isolatePoison([1, -1, 3, 4][...]) { slice in
                calls.count += 1
                if calls.count == 1 { return .failure(WriteFailure(kind: .rowSpecific, description: "check")) }
                return .failure(WriteFailure(kind: .retryLater, description: "connection lost"))
            }
        }
        #expect(calls.count == 2)
    }

    @Test("split takes at least one record, at most maxEvents, and stays within maxBytes")
    func split() {
        let records = (0..<10).map { Records.record(offset: Int64($0), value: Array(repeating: 0, count: 100)) }
        #expect(BatchSplit.split(records, maxEvents: 4, maxBytes: 10_000).batch.count == 4)
        #expect(BatchSplit.split(records, maxEvents: 100, maxBytes: 350).batch.count == 3)
        let huge = [Records.record(offset: 0, value: Array(repeating: 0, count: 5000))] + records
        #expect(
            BatchSplit.split(huge, maxEvents: 100, maxBytes: 1000).batch.count == 1, "an oversized record goes alone")
        #expect(BatchSplit.fitsOneBatch(Array(records.prefix(3)), maxEvents: 3, maxBytes: 300))
        #expect(!BatchSplit.fitsOneBatch(Array(records.prefix(3)), maxEvents: 3, maxBytes: 299))
    }

    @Test("duplicates inside a batch: the first copy is written, a later one only if the first is refused")
    func duplicatesInsideBatch() async {
        let repeated = UUID()
        let poisoned = UUID()
        let records = [
            Records.record(offset: 0, value: Records.event(repeated)),
            Records.record(offset: 1, value: Records.event(repeated)),
            Records.record(offset: 2, value: Records.event(poisoned, type: "poison.row")),
            Records.record(offset: 3, value: Records.event(poisoned)),
            Records.record(offset: 4, value: Array("not json".utf8)),
        ]
        let table = FakeTable(lanes: 1)
        let result = await writeBatch(
            records, write: { await table.write($0, lane: 0) }, logger: Logger(label: "tests"))
        guard case .written(let report) = result else {
            Issue.record("the batch should be written")
            return
        }
        #expect(table.contains(repeated) && table.contains(poisoned))
        #expect(table.rewrittenRows == 0)
        #expect(report.inserted == 2)
        #expect(
            report.duplicates == 2 - 2 - 1 + 2, "the repeat of `repeated`; the storable copy of `poisoned` is a row")
        #expect(report.rejected.map(\.record.offset) == [4, 2])
        #expect(report.rejected.map(\.rejection.reason) == [.invalidJSON, .databaseRejected])
    }

    @Test("a dead letter too large is cut to half its budget until it fits; below the minimum it is skipped")
    func deadLetterCutToFit() async {
        let sink = FakeDeadLetters()
        sink.acceptAtMost(300_000)
        let big = RejectedRecord(
            record: Records.record(offset: 7, value: Array(repeating: 0x41, count: 900_000)),
            rejection: .init(reason: .invalidJSON, message: "not JSON"))
        let (undelivered, _) = await deliverDeadLetters(
            [big], to: sink, metrics: NoMetrics(), logger: Logger(label: "tests"))
        #expect(undelivered.isEmpty)
        #expect(sink.delivered.count == 1)
        #expect(sink.delivered.first?.topic == sink.topic)
        #expect((sink.delivered.first?.value.count ?? 0) <= 300_000)

        let refusing = FakeDeadLetters()
        refusing.acceptAtMost(-1)
        let (skipped, _) = await deliverDeadLetters(
            [big], to: refusing, metrics: NoMetrics(), logger: Logger(label: "tests"))
        #expect(skipped.isEmpty, "refused even at the minimum: skipped, not retried for ever")
        #expect(refusing.delivered.isEmpty)
    }

    @Test("one retry policy: rows at fault, wait for the database, or stop")
    func retryPolicy() {
        #expect(RetryPolicy.classify(connectionFailure: nil, sqlState: "23505") == .rowSpecific)
        #expect(RetryPolicy.classify(connectionFailure: nil, sqlState: "22P02") == .rowSpecific)
        #expect(RetryPolicy.classify(connectionFailure: .lost, sqlState: "23505") == .retryLater)
        #expect(RetryPolicy.classify(connectionFailure: .failed, sqlState: nil) == .retryLater)
        #expect(RetryPolicy.classify(connectionFailure: .rejected, sqlState: nil) == .fatal)
        for state in ["08006", "53300", "57P01", "57014", "40001", "40P01", "55P03", "42P01", "42501"] {
            #expect(RetryPolicy.classify(connectionFailure: nil, sqlState: state) == .retryLater, "\(state)")
        }
        #expect(RetryPolicy.classify(connectionFailure: nil, sqlState: "42601") == .fatal)
        #expect(
            (0..<9).map { RetryPolicy.delay(attempt: $0) }.map(\.components.seconds) == [0, 0, 0, 0, 1, 3, 5, 5, 5])
        #expect(RetryPolicy.delay(attempt: 0) == .milliseconds(100))
        #expect(
            RetryPolicy.shouldLog(attempt: 0) && RetryPolicy.shouldLog(attempt: 10)
                && !RetryPolicy.shouldLog(attempt: 3))
    }
}
