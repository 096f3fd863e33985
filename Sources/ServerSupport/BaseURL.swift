/// Base URLs from flags and kubeconfigs (`http://host:9479/`), ready for a path to be appended.
public enum BaseURL {
    /// The URL without trailing slashes, so `base + "/sedna/..."` never holds `//`.
    public static func trimmed(_ url: String) -> String {
        var u = Substring(url)
        while u.hasSuffix("/") { u.removeLast() }
        return String(u)
    }
}
