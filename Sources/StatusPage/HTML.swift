/// A small HTML writer for the status pages. Every piece of text goes through `text` or an
/// attribute helper and is escaped there: object names, label values and report fields come
/// from workers and Kubernetes objects anyone with create rights can name, so none of them may
/// ever become markup. Only the static tags written here are raw.
struct HTML {
    private(set) var out = ""

    init() { out.reserveCapacity(64 * 1024) }

    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attributes.
    static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            case "\u{0}": r += "\u{FFFD}"
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }

    /// A static tag or fragment written by this module (never user data).
    mutating func raw(_ s: StaticString) { out += s.description }

    mutating func text(_ s: String) { out += Self.escape(s) }

    /// `<tag class="...">text</tag>`; `title` (a tooltip) escaped too.
    mutating func element(_ tag: StaticString, _ s: String, cls: String? = nil, title: String? = nil) {
        out += "<\(tag)"
        if let cls { out += " class=\"\(Self.escape(cls))\"" }
        if let title { out += " title=\"\(Self.escape(title))\"" }
        out += ">\(Self.escape(s))</\(tag)>"
    }

    /// A link; `href` must come from `StatusLinks` (percent-encoded) and is escaped again here.
    mutating func link(_ label: String, href: String) {
        out += "<a href=\"\(Self.escape(href))\">\(Self.escape(label))</a>"
    }

    /// A table of at most `limit` rows; past it a last row says how many were left out, so the
    /// page stays bounded whatever the cluster's size.
    mutating func table<Row>(_ headers: [String], _ rows: [Row], limit: Int, empty: String,
                             rowClass: (Row) -> String? = { _ in nil }, cells: (inout HTML, Row) -> Void) {
        guard !rows.isEmpty else {
            element("p", empty, cls: "empty")
            return
        }
        raw("<table><thead><tr>")
        for h in headers { element("th", h) }
        raw("</tr></thead><tbody>\n")
        for row in rows.prefix(limit) {
            if let c = rowClass(row) { out += "<tr class=\"\(Self.escape(c))\">" } else { raw("<tr>") }
            cells(&self, row)
            raw("</tr>\n")
        }
        if rows.count > limit {
            out += "<tr class=\"more\"><td colspan=\"\(headers.count)\">"
            text("and \(rows.count - limit) more (not shown; the page lists at most \(limit) rows per table)")
            raw("</td></tr>\n")
        }
        raw("</tbody></table>\n")
    }

    /// One table cell holding escaped text.
    mutating func cell(_ s: String, cls: String? = nil, title: String? = nil) { element("td", s, cls: cls, title: title) }

    /// The document around `body`: a small inline stylesheet, no script, no external asset
    /// (edge and air-gapped clusters have no CDN).
    static func document(title: String, body: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(escape(title))</title><style>\(stylesheet)</style></head>\n<body>\n"
            + body + "</body></html>\n"
    }

    static let stylesheet = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 1.5em 2em;color:#1d2330;background:#fff}
        h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #d7dbe3;padding-bottom:.2em}
        table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #eceef2;vertical-align:top}
        th{background:#f4f5f8;font-weight:600;white-space:nowrap}tr.bad td{background:#fdecec}tr.warn td{background:#fff6e0}
        tr.more td{font-style:italic;color:#5b6273}.bad-mark{color:#c62828;font-weight:700}.warn-mark{color:#b26a00;font-weight:700}
        .ok-mark{color:#2e7d32;font-weight:700}.bad-mark,.warn-mark,.ok-mark{white-space:nowrap}.warn-text{color:#b26a00}.muted{color:#6b7280}.empty{color:#6b7280;font-style:italic}
        .summary span{display:inline-block;margin-right:1.2em}.lbl{display:inline-block;background:#eef1f6;border-radius:3px;padding:0 .35em;margin:0 .2em .15em 0;font-family:ui-monospace,monospace;font-size:12px}
        ul.pods{margin:0;padding-left:1em}code{font-family:ui-monospace,monospace;font-size:12px}a{color:#1f5fbf}
        """
}
