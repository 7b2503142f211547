import Crypto
import SwiftASN1
import X509

extension CertificateHashDataType {
    /// How OCPP names an installed certificate (the OCSP CertID fields): hashes of the DER issuer name and of the
    /// issuer's public key, and the serial number in hex. A root certificate is its own issuer, so its key is the
    /// default `issuerKey`.
    public init(certificate: Certificate, issuerKey: Certificate.PublicKey? = nil, algorithm: HashAlgorithmEnumType = .sha256) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.issuer)
        let name = serializer.serializedBytes
        let key = Array((issuerKey ?? certificate.publicKey).subjectPublicKeyInfoBytes)
        self.init(
            hashAlgorithm: algorithm,
            issuerNameHash: Self.hex(Self.digest(name, algorithm)),
            issuerKeyHash: Self.hex(Self.digest(key, algorithm)),
            serialNumber: Self.serialHex(certificate.serialNumber)
        )
    }

    /// The first certificate of a PEM text (a chain's leaf).
    public init(pem: String, algorithm: HashAlgorithmEnumType = .sha256) throws {
        guard let first = try PEMDocument.parseMultiple(pemString: pem).first else { throw ASN1Error.invalidPEMDocument(reason: "no PEM document") }
        try self.init(certificate: try Certificate(pemDocument: first), algorithm: algorithm)
    }

    /// True when both name the same certificate (hex compared case-insensitively, leading zeros of the serial ignored).
    public func matches(_ other: CertificateHashDataType) -> Bool {
        func serial(_ text: String) -> String {
            let trimmed = text.lowercased().drop { $0 == "0" }
            return trimmed.isEmpty ? "0" : String(trimmed)
        }
        return hashAlgorithm == other.hashAlgorithm && issuerNameHash.lowercased() == other.issuerNameHash.lowercased()
            && issuerKeyHash.lowercased() == other.issuerKeyHash.lowercased() && serial(serialNumber) == serial(other.serialNumber)
    }

    static func digest(_ bytes: [UInt8], _ algorithm: HashAlgorithmEnumType) -> [UInt8] {
        switch algorithm {
        case .sha384: Array(SHA384.hash(data: bytes))
        case .sha512: Array(SHA512.hash(data: bytes))
        default: Array(SHA256.hash(data: bytes))
        }
    }

    /// Lowercase hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The serial in hex without leading zeros (at most 40 characters for a 20-byte serial, as RFC 5280 allows).
    public static func serialHex(_ serial: Certificate.SerialNumber) -> String {
        let text = hex(serial.bytes).drop { $0 == "0" }
        return text.isEmpty ? "0" : String(text)
    }
}
