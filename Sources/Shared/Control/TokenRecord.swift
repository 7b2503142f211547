/// An HTTP API bearer token as listed: the secret itself is never stored, only its SHA-256.
public struct TokenRecord: Codable, Sendable, Equatable {
    public var name: String
    public var created: String
    public var lastUsed: String?
    /// The agent the token acts for (its scope and its limits); nil: an operator token with access to every charger.
    public var agent: String?

    public init(name: String, created: String, lastUsed: String?, agent: String? = nil) {
        self.name = name
        self.created = created
        self.lastUsed = lastUsed
        self.agent = agent
    }
}

/// The body of `POST /v1/tokens`.
public struct TokenRequest: Codable, Sendable, Equatable {
    public var name: String
    /// The agent the token belongs to (`ocpp-ctl agent add`); nil: an operator token.
    public var agent: String?

    public init(name: String, agent: String? = nil) {
        self.name = name
        self.agent = agent
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
