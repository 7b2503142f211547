import Testing

@testable import Shared

@Suite struct RPCFrameParserTests {
    @Test func readsCall() throws {
        let outcome = RPCFrameParser.parse(#"[2, "a1", "Heartbeat", {}]"#)
        guard case .frame(.call(let call), let raw, let repairs) = outcome else {
            Issue.record("expected a CALL, got \(outcome)")
            return
        }
        #expect(call.messageID == "a1")
        #expect(call.action == "Heartbeat")
        #expect(call.payload == .object(JSONObject()))
        #expect(raw == 23..<25)
        #expect(repairs.isEmpty)
    }

    @Test func keepsRawPayloadText() throws {
        let text = #"[2,"7","DataTransfer",{ "vendorId" : "x",  "data":"1.50" }]"#
        guard case .frame(_, let raw, _) = RPCFrameParser.parse(text) else {
            Issue.record("expected a frame")
            return
        }
        let range = try #require(raw)
        #expect(String(decoding: Array(text.utf8)[range], as: UTF8.self) == #"{ "vendorId" : "x",  "data":"1.50" }"#)
    }

    @Test func readsCallResultAndError() {
        guard case .frame(.callResult(let r), _, _) = RPCFrameParser.parse(#"[3,"b2",{"currentTime":"2026-01-01T00:00:00Z"}]"#) else {
            Issue.record("expected a CALLRESULT")
            return
        }
        #expect(r.messageID == "b2")
        #expect(r.payload["currentTime"] == "2026-01-01T00:00:00Z")

        guard case .frame(.callError(let e), _, _) = RPCFrameParser.parse(#"[4,"c3","FormatViolation","bad",{}]"#) else {
            Issue.record("expected a CALLERROR")
            return
        }
        #expect(e.code == .formationViolation)
        #expect(e.rawCode == "FormatViolation")
        #expect(e.description == "bad")
    }

    @Test func nullPayloadIsEmptyObject() {
        guard case .frame(.call(let call), _, _) = RPCFrameParser.parse(#"[2,"x","Heartbeat",null]"#) else {
            Issue.record("expected a CALL")
            return
        }
        #expect(call.payload == .object(JSONObject()))
    }

    /// essentials §1.1: what a malformed charger CALL gets back.
    @Test(arguments: [
        (#"not json"#, "-1", CallErrorCode.formationViolation),
        (#"{"a":1}"#, "-1", .formationViolation),
        (#"[]"#, "-1", .formationViolation),
        (#"["2","id1","Heartbeat",{}]"#, "id1", .formationViolation),
        (#"[2,"id2","Heartbeat",{}"#, "id2", .formationViolation),
        (#"[2,"id3",{}]"#, "id3", .formationViolation),
        (#"[2,"id4","Heartbeat"]"#, "id4", .protocolError),
        (#"[2,"id5","Heartbeat",{},{}]"#, "id5", .formationViolation),
        (#"[2,"id6","Heartbeat",[]]"#, "id6", .formationViolation),
        (#"[2,"id7",12,{}]"#, "id7", .formationViolation),
        (#"[2,null,"Heartbeat",{}]"#, "-1", .formationViolation),
        (#"[2]"#, "-1", .formationViolation),
    ])
    func rejectsMalformedCall(text: String, id: String, code: CallErrorCode) {
        guard case .reject(let error) = RPCFrameParser.parse(text) else {
            Issue.record("expected a CALLERROR for \(text), got \(RPCFrameParser.parse(text))")
            return
        }
        #expect(error.messageID == id)
        #expect(error.code == code)
    }

    @Test(arguments: ["", "   ", "\n", #"[5,"x","Heartbeat",{}]"#, #"[2.5,"x"]"#])
    func ignoresWithoutAnswer(text: String) {
        guard case .ignore = RPCFrameParser.parse(text) else {
            Issue.record("expected silence for \(text.debugDescription), got \(RPCFrameParser.parse(text))")
            return
        }
    }

    @Test(arguments: [#"[3,"r1"]"#, #"[3,"r1",[]]"#, #"[3,"r1",{}"#, #"[4,"r1"]"#, #"[3,7,{}]"#])
    func neverAnswersMalformedResults(text: String) {
        guard case .invalidResponse = RPCFrameParser.parse(text, mode: .strict) else {
            Issue.record("expected invalidResponse for \(text), got \(RPCFrameParser.parse(text, mode: .strict))")
            return
        }
    }

    @Test func irregularMessageIDs() {
        let long = String(repeating: "x", count: 40)
        guard case .reject(let e) = RPCFrameParser.parse(#"[2,"\#(long)","Heartbeat",{}]"#, mode: .strict) else {
            Issue.record("strict: expected FormationViolation")
            return
        }
        #expect(e.code == .formationViolation && e.messageID == long)
        guard case .frame(let frame, _, let repairs) = RPCFrameParser.parse(#"[2,123,"Heartbeat",{}]"#, mode: .lenient) else {
            Issue.record("lenient: expected a frame")
            return
        }
        #expect(frame.messageID == "123")
        #expect(repairs.map(\.kind) == [.messageIDIrregular])
    }

    @Test func serializesFrames() {
        #expect(RPCCall(messageID: "1", action: "Heartbeat", payload: [:]).serialized() == #"[2,"1","Heartbeat",{}]"#)
        #expect(RPCCallResult(messageID: "q\"", payload: ["status": "Accepted"]).serialized() == #"[3,"q\"",{"status":"Accepted"}]"#)
        let error = RPCCallError(messageID: "-1", OCPPError(.formationViolation, "bad", path: "/x"))
        #expect(error.serialized() == #"[4,"-1","FormationViolation","bad",{"path":"/x"}]"#)
        #expect(RPCCallError(messageID: "2", code: .notImplemented, description: "").serialized() == #"[4,"2","NotImplemented","",{}]"#)
    }

    @Test func messageIDsAreUniqueAndShort() {
        let ids = (0..<1000).map { _ in MessageIDGenerator.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count <= 36 })
    }
}
