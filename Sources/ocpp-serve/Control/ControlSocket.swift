import Foundation

/// The control socket's file: refused when another server answers on it, replaced when stale, group-writable only,
/// removed at a clean exit.
enum ControlSocket {
    /// Throws when a live server already listens on `path` (binding would steal its socket file).
    static func checkNotInUse(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 {
            throw ServerStartError("another server is listening on the control socket \(path): stop it or pass another --socket")
        }
    }

    /// Nothing the server creates (control socket, database, its WAL) is open to other users, whatever umask it was
    /// started with: the socket is reachable from its bind until `restrict` narrows it to 0660, and a permissive umask
    /// would leave that window open to everyone.
    static func denyOthers() {
        let inherited = umask(0o077)
        umask(inherited | 0o007)
    }

    static func restrict(_ path: String) {
        chmod(path, 0o660)
    }

    static func remove(_ path: String) {
        unlink(path)
    }
}
