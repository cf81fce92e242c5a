import EventModel
import Tracing

/// The pipeline's spans. A batch holds records of many traces, so its span starts a trace of its
/// own and links to the trace of each record that carries one (`traceparent` in its headers);
/// the database statements and the dead-lettering of the batch are its children.
public struct PipelineTracing: Sendable {
    let tracer: any Tracer

    public init(tracer: any Tracer) {
        self.tracer = tracer
    }

    /// Starts the span of one write of a batch (`attempt` counts rewrites after an outage).
    func startBatchSpan(_ records: [SourceRecord], attempt: Int) -> any Span {
        let span = tracer.startSpan("persist batch", context: InstrumentationContext.topLevel, ofKind: .consumer)
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "kafka"
            attributes["messaging.operation.type"] = "process"
            attributes["messaging.batch.message_count"] = records.count
            attributes["punk.batch.attempt"] = attempt
        }
        for record in records {
            var context = InstrumentationContext.topLevel
            tracer.extract(record, into: &context, using: RecordHeaderExtractor())
            if !context.isEmpty {
                span.addLink(SpanLink(context: context, attributes: [:]))
            }
        }
        return span
    }

    /// Runs `body` in a span for sending a batch's dead letters, a child of the batch's span.
    func withDeadLetterSpan<Result>(
        count: Int,
        batch: InstrumentationContext?,
        _ body: () async -> Result
    ) async -> Result {
        let span = tracer.startSpan(
            "dead-letter", context: batch ?? InstrumentationContext.topLevel, ofKind: .producer)
        span.attributes["messaging.batch.message_count"] = count
        defer { span.end() }
        return await InstrumentationContext.$current.withValue(span.context) { await body() }
    }
}

/// Reads trace context (`traceparent`, `tracestate`) from a record's headers; the last header of a
/// name wins, as when Kafka headers are read as a map.
struct RecordHeaderExtractor: Extractor {
    func extract(key: String, from record: SourceRecord) -> String? {
        record.headers.lastValue(named: key).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The span context of each batch whose dead letters may still be sent, so that their span is the
/// batch's child; the driver keeps it beside the machine, empty when tracing is off.
struct BatchTraceContexts {
    private var contexts: [PipelineStateMachine.BatchID: InstrumentationContext] = [:]

    mutating func began(_ id: PipelineStateMachine.BatchID, _ context: InstrumentationContext?) {
        contexts[id] = context
        // A batch revoked, or rejected in a replay, sends no dead letters; ids only grow, so the
        // old entries are dropped here.
        if contexts.count > 256 { contexts = contexts.filter { $0.key > id - 256 } }
    }

    func context(of id: PipelineStateMachine.BatchID) -> InstrumentationContext? {
        contexts[id]
    }

    /// Forgets a batch once it can send no more dead letters.
    mutating func note(_ event: PipelineStateMachine.Event) {
        switch event {
        case .written(let id, .written(let report)) where report.rejected.isEmpty:
            contexts[id] = nil
        case .deadLettered(let id, let undelivered, _) where undelivered.isEmpty:
            contexts[id] = nil
        default:
            break
        }
    }
}
