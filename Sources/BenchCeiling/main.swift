// The ceiling for the gateway benchmark: the same HTTP stack (Hummingbird 2 on loopback) doing
// the least a POST /events handler can do — read the body, answer 202 with a small JSON body.
// No authentication, no validation, no Kafka. scripts/bench-gateway.sh compares against it.
import Foundation
import Hummingbird

let port = ProcessInfo.processInfo.environment["HTTP_PORT"].flatMap { Int($0) } ?? 8001

let router = Router()
router.post("/events") { request, _ -> Response in
    var request = request
    _ = try await request.collectBody(upTo: 16 << 20)
    return Response(
        status: .accepted,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"event_id":"x","topic":"t","partition":0,"offset":0}"#)))
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "punk-records-bench-ceiling"))
try await app.runService()
