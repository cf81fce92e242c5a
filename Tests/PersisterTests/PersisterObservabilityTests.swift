import EventModel
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

@Suite("Persister: the trace in the row, lag in seconds", .serialized)
struct PersisterObservabilityTests {
    @Test(
        "a record's traceparent trace id is kept in its row, else a CloudEvent's traceparent attribute; none or an invalid one leaves it NULL"
    )
    func traceIDInRow() async throws {
        let harness = try await PersisterHarness.make(partitions: 1)
        let producer = try harness.producer()
        let traced = UUID()
        let invalid = UUID()
        let plain = UUID()
        let cloudEvent = UUID()
        let cloudEventWithHeader = UUID()
        func cloudEventValue(_ id: UUID) -> [UInt8] {
            Array(
                #"{"specversion":"1.0","id":"\#(id.canonicalString)","source":"dapr-app","type":"x.y","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","data":{}}"#
                    .utf8)
        }
        let records = [
            OutgoingRecord(
                topic: harness.topic, key: nil, value: Events.canonical(traced),
                headers: [
                    RecordHeader("traceparent", Array("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".utf8))
                ]),
            OutgoingRecord(
                topic: harness.topic, key: nil, value: Events.canonical(invalid),
                headers: [RecordHeader("traceparent", Array("00-XYZ-00f067aa0ba902b7-01".utf8))]),
            OutgoingRecord(topic: harness.topic, key: nil, value: Events.canonical(plain)),
            OutgoingRecord(topic: harness.topic, key: nil, value: cloudEventValue(cloudEvent)),
            OutgoingRecord(
                topic: harness.topic, key: nil, value: cloudEventValue(cloudEventWithHeader),
                headers: [
                    RecordHeader("traceparent", Array("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".utf8))
                ]),
        ]
        for result in await producer.send(records) { _ = try result.get() }
        let persister = try harness.start()
        #expect(try await harness.waitForRows(5) == 5)
        let rows = try await harness.connect().query("SELECT event_id::text AS id, trace_id FROM events")
        var traceIDs: [String: String?] = [:]
        for row in rows.rows { traceIDs[row[0] ?? ""] = row[1] }
        #expect(traceIDs[traced.canonicalString] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(traceIDs[invalid.canonicalString] == .some(nil))
        #expect(traceIDs[plain.canonicalString] == .some(nil))
        #expect(traceIDs[cloudEvent.canonicalString] == "0af7651916cd43dd8448eb211c80319c")
        #expect(traceIDs[cloudEventWithHeader.canonicalString] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(harness.stop(persister))
        await producer.close()
    }

    @Test("lag_seconds rises while records wait for the database, and returns to 0 once they are written")
    func lagSeconds() async throws {
        let harness = try await PersisterHarness.make(partitions: 2)
        let port = Int.random(in: 20000...29999)
        let persister = try harness.start(environment: ["METRICS_PORT": String(port)])
        let producer = try harness.producer()
        try await harness.produce((0..<100).map { (key: nil, value: Events.canonical(index: $0)) }, using: producer)
        #expect(try await harness.waitForRows(100) == 100)
        try TestStack.run("stop-postgres")
        var restarted = false
        defer { if !restarted { try? TestStack.run("start-postgres") } }
        try await harness.produce((100..<400).map { (key: nil, value: Events.canonical(index: $0)) }, using: producer)
        try await Task.sleep(for: .seconds(4))
        let behind = Self.lag(HTTPProbe.body(port: port, path: "/metrics"))
        #expect(behind.count == 2)
        #expect((behind.values.max() ?? 0) >= 2, "\(behind)")
        try TestStack.run("start-postgres")
        restarted = true
        #expect(try await harness.waitForRows(400, timeout: .seconds(120)) == 400)
        let caughtUp = await TestEnvironment.eventually(timeout: .seconds(20)) {
            let lag = Self.lag(HTTPProbe.body(port: port, path: "/metrics"))
            return lag.count == 2 && lag.values.allSatisfy { $0 == 0 }
        }
        #expect(caughtUp)
        #expect(harness.stop(persister))
        await producer.close()
    }

    /// `punk_persister_lag_seconds` per partition label from a scrape.
    static func lag(_ scrape: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in scrape.split(separator: "\n") where line.hasPrefix("punk_persister_lag_seconds{") {
            guard let close = line.lastIndex(of: "}"),
                let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
            else { continue }
            values[String(line[..<close])] = value
        }
        return values
    }
}
