import Foundation
import HTTPTypes
import Hummingbird

/// The routes of the API as the OpenAPI document lists them (`/schemas/{event_type}/…`), which
/// `OpenAPIConformanceTests` holds to the router.
struct APIRoutes: Sendable {
    private let routes: [(segments: [Substring], methods: [String])]

    /// The keys of an OpenAPI path item that are operations (others: `parameters`, `summary`, …).
    static let operationKeys: Set = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    init(openAPI document: [UInt8]) {
        let paths = (try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])?["paths"]
        routes = ((paths as? [String: Any]) ?? [:]).map { path, operations in
            var methods = ((operations as? [String: Any]) ?? [:]).keys.filter(Self.operationKeys.contains)
                .map { $0.uppercased() }
            // The router answers HEAD wherever it answers GET.
            if methods.contains("GET") { methods.append("HEAD") }
            return (path.split(separator: "/"), methods.sorted())
        }
    }

    /// The contract's answer to a request no route takes (the router's empty `404`):
    /// `405 method_not_allowed` with `Allow` when the path is a route under other methods (RFC 9110
    /// requires the header), else `404 not_found` naming the route asked for.
    func answer(toUnrouted request: Request) -> APIError {
        let path = request.uri.path
        let allowed = methods(at: path)
        if allowed.isEmpty {
            return APIError.noRoute(method: request.method, path: path)
        }
        return APIError.methodNotAllowed(request.method, path: path, allowed: allowed)
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
