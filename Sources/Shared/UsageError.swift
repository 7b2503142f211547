/// The one line a usage error prints (cli.md: "one line naming the problem and the fix"), exit status 2.
public enum UsageError {
    /// `message` is ArgumentParser's description of the error; the fix is either in it or `--help`.
    public static func line(tool: String, message: String) -> String {
        let first = message.split(separator: "\n").first.map(String.init) ?? message
        let trimmed = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
        return trimmed.contains("--help") ? "\(tool): \(trimmed)" : "\(tool): \(trimmed) (see \(tool) --help)"
    }
}
