import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP port for webhook failures: `listening` accepts connections (the kernel completes them) and never answers,
/// a hanging webhook; otherwise the port was bound and released, so nothing listens there (connection refused).
final class SilentListener: Sendable {
    let port: Int
    private let fd: Int32

    init(listening: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.io("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw RawSocketError.io("bind")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        if listening {
            _ = listen(fd, 64)
            self.fd = fd
        } else {
            close(fd)
            self.fd = -1
        }
    }

    deinit { if fd >= 0 { close(fd) } }
}
