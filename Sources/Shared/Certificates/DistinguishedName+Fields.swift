import SwiftASN1
import X509

extension DistinguishedName {
    /// The first value of one attribute (CN, O, …) as text; nil when absent or not a string type.
    public func firstValue(of type: ASN1ObjectIdentifier) -> String? {
        for rdn in self {
            for attribute in rdn where attribute.type == type {
                if let text = String(attribute.value) { return text }
            }
        }
        return nil
    }

    public var commonName: String? { firstValue(of: .RDNAttributeType.commonName) }
    public var organizationName: String? { firstValue(of: .RDNAttributeType.organizationName) }
}
