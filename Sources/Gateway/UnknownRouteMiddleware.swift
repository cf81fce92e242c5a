import Foundation
import HTTPTypes
import Hummingbird

/// Answers a request that no route takes in the contract's error form instead of an empty `404`:
/// `405 method_not_allowed` with `Allow` when the path is a route under other methods (RFC 9110
/// requires the header), else `404 not_found` naming the route asked for.
struct UnknownRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: APIRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let allowed = routes.methods(at: path)
            if allowed.isEmpty {
                throw APIError.noRoute(method: request.method, path: path)
            }
            throw APIError.methodNotAllowed(request.method, path: path, allowed: allowed)
        }
    }
}

/// The routes of the API as the OpenAPI document lists them (`/schemas/{event_type}/…`), which
/// `OpenAPIConformanceTests` holds to the router.
struct APIRoutes: Sendable {
    private let routes: [(segments: [Substring], methods: [String])]

    init(openAPI document: [UInt8]) {
        let paths = (try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])?["paths"]
        routes = ((paths as? [String: Any]) ?? [:]).map { path, operations in
            var methods = ((operations as? [String: Any]) ?? [:]).keys.map { $0.uppercased() }
                .filter { HTTPRequest.Method($0) != nil }
            // The router answers HEAD wherever it answers GET.
            if methods.contains("GET") { methods.append("HEAD") }
            return (path.split(separator: "/"), methods.sorted())
        }
    }

    /// The methods of the route at `path`; empty when no route has that path.
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, segment in
                    template == segment || (template.hasPrefix("{") && template.hasSuffix("}"))
                }
        }?.methods ?? []
    }
}
