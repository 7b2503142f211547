import Testing

@testable import Shared

@Suite struct JSONSerializationTests {
    @Test(arguments: [
        (JSONValue.null, "null"), (.bool(true), "true"), (.bool(false), "false"), (0, "0"), (-42, "-42"),
        (.number(JSONNumber(uncheckedText: "1.50")), "1.50"), (.number(JSONNumber(uncheckedText: "1E+3")), "1E+3"),
        ("", #""""#), ("abc", #""abc""#), (.array([]), "[]"), (.object(JSONObject()), "{}"),
    ])
    func writesScalarsAndEmptyContainers(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
    }

    @Test func writesCompactlyInMemberOrder() {
        let value: JSONValue = ["z": 1, "a": [true, .null, "x", [:]], "m": ["k": []]]
        #expect(value.serialized() == #"{"z":1,"a":[true,null,"x",{}],"m":{"k":[]}}"#)
    }

    @Test func keepsDuplicateKeys() {
        let value = JSONValue.object(JSONObject([JSONMember(key: "a", value: 1), JSONMember(key: "a", value: 2)]))
        #expect(value.serialized() == #"{"a":1,"a":2}"#)
    }

    @Test(arguments: [
        ("quote \" backslash \\", #""quote \" backslash \\""#),
        ("\n\r\t\u{8}\u{C}", #""\n\r\t\b\f""#),
        ("\u{0}\u{1}\u{1F}\u{B}\u{1A}", #""\u0000\u0001\u001f\u000b\u001a""#),
        ("a/b", #""a/b""#),
        ("\u{7F}é€😀\u{2028}", "\"\u{7F}é€😀\u{2028}\""),
        ("e\u{301}", "\"e\u{301}\""),
    ])
    func escapesStrings(string: String, expected: String) {
        #expect(JSONValue.string(string).serialized() == expected)
        #expect(JSONValue.object(JSONObject([JSONMember(key: string, value: .null)])).serialized() == "{\(expected):null}")
    }

    /// Escapes at every position of a string longer than the 8-byte scan step.
    @Test(arguments: 0..<24)
    func escapesAtEveryPosition(position: Int) throws {
        var characters = Array(repeating: Character("x"), count: 24)
        characters[position] = "\""
        let string = String(characters)
        let expected = "\"" + String(repeating: "x", count: position) + #"\""# + String(repeating: "x", count: 23 - position) + "\""
        #expect(JSONValue.string(string).serialized() == expected)
        #expect(try JSONParser.parse(expected).stringValue == string)
    }

    @Test func writeAppendsToExistingBytes() {
        var bytes = Array("prefix:".utf8)
        JSONValue.array([1, "two"]).write(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"prefix:[1,"two"]"#)
    }

    @Test func reproducesCompactFramesByteForByte() throws {
        let frames = [
            JSONParserTests.meterValuesFrame,
            #"[2,"a1","BootNotification",{"chargePointVendor":"ACME","chargePointModel":"X-1","firmwareVersion":"1.0/b"}]"#,
            #"[3,"b2",{"currentTime":"2026-01-01T00:00:00Z","interval":300,"status":"Accepted"}]"#,
            #"[4,"c3","FormationViolation","bad \"json\" \u0001",{}]"#,
        ]
        for frame in frames {
            #expect(try JSONParser.parse(frame).serialized() == frame)
        }
        // `\/` and upper-case hex are the escapes written differently.
        #expect(try JSONParser.parse(#"["1.0\/b","\u001F"]"#).serialized() == #"["1.0/b","\u001f"]"#)
    }

    @Test func roundTripsEscapesAndUnicode() throws {
        let strings = ["", "\u{0}", "\u{1F}x", "\"\\", "é€😀", String(repeating: "long \n string ", count: 50), "\u{10FFFF}"]
        for string in strings {
            let value: JSONValue = [.string(string), ["k\(string)": .string(string)]]
            #expect(try JSONParser.parse(value.serialized()) == value)
        }
    }
}
