#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `TextOutputStream` over file descriptor 2, so diagnostics never mix with data on stdout.
public struct StandardError: TextOutputStream {
    public init() {}

    public mutating func write(_ string: String) {
        var copy = string
        copy.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return }
                let n = Glibc.write(2, base + offset, bytes.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
