import EventModel
import Foundation
import Testing

@Suite("JSON writer: the one string escaper (bodies, records and log lines)")
struct JSONWriterTests {
    @Test("quotes, backslashes and control characters are escaped; other text is written as UTF-8")
    func escapes() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("k\"ey", "a\"b\\c\nd\re\tf\u{01}g\u{1F}h é 🦀")
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"k\"ey":"a\"b\\c\nd\re\tf\u0001g\u001fh é 🦀"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: String]
        #expect(parsed == ["k\"ey": "a\"b\\c\nd\re\tf\u{01}g\u{1F}h é 🦀"])
    }
}
