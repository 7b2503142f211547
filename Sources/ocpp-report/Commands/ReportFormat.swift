import ArgumentParser

/// Output formats; `svg` only for `curve`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case csv, json, svg
}
