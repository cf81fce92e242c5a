import Foundation

/// A statement parameter, sent in PostgreSQL's binary format.
public enum PostgresValue: Sendable, Hashable {
    case null
    case text(String)
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    case uuid(UUID)
    /// Microseconds since the Unix epoch.
    case timestamptz(Int64)
    /// A JSON document (UTF-8 text).
    case jsonb([UInt8])
    case bytea([UInt8])
    /// A one-dimensional array; elements must be of `elementType` or `.null`. Bulk writes send one
    /// array per column and `unnest` them: one statement, no per-row round trips, no text escaping.
    case array(elementType: PostgresType, elements: [PostgresValue])

    var type: PostgresType {
        switch self {
        case .null, .text: .text
        case .bool: .bool
        case .int32: .int4
        case .int64: .int8
        case .uuid: .uuid
        case .timestamptz: .timestamptz
        case .jsonb: .jsonb
        case .bytea: .bytea
        case .array(let elementType, _): elementType.arrayType
        }
    }

    /// Appends the binary encoding (without length prefix); returns false for NULL.
    func encode(into buffer: inout [UInt8]) -> Bool {
        switch self {
        case .null:
            return false
        case .text(let text):
            buffer.append(contentsOf: text.utf8)
        case .bool(let flag):
            buffer.append(flag ? 1 : 0)
        case .int32(let number):
            buffer.appendBigEndian(number)
        case .int64(let number):
            buffer.appendBigEndian(number)
        case .uuid(let uuid):
            withUnsafeBytes(of: uuid.uuid) { buffer.append(contentsOf: $0) }
        case .timestamptz(let micros):
            buffer.appendBigEndian(micros - Self.postgresEpochOffsetMicros)
        case .jsonb(let json):
            buffer.append(1)  // jsonb binary format version
            buffer.append(contentsOf: json)
        case .bytea(let bytes):
            buffer.append(contentsOf: bytes)
        case .array(let elementType, let elements):
            buffer.appendBigEndian(Int32(1))  // dimensions
            buffer.appendBigEndian(Int32(elements.contains(.null) ? 1 : 0))
            buffer.appendBigEndian(Int32(bitPattern: elementType.oid))
            buffer.appendBigEndian(Int32(elements.count))
            buffer.appendBigEndian(Int32(1))  // lower bound
            for element in elements {
                let lengthAt = buffer.count
                buffer.appendBigEndian(Int32(-1))
                if element.encode(into: &buffer) {
                    let length = Int32(buffer.count - lengthAt - 4)
                    withUnsafeBytes(of: length.bigEndian) { bytes in
                        for index in 0..<4 { buffer[lengthAt + index] = bytes[index] }
                    }
                }
            }
        }
        return true
    }

    /// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix microseconds.
    static let postgresEpochOffsetMicros: Int64 = 946_684_800_000_000
}

/// The types this wrapper sends, by OID.
public struct PostgresType: Sendable, Hashable {
    public let oid: UInt32
    let arrayOID: UInt32

    public static let bool = PostgresType(oid: 16, arrayOID: 1000)
    public static let bytea = PostgresType(oid: 17, arrayOID: 1001)
    public static let int8 = PostgresType(oid: 20, arrayOID: 1016)
    public static let int4 = PostgresType(oid: 23, arrayOID: 1007)
    public static let text = PostgresType(oid: 25, arrayOID: 1009)
    public static let timestamptz = PostgresType(oid: 1184, arrayOID: 1185)
    public static let uuid = PostgresType(oid: 2950, arrayOID: 2951)
    public static let jsonb = PostgresType(oid: 3802, arrayOID: 3807)

    var arrayType: PostgresType { PostgresType(oid: arrayOID, arrayOID: 0) }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
