import Foundation

/// A kubeconfig for the simulated API (`simulate --write-kubeconfig`), so `serve --kubeconfig`
/// and kubectl reach it: plain HTTP, no credentials.
public enum SimulatorKubeconfig {
    /// `server` is the API's base URL (`http://127.0.0.1:18080`).
    public static func text(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: sedna-simulator, cluster: {server: "\(server)"}}]
        users: [{name: sedna-simulator, user: {}}]
        contexts: [{name: sedna-simulator, context: {cluster: sedna-simulator, user: sedna-simulator}}]
        current-context: sedna-simulator

        """
    }

    public static func write(server: String, to path: String) throws {
        try text(server: server).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
