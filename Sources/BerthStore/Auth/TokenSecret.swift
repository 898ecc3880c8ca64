import Crypto
import Foundation

/// Makes and hashes bearer-token secrets.
///
/// A secret is `berth_` and 43 base64url characters (256 random bits), so it is recognisable in a
/// leaked file and too long to guess; the database keeps only its SHA-256, which is enough for a
/// high-entropy secret (no salt or slow hash needed, unlike passwords).
public enum TokenSecret {
    public static let prefix = "berth_"

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + base64url(bytes)
    }

    /// A short public id for listing and revoking, never derived from the secret.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<6).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Runs on every authenticated request, so it avoids `String(format:)` (microseconds a byte).
    public static func hash(_ secret: String) -> String {
        hex(Array(SHA256.hash(data: Array(secret.utf8))))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
