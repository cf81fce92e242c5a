import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`, compared in constant time so
/// that the time taken does not depend on where a presented token differs. A refusal is the
/// contract's `401 unauthorized` with `WWW-Authenticate`, counted as one rejected event.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let expected: [UInt8]
    let metrics: GatewayMetrics

    init(token: String, metrics: GatewayMetrics) {
        expected = Array("Bearer \(token)".utf8)
        self.metrics = metrics
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard matches(request.headers[.authorization]) else {
            let error = APIError.unauthorized()
            metrics.rejected(1, reason: error.reason)
            throw error
        }
        return try await next(request, context)
    }

    func matches(_ header: String?) -> Bool {
        guard let header else { return false }
        var difference = UInt8(header.utf8.count == expected.count ? 0 : 1)
        var presented = header.utf8.makeIterator()
        for byte in expected {
            difference |= (presented.next() ?? 0) ^ byte
        }
        return difference == 0
    }
}
