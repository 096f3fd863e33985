import ExporterCore
import Relay
import ServerSupport
import Testing

/// Out-of-range settings are refused at start, each with a message naming its flag.
@Suite struct ConfigurationProblemsTests {
    @Test func defaultsAreValid() {
        #expect(ExporterConfiguration().problems().isEmpty)
        #expect(RelayConfiguration(centralURL: "http://c", spoolDir: "/tmp/s", relayName: "edge1").problems().isEmpty)
    }

    @Test func labelValuesAboveTheExpositionBoundAreRefused() {
        var c = ExporterConfiguration()
        c.intake?.limits.maxLabelValueBytes = 2_000
        #expect(c.problems() == ["--max-label-value-bytes must be in 1...1024 (got 2000)"])
        c.intake?.limits.maxLabelValueBytes = 1_024
        #expect(c.problems().isEmpty)
    }

    @Test func negativeSizesAndTimesAreRefused() {
        var c = ExporterConfiguration()
        c.intake?.limits.maxBodyBytes = -1
        c.intake?.holdSeconds = -5
        c.http.readTimeout = 0
        c.http.maxConnections = -3
        let p = c.problems()
        #expect(p.contains("--max-body-bytes must be positive (got -1)"))
        #expect(p.contains("--intake-hold-seconds must be zero or positive (got -5.0)"))
        #expect(p.contains { $0.hasPrefix("--http-read-timeout") })
        #expect(p.contains("--max-connections must be in 1...65536 (got -3)"))
        var r = RelayConfiguration(centralURL: "http://c", spoolDir: "/tmp/s", relayName: "edge1")
        r.maxSpoolBytes = -5
        #expect(r.problems() == ["--max-spool-bytes must be positive (got -5)"])
    }

    @Test(arguments: [-1, 61, Double.nan, .infinity])
    func scrapeBodyMaxAgeOutsideItsRangeIsRefused(_ seconds: Double) {
        var c = ExporterConfiguration()
        c.scrapeBodyMaxAge = seconds
        #expect(c.problems() == ["--scrape-body-max-age must be in 0...60 seconds"])
        c.scrapeBodyMaxAge = 1
        #expect(c.problems().isEmpty)
    }

    @Test func theErrorListsEveryProblem() {
        let e = ConfigurationError(problems: ["a", "b"])
        #expect(e.description == "invalid settings: a; b")
    }
}
