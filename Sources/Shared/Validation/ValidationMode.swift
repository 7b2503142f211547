/// How incoming payloads are judged.
public enum ValidationMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Every schema violation is answered with the matching CALLERROR code.
    case strict
    /// Known vendor deviations are repaired and reported; only what cannot be repaired is an error.
    /// The default for what chargers send: a CALLERROR can cost a charger its billing data.
    case lenient
}
