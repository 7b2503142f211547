/// Ends a command with an exit code from the cli.md table and a one-line message on stderr.
struct CtlFailure: Error, CustomStringConvertible {
    var exitCode: Int32
    var description: String

    init(_ exitCode: Int32, _ description: String) {
        self.exitCode = exitCode
        self.description = description
    }

    static func usage(_ message: String) -> CtlFailure { CtlFailure(2, message) }
    static func unreachable(_ message: String) -> CtlFailure { CtlFailure(5, message) }
}
