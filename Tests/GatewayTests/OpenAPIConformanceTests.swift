import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Gateway

/// The served OpenAPI document against the running gateway: every documented operation is
/// served, answers only statuses the document lists for it, with the response headers the
/// document promises, and error codes from the document's list. Every request example of the
/// document is sent as it is.
@Suite("The served OpenAPI document describes the gateway", .serialized)
struct OpenAPIConformanceTests {
    typealias JSON = [String: Any]

    @Test("every operation, every request example and every error path answer as documented")
    func conformance() async throws {
        let schemas = try TestEnvironment.repositoryRoot() + "/schemas"
        let harness = try await GatewayHarness.make(extraEnvironment: ["SCHEMA_DIR": schemas])
        try await harness.test { client in
            let document = try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                return response.json
            }
            let spec = Spec(document)
            #expect(spec.operations.count >= 9)
            #expect(spec.operations.contains { !$0.requestExamples.isEmpty })
            for operation in spec.operations {
                var requests: [(label: String, headers: HTTPFields, body: String?)] = []
                if operation.method == .post {
                    for (name, body) in operation.requestExamples {
                        requests.append(("example \(name)", jsonHeaders, body))
                    }
                    requests.append(("no token", [.contentType: "application/json"], "{}"))
                    requests.append(
                        (
                            "wrong type", [.authorization: jsonHeaders[.authorization]!, .contentType: "text/plain"],
                            "{}"
                        ))
                    requests.append(("not JSON", jsonHeaders, "{"))
                    requests.append(("not an envelope", jsonHeaders, #"{"event_id":1}"#))
                } else {
                    requests.append(("plain", [:], nil))
                }
                for request in requests {
                    let label = "\(operation.method) \(operation.path) (\(request.label))"
                    try await client.execute(
                        uri: operation.concretePath, method: operation.method, headers: request.headers,
                        body: request.body.map { ByteBuffer(string: $0) }
                    ) { response in
                        let status = String(response.status.code)
                        guard let documented = operation.responses[status] else {
                            Issue.record(
                                "\(label): answered \(status), documented \(operation.responses.keys.sorted())")
                            return
                        }
                        for header in spec.requiredHeaderNames(of: documented) {
                            #expect(
                                response.headers[HTTPField.Name(header)!] != nil, "\(label): \(status) lacks \(header)")
                        }
                        if let code = response.errorCode {
                            #expect(spec.errorCodes.contains(code), "\(label): code \(code) is not documented")
                        }
                    }
                }
            }
        }
    }

    /// The parts of the document the test reads, with local `$ref`s followed.
    struct Spec {
        struct Operation {
            let path: String
            let method: HTTPRequest.Method
            let concretePath: String
            let responses: [String: Any]
            let requestExamples: [(String, String)]
        }

        let document: JSON
        let operations: [Operation]
        let errorCodes: Set<String>

        init(_ document: JSON) {
            self.document = document
            var operations: [Operation] = []
            for (path, item) in (document["paths"] as? JSON ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (method, value) in item as? JSON ?? [:] {
                    guard let operation = value as? JSON, let responses = operation["responses"] as? JSON,
                        let httpMethod = HTTPRequest.Method(method.uppercased())
                    else { continue }
                    var concrete = path
                    for parameter in operation["parameters"] as? [JSON] ?? [] {
                        guard let name = parameter["name"] as? String, parameter["in"] as? String == "path" else {
                            continue
                        }
                        concrete = concrete.replacingOccurrences(
                            of: "{\(name)}", with: "\(parameter["example"] ?? "x")")
                    }
                    var examples: [(String, String)] = []
                    let body = Self.resolve(document, operation["requestBody"]) as? JSON
                    for media in (body?["content"] as? JSON ?? [:]).values {
                        for (name, example) in (media as? JSON)?["examples"] as? JSON ?? [:] {
                            guard let value = (Self.resolve(document, example) as? JSON)?["value"],
                                let data = try? JSONSerialization.data(
                                    withJSONObject: value, options: [.fragmentsAllowed])
                            else { continue }
                            examples.append((name, String(decoding: data, as: UTF8.self)))
                        }
                    }
                    operations.append(
                        Operation(
                            path: path, method: httpMethod, concretePath: concrete, responses: responses,
                            requestExamples: examples))
                }
            }
            self.operations = operations
            let errorBody =
                (document["components"] as? JSON)?["schemas"].flatMap { ($0 as? JSON)?["ErrorBody"] } as? JSON
            let code = (errorBody?["properties"] as? JSON)?["code"] as? JSON
            errorCodes = Set(code?["enum"] as? [String] ?? [])
        }

        /// The headers a response must carry; an optional one (`"required": false`) only comes in some cases.
        func requiredHeaderNames(of response: Any) -> [String] {
            let headers = (Self.resolve(document, response) as? JSON)?["headers"] as? JSON ?? [:]
            return headers.filter { (Self.resolve(document, $0.value) as? JSON)?["required"] as? Bool == true }
                .keys.sorted()
        }

        static func resolve(_ document: JSON, _ node: Any?) -> Any? {
            var node = node
            while let reference = (node as? JSON)?["$ref"] as? String, reference.hasPrefix("#/") {
                var target: Any? = document
                for token in reference.dropFirst(2).split(separator: "/") {
                    let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                    target = (target as? JSON)?[key]
                }
                node = target
            }
            return node
        }
    }
}
