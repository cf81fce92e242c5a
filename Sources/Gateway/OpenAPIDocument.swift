import Foundation

/// The gateway's API as OpenAPI 3.1 (`Resources/openapi.json`, a package resource), served at
/// `GET /openapi.json` byte for byte. Read once at start: a build without its resource bundle
/// stops the gateway with a one-line reason instead of serving an empty document.
enum OpenAPIDocument {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "the OpenAPI document (punk-records_Gateway.resources/openapi.json) is missing" }
    }

    /// The document's bytes, read once; `nil` when the resource is missing.
    static let bytes: [UInt8]? = try? load()

    /// The routes it lists, for the answers to requests no route takes.
    static let routes = APIRoutes(openAPI: bytes ?? [])

    static func load() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = FileManager.default.contents(atPath: url.path)
        else { throw Missing() }
        return [UInt8](data)
    }
}
