import ArgumentParser

/// The options `sessions` and `summary` share: the table's format and destination, and the clock-skew threshold
/// their session analysis uses.
struct TableOptions: ParsableArguments {
    @Option(help: "csv or json.")
    var format: ReportFormat = .csv

    @Option(help: ArgumentHelp("Write to this file instead of stdout (replaced whole).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Flag clock skew above this many seconds.", valueName: "seconds"))
    var maxClockSkew: Double = 300

    func validate(command: String) throws {
        if format == .svg { throw ValidationError("--format svg is for curve; \(command) takes csv or json") }
        if maxClockSkew <= 0 { throw ValidationError("--max-clock-skew must be positive") }
    }

    var analysis: SessionAnalysis { SessionAnalysis(maxClockSkewSeconds: maxClockSkew) }

    func write(_ table: ReportTable) throws {
        try OutputTarget.write(format == .json ? table.json : table.csv, to: output)
    }
}
