/// An HTTP API bearer token as listed: the secret itself is never stored, only its SHA-256.
public struct TokenRecord: Codable, Sendable, Equatable {
    public var name: String
    public var created: String
    public var lastUsed: String?

    public init(name: String, created: String, lastUsed: String?) {
        self.name = name
        self.created = created
        self.lastUsed = lastUsed
    }
}

/// The body of `POST /v1/tokens`.
public struct TokenRequest: Codable, Sendable, Equatable {
    public var name: String

    public init(name: String) { self.name = name }
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
