import Exposition
import Relay
import SednaCatalog

/// `sedna_exporter_http_rejected_total{reason}`: requests and connections the exporter refused
/// or closed as hostile (see `HTTPLimits`).
enum HTTPRejectionMetrics {
    static let family = MetricFamily(
        "sedna_exporter_http_rejected_total", .counter,
        help: "HTTP requests and connections refused or closed as hostile (body_too_large, body_timeout, body_incomplete, head_timeout, too_many_requests, connection_limit).",
        labels: ["reason"], source: .exporter, objects: "exporter")

    static func write(_ r: HTTPRejections, format: ExpositionFormat, into out: inout [UInt8]) {
        out.append(contentsOf: TextFormat.header(family, format: format))
        for reason in HTTPRejections.reasons {
            TextFormat.appendSample(name: family.name, labels: family.labels, values: [reason], value: Double(r.count(reason)), to: &out)
        }
    }
}
