/// An HTTP API bearer token as listed: the secret itself is never stored, only its SHA-256.
public struct TokenRecord: Codable, Sendable, Equatable {
    public var name: String
    public var created: String
    public var lastUsed: String?
    /// The agent the token acts for (its scope and its limits); nil: an operator token with access to every charger.
    public var agent: String?
    /// A read-only token may only read (GET); anything else is 403.
    public var readOnly: Bool
    /// The chargers the token may see and command; nil: every charger (within the agent's scope, if any).
    public var chargers: [String]?

    public init(name: String, created: String, lastUsed: String?, agent: String? = nil, readOnly: Bool = false, chargers: [String]? = nil) {
        self.name = name
        self.created = created
        self.lastUsed = lastUsed
        self.agent = agent
        self.readOnly = readOnly
        self.chargers = chargers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        created = try container.decode(String.self, forKey: .created)
        lastUsed = try container.decodeIfPresent(String.self, forKey: .lastUsed)
        agent = try container.decodeIfPresent(String.self, forKey: .agent)
        readOnly = try container.decodeIfPresent(Bool.self, forKey: .readOnly) ?? false
        chargers = try container.decodeIfPresent([String].self, forKey: .chargers)
    }
}

/// The body of `POST /v1/tokens`.
public struct TokenRequest: Codable, Sendable, Equatable {
    public var name: String
    /// The agent the token belongs to (`ocpp-ctl agent add`); nil: an operator token.
    public var agent: String?
    /// Only GET requests (queries, events, explain); nil is false.
    public var readOnly: Bool?
    /// Only these chargers; nil: every charger.
    public var chargers: [String]?

    public init(name: String, agent: String? = nil, readOnly: Bool? = nil, chargers: [String]? = nil) {
        self.name = name
        self.agent = agent
        self.readOnly = readOnly
        self.chargers = chargers
    }
}

/// The answer to `POST /v1/tokens`: the only time the secret is shown.
public struct TokenCreated: Codable, Sendable, Equatable {
    public var name: String
    public var token: String

    public init(name: String, token: String) {
        self.name = name
        self.token = token
    }
}
