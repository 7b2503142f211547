/// The body of `PUT /v1/chargers/{id}/password` (socket only): a password typed by the operator, or `generate`.
public struct ChargerPasswordRequest: Codable, Sendable, Equatable {
    public var password: String?
    public var generate: Bool?

    public init(password: String? = nil, generate: Bool? = nil) {
        self.password = password
        self.generate = generate
    }
}

/// The answer to setting a charger's password; `password` only when the server generated it (shown this once).
public struct ChargerPasswordSet: Codable, Sendable, Equatable {
    public var charger: String
    public var password: String?

    public init(charger: String, password: String?) {
        self.charger = charger
        self.password = password
    }
}
