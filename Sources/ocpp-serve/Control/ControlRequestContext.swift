import Hummingbird

/// The request context of the control plane: who is asking, set by the transport (socket user or token name).
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `token:NAME` once the bearer token is checked (HTTP transport).
    var tokenName: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
