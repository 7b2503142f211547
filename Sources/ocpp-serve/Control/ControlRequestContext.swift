import Hummingbird

/// The request context of the control plane: who is asking, set by the transport (socket user or token name).
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `token:NAME` once the bearer token is checked (HTTP transport).
    var tokenName: String?
    /// The token's rights; the socket has them all.
    var rights = TokenRights.everything
    /// The agent of the token: its requests reach only chargers in the agent's scope (HTTP 403 otherwise).
    var agent: String? { rights.agent }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
