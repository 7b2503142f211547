/// The version every tool prints for `--version`.
public enum ToolkitVersion {
    public static let current = "0.1.0"
}
