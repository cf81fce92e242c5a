import HTTPTypes
import Hummingbird
import Tracing

/// A server span per request, the child of the client's `traceparent` when it sent one.
///
/// Hummingbird's `TracingMiddleware` does the same with more attributes, and ends the span only
/// after the body is written, which wraps every response body in a closure; measured on
/// `POST /events`, that cost a quarter of the throughput even for spans the sampler drops. This
/// one sits on the `/events` group, where the route is already known, sets the attributes the
/// OpenTelemetry HTTP conventions require, and ends the span when the response is ready (the
/// gateway's bodies are small and already built).
struct ServerSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracer: any Tracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var parent = InstrumentationContext.current ?? InstrumentationContext.topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let route = context.endpointPath ?? request.uri.path
        let span = tracer.startSpan("\(request.method.rawValue) \(route)", context: parent, ofKind: .server)
        defer { span.end() }
        // An unsampled span keeps nothing; building its attributes would be spent on every such request.
        let recording = span.isRecording
        if recording {
            span.updateAttributes { attributes in
                attributes["http.request.method"] = request.method.rawValue
                attributes["http.route"] = route
            }
        }
        do {
            let response = try await InstrumentationContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            if recording { record(status: Int(response.status.code), on: span) }
            return response
        } catch {
            if recording {
                record(status: (error as? any HTTPResponseError)?.status.code ?? 500, on: span)
                span.recordError(error)
            }
            throw error
        }
    }

    private func record(status: Int, on span: any Span) {
        span.attributes["http.response.status_code"] = status
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads trace context from request headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}
