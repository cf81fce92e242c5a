import Foundation

extension UUID {
    /// Namespace of the name-based identifiers Punk Records derives for satellite records that
    /// carry no UUID of their own. Fixed forever: changing it would break replay idempotency.
    public static let punkRecordsNamespace = UUID(uuidString: "6f0b5a3e-8f4c-4d1e-9a57-2c3b1e0d7f42")!

    /// A name-based UUID (RFC 9562 version 5: SHA-1 of namespace and name).
    public init(version5Namespace namespace: UUID, name: String) {
        var input = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        input.append(contentsOf: name.utf8)
        var digest = SHA1.hash(input)
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        self = UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            ))
    }

    /// The lowercase hyphenated form used everywhere on the wire. Formatted by hand: Foundation's
    /// `uuidString` goes through `sprintf` on Linux, which shows up on the hot path.
    public var canonicalString: String {
        let hexDigits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    output[position] = hexDigits.utf8Start[Int(bytes[index] >> 4)]
                    output[position + 1] = hexDigits.utf8Start[Int(bytes[index] & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }

    /// Parses the hyphenated 8-4-4-4-12 form (either case) without Foundation's `sscanf`.
    public init?(hyphenatedHex text: String) {
        var text = text
        text.makeContiguousUTF8()
        var value = UUID.null.uuid
        let parsed = text.utf8.withContiguousStorageIfAvailable { characters in
            guard characters.count == 36 else { return false }
            return withUnsafeMutableBytes(of: &value) { output in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        guard characters[position] == UInt8(ascii: "-") else { return false }
                        position += 1
                    }
                    guard let high = JSONScanner.hexValue(characters[position]),
                        let low = JSONScanner.hexValue(characters[position + 1])
                    else { return false }
                    output[index] = high << 4 | low
                    position += 2
                }
                return true
            }
        }
        guard parsed == true else { return nil }
        self = UUID(uuid: value)
    }

    static let null = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}

/// SHA-1 is used only to derive version 5 UUIDs, as RFC 9562 prescribes; it protects nothing.
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
        )
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) {
            padded.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }

        var words = [UInt32](repeating: 0, count: 80)
        for chunkStart in stride(from: 0, to: padded.count, by: 64) {
            for index in 0..<16 {
                let base = chunkStart + index * 4
                words[index] =
                    UInt32(padded[base]) << 24 | UInt32(padded[base + 1]) << 16 | UInt32(padded[base + 2]) << 8
                    | UInt32(padded[base + 3])
            }
            for index in 16..<80 {
                let mixed = words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]
                words[index] = mixed << 1 | mixed >> 31
            }
            var (a, b, c, d, e) = state
            for index in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    switch index {
                    case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                    case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                    case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                    default: (b ^ c ^ d, 0xCA62_C1D6)
                    }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ words[index]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
        var digest: [UInt8] = []
        for word in [state.0, state.1, state.2, state.3, state.4] {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return digest
    }
}
