import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import Kafka
import Logging
import ServiceOperations
import Tracing

/// `POST /events` and `POST /events/batch`: read a bounded body, validate, produce, and answer only
/// after the broker acknowledged. (The token is checked before, by `BearerTokenMiddleware`.)
struct EventIngest: Sendable {
    let configuration: GatewayConfiguration
    let producer: KafkaProducer
    let metrics: GatewayMetrics
    let decoder: EnvelopeDecoder
    let bodyBudget: ByteBudget
    /// The installed tracer when tracing is on; `nil` when it is off.
    let tracer: (any Tracer)?

    init(
        configuration: GatewayConfiguration,
        producer: KafkaProducer,
        metrics: GatewayMetrics,
        bodyBudget: ByteBudget,
        tracer: (any Tracer)? = nil
    ) {
        self.configuration = configuration
        self.tracer = tracer
        self.bodyBudget = bodyBudget
        self.producer = producer
        self.metrics = metrics
        decoder = EnvelopeDecoder(
            maxEventBytes: configuration.maxEventBytes, maxBatchEvents: configuration.maxBatchEvents)
    }

    func postEvent(_ request: Request, context: some RequestContext) async -> Response {
        var held = 0
        defer { bodyBudget.release(held) }
        do {
            let body = try await admit(
                request, bodyLimit: configuration.maxEventBytes, eventsIfRejected: 1, held: &held)
            let event: AcceptedEvent
            do {
                event = try decoder.decodeEvent(body)
            } catch {
                throw reject(APIError.decoding(error), events: 1)
            }
            try checkContracts([event], inBatch: false)
            let results = await produce([event], request: request)
            switch results[0] {
            case .success(let report):
                var writer = JSONWriter()
                writer.beginObject()
                writeReport(report, eventID: event.envelope.eventID, into: &writer)
                writer.endObject()
                return Response.json(status: .accepted, writer.bytes)
            case .failure(let error):
                let answer = APIError.produceFailed(error, topic: topic(of: event))
                metrics.rejected(1, reason: answer.reason)
                context.logger.warning("produce failed", metadata: ["kafka.error": "\(error)"])
                return answer.response()
            }
        } catch {
            return error.response()
        }
    }

    func postBatch(_ request: Request, context: some RequestContext) async -> Response {
        var held = 0
        defer { bodyBudget.release(held) }
        do {
            let body = try await admit(
                request, bodyLimit: configuration.maxBatchBodyBytes, eventsIfRejected: 1, held: &held)
            let events: [AcceptedEvent]
            do {
                events = try decoder.decodeBatch(body)
            } catch {
                throw reject(APIError.decoding(error), events: 1)
            }
            try checkContracts(events, inBatch: true)
            let results = await produce(events, request: request)
            var writer = JSONWriter(capacity: 96 * events.count + 64)
            writer.beginObject()
            let accepted = results.count { if case .success = $0 { true } else { false } }
            // The answer names a retryable failure when there is one: retrying the batch can then help.
            let failures = zip(events, results).compactMap { event, result -> APIError? in
                guard case .failure(let error) = result else { return nil }
                return APIError.produceFailed(error, topic: topic(of: event))
            }
            let answer = failures.first { $0.headers[.retryAfter] != nil } ?? failures.first
            if let answer {
                metrics.rejected(events.count - accepted, reason: answer.reason)
                context.logger.warning(
                    "batch partly produced", metadata: ["accepted": "\(accepted)", "error": "\(answer.message)"])
                answer.writeError(into: &writer)
            }
            writer.key("accepted")
            writer.integer(accepted)
            writer.key("results")
            writer.beginArray()
            for (event, result) in zip(events, results) {
                writer.beginObject()
                switch result {
                case .success(let report):
                    writeReport(report, eventID: event.envelope.eventID, into: &writer)
                    writer.member("status", "accepted")
                case .failure(let error):
                    writer.member("event_id", event.envelope.eventID.canonicalString)
                    writer.member("status", "failed")
                    writer.member("error", error.message)
                }
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            if let answer {
                return Response.json(status: answer.status, writer.bytes, headers: answer.headers)
            }
            return Response.json(status: .accepted, writer.bytes)
        } catch {
            return error.response()
        }
    }

    /// Checks the content type and coding (the token was checked by `BearerTokenMiddleware`), then
    /// reads the body without ever holding more than `bodyLimit` bytes of it, each byte counted
    /// against the gateway's body budget (`held`, to be released by the caller once the request is
    /// answered).
    private func admit(
        _ request: Request,
        bodyLimit: Int,
        eventsIfRejected: Int,
        held: inout Int
    ) async throws(APIError) -> [UInt8] {
        let contentType = request.headers[.contentType]
        guard let contentType, Self.isJSON(contentType) else {
            throw reject(.unsupportedMediaType(contentType), events: eventsIfRejected)
        }
        if request.headers.contains(.contentEncoding), let coding = request.headers[.contentEncoding],
            !Self.isIdentity(coding)
        {
            throw reject(.unsupportedContentEncoding(coding), events: eventsIfRejected)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            throw reject(.bodyTooLarge(limit: bodyLimit), events: eventsIfRejected)
        }
        var body: [UInt8] = []
        do {
            for try await buffer in request.body {
                guard body.count + buffer.readableBytes <= bodyLimit else {
                    throw APIError.bodyTooLarge(limit: bodyLimit)
                }
                guard bodyBudget.reserve(buffer.readableBytes) else {
                    throw APIError.overloaded(limit: bodyBudget.limit)
                }
                held += buffer.readableBytes
                buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
            }
        } catch let error as APIError {
            throw reject(error, events: eventsIfRejected)
        } catch {
            throw APIError(status: .badRequest, code: "invalid_json", message: "the body could not be read: \(error)")
        }
        return body
    }

    private func produce(_ events: [AcceptedEvent], request: Request) async -> [Result<KafkaDeliveryReport, KafkaError>]
    {
        guard let tracer else {
            // Without tracing the client's `traceparent` travels unchanged.
            return await produce(events, traceparent: request.headers[.traceparent])
        }
        let topic = topic(of: events[0])
        let oneTopic = events.allSatisfy { self.topic(of: $0) == topic }
        // Started and ended here rather than with `withSpan`: nothing below makes spans, so the
        // span need not become the task's current context.
        let span = tracer.startSpan(
            oneTopic ? "send \(topic)" : "send", context: InstrumentationContext.current ?? .topLevel,
            ofKind: .producer)
        defer { span.end() }
        // An unsampled span keeps no attributes; building them would be spent on every such request.
        if span.isRecording {
            span.updateAttributes { attributes in
                attributes["messaging.system"] = "kafka"
                attributes["messaging.operation.type"] = "send"
                if events.count > 1 { attributes["messaging.batch.message_count"] = events.count }
                if oneTopic { attributes["messaging.destination.name"] = topic }
            }
        }
        // The records carry this span's context, so the persister's spans join the client's trace.
        var propagated = TraceparentCarrier()
        tracer.inject(span.context, into: &propagated, using: TraceparentInjector())
        let results = await produce(events, traceparent: propagated.value ?? request.headers[.traceparent])
        for case .failure(let error) in results {
            span.setStatus(SpanStatus(code: .error, message: error.message))
            break
        }
        return results
    }

    private func produce(
        _ events: [AcceptedEvent],
        traceparent: String?
    ) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        let records = events.map { $0.record(topic: topic(of: $0), traceparent: traceparent) }
        let started = ContinuousClock.now
        let results = await producer.send(records)
        metrics.produceDuration.record(ContinuousClock.now - started)
        let accepted = results.count { if case .success = $0 { true } else { false } }
        if accepted > 0 { metrics.eventsAccepted.increment(by: Int64(accepted)) }
        return results
    }

    private func writeReport(_ report: KafkaDeliveryReport, eventID: UUID, into writer: inout JSONWriter) {
        writer.member("event_id", eventID.canonicalString)
        writer.member("topic", report.topic)
        writer.key("partition")
        writer.integer(report.partition)
        writer.key("offset")
        writer.integer(report.offset)
    }

    /// Checks each payload against its contract; a batch with any violation is refused whole,
    /// every violation listed (up to the registry's limit) with its pointer into the body.
    private func checkContracts(_ events: [AcceptedEvent], inBatch: Bool) throws(APIError) {
        guard let registry = configuration.schemas else { return }
        var violations: [SchemaViolation] = []
        var truncated = false
        for (index, event) in events.enumerated() {
            let remaining = JSONSchema.defaultViolationLimit - violations.count
            let report = registry.check(event.envelope, at: inBatch ? "/\(index)" : "", limit: remaining)
            violations += report.violations
            if report.isTruncated {
                truncated = true
                break
            }
        }
        guard violations.isEmpty && !truncated else {
            throw reject(.contractViolations(violations, truncated: truncated), events: 1)
        }
    }

    private func topic(of event: AcceptedEvent) -> String {
        configuration.kafka.router.topic(forEventType: event.envelope.eventType)
    }

    private func reject(_ error: APIError, events: Int) -> APIError {
        metrics.rejected(events, reason: error.reason)
        return error
    }

    /// No coding at all: `identity` (any case) or an empty value.
    static func isIdentity(_ contentEncoding: String) -> Bool {
        let coding = contentEncoding.trimmingCharacters(in: .whitespaces)
        return coding.isEmpty || coding.lowercased() == "identity"
    }

    /// `application/json`, any case, parameters (`; charset=utf-8`) allowed.
    static func isJSON(_ contentType: String) -> Bool {
        let expected = "application/json".utf8
        var remainder = contentType.utf8.drop { $0 == UInt8(ascii: " ") }
        for byte in expected {
            guard let first = remainder.first, first | 0x20 == byte | 0x20 else { return false }
            remainder = remainder.dropFirst()
        }
        let rest = remainder.drop { $0 == UInt8(ascii: " ") }
        return rest.isEmpty || rest.first == UInt8(ascii: ";")
    }
}

extension Error {
    fileprivate func response() -> Response {
        if let apiError = self as? APIError { return apiError.response() }
        return APIError(status: .internalServerError, code: "internal_error", message: "\(self)").response()
    }
}

/// The `traceparent` a propagator writes for a span context: the one trace header records carry.
struct TraceparentCarrier {
    var value: String?
}

struct TraceparentInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout TraceparentCarrier) {
        if key == RecordHeaderName.traceparent { carrier.value = value }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
