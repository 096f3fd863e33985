import Foundation
import SednaCatalog
import Yams

/// How to reach one API server: resolved from a kubeconfig context or from the in-cluster
/// service account. Secrets stay in memory here and never reach logs (see `redacted`).
public struct ClusterConnection: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case none
        case token(String)
        /// A token file read again for every request: bound service-account tokens rotate.
        case tokenFile(String)
        case clientCertificate(certPEM: [UInt8], keyPEM: [UInt8])
    }

    public var server: URL
    public var caPEM: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    public var credential: Credential
    /// The context's default namespace (informational; the exporter watches cluster-wide).
    public var namespace: String?

    public init(server: URL, caPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
                credential: Credential = .none, namespace: String? = nil) {
        self.server = server
        self.caPEM = caPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credential = credential
        self.namespace = namespace
    }

    /// The server URL without user info or query, for logs.
    public var redacted: String { URLSanitizer.sanitize(server.absoluteString) }
}

public enum KubeConfigLoader {
    public static let inClusterDir = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Resolution order as client-go: an explicit path, then $KUBECONFIG (colon-separated,
    /// merged, first definition wins), then in-cluster, then ~/.kube/config.
    public static func load(path: String?, context: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            inClusterDir: String = inClusterDir) throws -> ClusterConnection {
        if let path { return try fromKubeconfig(paths: [path], context: context) }
        if let env = environment["KUBECONFIG"], !env.isEmpty {
            return try fromKubeconfig(paths: env.split(separator: ":").map(String.init), context: context)
        }
        if let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] {
            return try inCluster(host: host, port: port, dir: inClusterDir)
        }
        if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            return try fromKubeconfig(paths: [home + "/.kube/config"], context: context)
        }
        throw KubeError.config("no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a cluster")
    }

    public static func inCluster(host: String, port: String, dir: String) throws -> ClusterConnection {
        let h = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(h):\(port)") else {
            throw KubeError.config("invalid KUBERNETES_SERVICE_HOST/PORT")
        }
        let ca = FileManager.default.contents(atPath: dir + "/ca.crt").map { [UInt8]($0) }
        guard FileManager.default.fileExists(atPath: dir + "/token") else {
            throw KubeError.config("in-cluster: no service-account token at \(dir)/token")
        }
        return ClusterConnection(server: url, caPEM: ca, credential: .tokenFile(dir + "/token"),
                                 namespace: (try? String(contentsOfFile: dir + "/namespace", encoding: .utf8))?
                                    .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func fromKubeconfig(paths: [String], context wanted: String?) throws -> ClusterConnection {
        var clusters: [String: ([String: Any], String)] = [:]
        var users: [String: ([String: Any], String)] = [:]
        var contexts: [String: [String: Any]] = [:]
        var current: String?
        var readAny = false
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                if paths.count == 1 { throw KubeError.config("kubeconfig \(path): cannot read file") }
                continue
            }
            readAny = true
            let dir = (path as NSString).deletingLastPathComponent
            let doc: Any?
            let node: Node?
            do { node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
                throw KubeError.config("kubeconfig \(path): not valid YAML (\(error))")
            }
            doc = try node.map { try plain($0, path: path) }
            guard let root = doc as? [String: Any] else { throw KubeError.config("kubeconfig \(path): not a mapping") }
            for entry in root["clusters"] as? [[String: Any]] ?? [] {
                if let n = entry["name"] as? String, clusters[n] == nil, let c = entry["cluster"] as? [String: Any] { clusters[n] = (c, dir) }
            }
            for entry in root["users"] as? [[String: Any]] ?? [] {
                if let n = entry["name"] as? String, users[n] == nil { users[n] = ((entry["user"] as? [String: Any]) ?? [:], dir) }
            }
            for entry in root["contexts"] as? [[String: Any]] ?? [] {
                if let n = entry["name"] as? String, contexts[n] == nil, let c = entry["context"] as? [String: Any] { contexts[n] = c }
            }
            if current == nil, let c = root["current-context"] as? String, !c.isEmpty { current = c }
        }
        guard readAny else { throw KubeError.config("kubeconfig: none of \(paths.joined(separator: ":")) can be read") }
        guard let ctxName = wanted ?? current else { throw KubeError.config("kubeconfig: no current-context and no --context") }
        guard let ctx = contexts[ctxName] else { throw KubeError.config("kubeconfig: context \"\(ctxName)\" not found") }
        guard let clusterName = ctx["cluster"] as? String, let (cluster, cdir) = clusters[clusterName] else {
            throw KubeError.config("kubeconfig: context \"\(ctxName)\" names a cluster that is not defined")
        }
        guard let serverString = cluster["server"] as? String, let server = URL(string: serverString),
              server.scheme == "https" || server.scheme == "http" else {
            throw KubeError.config("kubeconfig: cluster \"\(clusterName)\" has no valid http(s) server URL")
        }
        let ca = try material(cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority", dir: cdir)
        let insecure = (cluster["insecure-skip-tls-verify"] as? Bool) ?? false

        var credential = ClusterConnection.Credential.none
        if let userName = ctx["user"] as? String, let (user, udir) = users[userName] {
            if user["exec"] != nil || user["auth-provider"] != nil {
                throw KubeError.config("kubeconfig: user \"\(userName)\" uses an exec or auth-provider plugin, which this exporter does not run; use a token or client certificate (or run in-cluster)")
            }
            if let token = user["token"] as? String, !token.isEmpty {
                credential = .token(token)
            } else if let tf = user["tokenFile"] as? String, !tf.isEmpty {
                credential = .tokenFile(resolve(tf, dir: udir))
            } else if let cert = try material(user, dataKey: "client-certificate-data", fileKey: "client-certificate", dir: udir),
                      let key = try material(user, dataKey: "client-key-data", fileKey: "client-key", dir: udir) {
                credential = .clientCertificate(certPEM: cert, keyPEM: key)
            }
        }
        return ClusterConnection(server: server, caPEM: ca, insecureSkipTLSVerify: insecure, credential: credential,
                                 namespace: ctx["namespace"] as? String)
    }

    /// A composed YAML node as plain values (string-keyed mappings, arrays, scalars as Yams
    /// resolves them). Not `Yams.load`: its untyped construction force-unwraps every mapping key
    /// as a string and traps on a key that is a mapping or a sequence (found by
    /// fuzz/KubeconfigFuzzer.swift); such a kubeconfig is refused here with a message instead.
    static func plain(_ node: Node, path: String, depth: Int = 0) throws -> Any {
        guard depth < 64 else { throw KubeError.config("kubeconfig \(path): nested more than 64 levels deep") }
        switch node {
        case .scalar:
            return node.any
        case .mapping(let mapping):
            var out: [String: Any] = [:]
            for (key, value) in mapping {
                guard case .scalar(let k) = key else {
                    throw KubeError.config("kubeconfig \(path): a mapping key is not a string (line \(key.mark?.line ?? 0))")
                }
                out[k.string] = try plain(value, path: path, depth: depth + 1)
            }
            return out
        case .sequence(let sequence):
            return try sequence.map { try plain($0, path: path, depth: depth + 1) }
        case .alias:
            throw KubeError.config("kubeconfig \(path): an alias that does not resolve")
        }
    }

    static func resolve(_ path: String, dir: String) -> String {
        path.hasPrefix("/") || dir.isEmpty ? path : dir + "/" + path
    }

    /// A `*-data` field (base64) or a file path, relative to the kubeconfig's folder.
    static func material(_ m: [String: Any], dataKey: String, fileKey: String, dir: String) throws -> [UInt8]? {
        if let b64 = m[dataKey] as? String, !b64.isEmpty {
            guard let d = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                throw KubeError.config("kubeconfig: \(dataKey) is not valid base64")
            }
            return [UInt8](d)
        }
        if let f = m[fileKey] as? String, !f.isEmpty {
            let p = resolve(f, dir: dir)
            guard let d = FileManager.default.contents(atPath: p) else { throw KubeError.config("kubeconfig: cannot read \(fileKey) \(p)") }
            return [UInt8](d)
        }
        return nil
    }
}
