import Foundation
import KubeWatch
import Testing

@Suite struct KubeConfigTests {
    let dir: String = {
        let d = NSTemporaryDirectory() + "kubeconfig-tests-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ name: String, _ text: String) -> String {
        let p = dir + "/" + name
        #expect(FileManager.default.createFile(atPath: p, contents: Data(text.utf8)))
        return p
    }

    static let config = """
    apiVersion: v1
    kind: Config
    current-context: edge
    clusters:
    - name: c1
      cluster:
        server: https://10.0.0.1:6443
        certificate-authority-data: \(Data("CA-PEM".utf8).base64EncodedString())
    - name: c2
      cluster:
        server: https://api.example.com/k8s/clusters/c-1
        certificate-authority: ca.crt
    - name: plain
      cluster:
        server: http://127.0.0.1:18080
        insecure-skip-tls-verify: true
    users:
    - name: token-user
      user:
        token: s3cr3t
    - name: cert-user
      user:
        client-certificate-data: \(Data("CERT".utf8).base64EncodedString())
        client-key-data: \(Data("KEY".utf8).base64EncodedString())
    - name: exec-user
      user:
        exec:
          command: aws
    contexts:
    - name: edge
      context: {cluster: c1, user: token-user, namespace: sedna}
    - name: certs
      context: {cluster: c2, user: cert-user}
    - name: plain
      context: {cluster: plain}
    - name: exec
      context: {cluster: c1, user: exec-user}
    - name: broken
      context: {cluster: nowhere, user: token-user}
    """

    @Test func currentContextWithTokenAndCAData() throws {
        let p = write("config", Self.config)
        let c = try KubeConfigLoader.fromKubeconfig(paths: [p], context: nil)
        #expect(c.server.absoluteString == "https://10.0.0.1:6443")
        #expect(c.caPEM == Array("CA-PEM".utf8))
        #expect(c.credential == .token("s3cr3t"))
        #expect(c.namespace == "sedna")
        #expect(!c.redacted.contains("s3cr3t"))
    }

    @Test func explicitContextClientCertAndRelativeCAFile() throws {
        let p = write("config", Self.config)
        _ = write("ca.crt", "FILE-CA")
        let c = try KubeConfigLoader.fromKubeconfig(paths: [p], context: "certs")
        #expect(c.caPEM == Array("FILE-CA".utf8))
        #expect(c.credential == .clientCertificate(certPEM: Array("CERT".utf8), keyPEM: Array("KEY".utf8)))
        #expect(c.server.absoluteString == "https://api.example.com/k8s/clusters/c-1")
    }

    @Test func plainHTTPAndInsecure() throws {
        let c = try KubeConfigLoader.fromKubeconfig(paths: [write("config", Self.config)], context: "plain")
        #expect(c.insecureSkipTLSVerify)
        #expect(c.credential == .none)
    }

    @Test(arguments: [("exec", "exec or auth-provider"), ("broken", "not defined"), ("missing", "not found")])
    func clearErrors(_ context: String, _ fragment: String) {
        let p = write("config", Self.config)
        do {
            _ = try KubeConfigLoader.fromKubeconfig(paths: [p], context: context)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(fragment), "\(error)")
        }
    }

    @Test func unreadableAndInvalidFiles() {
        #expect(throws: KubeError.self) { try KubeConfigLoader.fromKubeconfig(paths: [dir + "/nope"], context: nil) }
        let bad = write("bad", "clusters: [unclosed")
        #expect(throws: KubeError.self) { try KubeConfigLoader.fromKubeconfig(paths: [bad], context: nil) }
    }

    /// Found by fuzz/KubeconfigFuzzer.swift: Yams' untyped loader trapped on a mapping key that
    /// is itself a mapping or a sequence; such a file is now refused with a message.
    @Test(arguments: ["{[a, b]: c}\n", "clusters:\n- {name: x}: {server: 'https://h'}\n", "? {a: 1}\n: b\n"])
    func nonStringKeysAreRefusedNotATrap(_ text: String) {
        let path = write("nonscalar", text)
        #expect { try KubeConfigLoader.fromKubeconfig(paths: [path], context: nil) } throws: { error in
            (error as? KubeError)?.message.contains("is not a string") == true
        }
    }

    @Test func anchorsAndAliasesStillWork() throws {
        let path = write("anchors", """
        base: &c {server: "https://10.0.0.9:6443"}
        clusters: [{name: c, cluster: *c}]
        contexts: [{name: x, context: {cluster: c}}]
        current-context: x
        """)
        #expect(try KubeConfigLoader.fromKubeconfig(paths: [path], context: nil).server.absoluteString == "https://10.0.0.9:6443")
    }

    @Test func kubeconfigEnvironmentMergesFirstWins() throws {
        let a = write("a", """
        current-context: x
        contexts: [{name: x, context: {cluster: c, user: u}}]
        clusters: [{name: c, cluster: {server: "http://first:1"}}]
        """)
        let b = write("b", """
        current-context: y
        clusters: [{name: c, cluster: {server: "http://second:2"}}]
        users: [{name: u, user: {token: from-b}}]
        """)
        let c = try KubeConfigLoader.load(path: nil, context: nil, environment: ["KUBECONFIG": "\(a):\(dir)/missing:\(b)"])
        #expect(c.server.absoluteString == "http://first:1")
        #expect(c.credential == .token("from-b"))
    }

    @Test func inClusterServiceAccount() throws {
        let sa = dir + "/sa"
        try FileManager.default.createDirectory(atPath: sa, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: sa + "/token", contents: Data("tok".utf8)))
        #expect(FileManager.default.createFile(atPath: sa + "/ca.crt", contents: Data("CA".utf8)))
        #expect(FileManager.default.createFile(atPath: sa + "/namespace", contents: Data("sedna-observability\n".utf8)))
        let c = try KubeConfigLoader.load(path: nil, context: nil,
                                          environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                                          inClusterDir: sa)
        #expect(c.server.absoluteString == "https://10.96.0.1:443")
        #expect(c.credential == .tokenFile(sa + "/token"))
        #expect(c.caPEM == Array("CA".utf8))
        #expect(c.namespace == "sedna-observability")
        let v6 = try KubeConfigLoader.inCluster(host: "fd00::1", port: "443", dir: sa)
        #expect(v6.server.absoluteString == "https://[fd00::1]:443")
    }

    @Test func noConfigurationAtAll() {
        #expect(throws: KubeError.self) { try KubeConfigLoader.load(path: nil, context: nil, environment: [:]) }
    }
}
