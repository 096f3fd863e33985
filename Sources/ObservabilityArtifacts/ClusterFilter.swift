import Foundation

/// Adds the `$cluster` matcher to every series selector of a generated query, so that the
/// dashboards' queries are written once without it and a site with several clusters in one
/// Prometheus (or Thanos) still sees one cluster at a time. A series without the label matches
/// the variable's "All" value `.*`, so single-cluster setups need nothing.
///
/// The scan is a small PromQL lexer: strings, ranges and the label lists of `by`, `without`,
/// `on`, `ignoring` and `group_*` are copied verbatim, function names are left alone, and every
/// other identifier is a metric name whose selector gets the matcher. For LogQL only the stream
/// selectors (`{...}`) get it: identifiers after `|` are parsers and label filters.
public enum ClusterFilter {
    static let labelListKeywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    static let operatorKeywords: Set<String> = ["and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN"]

    /// The matcher the dashboards filter with: `<label>=~"$cluster"`.
    public static func matcher(_ label: String) -> String { "\(label)=~\"$cluster\"" }

    /// `expr` with `matcher` in every selector (selectors that already hold it are left alone).
    public static func apply(_ expr: String, matcher: String, logQL: Bool = false) -> String {
        let c = Array(expr)
        var out = ""
        var i = 0

        func copyQuoted() {
            let q = c[i]
            out.append(q)
            i += 1
            while i < c.count {
                out.append(c[i])
                if c[i] == "\\" && q != "`" && i + 1 < c.count {
                    out.append(c[i + 1])
                    i += 2
                    continue
                }
                i += 1
                if c[i - 1] == q { return }
            }
        }
        /// Copies from an opening bracket to its match, strings included.
        func copyBalanced(_ open: Character, _ close: Character) {
            var depth = 0
            while i < c.count {
                if c[i] == "\"" || c[i] == "'" || c[i] == "`" { copyQuoted(); continue }
                if c[i] == open { depth += 1 }
                if c[i] == close { depth -= 1 }
                out.append(c[i])
                i += 1
                if depth == 0 { return }
            }
        }
        func copyBalancedInto(_ j: inout Int) {
            var depth = 0
            var quote: Character? = nil
            while j < c.count {
                let ch = c[j]
                if let q = quote {
                    if ch == "\\" && q != "`" { j += 2; continue }
                    if ch == q { quote = nil }
                } else if ch == "\"" || ch == "'" || ch == "`" {
                    quote = ch
                } else if ch == "{" {
                    depth += 1
                } else if ch == "}" {
                    depth -= 1
                    if depth == 0 { j += 1; return }
                }
                j += 1
            }
        }
        /// Copies a selector body `{...}` adding the matcher after the brace.
        func copySelector() {
            let start = i
            var j = i
            copyBalancedInto(&j)
            let body = String(c[(start + 1)..<(j - 1)])
            out.append("{")
            let trimmed = body.trimmingCharacters(in: .whitespaces)
            if body.contains(matcher) {
                out += body
            } else if trimmed.isEmpty {
                out += matcher
            } else {
                out += matcher + ", " + body
            }
            out.append("}")
            i = j
        }
        func nextSignificant(_ from: Int) -> Character? {
            var j = from
            while j < c.count, c[j] == " " || c[j] == "\n" || c[j] == "\t" { j += 1 }
            return j < c.count ? c[j] : nil
        }
        func isIdentStart(_ ch: Character) -> Bool { ch == "_" || ch == ":" || (ch.isASCII && ch.isLetter) }
        func isIdent(_ ch: Character) -> Bool { isIdentStart(ch) || (ch.isASCII && ch.isNumber) }
        /// `sum by (...) (...)`: an aggregation whose grouping comes first.
        func groupingFollows(_ from: Int) -> Bool {
            var j = from
            while j < c.count, c[j] == " " { j += 1 }
            var k = j
            while k < c.count, isIdent(c[k]) { k += 1 }
            return ["by", "without"].contains(String(c[j..<k]))
        }

        while i < c.count {
            let ch = c[i]
            if ch == "\"" || ch == "'" || ch == "`" {
                copyQuoted()
            } else if ch == "[" {
                copyBalanced("[", "]")
            } else if ch == "{" {
                copySelector()
            } else if logQL {
                out.append(ch)
                i += 1
            } else if ch == "$" || (ch.isASCII && ch.isNumber) || ch == "." {
                // Template variables and numbers (durations such as 5m included).
                out.append(ch)
                i += 1
                while i < c.count, isIdent(c[i]) || c[i] == "." { out.append(c[i]); i += 1 }
            } else if isIdentStart(ch) {
                var j = i
                while j < c.count, isIdent(c[j]) { j += 1 }
                let ident = String(c[i..<j])
                out += ident
                i = j
                let next = nextSignificant(i)
                if labelListKeywords.contains(ident) {
                    while i < c.count, c[i] == " " { out.append(c[i]); i += 1 }
                    if i < c.count, c[i] == "(" { copyBalanced("(", ")") }
                } else if operatorKeywords.contains(ident) || next == "(" || groupingFollows(i) {
                    continue
                } else if next == "{" {
                    while i < c.count, c[i] != "{" { out.append(c[i]); i += 1 }
                    copySelector()
                } else {
                    out += "{" + matcher + "}"
                }
            } else {
                out.append(ch)
                i += 1
            }
        }
        return out
    }

    /// The panel with the matcher in all its queries (PromQL or LogQL after its datasource).
    static func apply(_ p: DashPanel, matcher: String) -> DashPanel {
        var p = p
        p.queries = p.queries.map { q in
            var q = q
            q.expr = apply(q.expr, matcher: matcher, logQL: p.isLoki)
            return q
        }
        return p
    }
}
