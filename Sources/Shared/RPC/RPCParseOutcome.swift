/// What reading one WebSocket text message gave.
public enum RPCParseOutcome: Sendable, Hashable {
    /// A well-formed frame. `payloadRange` is where the payload's source text lies in the message's UTF-8 bytes
    /// (CALL and CALLRESULT), so it can be stored as received without encoding it again.
    case frame(RPCFrame, payloadRange: Range<Int>?, repairs: [Repair])
    /// Answer with this CALLERROR: the text was not a usable frame, but might have been a CALL.
    case reject(RPCCallError)
    /// A CALLRESULT or CALLERROR that is malformed: never answer it; fail the pending CALL with this id, if any.
    case invalidResponse(messageID: String?, reason: String)
    /// Nothing to answer (an empty message, an unknown MessageTypeId as J§4.1.3 asks).
    case ignore(reason: String)
}
