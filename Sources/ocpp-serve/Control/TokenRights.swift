/// What an HTTP API token may do beyond being valid: act for an agent (its scope), only read, only reach some chargers.
/// The socket has no token and every right (file permissions decide who reaches it).
struct TokenRights: Sendable, Equatable {
    /// nil: an operator token.
    var agent: String?
    var readOnly = false
    /// nil: every charger (within the agent's scope).
    var chargers: Set<String>?

    static let everything = TokenRights()

    init(agent: String? = nil, readOnly: Bool = false, chargers: Set<String>? = nil) {
        self.agent = agent
        self.readOnly = readOnly
        self.chargers = chargers
    }

    /// From the stored columns: `chargers` is comma-separated, NULL for all.
    init(agent: String?, readOnly: Bool, chargersText: String?) {
        self.init(agent: agent, readOnly: readOnly, chargers: chargersText.map { Set($0.split(separator: ",").map(String.init)) })
    }

    var chargersText: String? { chargers.map { $0.sorted().joined(separator: ",") } }
}
