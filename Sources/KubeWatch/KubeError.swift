/// Errors of the Kubernetes layer: a struct over a private code, so callers can match on the
/// few cases that change behaviour (gone, not found) and logs get one clear sentence.
public struct KubeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        case config
        case http(Int)
        case gone
        case notFound
        case decode
        case transport
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func config(_ m: String) -> KubeError { KubeError(.config, m) }
}
