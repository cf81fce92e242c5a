import EventModel
import Hummingbird
import ServiceSupport

extension Router {
    /// `GET /schemas` lists the registered contracts; `GET /schemas/{event_type}/{event_version}`
    /// serves one document as it was published. Neither needs a token: contracts are what
    /// producers are meant to read.
    func addSchemaRoutes(_ registry: SchemaRegistry?) {
        get("/schemas") { _, _ -> Response in
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("enabled")
            writer.raw(Array((registry != nil ? "true" : "false").utf8))
            if let registry { writer.member("policy", registry.policy.rawValue) }
            writer.key("schemas")
            writer.beginArray()
            for key in registry?.keys ?? [] {
                writer.beginObject()
                writer.member("event_type", key.eventType)
                writer.member("event_version", key.eventVersion)
                writer.member("href", "/schemas/\(key.eventType)/\(key.eventVersion)")
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return Response.json(status: .ok, writer.bytes)
        }
        get("/schemas/:event_type/:event_version") { _, context -> Response in
            let eventType = context.parameters.get("event_type") ?? ""
            let eventVersion = context.parameters.get("event_version") ?? ""
            guard let entry = registry?.entry(eventType: eventType, eventVersion: eventVersion) else {
                return APIError(
                    status: .notFound, code: "not_found",
                    message: "no schema is registered for \(eventType) version \(eventVersion)"
                ).response()
            }
            return Response(
                status: .ok, headers: [.contentType: "application/schema+json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: entry.document)))
        }
    }
}
