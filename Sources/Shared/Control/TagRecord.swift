/// One id tag of the server's authorization list (`ocpp-ctl tags`).
public struct TagRecord: Codable, Sendable, Equatable {
    public var tag: String
    /// Accepted, Blocked, Expired or Invalid.
    public var status: String
    public var expires: String?
    public var parent: String?

    public init(tag: String, status: String, expires: String?, parent: String?) {
        self.tag = tag
        self.status = status
        self.expires = expires
        self.parent = parent
    }
}

/// The body of `PUT /v1/tags/{tag}`: adds the tag as Accepted or replaces its expiry and parent.
public struct TagUpdate: Codable, Sendable, Equatable {
    /// RFC 3339.
    public var expires: String?
    public var parent: String?

    public init(expires: String? = nil, parent: String? = nil) {
        self.expires = expires
        self.parent = parent
    }
}
