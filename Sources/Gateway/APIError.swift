import EventModel
import Hummingbird
import ServiceSupport

/// An error answer of the contract: `{"error": {"code", "message", "details": [{"path", "message"}]}}`.
struct APIError: Error, Sendable {
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

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "payload_too_large", message: "the body is larger than \(limit) bytes")
    }

    static func decoding(_ error: EnvelopeDecodingError) -> APIError {
        switch error {
        case .invalidJSON(let syntax):
            return APIError(status: .badRequest, code: "invalid_json", message: "the body is not valid JSON: \(syntax)")
        case .rejected(let problems) where error.isSizeLimit:
            return APIError(
                status: .contentTooLarge, code: "payload_too_large",
                message: "an event or the batch is over the limits",
                details: problems)
        case .rejected(let problems):
            return APIError(
                status: .badRequest, code: "validation_failed",
                message: "\(problems.count) problem\(problems.count == 1 ? "" : "s") found; nothing was accepted",
                details: problems)
        }
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

    func response() -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writeError(into: &writer)
        writer.endObject()
        return Response.json(status: status, writer.bytes, headers: headers)
    }
}
