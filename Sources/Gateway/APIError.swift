import EventModel
import Hummingbird
import Kafka
import ServiceOperations

/// An error answer of the contract: `{"error": {"code", "message", "details": [{"path", "message"}]}}`.
/// Thrown from a handler or a middleware, Hummingbird turns it into that response.
struct APIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var details: [EnvelopeProblem] = []
    var headers: HTTPFields = [:]

    static func unauthorized() -> APIError {
        APIError(
            status: .unauthorized, code: "unauthorized", message: "a valid bearer token is required",
            headers: [.wwwAuthenticate: "Bearer realm=\"punk-records\""])
    }

    static func unsupportedMediaType(_ received: String?) -> APIError {
        APIError(
            status: .unsupportedMediaType, code: "unsupported_media_type",
            message: "Content-Type must be application/json, not \(received ?? "absent")")
    }

    /// The gateway reads bodies as sent; naming the coding beats a JSON syntax error at byte 0.
    static func unsupportedContentEncoding(_ coding: String) -> APIError {
        APIError(
            status: .unsupportedMediaType, code: "unsupported_media_type",
            message: "Content-Encoding \(coding) is not supported; send the body uncompressed",
            headers: [.acceptEncoding: "identity"])
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "payload_too_large", message: "the body is larger than \(limit) bytes")
    }

    static func decoding(_ error: EnvelopeDecodingError) -> APIError {
        switch error {
        case .invalidJSON(let syntax):
            return APIError(status: .badRequest, code: "invalid_json", message: "the body is not valid JSON: \(syntax)")
        case .rejected(let problems) where error.isSizeLimit:
            // The limit is what the client must change first, so it leads, in the message too.
            let limits = problems.filter { $0.kind == .tooLarge }
            func located(_ problem: EnvelopeProblem) -> String {
                problem.path.isEmpty ? problem.message : "at \(problem.path): \(problem.message)"
            }
            return APIError(
                status: .contentTooLarge, code: "payload_too_large",
                message: limits.count == 1
                    ? located(limits[0]) : "\(limits.count) size limits exceeded; the first, \(located(limits[0]))",
                details: limits + problems.filter { $0.kind != .tooLarge })
        case .rejected(let problems):
            return APIError(
                status: .badRequest, code: "validation_failed",
                message: "\(problems.count) problem\(problems.count == 1 ? "" : "s") found; nothing was accepted",
                details: problems)
        }
    }

    /// Payloads that break their event contracts (every violation, bounded by the registry's limit).
    static func contractViolations(_ violations: [SchemaViolation], truncated: Bool) -> APIError {
        let count =
            truncated
            ? "more than \(violations.count) problems (the first \(violations.count) listed)"
            : "\(violations.count) problem\(violations.count == 1 ? "" : "s")"
        return APIError(
            status: .badRequest, code: "validation_failed",
            message: "\(count) found against the event contracts; nothing was accepted",
            details: violations.map(\.envelopeProblem))
    }

    /// A produce that failed: retryable failures are `503` with `Retry-After`; a record that can
    /// never be produced as it is gets an answer that says so, without inviting a retry.
    static func produceFailed(_ error: KafkaError, topic: String) -> APIError {
        switch error.code {
        case .messageTooLarge:
            return APIError(
                status: .contentTooLarge, code: "payload_too_large",
                message: "the record is larger than the broker accepts for topic \(topic) (\(error.message))")
        case .unknownTopic, .unknownTopicOrPartition:
            return APIError(
                status: .internalServerError, code: "topic_not_found",
                message: "topic \(topic) does not exist on the broker; an operator must create it or fix the route")
        case .queueFull:
            return APIError(
                status: .serviceUnavailable, code: "broker_unavailable",
                message: "the producer queue is full; retry later with the same event_id", headers: [.retryAfter: "1"])
        default:
            return APIError(
                status: .serviceUnavailable, code: "broker_unavailable",
                message: "the broker did not acknowledge in time (\(error.message)); retry with the same event_id",
                headers: [.retryAfter: "2"])
        }
    }

    /// No route has this path.
    static func noRoute(method: HTTPRequest.Method, path: String) -> APIError {
        APIError(
            status: .notFound, code: "not_found",
            message: "no route \(method.rawValue) \(path); GET /openapi.json lists the routes")
    }

    /// The path is a route, but not for this method.
    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [String]) -> APIError {
        APIError(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "\(path) takes \(allowed.joined(separator: ", ")), not \(method.rawValue)",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    /// More request bodies are being read than the gateway holds memory for.
    static func overloaded(limit: Int) -> APIError {
        APIError(
            status: .serviceUnavailable, code: "overloaded",
            message: "the gateway is holding its limit of \(limit) bytes of request bodies; retry shortly",
            headers: [.retryAfter: "1"])
    }

    /// The reason label of the rejected-events metric.
    var reason: String { code }

    func writeError(into writer: inout JSONWriter) {
        writer.key("error")
        writer.beginObject()
        writer.member("code", code)
        writer.member("message", message)
        writer.key("details")
        writer.beginArray()
        for problem in details {
            writer.beginObject()
            writer.member("path", problem.path)
            writer.member("message", problem.message)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writeError(into: &writer)
        writer.endObject()
        return Response.json(status: status, writer.bytes, headers: headers)
    }
}
