import Foundation

/// A plain decimal number on the command line (`32`, `16.5`): Foundation's parser alone reads `32abc` as 32, so
/// the text is checked first.
enum DecimalArgument {
    static func parse(_ text: String, flag: String) throws -> Decimal {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let digitsOnly = parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        guard digitsOnly, let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw CtlFailure.usage("\(flag) must be a number, e.g. 32 or 16.5 (got \(text))")
        }
        return value
    }
}
