import Shared
import Testing

@testable import ocpp_report

@Suite struct ReportPlaceholderTests {
    @Test func toolkitHasAVersion() { #expect(!ToolkitVersion.current.isEmpty) }
}
