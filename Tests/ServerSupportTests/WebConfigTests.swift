import Foundation
@testable import ServerSupport
import Testing

@Suite struct WebConfigParseTests {
    static let hash = BcryptTests.h2b

    static func error(_ text: String) -> String {
        do { _ = try WebConfig.parse(text); return "" } catch { return error.description }
    }

    @Test func readsEveryKey() throws {
        let c = try WebConfig.parse("""
        tls_server_config:
          cert_file: server.crt
          key_file: /etc/tls/server.key
          client_ca_file: ca.crt
          client_auth_type: RequireAndVerifyClientCert
          min_version: TLS12
          max_version: TLS13
          cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
          curve_preferences: [X25519, CurveP256]
          prefer_server_cipher_suites: true
        http_server_config:
          http2: false
          headers:
            Strict-Transport-Security: max-age=31536000
            X-Frame-Options: deny
            X-Content-Type-Options: nosniff
            X-XSS-Protection: "1; mode=block"
            Content-Security-Policy: default-src 'self'
        basic_auth_users:
          prometheus: \(Self.hash)
          "relay:node-1": '\(BcryptTests.h2y)'
        """)
        let t = try #require(c.tls)
        #expect(t.certFile == "server.crt" && t.keyFile == "/etc/tls/server.key" && t.clientCAFile == "ca.crt")
        #expect(t.clientAuth == .requireAndVerify && t.minVersion == .tls12 && t.maxVersion == .tls13)
        // TLS 1.3 suites are accepted and left out, as Go ignores them.
        #expect(t.cipherSuites == [0xC02F, 0xCCA9])
        #expect(t.curves == [0x1D, 0x17])
        #expect(c.headers.map(\.name) == ["Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options",
                                          "X-XSS-Protection", "Content-Security-Policy"])
        #expect(c.headers[3].value == "1; mode=block")
        #expect(c.users == ["prometheus": Self.hash, "relay:node-1": BcryptTests.h2y])
    }

    @Test func emptyFilesAndSectionsMeanPlainHTTP() throws {
        #expect(try WebConfig.parse("") == WebConfig())
        #expect(try WebConfig.parse("# nothing\n") == WebConfig())
        #expect(try WebConfig.parse("tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n") == WebConfig())
        #expect(try WebConfig.parse("tls_server_config: {}\n").tls == nil)
        let auth = try WebConfig.parse("basic_auth_users: {u: '\(Self.hash)'}")
        #expect(auth.tls == nil && auth.users.count == 1)
    }

    @Test func everyClientAuthTypeAndVersion() throws {
        for a in WebConfig.ClientAuth.allCases {
            let ca = a == .noClientCert ? "" : "\n  client_ca_file: ca.pem"
            let c = try WebConfig.parse("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: \(a.rawValue)\(ca)")
            #expect(c.tls?.clientAuth == a)
        }
        #expect(try WebConfig.parse("tls_server_config: {cert_file: c, key_file: k, client_auth_type: RequireClientCert}").tls?.clientAuth == .requireAny)
        for v in WebConfig.Version.allCases {
            let c = try WebConfig.parse("tls_server_config: {cert_file: c, key_file: k, min_version: \(v.rawValue)}")
            #expect(c.tls?.minVersion == v)
        }
        let d = try #require(try WebConfig.parse("tls_server_config: {cert_file: c, key_file: k}").tls)
        #expect(d.minVersion == .tls12 && d.maxVersion == .tls13 && d.clientAuth == .noClientCert && d.cipherSuites.isEmpty)
    }

    @Test func unknownKeysAreErrors() {
        #expect(Self.error("tls_config:\n  cert_file: c\n").contains("unknown key \"tls_config\" in the top level"))
        #expect(Self.error("tls_server_config: {cert_file: c, key_file: k, certfile: x}").contains("unknown key \"certfile\" in tls_server_config"))
        #expect(Self.error("http_server_config: {header: {}}").contains("unknown key \"header\" in http_server_config"))
    }

    @Test func toolkitKeysThisExporterCannotHonourAreNamed() {
        #expect(Self.error("rate_limit: {interval: 1s, burst: 10}").contains("rate_limit is not supported"))
        #expect(Self.error("tls_server_config: {cert: PEM, key: PEM}").contains("tls_server_config.cert (inline PEM) is not supported"))
        #expect(Self.error("tls_server_config: {cert_file: c, key_file: k, client_allowed_sans: [a]}").contains("client_allowed_sans is not supported"))
    }

    @Test func badValuesAreClearErrors() {
        let cases: [(String, String)] = [
            ("tls_server_config: {cert_file: c}", "missing key_file"),
            ("tls_server_config: {key_file: k}", "missing cert_file"),
            ("tls_server_config: {cert_file: c, key_file: k, client_auth_type: Always}", "\"Always\" is not one of NoClientCert"),
            ("tls_server_config: {cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert}", "needs client_ca_file"),
            ("tls_server_config: {cert_file: c, key_file: k, client_ca_file: ca}", "client CAs configured without a client auth policy"),
            ("tls_server_config: {cert_file: c, key_file: k, min_version: TLS14}", "\"TLS14\" is not one of TLS10"),
            ("tls_server_config: {cert_file: c, key_file: k, min_version: TLS13, max_version: TLS12}", "min_version TLS13 is above max_version TLS12"),
            ("tls_server_config: {cert_file: c, key_file: k, cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]}", "insecure suite BoringSSL (NIOSSL) does not offer"),
            ("tls_server_config: {cert_file: c, key_file: k, cipher_suites: [AES128]}", "AES128 is not a known cipher suite"),
            ("tls_server_config: {cert_file: c, key_file: k, cipher_suites: TLS_RSA_WITH_AES_128_CBC_SHA}", "cipher_suites must be a list"),
            ("tls_server_config: {cert_file: c, key_file: k, curve_preferences: [P256]}", "P256 is not a curve NIOSSL supports"),
            ("tls_server_config: {cert_file: c, key_file: k, prefer_server_cipher_suites: maybe}", "must be true or false"),
            ("tls_server_config: {cert_file: [a], key_file: k}", "tls_server_config.cert_file must be a string"),
            ("tls_server_config: [a]", "tls_server_config must be a mapping"),
            ("http_server_config: {http2: yes please}", "http2 must be true or false"),
            ("http_server_config: {headers: {Set-Cookie: a=b}}", "HTTP header \"Set-Cookie\" can not be configured"),
            ("http_server_config: {headers: {Authorization: x}}", "HTTP header \"Authorization\" can not be configured"),
            ("http_server_config: {headers: {x-frame-options: deny}}", "HTTP header \"x-frame-options\" can not be configured"),
            ("http_server_config: {headers: {X-Frame-Options: allow}}", "invalid value for X-Frame-Options: expected one of deny, sameorigin"),
            ("http_server_config: {headers: {X-Content-Type-Options: sniff}}", "expected one of nosniff"),
            ("http_server_config: {headers: {Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"}}", "must be one line"),
            ("basic_auth_users: {prom: secret}", "basic_auth_users.prom is not a bcrypt hash"),
            ("basic_auth_users: {prom: \"$1$abc$def\"}", "is not a bcrypt hash"),
            ("basic_auth_users: [prom]", "basic_auth_users must be a mapping"),
            ("basic_auth_users: {prom: '\(Self.hash)', prom: '\(Self.hash)'}", "duplicated key(s): 'prom'"),
            ("- a\n- b", "the document must be a mapping"),
            ("a: [unclosed", "not valid YAML"),
            ("42", "the document must be a mapping"),
        ]
        for (text, expected) in cases {
            let e = Self.error(text)
            #expect(e.contains(expected), "\(text) -> \(e)")
            #expect(e.hasPrefix("web config: "), "\(text) -> \(e)")
        }
    }

    @Test func aPlainTextPasswordIsNeverEchoed() {
        #expect(!Self.error("basic_auth_users: {prom: hunter2hunter2}").contains("hunter2"))
        let broken = Self.error("basic_auth_users:\n  prom: hunter2hunter2\n  x: [unclosed\n")
        #expect(broken.contains("not valid YAML") && !broken.contains("hunter2"), "\(broken)")
    }

    @Test func relativePathsAreRelativeToTheFile() throws {
        let c = try WebConfig.parse("tls_server_config: {cert_file: tls/server.crt, key_file: /abs/server.key, client_auth_type: VerifyClientCertIfGiven, client_ca_file: ../ca.crt}")
        let t = try #require(c.resolvingPaths(against: "/etc/sedna").tls)
        #expect(t.certFile == "/etc/sedna/tls/server.crt" && t.keyFile == "/abs/server.key" && t.clientCAFile == "/etc/sedna/../ca.crt")
        let dir = NSTemporaryDirectory() + "webcfg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "tls_server_config: {cert_file: s.crt, key_file: s.key}\n".write(toFile: dir + "/web.yml", atomically: true, encoding: .utf8)
        #expect(try WebConfig.load(file: dir + "/web.yml").tls?.certFile == dir + "/s.crt")
        #expect(throws: ConfigurationError("--web.config.file \(dir)/none.yml cannot be read")) { try WebConfig.load(file: dir + "/none.yml") }
        try "nope: 1\n".write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError("--web.config.file \(dir)/bad.yml: web config: unknown key \"nope\" in the top level")) {
            try WebConfig.load(file: dir + "/bad.yml")
        }
    }
}
