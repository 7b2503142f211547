import Foundation
import PropertyBased
import Testing

@testable import Shared

/// Property-based and differential tests: the parser must never trap, must round-trip what it accepts, and must
/// agree with Foundation's `JSONSerialization` on which documents are valid and what they mean.
@Suite struct JSONParserFuzzTests {
    // MARK: Never trap, round-trip what is accepted

    @Test func randomBytesNeverTrap() async {
        await propertyCheck(count: 400, input: JSONFuzz.bytes(alphabet: JSONFuzz.interestingBytes, count: 0...48)) { bytes in
            JSONFuzz.checkInvariants(bytes)
        }
        await propertyCheck(count: 200, input: JSONFuzz.bytes(alphabet: Array(0...255), count: 0...48)) { bytes in
            JSONFuzz.checkInvariants(bytes)
        }
    }

    @Test func mutatedOCPPFramesNeverTrap() async {
        await propertyCheck(count: 600, input: JSONFuzz.mutatedFrames) { bytes in
            JSONFuzz.checkInvariants(bytes)
        }
    }

    @Test func generatedValuesRoundTrip() async throws {
        await propertyCheck(count: 300, input: JSONFuzz.values) { value in
            let text = value.serialized()
            let parsed = try JSONParser.parse(text)
            #expect(parsed == value, "\(text)")
            var bytes: [UInt8] = []
            value.write(into: &bytes)
            #expect(bytes == Array(text.utf8))
        }
    }

    @Test func generatedValuesWithWhitespaceParseAndSlice() async throws {
        let input = Generator(run: { rng in
            let elements = (0..<Int.random(in: 0...4, using: &rng)).map { _ in JSONFuzz.value(using: &rng) }
            return (elements, JSONFuzz.spaced(.array(elements), using: &rng))
        })
        await propertyCheck(count: 200, input: input) { pair in
            let (elements, text) = pair
            let parsed = try JSONParser.parse(text)
            #expect(parsed == .array(elements), "\(text)")
            let bytes = Array(text.utf8)
            let ranged = try JSONParser.parseArrayElements(bytes)
            #expect(ranged.map(\.value) == elements)
            for element in ranged {
                // The range holds the element's own text: it re-parses alone, and starts and ends without spaces.
                #expect(try JSONParser.parse(Array(bytes[element.range])) == element.value)
                #expect(!JSONFuzz.isWhitespace(bytes[element.range.lowerBound]))
                #expect(!JSONFuzz.isWhitespace(bytes[element.range.upperBound - 1]))
            }
        }
    }

    /// Swift's own UTF-8 validator is the oracle for raw string contents.
    @Test func stringContentsAreValidatedLikeSwift() async throws {
        let alphabet = (0x20...0xFF).map(UInt8.init).filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        let highHeavy = alphabet + Array(repeating: Array(0x80...0xFF).map(UInt8.init), count: 3).joined()
        await propertyCheck(count: 500, input: JSONFuzz.bytes(alphabet: highHeavy, count: 0...24)) { content in
            let document = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
            let expected = String(validating: content, as: UTF8.self)
            do throws(JSONParseError) {
                let value = try JSONParser.parse(document)
                #expect(value.stringValue.map { Array($0.utf8) } == expected.map { Array($0.utf8) })
            } catch {
                #expect(expected == nil)
                #expect(error.reason == .invalidUTF8 || error.reason == .unexpectedEnd)
            }
        }
    }

    // MARK: Hostile shapes

    @Test func veryDeepNestingIsRejectedNotOverflowed() {
        let depth = 100_000
        let arrays = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 64)) { try JSONParser.parse(arrays) }
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 64)) { try JSONParser.parseArrayElements(arrays) }
        let objects = Array(String(repeating: #"{"a":"#, count: depth).utf8)
        #expect(throws: JSONParseError(reason: .tooDeep, offset: 64 * 5)) { try JSONParser.parse(objects) }
        // Even without a limit the parser keeps its own stack: an unclosed 100 000-deep document just ends early.
        let unclosed = Array(repeating: UInt8(ascii: "["), count: depth)
        #expect(throws: JSONParseError(reason: .unexpectedEnd, offset: depth)) { try JSONParser.parse(unclosed, maxDepth: .max) }
        let mixed = Array(String(repeating: #"[{"k":"#, count: depth / 2).utf8)
        #expect(throws: JSONParseError(reason: .unexpectedEnd, offset: mixed.count)) { try JSONParser.parse(mixed, maxDepth: .max) }
    }

    @Test func hugeNumbersAreKeptAsText() throws {
        let numbers = [
            "1e999", "-1E-999", "1" + String(repeating: "0", count: 10_000),
            "-0." + String(repeating: "7", count: 5_000) + "e-99999999999999999999999",
            String(repeating: "9", count: 300) + "." + String(repeating: "9", count: 300),
        ]
        for text in numbers {
            let value = try JSONParser.parse("[\(text)]")
            #expect(value.arrayValue?.first?.numberValue?.text == text)
            #expect(value.serialized() == "[\(text)]")
        }
        #expect(try JSONParser.parse("1e999").numberValue?.double == .infinity)
    }

    @Test func longDocumentsParse() throws {
        let many = "[" + Array(repeating: JSONParserTests.meterValuesFrame, count: 200).joined(separator: ",") + "]"
        let value = try JSONParser.parse(many)
        #expect(value.arrayValue?.count == 200)
        #expect(value.serialized() == many)
        let longString = String(repeating: "abcdefé€😀\\n", count: 20_000)
        #expect(try JSONParser.parse("\"\(longString)\"").stringValue?.count == 20_000 * 10)
    }

    // MARK: Differential against Foundation

    @Test(arguments: JSONFuzz.differentialCorpus)
    func agreesWithFoundationOnCorpus(document: String) {
        JSONFuzz.expectAgreesWithFoundation(Array(document.utf8))
    }

    @Test(
        arguments: [
            [0xEF, 0xBB, 0xBF, 0x5B, 0x31, 0x5D],  // UTF-8 byte order mark, then [1]
            [0x5B, 0x00, 0x31, 0x00, 0x5D, 0x00],  // [1] in UTF-16LE
            [0x31, 0x00],  // "1" in UTF-16LE
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xE2, 0x82, 0xAC, 0x22], [0xC3, 0xA9], [0x5B, 0x31, 0x5D, 0x00],
        ] as [[UInt8]]
    )
    func agreesWithFoundationOnBytes(bytes: [UInt8]) {
        JSONFuzz.expectAgreesWithFoundation(bytes)
    }

    @Test func agreesWithFoundationOnGeneratedDocuments() async {
        await propertyCheck(count: 500, input: JSONFuzz.values.map { Array($0.serialized().utf8) }) { bytes in
            JSONFuzz.expectAgreesWithFoundation(bytes)
        }
        await propertyCheck(count: 700, input: JSONFuzz.mutatedValues) { bytes in
            JSONFuzz.expectAgreesWithFoundation(bytes)
        }
        await propertyCheck(count: 300, input: JSONFuzz.bytes(alphabet: JSONFuzz.interestingBytes, count: 0...16)) { bytes in
            JSONFuzz.expectAgreesWithFoundation(bytes)
        }
    }
}

/// Generators, invariants and the Foundation oracle used by `JSONParserFuzzTests`.
enum JSONFuzz {
    static let interestingBytes: [UInt8] =
        Array(#"[]{},:" \#t\#n\#r0123456789eE.-+tfnulrsabu\/"#.utf8) + [
            0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF,
        ]

    static let frames: [String] = [
        JSONParserTests.meterValuesFrame,
        #"[2,"a1","BootNotification",{"chargePointVendor":"ACME","chargePointModel":"X-1","firmwareVersion":"1.0\/b"}]"#,
        #"[2, "19223201", "StartTransaction", {"connectorId": 1, "idTag": "04E8\u00c9", "meterStart": 0, "timestamp": "2026-01-01T00:00:00.000Z"}]"#,
        #"[3,"b2",{"currentTime":"2026-01-01T00:00:00Z","interval":300,"status":"Accepted"}]"#,
        #"[4,"c3","FormationViolation","bad \"json\" \ud83d\ude00",{"line":-1.5e-3}]"#,
        "[\n  2,\n  \"h\",\n  \"Heartbeat\",\n  {}\n]\n",
        #"[2,"s","StatusNotification",{"connectorId":0,"errorCode":"NoError","status":"Available","info":null,"ok":true}]"#,
    ]

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: Generators

    static func bytes(alphabet: [UInt8], count: ClosedRange<Int>) -> Generator<[UInt8], Shrink.None<[UInt8]>> {
        Generator(run: { rng in
            (0..<Int.random(in: count, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        })
    }

    static let values = Generator(run: { rng in value(using: &rng) })

    static let mutatedFrames = Generator(run: { rng in
        mutate(Array(frames[Int.random(in: 0..<frames.count, using: &rng)].utf8), using: &rng)
    })

    static let mutatedValues = Generator(run: { rng in mutate(Array(value(using: &rng).serialized().utf8), using: &rng) })

    static func value(using rng: inout some RandomNumberGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth >= 4 ? 5 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2, 3: return .number(JSONNumber(uncheckedText: number(using: &rng)))
        case 4: return .string(string(using: &rng))
        case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(using: &rng, depth: depth + 1) })
        default:
            let members = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                JSONMember(key: string(using: &rng), value: value(using: &rng, depth: depth + 1))
            }
            return .object(JSONObject(members))
        }
    }

    static func number(using rng: inout some RandomNumberGenerator) -> String {
        var text = Bool.random(using: &rng) ? "-" : ""
        text += Int.random(in: 0...3, using: &rng) == 0 ? "0" : String(Int.random(in: 1...999_999, using: &rng))
        if Bool.random(using: &rng) { text += "." + String(Int.random(in: 0...99_999, using: &rng)) }
        if Int.random(in: 0...3, using: &rng) == 0 {
            text += ["e", "E"][Int.random(in: 0...1, using: &rng)] + ["", "+", "-"][Int.random(in: 0...2, using: &rng)]
            text += String(Int.random(in: 0...40, using: &rng))
        }
        return text
    }

    static func string(using rng: inout some RandomNumberGenerator) -> String {
        let pieces = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "😀", "\u{2028}", "e\u{301}", "Sample.Periodic",
        ]
        return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
    }

    /// `value` as text with random RFC 8259 whitespace between all tokens.
    static func spaced(_ value: JSONValue, using rng: inout some RandomNumberGenerator) -> String {
        func space() -> String {
            (0..<Int.random(in: 0...2, using: &rng)).map { _ in [" ", "\n", "\t", "\r"][Int.random(in: 0...3, using: &rng)] }.joined()
        }
        switch value {
        case .array(let elements):
            return "[" + space() + elements.map { space() + spaced($0, using: &rng) + space() }.joined(separator: ",") + space() + "]"
        case .object(let object):
            let members = object.members.map { member in
                space() + JSONValue.string(member.key).serialized() + space() + ":" + space() + spaced(member.value, using: &rng) + space()
            }
            return "{" + space() + members.joined(separator: ",") + space() + "}"
        default:
            return space() + value.serialized() + space()
        }
    }

    /// One to three truncations, bit flips, insertions, deletions, replacements or duplicated slices.
    static func mutate(_ original: [UInt8], using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            let interesting = interestingBytes[Int.random(in: 0..<interestingBytes.count, using: &rng)]
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes.removeLast(bytes.count - position)
            case 1 where position < bytes.count: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 2: bytes.insert(interesting, at: position)
            case 3 where position < bytes.count: bytes.remove(at: position)
            case 4 where position < bytes.count: bytes[position] = interesting
            default:
                let end = Int.random(in: position...min(bytes.count, position + 8), using: &rng)
                bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return bytes
    }

    // MARK: Invariants

    /// For any input: no trap; an error's offset lies within the input; an accepted value survives
    /// serialize → parse; a top-level array gives the same outcome through `parseArrayElements`.
    static func checkInvariants(_ bytes: [UInt8]) {
        let result = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
        // The same from a buffer of exactly the input's size, so `swift test --sanitize=address` catches any read past
        // the end (an array's spare capacity would hide it).
        let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { exact.deallocate() }
        bytes.withUnsafeBytes { exact.copyMemory(from: $0) }
        #expect(Result { () throws(JSONParseError) in try JSONParser.parse(UnsafeRawBufferPointer(exact)) } == result)
        switch result {
        case .success(let value):
            let text = value.serialized()
            #expect((try? JSONParser.parse(text)) == value)
            #expect((try? JSONParser.parse(text).serialized()) == text)
        case .failure(let error):
            #expect((0...bytes.count).contains(error.offset), "\(error) for \(bytes)")
        }
        guard bytes.first(where: { !isWhitespace($0) }) == UInt8(ascii: "[") else { return }
        let elements = Result { () throws(JSONParseError) in try JSONParser.parseArrayElements(bytes) }
        switch (result, elements) {
        case (.success(let value), .success(let elements)):
            #expect(value == .array(elements.map(\.value)))
            for element in elements {
                #expect((try? JSONParser.parse(Array(bytes[element.range]))) == element.value)
            }
        case (.failure(let error), .failure(let elementsError)):
            #expect(error == elementsError)
        default:
            Issue.record("parse and parseArrayElements disagree on \(bytes)")
        }
    }

    // MARK: Foundation oracle

    /// Documents chosen to sit on the edges where JSON parsers commonly differ.
    static let differentialCorpus: [String] =
        [
            "null", "true", "false", "0", "-0", "1.50", "1E+2", "1e-999", String(repeating: "9", count: 300), "123456789012345678901234567890",
            "18446744073709551616", "-9223372036854775809", "0.0000000000000000000000000000000000000000001",
            #""""#, #""\u0000""#, #""\ud83d\ude00""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\/\b\f\n\r\t\"\\""#,
            "\"\u{7F}\"", "\"a\tb\"", #""\x""#, #""\'""#, "'a'", "[1 2]", #"{"a" 1}"#, "tru", "truex", "nul", "01", "-01", "-", "1.", ".5",
            "+1", "NaN", "Infinity", "-Infinity", "1e", "1e+", "[01]", "[-]", #"{"a":01}"#, "[1.5e3]", "", " ", "[1] x", "[1]]",
            #"{"a":1,"a":2}"#, #"{"a":{"b":[1,{"c":null}]},"d":[]}"#, "[[], {}, [[]], {\"\": {}}]", " \n\t\r[ 1 , 2 ] \n",
            "[1,]", #"{"a":1,}"#, "[1,,2]", "[,]", #"{,}"#, "[1e999]", "-1E400",
            String(repeating: "[", count: 512) + String(repeating: "]", count: 512),
            String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
            JSONParserTests.meterValuesFrame,
        ] + frames

    /// Foundation reads input as UTF-8 only when its encoding sniffing (`JSONSerialization.detectEncoding`) finds no
    /// byte order mark and no NUL byte pattern in the first four bytes; otherwise it converts from UTF-16/32 or skips
    /// the UTF-8 mark. RFC 8259 section 8.1 requires UTF-8 without a mark, which is all the parser accepts.
    static func foundationReadsAsPlainUTF8(_ bytes: [UInt8]) -> Bool {
        if bytes.count >= 4 {
            for mark: [UInt8] in [[0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0x00, 0x00, 0xFE, 0xFF]] where bytes.starts(with: mark) {
                return false
            }
            return !(bytes[0] == 0 || bytes[1] == 0 || (bytes[2] == 0 && bytes[3] == 0))
        }
        if bytes.count >= 2 { return bytes[0] != 0 && bytes[1] != 0 }
        return true
    }

    /// Both parsers must agree on valid/invalid and, when valid, on the value. Known differences, each justified:
    ///
    /// 1. Encoding sniffing (`foundationReadsAsPlainUTF8`): Foundation accepts `[1]` in UTF-16, and `"1\0"` as UTF-16LE
    ///    `1`, and skips a UTF-8 byte order mark. Such inputs are not compared.
    /// 2. Trailing commas: Foundation accepts `[1,]` and `{"a":1,}`, which RFC 8259 forbids. When the parser rejects
    ///    a `]` or `}` right after a comma and Foundation accepts, the comparison is repeated without that comma.
    /// 3. Magnitudes beyond `Double` (`1e999`, `-1E400`): Foundation fails with "not representable"; the parser keeps
    ///    the text, as `JSONNumber` is meant to. Excluded when the parser's value holds a number whose `Double` is
    ///    infinite.
    ///
    /// Not differences: lone surrogate escapes (both reject), `\u0000` (both accept), huge integers and tiny
    /// fractions (equal as `Double`), invalid UTF-8 (both reject), and depth once the parser is given Foundation's
    /// limit of 512 (both accept 512 levels and reject 513).
    static func expectAgreesWithFoundation(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        guard foundationReadsAsPlainUTF8(bytes) else { return }
        let ours = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, maxDepth: 512) }
        let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        switch (ours, theirs) {
        case (.success(let value), let theirs?):
            #expect(equal(value, theirs), "values differ for \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        case (.failure, nil):
            break
        case (.failure(let error), _?):
            if case .unexpectedByte(let byte) = error.reason, byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}"),
                let comma = bytes[..<error.offset].lastIndex(where: { !isWhitespace($0) }), bytes[comma] == UInt8(ascii: ",")
            {
                var withoutComma = bytes
                withoutComma.remove(at: comma)
                return expectAgreesWithFoundation(withoutComma, sourceLocation: sourceLocation)
            }
            Issue.record("only Foundation accepts \(String(decoding: bytes, as: UTF8.self)) (\(error))", sourceLocation: sourceLocation)
        case (.success(let value), nil):
            if containsInfiniteNumber(value) { return }
            Issue.record("only JSONParser accepts \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    static func containsInfiniteNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): number.double.isInfinite
        case .array(let elements): elements.contains(where: containsInfiniteNumber)
        case .object(let object): object.members.contains { containsInfiniteNumber($0.value) }
        default: false
        }
    }

    private static let foundationBoolType = type(of: NSNumber(value: true))

    /// Numbers by `Double` value (Foundation reads long ones as `Decimal`, so allow a relative 1e-12), strings by
    /// exact scalars (not canonical equivalence), objects as dictionaries where the last duplicate key wins, as in
    /// Foundation.
    static func equal(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null:
            return theirs is NSNull
        case .bool(let bool):
            guard let number = theirs as? NSNumber, type(of: number) == foundationBoolType else { return false }
            return number.boolValue == bool
        case .number(let number):
            guard let other = theirs as? NSNumber, type(of: other) != foundationBoolType else { return false }
            let a = number.double
            let b = other.doubleValue
            return a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b))
        case .string(let string):
            guard let other = theirs as? String else { return false }
            return Array(string.unicodeScalars) == Array(other.unicodeScalars)
        case .array(let elements):
            guard let other = theirs as? [Any], other.count == elements.count else { return false }
            return zip(elements, other).allSatisfy { equal($0, $1) }
        case .object(let object):
            guard let other = theirs as? [String: Any] else { return false }
            var lastWins: [String: JSONValue] = [:]
            for member in object.members { lastWins[member.key] = member.value }
            // Dictionary keys compare by canonical equivalence in both, so count and look up alike.
            guard lastWins.count == other.count else { return false }
            return lastWins.allSatisfy { key, value in other[key].map { equal(value, $0) } ?? false }
        }
    }
}
