/// JSON number literals on both sides of PostgreSQL's `numeric` input limits. The decoder's tests
/// check its verdict on each; `PostgresTests` sends every one to a real server, so the line is
/// proven to be where PostgreSQL draws it.
public enum NumericEdges {
    public static let storable = [
        "0", "-0", "1e131071", "9.999e131071", "-9e131071", "99999999e131064", "1e-16383", "0.1e-16382",
        "0e-16383", "0e1073741822", "0e-0", "1.5e-16382", "123456789012345678901234567890", "1E+5", "-1.25e-3",
        "0.0000000000000000000000001", "0.000e-16380", "1000e131068", "0.001e131074",
    ]
    public static let unstorable = [
        "1e131072", "10e131071", "1e-16384", "0e-16384", "1.5e-16383", "0.000e-16381", "0e1073741823",
        "0e-1073741823", "1e99999999999999999999", "-1e131072", "1e-99999999999999999999", "1e1073741822",
        "1000e131069", "0.001e131075", "1" + String(repeating: "0", count: 131_072),
    ]
}
