extension RPCCall {
    /// A CALL carrying a typed request; the action name comes from the request type.
    public init(messageID: String = MessageIDGenerator.next(), _ request: some OCPPRequest) {
        self.init(messageID: messageID, action: type(of: request).action.rawValue, payload: request.json)
    }
}

extension RPCCallResult {
    public init(messageID: String, _ response: some OCPPPayload) {
        self.init(messageID: messageID, payload: response.json)
    }
}
