import Foundation

/// A plain decimal number read from a sampled value's text as significand × 10^exponent, without Foundation's
/// parser: every stored sample goes through here, and `Decimal(string:)` with trimming cost more than the rest of
/// storing it. Only the common spellings are taken (`-12.5`, ` 7,5 `, `+3`, up to 18 digits, no exponent); anything
/// else is left to the full parser (`nil`).
struct DecimalText: Equatable {
    var negative: Bool
    var significand: UInt64
    var exponent: Int

    init(negative: Bool, significand: UInt64, exponent: Int) {
        self.negative = negative
        self.significand = significand
        self.exponent = exponent
    }

    init?(scanning text: String) {
        var utf8 = text.utf8[...]
        while let first = utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { utf8.removeFirst() }
        while let last = utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { utf8.removeLast() }
        var negative = false
        if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            utf8.removeFirst()
        }
        var significand: UInt64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var separatorSeen = false
        var leadingZero = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // JSON's grammar (which the full parser follows): no leading zero before another integer digit.
                if !separatorSeen && integerDigits == 1 && leadingZero { return nil }
                if !separatorSeen {
                    if integerDigits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                    integerDigits += 1
                } else {
                    fractionDigits += 1
                }
                guard integerDigits + fractionDigits <= 18 else { return nil }
                significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."), UInt8(ascii: ","):
                guard !separatorSeen, integerDigits > 0 else { return nil }
                separatorSeen = true
            default:
                return nil
            }
        }
        guard integerDigits > 0, !separatorSeen || fractionDigits > 0 else { return nil }
        self.init(negative: negative, significand: significand, exponent: -fractionDigits)
    }

    func shifted(by power: Int) -> DecimalText {
        DecimalText(negative: negative, significand: significand, exponent: exponent + power)
    }

    var decimal: Decimal {
        Decimal(sign: negative && significand != 0 ? .minus : .plus, exponent: exponent, significand: Decimal(significand))
    }

    /// The nearest double: one correctly rounded multiplication or division of exact doubles while both fit in 53
    /// bits; otherwise through `Decimal`.
    var double: Double {
        let magnitude: Double
        if significand < 1 << 53, abs(exponent) < Self.powersOfTen.count {
            let power = Self.powersOfTen[abs(exponent)]
            magnitude = exponent >= 0 ? Double(significand) * power : Double(significand) / power
        } else {
            magnitude = NSDecimalNumber(decimal: decimal).doubleValue.magnitude
        }
        return negative && significand != 0 ? -magnitude : magnitude
    }

    /// 10^0 … 10^22, each exact in a double.
    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { product, _ in product * 10 } }
}
