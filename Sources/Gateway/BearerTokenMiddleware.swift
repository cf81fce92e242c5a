import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`, the token compared in constant
/// time so that the time taken does not depend on where a presented token differs. The scheme is
/// case-insensitive and may be followed by several spaces (RFC 9110, RFC 6750): some clients send
/// `bearer`. A refusal is the contract's `401 unauthorized` with `WWW-Authenticate`, counted as one
/// rejected event.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let expected: [UInt8]
    let metrics: GatewayMetrics

    init(token: String, metrics: GatewayMetrics) {
        expected = Array(token.utf8)
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
        guard var header else { return false }
        return header.withUTF8 { bytes in
            let scheme = "bearer".utf8
            guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " "),
                zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 })
            else { return false }
            var start = scheme.count
            while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
            let presented = bytes.count - start
            var difference = UInt8(presented == expected.count ? 0 : 1)
            for (index, byte) in expected.enumerated() {
                difference |= (index < presented ? bytes[start + index] : 0) ^ byte
            }
            return difference == 0
        }
    }
}
