/// What a limit constrains: a whole charger (all its connectors together, OCPP's ChargePointMaxProfile), one
/// connector, or a group's total (shared between the sessions charging in it).
public enum LimitTarget: Sendable, Hashable {
    case charger(String)
    case connector(String, Int)
    case group(String)

    public static let groupPrefix = "group:"

    /// Reads the CLI form: `CP01`, `CP01` with `connector` N > 0, or `group:NAME`.
    public static func parse(_ text: String, connector: Int? = nil) throws(LimitInputError) -> LimitTarget {
        if text.hasPrefix(groupPrefix) {
            let name = String(text.dropFirst(groupPrefix.count))
            guard !name.isEmpty else { throw LimitInputError("'\(text)' names no group: use group:NAME") }
            guard connector == nil else { throw LimitInputError("--connector applies to a charger, not to a group") }
            return .group(name)
        }
        guard !text.isEmpty else { throw LimitInputError("empty target: give a charger id or group:NAME") }
        guard let connector, connector != 0 else { return .charger(text) }
        guard connector > 0 else { throw LimitInputError("--connector must be 1 or more (0 or none = the whole charger)") }
        return .connector(text, connector)
    }

    /// The charger this target names, if it names one.
    public var chargerID: String? {
        switch self {
        case .charger(let id), .connector(let id, _): id
        case .group: nil
        }
    }

    public var description: String {
        switch self {
        case .charger(let id): id
        case .connector(let id, let n): "\(id) connector \(n)"
        case .group(let name): Self.groupPrefix + name
        }
    }
}

extension LimitTarget: Codable {
    private enum Keys: String, CodingKey { case charger, connector, group }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let group = try c.decodeIfPresent(String.self, forKey: .group) {
            self = .group(group)
        } else {
            let charger = try c.decode(String.self, forKey: .charger)
            let connector = try c.decodeIfPresent(Int.self, forKey: .connector) ?? 0
            self = connector > 0 ? .connector(charger, connector) : .charger(charger)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .charger(let id): try c.encode(id, forKey: .charger)
        case .connector(let id, let n):
            try c.encode(id, forKey: .charger)
            try c.encode(n, forKey: .connector)
        case .group(let name): try c.encode(name, forKey: .group)
        }
    }
}
