import EventModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import ServiceSupport
import TestSupport
import Testing

@testable import Gateway

@Suite("Gateway at the edges", .serialized)
struct GatewayEdgeTests {
    @Test("valid JSON that PostgreSQL cannot store is validation_failed with a pointer, never a 202")
    func unstorable() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            for (payload, pointer) in [
                (#"{"a":"x\u0000y"}"#, "/payload/a"), (#"{"n":[1,1e131072]}"#, "/payload/n/1"),
                (#"{"s":"\udc00"}"#, "/payload/s"),
            ] {
                try await client.execute(
                    uri: "/events", method: .post, headers: jsonHeaders,
                    body: ByteBuffer(string: envelope(payload: payload))
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorCode == "validation_failed")
                    #expect(response.detailPaths == [pointer])
                }
            }
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(envelope()),\(envelope(payload: #"{"k\u0000":1}"#))]")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.detailPaths == ["/1/payload/k\u{0}"])
            }
        }
    }

    @Test("a 413 for a size limit says which limit in its message and lists that detail first")
    func sizeLimitFirst() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            // More events than MAX_BATCH_EVENTS (50 in the harness), the first of them also invalid.
            let items = ([envelope(type: "BAD")] + (0..<50).map { _ in envelope() }).joined(separator: ",")
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "[\(items)]")
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorMessage == "a batch holds at most 50 events, this one has 51")
                #expect(response.detailPaths == ["", "/0/event_type"])
            }
            let bigPayload = #"{"blob":"\#(String(repeating: "x", count: 5000))"}"#
            let twoBig = [envelope(type: "BAD"), envelope(payload: bigPayload), envelope(payload: bigPayload)]
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(twoBig.joined(separator: ","))]")
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(
                    response.errorMessage?.hasPrefix("2 size limits exceeded; the first, at /1: the event is ") == true)
                #expect(response.detailPaths == ["/1", "/2", "/0/event_type"])
            }
        }
    }

    @Test("the auth scheme is case-insensitive and may be followed by several spaces; the token is exact")
    func bearerScheme() throws {
        let middleware = BearerTokenMiddleware<BasicRequestContext>(
            token: "s3cret-token", metrics: GatewayMetrics())
        for accepted in ["Bearer s3cret-token", "bearer s3cret-token", "BEARER  s3cret-token"] {
            #expect(middleware.matches(accepted), "\(accepted)")
        }
        for refused in [
            "Bearer S3cret-token", "Bearer s3cret-token ", "Bearers3cret-token", "Basic s3cret-token", "Bearer",
            "Bearer ", "s3cret-token", "Bearer s3cret-tokenX", "Bearer s3cret-toke",
        ] {
            #expect(!middleware.matches(refused), "\(refused)")
        }
        #expect(!middleware.matches(nil))
    }

    @Test("a path no route has is a JSON 404; a route under another method is 405 with Allow")
    func unknownRoutes() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            for (method, uri, allowed) in [
                (HTTPRequest.Method.get, "/events", "POST"), (.put, "/events/batch", "POST"),
                (.post, "/health", "GET, HEAD"), (.delete, "/schemas/task.created/v1", "GET, HEAD"),
            ] {
                try await client.execute(uri: uri, method: method, headers: jsonHeaders) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.errorCode == "method_not_allowed")
                    #expect(response.headers[.allow] == allowed, "\(method) \(uri)")
                }
            }
            try await client.execute(uri: "/live", method: .head) { response in
                #expect(response.status == .ok)
            }
            for uri in ["/event", "/events/batch/1", "/schemas/task.created", "/"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.errorCode == "not_found", "\(uri)")
                    #expect(response.errorMessage == "no route GET \(uri); GET /openapi.json lists the routes")
                }
            }
        }
    }

    @Test("the routes come from the OpenAPI paths: templates match one segment, only operations are methods")
    func apiRoutes() {
        let document = #"{"paths":{"/a/{x}":{"parameters":[],"summary":"s","get":{},"delete":{}},"/b":{"post":{}}}}"#
        let routes = APIRoutes(openAPI: Array(document.utf8))
        #expect(routes.methods(at: "/a/1") == ["DELETE", "GET", "HEAD"])
        #expect(routes.methods(at: "/b") == ["POST"])
        #expect(routes.methods(at: "/a").isEmpty)
        #expect(routes.methods(at: "/a/1/2").isEmpty)
        #expect(APIRoutes(openAPI: Array("not json".utf8)).methods(at: "/b").isEmpty)
    }

    @Test("a compressed body is 415 naming Content-Encoding, not a JSON syntax error")
    func contentEncoding() async throws {
        let harness = try await GatewayHarness.make()
        try await harness.test { client in
            var headers = jsonHeaders
            headers[.contentEncoding] = "gzip"
            try await client.execute(
                uri: "/events", method: .post, headers: headers, body: ByteBuffer(bytes: [0x1f, 0x8b, 0x08, 0x00])
            ) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.errorCode == "unsupported_media_type")
                #expect(response.errorMessage == "Content-Encoding gzip is not supported; send the body uncompressed")
                #expect(response.headers[.acceptEncoding] == "identity")
            }
            headers[.contentEncoding] = "identity"
            try await client.execute(
                uri: "/events", method: .post, headers: headers, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .accepted)
            }
        }
    }

    @Test("a record larger than the broker accepts is 413 payload_too_large, without Retry-After")
    func recordTooLarge() async throws {
        let harness = try await GatewayHarness.make(extraEnvironment: [
            "MAX_EVENT_BYTES": "65536", "KAFKA_PROPERTY_MESSAGE_MAX_BYTES": "10000",
        ])
        let large = envelope(payload: #"{"blob":"\#(String(repeating: "x", count: 20_000))"}"#)
        try await harness.test { client in
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: large)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "payload_too_large")
                #expect(response.headers[.retryAfter] == nil)
            }
            try await client.execute(
                uri: "/events/batch", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: "[\(envelope()),\(large)]")
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.json["accepted"] as? Int == 1)
                let statuses = (response.json["results"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
                #expect(statuses == ["accepted", "failed"])
            }
        }
    }

    @Test("bodies beyond the in-flight budget are 503 overloaded with Retry-After; freed budget accepts again")
    func inFlightBudget() async throws {
        let harness = try await GatewayHarness.make()
        let budget = harness.gateway.bodyBudget
        try await harness.test { client in
            #expect(budget.reserve(budget.limit - 100))
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "overloaded")
                #expect(response.headers[.retryAfter] == "1")
            }
            budget.release(budget.limit - 100)
            try await client.execute(
                uri: "/events", method: .post, headers: jsonHeaders, body: ByteBuffer(string: envelope())
            ) { response in
                #expect(response.status == .accepted)
            }
            #expect(budget.inUse == 0)
        }
    }

    @Test("only a failure a retry can mend is 503 with Retry-After")
    func produceFailureAnswers() {
        let unknown = APIError.produceFailed(KafkaError(code: .unknownTopicOrPartition, message: "no"), topic: "t")
        #expect(unknown.status == .internalServerError)
        #expect(unknown.code == "topic_not_found")
        #expect(unknown.headers[.retryAfter] == nil)
        let local = APIError.produceFailed(KafkaError(code: .unknownTopic, message: "no"), topic: "t")
        #expect(local.code == "topic_not_found")
        let slow = APIError.produceFailed(KafkaError(code: .messageTimedOut, message: "slow"), topic: "t")
        #expect(slow.status == .serviceUnavailable)
        #expect(slow.headers[.retryAfter] == "2")
        let full = APIError.produceFailed(KafkaError(code: .queueFull, message: "full"), topic: "t")
        #expect(full.headers[.retryAfter] == "1")
    }

    @Test("settings that would break a guarantee or can never work refuse to start, naming the variable")
    func guardedSettings() {
        let base = ["PUNK_RECORDS_API_TOKEN": token]
        let refused: [[String: String]] = [
            ["KAFKA_PROPERTY_ACKS": "1"], ["KAFKA_PROPERTY_REQUEST_REQUIRED_ACKS": "0"],
            ["KAFKA_PROPERTY_ENABLE_IDEMPOTENCE": "false"], ["KAFKA_TOPIC": "bad topic"],
            ["KAFKA_TOPIC_ROUTES": "task.=bad/topic"], ["MAX_IN_FLIGHT_BODY_BYTES": "100000"],
            // What the OTLP exporter cannot serve would stop the program later, without a reason.
            ["OTEL_PROPAGATORS": "tracecontext,baggage", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
            ["OTEL_TRACES_SAMPLER": "xray", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
            ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
            ["OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
        ]
        for extra in refused {
            do {
                _ = try GatewayConfiguration(environment: EnvironmentReader(base.merging(extra) { $1 }))
                Issue.record("accepted \(extra)")
            } catch {
                let named = extra.keys.contains { error.description.contains($0) }
                #expect(named || error.description.contains("topic"), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(throws: Never.self) {
            try GatewayConfiguration(
                environment: EnvironmentReader(
                    base.merging(["KAFKA_PROPERTY_ACKS": "all", "KAFKA_PROPERTY_LINGER_MS": "5"]) { $1 }))
        }
    }

    @Test("--help answers without a token; an unknown argument is refused with the usage")
    func commandLine() throws {
        let environment = ["PATH": "/usr/bin:/bin"]
        let (helped, help) = try ProgramRun.toExit(
            "gateway", ["--help"], environment: environment, timeout: .seconds(10))
        #expect(helped == 0, "\(help)")
        #expect(help.hasPrefix("usage: gateway"), "\(help)")
        let (refused, refusal) = try ProgramRun.toExit(
            "gateway", ["--port", "80"], environment: environment, timeout: .seconds(10))
        #expect(refused == 2, "\(refusal)")
        #expect(refusal.hasPrefix("gateway: unknown argument --port\nusage: gateway"), "\(refusal)")
    }

    @Test("tracing is on only with an OTLP endpoint, and not when the SDK or the traces exporter is off")
    func tracingSwitch() throws {
        func enabled(_ variables: [String: String]) throws -> Bool {
            try GatewayConfiguration(
                environment: EnvironmentReader(variables.merging(["PUNK_RECORDS_API_TOKEN": token]) { $1 })
            )
            .tracing.isEnabled
        }
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]
        #expect(try !enabled([:]))
        #expect(try !enabled(["OTEL_EXPORTER_OTLP_ENDPOINT": " "]), "blank, as compose passes an unset variable")
        #expect(try enabled(endpoint))
        #expect(try enabled(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"]))
        #expect(try !enabled(endpoint.merging(["OTEL_SDK_DISABLED": "true"]) { $1 }))
        #expect(try !enabled(endpoint.merging(["OTEL_TRACES_EXPORTER": "none"]) { $1 }))
        // Refused values matter only when tracing is on.
        #expect(try !enabled(["OTEL_PROPAGATORS": "b3"]))
    }
}
