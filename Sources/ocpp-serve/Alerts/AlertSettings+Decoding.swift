/// Reading the `alerts:` section strictly: an unknown key or a bad value names itself, like the rest of the file.
extension AlertSettings: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static let keys = ["offline-after", "stale-transaction-after", "reboots", "reboot-window", "quiet-after", "check-interval", "disable", "security-events", "sinks"]
    static let sinkKeys = ["name", "type", "command", "url", "headers", "rules", "groups", "timeout", "attempts", "retry-delay", "max-per-minute"]

    init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: Key.self)
        try Self.rejectUnknown(c, known: Self.keys, in: "alerts")
        if let v = try Self.duration(c, "offline-after") { offlineAfterSeconds = v }
        if let v = try Self.duration(c, "stale-transaction-after") { staleTransactionSeconds = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: Key("reboots")) {
            guard v >= 2 else { throw Invalid(description: "alerts.reboots must be at least 2") }
            reboots = v
        }
        if let v = try Self.duration(c, "reboot-window") { rebootWindowSeconds = v }
        if let v = try Self.duration(c, "quiet-after") { quietSeconds = v }
        if let v = try Self.duration(c, "check-interval") { checkSeconds = max(1, v) }
        if let types = try c.decodeIfPresent([String].self, forKey: Key("security-events")) { securityEventTypes = Set(types) }
        if let names = try c.decodeIfPresent([String].self, forKey: Key("disable")) { disabledRules = try Self.rules(names, in: "alerts.disable") }
        if c.contains(Key("sinks")) {
            var list = try c.nestedUnkeyedContainer(forKey: Key("sinks"))
            while !list.isAtEnd {
                let sink = try Self.sink(try list.nestedContainer(keyedBy: Key.self))
                guard !sinks.contains(where: { $0.name == sink.name }) else {
                    throw Invalid(description: "alerts.sinks: two sinks named \(sink.name)")
                }
                sinks.append(sink)
            }
        }
    }

    private static func sink(_ c: KeyedDecodingContainer<Key>) throws -> SinkSettings {
        let name = try c.decodeIfPresent(String.self, forKey: Key("name")) ?? ""
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw Invalid(description: "alerts.sinks: each sink needs a name (letters, digits, - _ .)")
        }
        try rejectUnknown(c, known: sinkKeys, in: "alerts.sinks.\(name)")
        let type = try c.decodeIfPresent(String.self, forKey: Key("type")) ?? ""
        let kind: SinkSettings.Kind
        switch type {
        case "exec":
            guard let command = try c.decodeIfPresent(String.self, forKey: Key("command")), !command.isEmpty else {
                throw Invalid(description: "alerts.sinks.\(name): an exec sink needs command")
            }
            kind = .exec(command: command)
        case "webhook":
            guard let url = try c.decodeIfPresent(String.self, forKey: Key("url")), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw Invalid(description: "alerts.sinks.\(name): a webhook sink needs url (http:// or https://)")
            }
            kind = .webhook(url: url, headers: try c.decodeIfPresent([String: String].self, forKey: Key("headers")) ?? [:])
        default:
            throw Invalid(description: "alerts.sinks.\(name): type must be exec or webhook")
        }
        var sink = SinkSettings(name: name, kind: kind)
        if let names = try c.decodeIfPresent([String].self, forKey: Key("rules")) { sink.rules = try rules(names, in: "alerts.sinks.\(name).rules") }
        if let groups = try c.decodeIfPresent([String].self, forKey: Key("groups")) { sink.groups = Set(groups) }
        if let v = try c.decodeIfPresent(Double.self, forKey: Key("timeout")) {
            guard v > 0 else { throw Invalid(description: "alerts.sinks.\(name).timeout must be above 0 seconds") }
            sink.timeoutSeconds = v
        }
        if let v = try c.decodeIfPresent(Int.self, forKey: Key("attempts")) { sink.attempts = max(1, v) }
        if let v = try c.decodeIfPresent(Double.self, forKey: Key("retry-delay")) { sink.retryDelaySeconds = max(0, v) }
        if let v = try c.decodeIfPresent(Int.self, forKey: Key("max-per-minute")) {
            guard v >= 1 else { throw Invalid(description: "alerts.sinks.\(name).max-per-minute must be at least 1") }
            sink.maxPerMinute = v
        }
        return sink
    }

    private static func rejectUnknown(_ c: KeyedDecodingContainer<Key>, known: [String], in section: String) throws {
        if let unknown = c.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw Invalid(description: "unknown setting '\(unknown)' in \(section); known: \(known.joined(separator: ", "))")
        }
    }

    private static func rules(_ names: [String], in section: String) throws -> Set<AlertRule> {
        try Set(
            names.map { name throws -> AlertRule in
                guard let rule = AlertRule(rawValue: name) else {
                    throw Invalid(
                        description: "\(section): unknown rule \(name); rules: \(AlertRule.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return rule
            }
        )
    }

    /// Seconds as a number, or a number with s, m, h or d.
    private static func duration(_ c: KeyedDecodingContainer<Key>, _ key: String) throws -> Int? {
        guard c.contains(Key(key)) else { return nil }
        if let seconds = try? c.decode(Int.self, forKey: Key(key)), seconds >= 0 { return seconds }
        if let text = try? c.decode(String.self, forKey: Key(key)), let seconds = parseDuration(text) { return seconds }
        throw Invalid(description: "alerts.\(key) must be seconds or a duration like 30s, 5m, 2h, 1d")
    }

    static func parseDuration(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let last = text.last else { return nil }
        if let unit = units[last], let value = Int(text.dropLast()), value >= 0 { return value * unit }
        if let value = Int(text), value >= 0 { return value }
        return nil
    }
}
