import Postgres
import Testing

@Suite("DATABASE_URL and its password")
struct ConnectionURLTests {
    @Test("the password is removed from any text in every form it may take: raw, percent-decoded, conninfo")
    func redaction() throws {
        let url = try ConnectionURL("postgres://writer:s%40cret%2Fpass@db.example:5432/punk_records")
        #expect(url.redacted == "postgres://writer:***@db.example:5432/punk_records")
        #expect(url.redact("auth failed for s@cret/pass") == "auth failed for ***")
        let conninfo = try ConnectionURL("host=db.example user=writer password=plain-secret dbname=punk_records")
        #expect(!conninfo.redacted.contains("plain-secret"))
    }

    @Test("a malformed URL is refused without its password in the message")
    func malformed() {
        do {
            _ = try ConnectionURL("postgres://writer:s%40cret@db.example:notaport/x?bogus_option=1")
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("s%40cret") && !error.message.contains("s@cret"), "\(error.message)")
        }
    }
}
