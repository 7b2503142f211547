import Foundation

/// The body of `POST /v1/limits` (`ocpp-ctl limit set`): what the command line says, checked by `rule(nowMs:)` on
/// the server so that the socket and HTTP clients get the same answers.
public struct LimitRequest: Codable, Sendable, Hashable {
    /// A charger id or `group:NAME`.
    public var target: String
    public var connector: Int?
    /// The agent the limit belongs to; over HTTP, the token's agent when absent.
    public var agent: String?
    public var max: Decimal
    /// `A`, `W` or `kW`.
    public var unit: String
    public var hard: Bool?
    /// Seconds from now (`--for`).
    public var forSeconds: Int?
    /// RFC 3339.
    public var from: String?
    public var until: String?
    /// `HH:MM-HH:MM`.
    public var daily: String?
    /// `DAYS@HH:MM-HH:MM`.
    public var weekly: String?
    public var tz: String?

    public init(
        target: String, connector: Int? = nil, agent: String? = nil, max: Decimal, unit: String, hard: Bool? = nil, forSeconds: Int? = nil,
        from: String? = nil, until: String? = nil, daily: String? = nil, weekly: String? = nil, tz: String? = nil
    ) {
        self.target = target
        self.connector = connector
        self.agent = agent
        self.max = max
        self.unit = unit
        self.hard = hard
        self.forSeconds = forSeconds
        self.from = from
        self.until = until
        self.daily = daily
        self.weekly = weekly
        self.tz = tz
    }

    /// The limit this asks for, checked for everything that needs no database (agent and target existence, scope
    /// and the charger's units are the server's checks).
    public func rule(agent: String, nowMs: Int64) throws(LimitInputError) -> LimitRule {
        let target = try LimitTarget.parse(target, connector: connector)
        let (value, unit) = try LimitUnit.parse(value: max, unit: unit)
        func time(_ text: String?, _ flag: String) throws(LimitInputError) -> Int64? {
            guard let text else { return nil }
            guard let parsed = Timestamp(parsing: text) else { throw LimitInputError("\(flag) must be an RFC 3339 time like 2026-12-06T18:00:00Z") }
            return parsed.milliseconds
        }
        let fromMs = try time(from, "--from")
        var untilMs = try time(until, "--until")
        if let forSeconds {
            guard untilMs == nil else { throw LimitInputError("give --for or --until, not both") }
            guard forSeconds > 0 else { throw LimitInputError("--for must be a positive duration, e.g. 2h") }
            guard forSeconds <= Self.maxForSeconds else { throw LimitInputError("--for \(forSeconds)s is too long: give at most 100 years (or no end)") }
            untilMs = (fromMs ?? nowMs) + Int64(forSeconds) * 1000
        }
        // A limit over before it is set is refused, with or without a start (an end before the start is
        // `validate`'s error).
        if let untilMs, untilMs <= nowMs, fromMs.map({ untilMs > $0 }) ?? true {
            throw LimitInputError("--until \(Timestamp(milliseconds: untilMs)) is in the past: give a later time")
        }
        guard daily == nil || weekly == nil else { throw LimitInputError("give --daily or --weekly, not both") }
        if tz != nil && daily == nil && weekly == nil { throw LimitInputError("--tz applies to --daily or --weekly windows") }
        var recurrence: LimitRecurrence?
        if let daily { recurrence = try LimitRecurrence.daily(daily, timeZone: tz) }
        if let weekly { recurrence = try LimitRecurrence.weekly(weekly, timeZone: tz) }
        let rule = LimitRule(
            agent: agent, target: target, value: value, unit: unit, hard: hard ?? false, fromMs: fromMs, untilMs: untilMs,
            recurrence: recurrence, createdMs: nowMs
        )
        try rule.validate()
        return rule
    }

    /// Reads a duration: `90` (seconds), `90s`, `30m`, `2h`, `1d`.
    public static func seconds(_ text: String) -> Int? {
        guard let last = text.last else { return nil }
        let factor: Int? = switch last {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86400
        default: last.isNumber ? 1 : nil
        }
        guard let factor, let amount = Double(last.isNumber ? Substring(text) : text.dropLast()), amount > 0 else { return nil }
        // Not a whole second, or more than an Int holds (inf, 1e400): no duration.
        let total = amount * Double(factor)
        guard total.isFinite, total >= 1, total <= Double(maxForSeconds) else { return nil }
        return Int(total)
    }

    /// The longest `--for`: 100 years (its end in milliseconds stays far inside Int64).
    static let maxForSeconds = 100 * 366 * 86_400
}

/// The body of `POST /v1/groups` (`ocpp-ctl group add`).
public struct GroupRequest: Codable, Sendable, Hashable {
    public var name: String
    public var capacity: Decimal
    /// `A` (per phase), `W` or `kW`.
    public var unit: String
    public var phases: Int?

    public init(name: String, capacity: Decimal, unit: String, phases: Int? = nil) {
        self.name = name
        self.capacity = capacity
        self.unit = unit
        self.phases = phases
    }
}

/// The body of `POST /v1/groups/{name}/members` (`ocpp-ctl group assign`).
public struct GroupAssignRequest: Codable, Sendable, Hashable {
    public var chargers: [String]

    public init(chargers: [String]) { self.chargers = chargers }
}

/// The body of `POST /v1/agents` (`ocpp-ctl agent add`).
public struct AgentRequest: Codable, Sendable, Hashable {
    public var name: String
    public var priority: Int
    /// `all` (default) or charger ids and `group:NAME`, comma-separated.
    public var scope: String?

    public init(name: String, priority: Int, scope: String? = nil) {
        self.name = name
        self.priority = priority
        self.scope = scope
    }
}

/// `GET /v1/explain/{charger}` (`ocpp-ctl explain`): the limit in force on a connector at a moment, who decided it,
/// and the limits that lost.
public struct LimitExplanation: Codable, Sendable, Hashable {
    public var charger: String
    public var connector: Int
    public var at: String
    public var group: String?
    /// nil: no limit.
    public var limit: Decimal?
    public var unit: LimitUnit
    public var decidedBy: Int64?
    public var decider: String
    public var verdicts: [LimitVerdict]
    /// The compliance state of the charger (`ok`, `over`, `ignored`, `unknown`).
    public var compliance: String?

    public init(
        charger: String, connector: Int, at: String, group: String?, limit: Decimal?, unit: LimitUnit, decidedBy: Int64?, decider: String,
        verdicts: [LimitVerdict], compliance: String?
    ) {
        self.charger = charger
        self.connector = connector
        self.at = at
        self.group = group
        self.limit = limit
        self.unit = unit
        self.decidedBy = decidedBy
        self.decider = decider
        self.verdicts = verdicts
        self.compliance = compliance
    }
}

/// One charger's row of `GET /v1/limits/status` (`ocpp-ctl limits`): what the server keeps on it and whether it obeys.
public struct LimitStatusRecord: Codable, Sendable, Hashable {
    public var charger: String
    public var connected: Bool
    public var group: String?
    /// The unit its profiles are written in, and where that was learned.
    public var unit: String
    public var unitSource: String
    /// Managed profiles: `chargerMax` / `connector N` / `share N`, with the limit now and the charger's answer.
    public var profiles: [ProfileState]
    /// `ok`, `over`, `ignored`, `unknown`.
    public var compliance: String
    public var drawn: Decimal?
    public var limit: Decimal?
    /// What the charger's own composite schedule said after the last change: `matches`, `differs` (it reports a
    /// higher limit than the managed profiles allow) or `unsupported`; nil before any check.
    public var composite: String?

    public struct ProfileState: Codable, Sendable, Hashable {
        public var role: String
        public var connector: Int
        public var limitNow: Decimal?
        public var status: String

        public init(role: String, connector: Int, limitNow: Decimal?, status: String) {
            self.role = role
            self.connector = connector
            self.limitNow = limitNow
            self.status = status
        }
    }

    public init(
        charger: String, connected: Bool, group: String?, unit: String, unitSource: String, profiles: [ProfileState], compliance: String,
        drawn: Decimal?, limit: Decimal?, composite: String? = nil
    ) {
        self.composite = composite
        self.charger = charger
        self.connected = connected
        self.group = group
        self.unit = unit
        self.unitSource = unitSource
        self.profiles = profiles
        self.compliance = compliance
        self.drawn = drawn
        self.limit = limit
    }
}
