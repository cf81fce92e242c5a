import EventModel
import Foundation
import Hummingbird
import ServiceOperations

extension Router {
    /// A version as a path segment: anything but unreserved characters percent-encoded (RFC 3986),
    /// so a version holding `?`, `#`, `/` or a space still gives a working link.
    static func pathSegment(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

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
                writer.member("href", "/schemas/\(key.eventType)/\(Self.pathSegment(key.eventVersion))")
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return Response.json(status: .ok, writer.bytes)
        }
        get("/schemas/:event_type/:event_version") { _, context -> Response in
            let eventType = context.parameters.get("event_type") ?? ""
            let rawVersion = context.parameters.get("event_version") ?? ""
            let eventVersion = rawVersion.removingPercentEncoding ?? rawVersion
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
