import EventModel
import Hummingbird
import Prometheus

extension Router {
    /// `GET /health`, `GET /ready`, `GET /live` and `GET /metrics`, the same on every Punk Records program.
    /// `/live` answers from the route itself: a process whose event loop serves it is working, and
    /// an outage of Kafka or PostgreSQL must never make Kubernetes restart it.
    public func addOperationalRoutes(
        readiness: Readiness,
        healthChecks: [(name: String, check: CachedHealthCheck)],
        registry: PrometheusCollectorRegistry,
        beforeScrape: @escaping @Sendable () -> Void = {}
    ) {
        get("/health") { _, _ -> Response in
            var writer = JSONWriter()
            // The checks run side by side, so the answer takes as long as the slowest one, not the sum.
            let problems = await withTaskGroup(of: (Int, String?).self) { group in
                for (index, entry) in healthChecks.enumerated() {
                    group.addTask { (index, await entry.check.problem()) }
                }
                var problems = [String?](repeating: nil, count: healthChecks.count)
                for await (index, problem) in group { problems[index] = problem }
                return problems
            }
            let healthy = problems.allSatisfy { $0 == nil }
            let parts = zip(healthChecks, problems).map { ($0.name, $1 ?? "ok") }
            writer.beginObject()
            writer.member("status", healthy ? "ok" : "unavailable")
            for (name, value) in parts { writer.member(name, value) }
            writer.endObject()
            return Response.json(status: healthy ? .ok : .serviceUnavailable, writer.bytes)
        }
        get("/ready") { _, _ -> Response in
            let state = readiness.current
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("status", state.rawValue)
            writer.endObject()
            return Response.json(status: state == .ready ? .ok : .serviceUnavailable, writer.bytes)
        }
        get("/live") { _, _ -> Response in
            Response.json(status: .ok, Array(#"{"status":"alive"}"#.utf8))
        }
        get("/metrics") { _, _ -> Response in
            beforeScrape()
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}

extension Response {
    public static func json(status: HTTPResponse.Status, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
