import Testing

@testable import Shared

@Suite struct JSONParserTests {
    // MARK: Literals and structure

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)),
        (" \t\r\n true \n", .bool(true)), ("[]", .array([])), ("{}", .object(JSONObject())),
        ("[ ]", .array([])), ("{ \n}", .object(JSONObject())), ("\"\"", .string("")),
    ])
    func parsesLiterals(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test func parsesNestedStructureInOrder() throws {
        let value = try JSONParser.parse(#" { "b" : [1, {"c": null}, []], "a": {"d": true, "e": "x"} } "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a"])
        #expect(value["b"] == [1, ["c": .null], []])
        #expect(value["a"]?["e"] == "x")
        #expect(value["a"]?.objectValue?.keys == ["d", "e"])
    }

    @Test func keepsDuplicateKeysInOrder() throws {
        let object = try #require(try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#).objectValue)
        #expect(object.members.map(\.key) == ["a", "b", "a"])
        #expect(object.members.map(\.value) == [1, 2, 3])
        #expect(object["a"] == 1)  // lookup finds the first
    }

    @Test func parsesAllInputForms() throws {
        let text = #"[2,"id","Heartbeat",{}]"#
        let bytes = Array(text.utf8)
        let fromString = try JSONParser.parse(text)
        let fromBytes = try JSONParser.parse(bytes)
        let fromBuffer = try bytes.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parse(raw) }
        #expect(fromString == fromBytes && fromBytes == fromBuffer)
        #expect(fromString == [2, "id", "Heartbeat", [:]])
        // An empty buffer has no base address.
        #expect(throws: JSONParseError(reason: .unexpectedEnd, offset: 0)) { try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    @Test func parsesTheMeterValuesFrame() throws {
        let value = try JSONParser.parse(JSONParserTests.meterValuesFrame)
        let payload = try #require(value.arrayValue?[3])
        let samples = try #require(payload["meterValue"]?.arrayValue?.first?["sampledValue"]?.arrayValue)
        #expect(samples.count == 10)
        #expect(samples[3]["value"] == "10.856")
        #expect(samples[3]["phase"] == "L1")
        #expect(payload["transactionId"]?.numberValue?.int == 42)
    }

    // MARK: Strings

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""\" \\ \/ \b \f \n \r \t""#, "\" \\ / \u{8} \u{C} \n \r \t"),
        (#""\u0041\u00e9\u20AC\uFFFF""#, "Aé€\u{FFFF}"),
        (#""\ud83d\ude00 and \uD83D\uDE00""#, "😀 and 😀"),
        (#""\u0000""#, "\u{0}"),
        (#""a\u0000b""#, "a\u{0}b"),
        (#""\u001f\u007f""#, "\u{1F}\u{7F}"),
        ("\"é€😀 raw\"", "é€😀 raw"),
        ("\"\\n then raw é€😀 after an escape\"", "\n then raw é€😀 after an escape"),
        ("\"\u{7F} \u{2028}\"", "\u{7F} \u{2028}"),
        ("\"e\u{301}\"", "e\u{301}"),  // kept as sent, not normalized
    ])
    func decodesStrings(text: String, expected: String) throws {
        let decoded = try #require(try JSONParser.parse(text).stringValue)
        #expect(Array(decoded.unicodeScalars) == Array(expected.unicodeScalars))
    }

    /// Puts a quote, backslash or control byte at every position of strings longer than the 8-byte scan step, so
    /// each lane of the word-at-a-time scan and the byte-wise tail are exercised.
    @Test(arguments: 0..<40)
    func findsSpecialBytesAtEveryPosition(position: Int) throws {
        let filler = Array(repeating: UInt8(ascii: "x"), count: 40)
        var escaped = filler
        escaped.replaceSubrange(position..<position + 1, with: Array(#"\n"#.utf8))
        let value = try JSONParser.parse([UInt8(ascii: "\"")] + escaped + [UInt8(ascii: "\"")])
        #expect(value.stringValue == String(repeating: "x", count: position) + "\n" + String(repeating: "x", count: 39 - position))

        var control = filler
        control[position] = 0x01
        #expect(throws: JSONParseError(reason: .controlCharacterInString, offset: position + 1)) {
            try JSONParser.parse([UInt8(ascii: "\"")] + control + [UInt8(ascii: "\"")])
        }

        var nonASCII = filler
        nonASCII[position] = 0xFF
        #expect(throws: JSONParseError(reason: .invalidUTF8, offset: position + 1)) {
            try JSONParser.parse([UInt8(ascii: "\"")] + nonASCII + [UInt8(ascii: "\"")])
        }

        let short = [UInt8(ascii: "\"")] + Array(filler[0..<position]) + [UInt8(ascii: "\"")]
        #expect(try JSONParser.parse(short).stringValue == String(repeating: "x", count: position))
    }

    // MARK: Numbers

    @Test(arguments: [
        "0", "-0", "1.50", "21.4", "-1", "1E+3", "1e-3", "-0.0e-0", "9223372036854775808", "1e999", "-1e-999",
        "0.30000000000000000000000000000000001", String(repeating: "9", count: 300),
    ])
    func keepsNumberText(text: String) throws {
        #expect(try JSONParser.parse(text).numberValue?.text == text)
        #expect(try JSONParser.parse("[\(text)]").arrayValue?.first?.numberValue?.text == text)
        #expect(try JSONParser.parse(#"{"n":\#(text)}"#)["n"]?.numberValue?.text == text)
    }

    // MARK: Errors

    @Test(arguments: [
        ("", JSONParseError.Reason.unexpectedEnd, 0),
        ("   ", .unexpectedEnd, 3),
        ("[1,", .unexpectedEnd, 3),
        ("{\"a\":", .unexpectedEnd, 5),
        ("{\"a\"", .unexpectedEnd, 4),
        ("[1,]", .unexpectedByte(UInt8(ascii: "]")), 3),
        (#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}")), 7),
        ("[,1]", .unexpectedByte(UInt8(ascii: ",")), 1),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2")), 3),
        ("[1:2]", .unexpectedByte(UInt8(ascii: ":")), 2),
        (#"{"a" 1}"#, .unexpectedByte(UInt8(ascii: "1")), 5),
        ("{1:2}", .unexpectedByte(UInt8(ascii: "1")), 1),
        (#"{"a":1 "b":2}"#, .unexpectedByte(UInt8(ascii: "\"")), 7),
        ("[1}", .unexpectedByte(UInt8(ascii: "}")), 2),
        ("'a'", .unexpectedByte(UInt8(ascii: "'")), 0),
        ("tru", .unexpectedEnd, 3),
        ("trux", .unexpectedByte(UInt8(ascii: "x")), 3),
        ("nulL", .unexpectedByte(UInt8(ascii: "L")), 3),
        ("fals", .unexpectedEnd, 4),
        ("NaN", .unexpectedByte(UInt8(ascii: "N")), 0),
        ("+1", .unexpectedByte(UInt8(ascii: "+")), 0),
        (".5", .unexpectedByte(UInt8(ascii: ".")), 0),
        ("/* c */ 1", .unexpectedByte(UInt8(ascii: "/")), 0),
        ("\u{FEFF}1", .unexpectedByte(0xEF), 0),  // no byte order mark
        ("\u{A0}1", .unexpectedByte(0xC2), 0),  // only the four RFC 8259 whitespace bytes
        ("01", .invalidNumber, 1),
        ("-01", .invalidNumber, 2),
        ("[00]", .invalidNumber, 2),
        ("-", .unexpectedEnd, 1),
        ("-a", .invalidNumber, 1),
        ("[-Infinity]", .invalidNumber, 2),
        ("1.", .unexpectedEnd, 2),
        ("1.e3", .invalidNumber, 2),
        ("[1.]", .invalidNumber, 3),
        ("1e", .unexpectedEnd, 2),
        ("1e+", .unexpectedEnd, 3),
        ("1ex", .invalidNumber, 2),
        ("\"abc", .unexpectedEnd, 4),
        ("\"abc\\", .unexpectedEnd, 5),
        (#""a\x""#, .invalidEscape, 2),
        (#""a\'""#, .invalidEscape, 2),
        (#""\u12G4""#, .invalidEscape, 1),
        (#""\u12"#, .unexpectedEnd, 5),
        (#""\ud800""#, .invalidEscape, 1),
        (#""\udc00""#, .invalidEscape, 1),
        (#""\ude00\ud83d""#, .invalidEscape, 1),
        (#""x\ud800\u0041""#, .invalidEscape, 2),
        (#""\ud800\n""#, .invalidEscape, 1),
        (#""\ud800\ud800""#, .invalidEscape, 1),
        (#""\ud800\u12"#, .unexpectedEnd, 11),
        (#""\ud800"#, .unexpectedEnd, 7),
        ("\"a\tb\"", .controlCharacterInString, 2),
        ("\"\u{0}\"", .controlCharacterInString, 1),
        ("\"\\n\u{1}\"", .controlCharacterInString, 3),
        ("1 2", .trailingData, 2),
        ("[1]]", .trailingData, 3),
        ("{} x", .trailingData, 3),
        ("null,", .trailingData, 4),
        ("\"a\"\"b\"", .trailingData, 3),
    ])
    func reportsErrorWithOffset(text: String, reason: JSONParseError.Reason, offset: Int) {
        #expect(throws: JSONParseError(reason: reason, offset: offset)) { try JSONParser.parse(text) }
    }

    @Test(
        arguments: [
            ([0x22, 0xFF, 0x22], JSONParseError.Reason.invalidUTF8, 1),
            ([0x22, 0x80, 0x22], .invalidUTF8, 1),  // stray continuation byte
            ([0x22, 0x61, 0xC0, 0x80, 0x22], .invalidUTF8, 2),  // overlong NUL
            ([0x22, 0xC1, 0xBF, 0x22], .invalidUTF8, 1),  // overlong
            ([0x22, 0xE0, 0x9F, 0xBF, 0x22], .invalidUTF8, 1),  // overlong three-byte form
            ([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1),  // UTF-8 encoded surrogate
            ([0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], .invalidUTF8, 1),  // overlong four-byte form
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1),  // above U+10FFFF
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, 1),
            ([0x22, 0xE2, 0x82, 0x22], .invalidUTF8, 1),  // truncated before the quote
            ([0x22, 0xE2, 0x28, 0xAC, 0x22], .invalidUTF8, 1),
            ([0x22, 0xE2, 0x82], .unexpectedEnd, 3),
            ([0x22, 0x5C, 0x6E, 0xFF, 0x22], .invalidUTF8, 3),  // after an escape (slow path)
            ([0xC3, 0xA9], .unexpectedByte(0xC3), 0),  // outside a string it is just a bad byte
            ([0x5B, 0x31, 0x5D, 0x00], .trailingData, 3),
            ([0x31, 0x00], .trailingData, 1),
        ] as [([UInt8], JSONParseError.Reason, Int)]
    )
    func rejectsInvalidUTF8(bytes: [UInt8], reason: JSONParseError.Reason, offset: Int) {
        #expect(throws: JSONParseError(reason: reason, offset: offset)) { try JSONParser.parse(bytes) }
    }

    @Test func acceptsEveryValidUTF8Boundary() throws {
        // First and last scalars of each encoded length, and both sides of the surrogate gap.
        let scalars: [UInt32] = [0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF]
        for value in scalars {
            let scalar = try #require(Unicode.Scalar(value))
            let text = String(Character(scalar))
            #expect(try JSONParser.parse(Array("\"\(text)\"".utf8)).stringValue == text)
        }
    }

    @Test func errorDescriptionNamesTheProblemAndOffset() {
        #expect(JSONParseError(reason: .unexpectedByte(UInt8(ascii: "x")), offset: 7).description == "unexpected 'x' (0x78) at byte offset 7")
        #expect(JSONParseError(reason: .unexpectedByte(0x0A), offset: 1).description == "unexpected byte 0x0A at byte offset 1")
        #expect(JSONParseError(reason: .tooDeep, offset: 64).description.hasSuffix("at byte offset 64"))
    }

    // MARK: Depth

    @Test func enforcesMaxDepth() throws {
        #expect(try JSONParser.parse("1", maxDepth: 0) == 1)
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 0)) { try JSONParser.parse("[]", maxDepth: 0) }
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 0)) { try JSONParser.parse("{}", maxDepth: -5) }
        #expect(try JSONParser.parse("[[1],{}]", maxDepth: 2) == [[1], [:]])
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 2)) { try JSONParser.parse("[[[]]]", maxDepth: 2) }
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 10)) { try JSONParser.parse(#"{"a":{"b":[]}}"#, maxDepth: 2) }

        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONParser.parse(deepest).arrayValue != nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 64)) { try JSONParser.parse(tooDeep) }
        // Siblings do not add up: depth is nesting, not the number of containers.
        let wide = "[" + Array(repeating: "[[]]", count: 1000).joined(separator: ",") + "]"
        #expect(try JSONParser.parse(wide, maxDepth: 3).arrayValue?.count == 1000)
    }

    // MARK: parseArrayElements

    @Test func parseArrayElementsReturnsSourceRanges() throws {
        let text = #"  [2, "123" ,"MeterValues",{ "connectorId" : 1, "x": [ 1 , 2 ] } , -1.50e+2,true,null ]  "#
        let bytes = Array(text.utf8)
        let elements = try JSONParser.parseArrayElements(bytes)
        let sources = elements.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(sources == ["2", #""123""#, #""MeterValues""#, #"{ "connectorId" : 1, "x": [ 1 , 2 ] }"#, "-1.50e+2", "true", "null"])
        #expect(
            elements.map(\.value) == [
                2, "123", "MeterValues", ["connectorId": 1, "x": [1, 2]], .number(JSONNumber(uncheckedText: "-1.50e+2")), true, .null,
            ]
        )
        // Each range parses on its own to the same value.
        for element in elements {
            #expect(try JSONParser.parse(Array(bytes[element.range])) == element.value)
        }
    }

    @Test func parseArrayElementsOverAllInputForms() throws {
        let text = #"[3,"é😀",{"a":"€"}]"#
        let fromString = try JSONParser.parseArrayElements(text)
        let utf8 = Array(text.utf8)
        let fromBuffer = try utf8.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parseArrayElements(raw) }
        #expect(fromString.map(\.range) == fromBuffer.map(\.range))
        #expect(fromString.map(\.value) == fromBuffer.map(\.value))
        // Ranges count UTF-8 bytes, also in the String form.
        #expect(fromString.map(\.range) == [1..<2, 3..<11, 12..<23])
        #expect(String(decoding: utf8[fromString[1].range], as: UTF8.self) == #""é😀""#)
    }

    @Test func parseArrayElementsOfAnEmptyArray() throws {
        #expect(try JSONParser.parseArrayElements(" [ ] ").isEmpty)
        #expect(try JSONParser.parseArrayElements("[]").isEmpty)
    }

    @Test(arguments: [
        ("{}", JSONParseError.Reason.unexpectedByte(UInt8(ascii: "{")), 0),
        ("  1", .unexpectedByte(UInt8(ascii: "1")), 2),
        ("", .unexpectedEnd, 0),
        ("[1,2", .unexpectedEnd, 4),
        ("[1,2,]", .unexpectedByte(UInt8(ascii: "]")), 5),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2")), 3),
        ("[1]x", .trailingData, 3),
        ("[[1,]]", .unexpectedByte(UInt8(ascii: "]")), 4),
    ])
    func parseArrayElementsRejects(text: String, reason: JSONParseError.Reason, offset: Int) {
        #expect(throws: JSONParseError(reason: reason, offset: offset)) { try JSONParser.parseArrayElements(text) }
    }

    @Test func parseArrayElementsCountsTheOuterArrayAsOneLevel() throws {
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 0)) { try JSONParser.parseArrayElements("[1]", maxDepth: 0) }
        #expect(try JSONParser.parseArrayElements("[1]", maxDepth: 1).count == 1)
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 3)) { try JSONParser.parseArrayElements("[1,[2]]", maxDepth: 1) }
        #expect(try JSONParser.parseArrayElements("[1,[2]]", maxDepth: 2).count == 2)
    }

    // MARK: Fixtures

    /// An OCPP 1.6 MeterValues CALL with ten sampled values (1326 bytes), the shape the hot path sees most.
    static let meterValuesFrame: String = {
        let phases = ["L1", "L2", "L3"]
        let samples = (0..<10).map { k in
            #"{"value":"\#(7 + k).856","context":"Sample.Periodic","measurand":"Current.Import","phase":"\#(phases[k % 3])","#
                + #""location":"Outlet","unit":"A"}"#
        }
        return #"[2,"123","MeterValues",{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","#
            + #""sampledValue":["# + samples.joined(separator: ",") + "]}]}]"
    }()
}
