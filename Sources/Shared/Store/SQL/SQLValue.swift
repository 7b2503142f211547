import Foundation

/// One value bound to or read from either engine. Integers are 64-bit everywhere (PostgreSQL columns are BIGINT);
/// booleans are stored as 0/1 integers, as SQLite always did, so one schema and one set of queries serve both.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    /// PostgreSQL arrays (`array_agg` of BIGINT or DOUBLE PRECISION), read only: a report sends a session's samples as
    /// one row of arrays rather than one row each (postgres-nio costs about 1 µs per row). SQLite has no arrays.
    case integers([Int64])
    case reals([Double])
}

/// A Swift type that converts to and from a column value.
public protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
    init?(sqlValue: SQLValue)
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        case .real(let value): self.init(exactly: value.rounded(.towardZero))
        case .text(let text): self.init(text)
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self.init(value)
    }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self.init(truncatingIfNeeded: value)
    }
}

extension Bool: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value != 0
        case .real(let value): self = value != 0
        default: return nil
        }
    }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        case .text(let text): self.init(text)
        default: return nil
        }
    }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .text(let value): self = value
        case .integer(let value): self = String(value)
        case .real(let value): self = String(value)
        case .blob(let bytes): self = String(decoding: bytes, as: UTF8.self)
        case .null, .integers, .reals: return nil
        }
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob([UInt8](self)) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .blob(let bytes): self.init(bytes)
        case .text(let text): self.init(text.utf8)
        default: return nil
        }
    }
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

/// Statement parameters, in order. Written as an array literal at call sites (`arguments: [id, atMs]`), as with
/// GRDB's `StatementArguments`, so ported queries read the same.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(_ values: [SQLValue] = []) { self.values = values }

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    public mutating func append(_ value: (any SQLValueConvertible)?) {
        values.append(value?.sqlValue ?? .null)
    }

    public mutating func append(contentsOf other: SQLArguments) {
        values += other.values
    }

    public var isEmpty: Bool { values.isEmpty }

    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments { SQLArguments(lhs.values + rhs.values) }
}
