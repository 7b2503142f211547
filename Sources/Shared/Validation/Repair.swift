/// One vendor deviation that lenient reading repaired, reported so the caller can record it next to the raw frame.
public struct Repair: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// `ChargeBoxSerialNumber` read as `chargeBoxSerialNumber`.
        case propertyNameCase
        /// A property the schema does not define was dropped.
        case unknownPropertyIgnored
        /// The string `"null"`, JSON `null` or `""` stood for an absent optional field.
        case absentValueRemoved
        /// `"12"` where a number is required.
        case stringToNumber
        /// `0.0` where a string is required (`SampledValue.value`).
        case numberToString
        /// `"true"` where a boolean is required, or the reverse.
        case booleanCoerced
        /// `106.7` where an integer is required: rounded to the nearest integer.
        case fractionRounded
        /// A string longer than its `maxLength`, truncated in the validated payload (the raw frame keeps it whole).
        case stringTruncated
        /// A timestamp without zone offset, read as UTC.
        case timestampAssumedUTC
        /// A required timestamp that was missing, empty or unreadable, replaced by the time of receipt.
        case timestampReplaced
        /// An enumeration value in the wrong case or a known variant (`Hz` → `Hertz`), mapped to the spec value.
        case enumValueMapped
        /// An enumeration value outside the spec, kept as received because the field is informational.
        case unknownEnumValueKept
        /// A single object where an array is required (`meterValue: {…}`), wrapped in an array.
        case wrappedInArray
        /// An array shorter than its `minItems` (`sampledValue: []`) or longer than its `maxItems`, accepted as is.
        case itemCountOutOfRange
        /// A number that is not a multiple of 0.1 where one is required, rounded to one decimal.
        case multipleOfRounded
        /// A message id that was a number or longer than 36 characters, accepted as text.
        case messageIDIrregular
    }

    public var kind: Kind
    /// JSON pointer into the payload (`/meterValue/0/timestamp`); empty for the frame itself.
    public var path: String
    /// What was received and what it became, for humans.
    public var detail: String

    public init(_ kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue) at \(path.isEmpty ? "/" : path): \(detail)" }
}
