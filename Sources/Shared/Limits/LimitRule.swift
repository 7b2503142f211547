import Foundation

/// One agent's limit on a target: a value in A or W, hard (never exceeded, whoever asks: a fuse, a generator, a
/// grid order) or policy (a business preference a higher-priority agent may lift), in force within [from, until)
/// and, when it recurs, only inside its daily or weekly window.
public struct LimitRule: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var agent: String
    public var target: LimitTarget
    public var value: Decimal
    public var unit: LimitUnit
    public var hard: Bool
    public var fromMs: Int64?
    public var untilMs: Int64?
    public var recurrence: LimitRecurrence?
    public var createdMs: Int64

    public init(
        id: Int64 = 0, agent: String, target: LimitTarget, value: Decimal, unit: LimitUnit, hard: Bool,
        fromMs: Int64? = nil, untilMs: Int64? = nil, recurrence: LimitRecurrence? = nil, createdMs: Int64 = 0
    ) {
        self.id = id
        self.agent = agent
        self.target = target
        self.value = value
        self.unit = unit
        self.hard = hard
        self.fromMs = fromMs
        self.untilMs = untilMs
        self.recurrence = recurrence
        self.createdMs = createdMs
    }

    public var kindName: String { hard ? "hard" : "policy" }

    /// Checks what needs no database: a value ≥ 0 in steps of 0.1, a time range that ends after it starts.
    public func validate() throws(LimitInputError) {
        guard value >= 0 else { throw LimitInputError("--max must be 0 or more") }
        var scaled = value * 10
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { throw LimitInputError("--max \(value) \(unit.rawValue): OCPP limits are multiples of 0.1") }
        if let fromMs, let untilMs, untilMs <= fromMs {
            throw LimitInputError("the limit ends (\(Timestamp(milliseconds: untilMs))) before it starts (\(Timestamp(milliseconds: fromMs))): give an end after the start")
        }
    }

    public func isActive(at t: Int64) -> Bool {
        if let fromMs, t < fromMs { return false }
        if let untilMs, t >= untilMs { return false }
        return recurrence?.contains(t) ?? true
    }

    /// True when the rule can still be in force at or after `t`.
    public func isCurrentOrFuture(at t: Int64) -> Bool { untilMs.map { $0 > t } ?? true }

    /// Instants in (from, to) where the rule starts or stops being in force.
    public func boundaries(from: Int64, to: Int64) -> [Int64] {
        var points: [Int64] = []
        if let fromMs { points.append(fromMs) }
        if let untilMs { points.append(untilMs) }
        if let recurrence {
            for window in recurrence.windows(from: from, to: to) {
                points.append(window.start)
                points.append(window.end)
            }
        }
        return points.filter { $0 > from && $0 < to }
    }

    /// How the rule's time shape reads: `always`, `until T`, `from T until T`, `daily 18:00-20:00 Europe/Berlin`.
    public var shapeDescription: String {
        var parts: [String] = []
        if let fromMs { parts.append("from \(Timestamp(milliseconds: fromMs))") }
        if let untilMs { parts.append("until \(Timestamp(milliseconds: untilMs))") }
        if let recurrence { parts.append(recurrence.description) }
        return parts.isEmpty ? "always" : parts.joined(separator: " ")
    }

    /// `limit 7 (site, hard, 32 A daily 18:00-20:00 UTC)`.
    public var label: String {
        "limit \(id) (\(agent), \(kindName), \(value) \(unit.rawValue) \(shapeDescription))"
    }
}

extension LimitRule: Codable {
    private enum Keys: String, CodingKey {
        case id, agent, target, max, unit, kind, from, until, recurrence, created, shape
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id) ?? 0
        agent = try c.decode(String.self, forKey: .agent)
        target = try c.decode(LimitTarget.self, forKey: .target)
        value = try c.decode(Decimal.self, forKey: .max)
        unit = try c.decode(LimitUnit.self, forKey: .unit)
        hard = try c.decodeIfPresent(String.self, forKey: .kind) == "hard"
        func time(_ key: Keys) throws -> Int64? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let parsed = Timestamp(parsing: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) must be RFC 3339")
            }
            return parsed.milliseconds
        }
        fromMs = try time(.from)
        untilMs = try time(.until)
        recurrence = try c.decodeIfPresent(LimitRecurrence.self, forKey: .recurrence)
        createdMs = try time(.created) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encode(agent, forKey: .agent)
        try c.encode(target, forKey: .target)
        try c.encode(value, forKey: .max)
        try c.encode(unit, forKey: .unit)
        try c.encode(kindName, forKey: .kind)
        try c.encodeIfPresent(fromMs.map { Timestamp(milliseconds: $0).description }, forKey: .from)
        try c.encodeIfPresent(untilMs.map { Timestamp(milliseconds: $0).description }, forKey: .until)
        try c.encodeIfPresent(recurrence, forKey: .recurrence)
        try c.encode(Timestamp(milliseconds: createdMs).description, forKey: .created)
        try c.encode(shapeDescription, forKey: .shape)
    }
}
