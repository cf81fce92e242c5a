import EventModel
import Foundation
import Testing

/// A property test over the consumed-record path, run for a fixed time in every test run: any
/// bytes in any field of a record (value, key, headers, timestamp) end as an event that is
/// storable or as a rejection, and as a dead-letter copy within the producer's limit, never as a
/// crash. `PUNK_FUZZ_SECONDS` (default 10) sets the budget, `PUNK_FUZZ_SEED` replays a run.
@Suite("Consumed records under random input")
struct ConsumedRecordFuzzTests {
    @Test("random and mutated records decode or are rejected, and always fit the dead-letter topic")
    func randomRecords() throws {
        let environment = ProcessInfo.processInfo.environment
        let budget = Duration.seconds(Int(environment["PUNK_FUZZ_SECONDS"] ?? "") ?? 10)
        let seed = UInt64(environment["PUNK_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        let deadline = ContinuousClock.now + budget
        var cases = 0
        var accepted = 0
        while ContinuousClock.now < deadline {
            cases += 1
            let record = RandomRecord.make(offset: Int64(cases), using: &random)
            switch ConsumedRecordDecoder.decode(
                value: record.value, key: record.key, coordinates: record.origin,
                recordTimestampMilliseconds: record.timestampMilliseconds)
            {
            case .success(let decoded):
                accepted += 1
                // What is accepted is a valid canonical envelope again, so it is storable.
                let again = Result { () throws(EnvelopeDecodingError) in
                    try EnvelopeDecoder(maxEventBytes: 1 << 24).decodeEvent(decoded.envelope.encodedJSON())
                }
                #expect((try? again.get()) != nil, "seed \(seed), case \(cases)")
            case .failure(let rejection):
                let maxBytes = Int.random(in: DeadLetter.minimumBudget...2_000_000, using: &random)
                let copy = record.deadLetter(to: "events.dlq", rejection: rejection, maxBytes: maxBytes)
                let size =
                    (copy.key?.count ?? 0) + copy.value.count
                    + copy.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count }
                #expect(size <= maxBytes, "seed \(seed), case \(cases)")
            }
        }
        print("fuzz: seed \(seed), \(cases) records in \(budget), \(accepted) accepted")
        #expect(cases > 100)
    }
}

/// A small deterministic generator, so a failing seed replays the same records.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

enum RandomRecord {
    static let seeds: [String] = [
        #"{"event_id":"0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c","event_type":"task.created","timestamp":"2026-11-22T10:00:00Z","producer":"p","payload":{"a":[1,2.5e3,"x",true,null,{}]}}"#,
        #"{"specversion":"1.0","id":"42","source":"svc","type":"x.y","data":{"n":-0.0}}"#,
        #"{"specversion":"1.0","id":"0b7d5c1e-4a8f-4c2e-9f3a-1d2e3f4a5b6c","source":"s","type":"a","data_base64":"AA=="}"#,
        #"{"event_type":"task.updated","version":"1.0","timestamp":"2025-01-16T10:00:00+23:59","data":{"t":1}}"#,
    ]
    static let fragments: [String] = [
        #"\u0000"#, #"\ud800"#, #"\udc00\ud800"#, "1e131072", "1e-16384", "-0e99999999999", "[[[[[[[[", "}}}}", "\"",
        "\\", "\u{FEFF}", "\u{0}", "null", ",", ":", "99999999999999999999999", "9999-12-31T23:59:60-23:59",
        String(repeating: "[", count: 300), String(repeating: "9", count: 2000),
    ]

    /// A record read at `offset` of partition 1 of "events".
    static func make<R: RandomNumberGenerator>(offset: Int64, using random: inout R) -> ConsumedRecord {
        var value: [UInt8]
        if Int.random(in: 0..<10, using: &random) == 0 {
            value = (0..<Int.random(in: 0...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        } else {
            value = Array(seeds.randomElement(using: &random)!.utf8)
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let position = Int.random(in: 0...value.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: value.insert(contentsOf: fragments.randomElement(using: &random)!.utf8, at: position)
                case 1 where position < value.count: value[position] = UInt8.random(in: 0...255, using: &random)
                case 2 where position < value.count: value.remove(at: position)
                default: value.insert(contentsOf: value[position...].prefix(64), at: position)
                }
            }
        }
        let key: [UInt8]? =
            Bool.random(using: &random)
            ? nil : (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        var headers: [RecordHeader] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let names = [
                "dlq-original-topic", "dlq-original-partition", "dlq-original-offset", "dlq-reason", "traceparent", "",
            ]
            let texts = ["-1", "99999999999999999999", "0", "events", "\u{0}", "2147483648", ""]
            headers.append(
                RecordHeader(names.randomElement(using: &random)!, Array(texts.randomElement(using: &random)!.utf8)))
        }
        let timestamps: [Int64?] = [
            nil, .max, .min, 0, -1, 253_402_300_799_999, 253_402_300_800_000,
            Int64.random(in: .min ... .max, using: &random),
        ]
        return ConsumedRecord(
            topic: "events", partition: 1, offset: offset, key: key, value: value, headers: headers,
            timestampMilliseconds: timestamps.randomElement(using: &random)!)
    }
}
