import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)` (or `.whitespacesAndNewlines`), answered without
    /// Foundation when there is nothing to trim. A string that starts and ends with a printable
    /// ASCII byte has no whitespace or newline at either end under any Unicode definition, and
    /// nearly every value of a Kubernetes object is one; Foundation's trimming goes through
    /// `NSString` for every call (the URLs of learning jobs' models and every number written as
    /// a string, docs/benchmarks.md, session 15). Anything else is trimmed by Foundation, so the
    /// result is exactly its own.
    public func trimmedWhitespace(newlines: Bool = false) -> String {
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return self
        }
        return trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
    }
}
