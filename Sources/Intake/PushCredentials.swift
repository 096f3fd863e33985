import SednaCatalog

/// Pushed label values that are URLs lose their credentials (user info, query string, fragment)
/// before they are stored, by the same rule as URLs in Sedna objects (`URLSanitizer`): a training
/// script labelling a series with its checkpoint's pre-signed URL must not put the signature
/// into Prometheus, where anyone with query access can read it.
enum PushCredentials {
    static func scrub(_ value: String) -> String {
        value.contains("://") ? URLSanitizer.sanitize(value) : value
    }

    static func scrub(_ f: TextParser.Family) -> TextParser.Family {
        guard f.samples.contains(where: { $0.labels.contains { $0.1.contains("://") } }) else { return f }
        var out = f
        for i in out.samples.indices {
            out.samples[i].labels = out.samples[i].labels.map { ($0.0, scrub($0.1)) }
        }
        return out
    }
}
