import Foundation
import NIOHTTP1
@testable import Relay
import ServerSupport
import Testing

/// The sender's credentials and TLS settings toward an https central exporter.
@Suite struct CentralTLSTests {
    let dir = NSTemporaryDirectory() + "central-\(UUID().uuidString)"

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = dir + "/" + name
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func readsUserAndPasswordNeverPrintingThePassword() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try BasicCredentials.read(file: write("auth", "relay:pa:ss word\r\nignored\n"), flag: "--central-basic-auth-file")
        #expect(c.user == "relay" && c.password == "pa:ss word")
        #expect(c.headerValue == "Basic " + Data("relay:pa:ss word".utf8).base64EncodedString())
        #expect(!"\(c)".contains("pa:ss"))
        for bad in ["nocolon\n", ":password\n", ""] {
            #expect(throws: ConfigurationError.self) { try BasicCredentials.read(file: write("bad", bad), flag: "--f") }
        }
        #expect(throws: ConfigurationError("--f \(dir)/none cannot be read")) { try BasicCredentials.read(file: dir + "/none", flag: "--f") }
    }

    @Test func basicAuthMovesTheTokenToItsOwnHeader() {
        var h = HTTPHeaders()
        Sender.authorize(&h, token: "t", basicAuth: nil)
        #expect(h["Authorization"] == ["Bearer t"] && h["X-Sedna-Intake-Token"].isEmpty)
        h = HTTPHeaders()
        Sender.authorize(&h, token: "t", basicAuth: BasicCredentials(user: "u", password: "p"))
        #expect(h["Authorization"] == ["Basic dTpw"] && h["X-Sedna-Intake-Token"] == ["t"])
        h = HTTPHeaders()
        Sender.authorize(&h, token: nil, basicAuth: nil)
        #expect(h["Authorization"].isEmpty)
    }

    @Test func unusableFilesAreNamedAtStart() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try CentralTLS().clientConfiguration() == nil)
        var c = CentralTLS()
        c.caFile = try write("ca.pem", "not a certificate\n")
        #expect(throws: ConfigurationError("--central-ca-file \(dir)/ca.pem holds no readable PEM certificate")) {
            try c.clientConfiguration()
        }
        c = CentralTLS()
        c.certFile = dir + "/client.pem"
        #expect(throws: ConfigurationError("--central-cert-file and --central-key-file go together")) { try c.clientConfiguration() }
    }
}
