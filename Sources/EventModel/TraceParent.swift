/// The W3C Trace Context `traceparent` header (`00-<trace-id>-<parent-id>-<flags>`): the persister
/// keeps the trace id in the row, so a row leads to its trace and a trace to its rows.
public enum TraceParent {
    /// The 32 lowercase hex digits of the trace id, or `nil` when the header is not a valid
    /// `traceparent` (wrong shape, upper-case hex, version `ff`, an all-zero id).
    public static func traceID(_ header: [UInt8]) -> String? {
        // version "-" trace-id "-" parent-id "-" flags; a later version may append "-" fields.
        guard header.count == 55 || (header.count > 55 && header[55] == UInt8(ascii: "-")) else { return nil }
        guard isLowerHex(header[0..<2]), header[0..<2] != [UInt8(ascii: "f"), UInt8(ascii: "f")],
            header[2] == UInt8(ascii: "-"), isLowerHex(header[3..<35]), header[35] == UInt8(ascii: "-"),
            isLowerHex(header[36..<52]), header[52] == UInt8(ascii: "-"), isLowerHex(header[53..<55])
        else { return nil }
        if header[0..<2] == [UInt8(ascii: "0"), UInt8(ascii: "0")], header.count != 55 { return nil }
        let traceID = header[3..<35]
        let parentID = header[36..<52]
        guard traceID.contains(where: { $0 != UInt8(ascii: "0") }),
            parentID.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return String(decoding: traceID, as: UTF8.self)
    }

    private static func isLowerHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }
}
