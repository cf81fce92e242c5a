import EventModel
import Testing

@Suite("W3C traceparent: the trace id a row keeps")
struct TraceParentTests {
    @Test("valid headers give their trace id; anything else gives none")
    func traceIDs() {
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(TraceParent.traceID(Array(valid.utf8)) == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(
            TraceParent.traceID(Array((valid.replacingOccurrences(of: "00-", with: "01-") + "-future").utf8)) != nil)
        for invalid in [
            "", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f35-00f067aa0ba902b7-01",
        ] {
            #expect(TraceParent.traceID(Array(invalid.utf8)) == nil, "\(invalid)")
        }
    }
}
