import Foundation
import PropertyBased
import Testing

@testable import Shared

/// The whole read path a charger's message takes (frame, schema, typed model) under hostile input: it never traps,
/// and it always ends in an answer, a CALLERROR with the code an oracle expects, or deliberate silence.
@Suite struct FrameFuzzTests {
    enum Verdict: Equatable {
        case answered
        case callError(id: String, code: CallErrorCode)
        case silent
    }

    static func process(_ bytes: [UInt8], mode: ValidationMode) -> Verdict {
        switch RPCFrameParser.parse(bytes, mode: mode) {
        case .frame(.call(let call), _, _):
            do {
                _ = try PayloadValidator.validateRequest(call, mode: mode).decodeRequest()
                return .answered
            } catch {
                return .callError(id: call.messageID, code: error.code)
            }
        case .reject(let error):
            return .callError(id: error.messageID, code: error.code)
        case .frame, .invalidResponse, .ignore:
            return .silent
        }
    }

    static func process(_ text: String, mode: ValidationMode = .strict) -> Verdict {
        process(Array(text.utf8), mode: mode)
    }

    static let validFrames = [
        #"[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M","firmwareVersion":"1.0"}]"#,
        #"[2,"s1","StartTransaction",{"connectorId":1,"idTag":"TAG","meterStart":100,"timestamp":"2026-11-25T10:00:00Z"}]"#,
        #"[2,"m1","MeterValues",{"connectorId":1,"transactionId":7,"meterValue":[{"timestamp":"2026-11-25T10:00:00.000Z","#
            + #""sampledValue":[{"value":"1.5","measurand":"Energy.Active.Import.Register","unit":"kWh","phase":"L1","context":"Sample.Periodic"}]}]}]"#,
        #"[2,"t1","StopTransaction",{"transactionId":7,"meterStop":2000,"timestamp":"2026-11-25T11:00:00Z","reason":"Local","idTag":"TAG"}]"#,
        #"[2,"n1","StatusNotification",{"connectorId":0,"errorCode":"NoError","status":"Available","info":"ok"}]"#,
    ]

    @Test func validFramesAreAnswered() {
        for frame in Self.validFrames {
            #expect(Self.process(frame) == .answered, "\(frame)")
        }
    }

    /// Every prefix of a valid frame is a FormationViolation, carrying the id once the prefix holds all of it.
    @Test func truncatedFramesAreFormationViolations() {
        for frame in Self.validFrames {
            let bytes = Array(frame.utf8)
            let id = String(frame.split(separator: "\"")[1])
            let idEnd = frame.utf8.count - frame.drop { $0 != "\"" }.dropFirst().drop { $0 != "\"" }.dropFirst().utf8.count
            for length in 1..<bytes.count {
                let verdict = Self.process(Array(bytes.prefix(length)), mode: .strict)
                let expectedID = length >= idEnd ? id : "-1"
                #expect(verdict == .callError(id: expectedID, code: .formationViolation), "prefix \(length) of \(frame)")
            }
        }
    }

    /// Random bytes: never a trap; an answer only for a real frame; a CALLERROR only with a frame-level code.
    @Test func randomBytesNeverTrap() async {
        let alphabet: [UInt8] = Array(#"[]{}",:0123456789-.eE truefalsnul\2Heartbeat"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF, 0xED, 0xA0]
        await propertyCheck(count: 1500, input: JSONFuzz.bytes(alphabet: alphabet, count: 0...40)) { bytes in
            switch Self.process(bytes, mode: .strict) {
            case .callError(_, let code):
                #expect([.formationViolation, .protocolError, .notImplemented].contains(code), "\(bytes)")
            case .answered, .silent:
                break
            }
        }
        await propertyCheck(count: 500, input: JSONFuzz.bytes(alphabet: Array(0...255), count: 0...64)) { bytes in
            _ = Self.process(bytes, mode: .lenient)
        }
    }

    /// Mutated valid frames (byte flips, insertions, truncations) in both modes: never a trap.
    @Test func mutatedFramesNeverTrap() async {
        let mutated = Generator(run: { rng in
            JSONFuzz.mutate(Array(Self.validFrames[Int.random(in: 0..<Self.validFrames.count, using: &rng)].utf8), using: &rng)
        })
        await propertyCheck(count: 1500, input: mutated) { bytes in
            _ = Self.process(bytes, mode: .strict)
            _ = Self.process(bytes, mode: .lenient)
        }
    }

    /// Arrays of every shape that start like a CALL: the oracle of essentials §1.1.
    @Test func wrongArrayShapes() async {
        let shapes = Generator(run: { rng -> [JSONValue] in
            let pool: [JSONValue] = [2, 3, 4, 9, "id", "Heartbeat", "x", .null, [:], [], true, .number(JSONNumber(text: "1.5")!)]
            let count = Int.random(in: 0...6, using: &rng)
            return (0..<count).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] }
        })
        await propertyCheck(count: 1500, input: shapes) { elements in
            let verdict = Self.process(JSONValue.array(elements).serialized(), mode: .strict)
            #expect(verdict == Self.expectedVerdict(elements), "\(elements)")
        }
    }

    static func expectedVerdict(_ e: [JSONValue]) -> Verdict {
        guard let first = e.first else { return .callError(id: "-1", code: .formationViolation) }
        guard case .number(let n) = first else {
            return .callError(id: e.count > 1 ? (e[1].stringValue ?? "-1") : "-1", code: .formationViolation)
        }
        guard let type = n.int, [2, 3, 4].contains(type) else { return .silent }
        guard type == 2 else { return .silent }
        guard e.count > 1, case .string(let id) = e[1] else { return .callError(id: "-1", code: .formationViolation) }
        guard e.count >= 3, case .string(let action) = e[2] else { return .callError(id: id, code: .formationViolation) }
        guard e.count >= 4 else { return .callError(id: id, code: .protocolError) }
        guard e.count == 4 else { return .callError(id: id, code: .formationViolation) }
        switch e[3] {
        case .object, .null: break
        default: return .callError(id: id, code: .formationViolation)
        }
        guard action == "Heartbeat" else { return .callError(id: id, code: .notImplemented) }
        return .answered
    }

    /// One leaf of a valid payload replaced by a value of another JSON type: strict answers TypeConstraintViolation
    /// at that path; lenient either repairs it or answers the same.
    @Test func wrongTypesAreTypeConstraintViolations() async throws {
        let payloads = try Self.validFrames.map { try #require(JSONParser.parse($0).arrayValue) }
        let cases = Generator(run: { rng -> (action: String, payload: JSONValue, path: String) in
            let frame = payloads[Int.random(in: 0..<payloads.count, using: &rng)]
            let leaves = Self.leaves(frame[3], path: "")
            let (path, original) = leaves[Int.random(in: 0..<leaves.count, using: &rng)]
            let replacements: [JSONValue] = [.null, true, 12, .number(JSONNumber(text: "1.5")!), "text", [], [:]]
                .filter { $0.typeName != original.typeName && !($0.typeName == "integer" && original.typeName == "number") }
            let replacement = replacements[Int.random(in: 0..<replacements.count, using: &rng)]
            return (frame[2].stringValue ?? "", Self.replacing(frame[3], at: path.split(separator: "/").map(String.init), with: replacement), path)
        })
        await propertyCheck(count: 800, input: cases) { c in
            let text = JSONValue.array([2, "w1", .string(c.action), c.payload]).serialized()
            #expect(Self.process(text, mode: .strict) == .callError(id: "w1", code: .typeConstraintViolation), "\(text)")
            let lenient = Self.process(text, mode: .lenient)
            #expect(lenient == .answered || lenient == .callError(id: "w1", code: .typeConstraintViolation)
                || lenient == .callError(id: "w1", code: .occurenceConstraintViolation), "\(text)")
        }
    }

    /// Numbers far outside any integer type never trap: strict reads them as type or value violations.
    @Test(arguments: ["1e400", "-1e400", "100000000000000000000000000000000000000000", "1" + String(repeating: "0", count: 400), "0.000000000000000000000001"])
    func hugeNumbers(number: String) {
        let text = #"[2,"h1","StartTransaction",{"connectorId":\#(number),"idTag":"T","meterStart":\#(number),"timestamp":"2026-11-25T10:00:00Z"}]"#
        let strict = Self.process(text, mode: .strict)
        #expect(strict == .callError(id: "h1", code: .typeConstraintViolation) || strict == .callError(id: "h1", code: .propertyConstraintViolation))
        let lenient = Self.process(text, mode: .lenient)
        #expect(lenient != .silent)
    }

    /// Invalid UTF-8 inside a string is a FormationViolation, never a crash or a mangled value.
    @Test func nonUTF8IsAFormationViolation() {
        var bytes = Array(Self.validFrames[0].utf8)
        let quote = bytes.lastIndex(of: UInt8(ascii: "\"")) ?? 10
        for bad: [UInt8] in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            var copy = bytes
            copy.insert(contentsOf: bad, at: quote)
            #expect(Self.process(copy, mode: .lenient) == .callError(id: "b1", code: .formationViolation))
        }
        bytes.insert(0xFF, at: 3)
        #expect(Self.process(bytes, mode: .lenient) == .callError(id: "-1", code: .formationViolation))
    }

    static func leaves(_ value: JSONValue, path: String) -> [(String, JSONValue)] {
        switch value {
        case .object(let o): return o.members.flatMap { leaves($0.value, path: path + "/" + $0.key) }
        case .array(let a): return a.enumerated().flatMap { leaves($0.element, path: path + "/\($0.offset)") }
        default: return [(path, value)]
        }
    }

    static func replacing(_ value: JSONValue, at path: [String], with replacement: JSONValue) -> JSONValue {
        guard let head = path.first else { return replacement }
        switch value {
        case .object(var o):
            o[head] = replacing(o[head] ?? .null, at: Array(path.dropFirst()), with: replacement)
            return .object(o)
        case .array(var a):
            if let i = Int(head), a.indices.contains(i) { a[i] = replacing(a[i], at: Array(path.dropFirst()), with: replacement) }
            return .array(a)
        default:
            return value
        }
    }
}
