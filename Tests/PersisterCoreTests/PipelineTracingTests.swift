import EventModel
import InMemoryTracing
import PersisterCore
import Testing
import Tracing

@Suite("Pipeline tracing")
struct PipelineTracingTests {
    /// A record carrying the in-memory tracer's form of a trace context.
    static func traced(offset: Int64, trace: String, value: [UInt8] = Records.event()) -> SourceRecord {
        SourceRecord(
            ConsumedRecord(
                topic: Records.topic, partition: 0, offset: offset, key: nil, value: value,
                headers: [
                    RecordHeader(InMemoryTracer.traceIDKey, Array(trace.utf8)),
                    RecordHeader(InMemoryTracer.spanIDKey, Array("span-\(trace)".utf8)),
                ]))
    }

    @Test("a span per batch write, linked to each record's trace; the statements and dead-lettering are its children")
    func batchSpan() async throws {
        let tracer = InMemoryTracer()
        let records = [
            Self.traced(offset: 0, trace: "trace-a"), Records.record(offset: 1, value: Records.event()),
            Self.traced(offset: 2, trace: "trace-b"),
            Self.traced(offset: 3, trace: "trace-c", value: Records.event(type: "poison.row")),
        ]
        let pipeline = Pipeline(records, lanes: 1, maxEvents: 10, tracer: tracer)
        let run = pipeline.start()
        #expect(await eventually { pipeline.allCommitted })
        pipeline.stop.pull()
        #expect(try await run.value.get() == ())

        let spans = tracer.finishedSpans
        let batches = spans.filter { $0.operationName == "persist batch" }
        try #require(batches.count == 1)
        let batch = batches[0]
        #expect(batch.kind == .consumer)
        #expect(batch.parentSpanID == nil, "a batch starts a trace of its own")
        let linkedTraces = batch.links.compactMap { $0.context.inMemorySpanContext?.traceID }
        #expect(Set(linkedTraces) == ["trace-a", "trace-b", "trace-c"], "the record without a trace is not linked")

        // The poison row is isolated by halving: several statements, every one a child of the batch.
        let inserts = spans.filter { $0.operationName == "fake insert" }
        #expect(inserts.count > 1)
        #expect(inserts.allSatisfy { $0.parentSpanID == batch.spanID && $0.traceID == batch.traceID })
        let deadLetters = spans.filter { $0.operationName == "dead-letter" }
        #expect(deadLetters.count == 1)
        #expect(deadLetters.first?.parentSpanID == batch.spanID)
        #expect(deadLetters.first?.traceID == batch.traceID)
    }
}
