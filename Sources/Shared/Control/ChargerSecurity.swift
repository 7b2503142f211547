/// A charger's security settings (`GET|PUT /v1/chargers/{id}/security`, `ocpp-ctl charger security ID`): the OCPP
/// security profile it must connect with (no fallback below it) and whether it has a Basic-auth password.
public struct ChargerSecurity: Codable, Sendable, Equatable {
    public var charger: String
    /// 1 to 3; nil: none registered (the server minimum, `ocpp-serve --security-profile`, applies).
    public var profile: Int?
    public var password: Bool
    /// The profile before a change (on PUT only).
    public var previousProfile: Int?

    public init(charger: String, profile: Int?, password: Bool, previousProfile: Int? = nil) {
        self.charger = charger
        self.profile = profile
        self.password = password
        self.previousProfile = previousProfile
    }
}

/// The body of `PUT /v1/chargers/{id}/security`.
public struct ChargerSecurityRequest: Codable, Sendable, Equatable {
    public var profile: Int

    public init(profile: Int) { self.profile = profile }
}
