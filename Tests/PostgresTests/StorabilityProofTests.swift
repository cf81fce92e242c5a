import EventModel
import Foundation
import Postgres
import TestSupport
import Testing

/// Proves the gateway's "accepted means storable" rule against a real PostgreSQL: every edge case
/// the decoder accepts goes through the same casts a row does (`jsonb`, `timestamptz`, `text`), and
/// every one it refuses is refused by the server too, so the line is drawn where PostgreSQL draws it.
@Suite("Accepted means storable, proven against PostgreSQL", .serialized)
struct StorabilityProofTests {
    static let payloads: [String] =
        (NumericEdges.storable + NumericEdges.unstorable).map { #"{"n":\#($0)}"# } + [
            #"{"s":"\u0000"}"#, #"{"s\u0000":1}"#, #"{"s":"\ud800"}"#, #"{"s":"\udc00"}"#, #"{"s":"\ud800\u0041"}"#,
            #"{"s":"\ud83d\ude00"}"#, #"{"s":"\u0001\u001f\u007f\uffff"}"#, #"{"s":"\uFEFF"}"#,
            #"{"a":1,"a":2}"#, #"{"":""}"#,
            String(repeating: #"{"d":"#, count: 250) + "1" + String(repeating: "}", count: 250),
            #"{"d":"# + String(repeating: "[", count: 240) + String(repeating: "]", count: 240) + "}",
        ]

    static let timestamps = [
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:60-23:59", "2016-12-31T23:59:60Z", "2026-11-22T10:00:00.1234567890123+05:45",
    ]

    func decode(payload: String = "{}", timestamp: String = "2026-11-22T10:00:00Z") -> Result<
        AcceptedEvent, EnvelopeDecodingError
    > {
        let body =
            #"{"event_id":"\#(UUID().uuidString)","event_type":"a.b","timestamp":"\#(timestamp)","producer":"p","payload":\#(payload)}"#
        return Result { () throws(EnvelopeDecodingError) in try EnvelopeDecoder().decodeEvent(Array(body.utf8)) }
    }

    /// Whether PostgreSQL takes the value through the casts of a row; the error when it does not.
    func store(_ event: AcceptedEvent, using connection: PostgresConnection) async -> PostgresError? {
        do {
            _ = try await connection.query(
                "SELECT $1::jsonb AS payload, $2::timestamptz AS at, $3::text AS producer",
                [
                    .jsonb(event.envelope.payload), .timestamptz(event.envelope.timestamp.microsecondsSinceEpoch),
                    .text(event.envelope.producer),
                ])
            return nil
        } catch {
            return error
        }
    }

    @Test("every payload edge: accepted exactly when PostgreSQL's jsonb takes it")
    func payloadEdges() async throws {
        let connection = try await PostgresConnection.connect(
            url: try TestEnvironment.databaseURL(), logger: TestEnvironment.logger)
        for payload in Self.payloads {
            let serverRefuses: Bool
            do {
                _ = try await connection.query("SELECT $1::text::jsonb AS v", [.text(payload)])
                serverRefuses = false
            } catch {
                serverRefuses = true
            }
            switch decode(payload: payload) {
            case .success(let event):
                #expect(!serverRefuses, "accepted but PostgreSQL refuses: \(payload.prefix(80))")
                let error = await store(event, using: connection)
                #expect(
                    error == nil, "accepted event not storable: \(payload.prefix(80)): \(String(describing: error))")
            case .failure(.rejected(let problems)):
                #expect(serverRefuses, "refused but PostgreSQL takes it: \(payload.prefix(80)) \(problems)")
                #expect(problems.allSatisfy { $0.path.hasPrefix("/payload") })
            case .failure(let other):
                Issue.record("valid JSON answered as \(other): \(payload.prefix(80))")
            }
        }
    }

    @Test("every timestamp RFC 3339 can write is stored as the same instant")
    func timestampEdges() async throws {
        let connection = try await PostgresConnection.connect(
            url: try TestEnvironment.databaseURL(), logger: TestEnvironment.logger)
        for text in Self.timestamps {
            let event = try decode(timestamp: text).get()
            #expect(await store(event, using: connection) == nil, "\(text)")
            let rows = try await connection.query(
                "SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::int8::text AS micros",
                [.timestamptz(event.envelope.timestamp.microsecondsSinceEpoch)])
            #expect(rows[0, "micros"] == String(event.envelope.timestamp.microsecondsSinceEpoch), "\(text)")
        }
    }
}
