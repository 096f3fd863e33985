import Exposition
import SednaCatalog

/// The refusals of the HTTP guard as a /metrics section, under the catalog family of the server
/// that counts them (`sedna_exporter_http_rejected_total` or `sedna_relay_http_rejected_total`).
public struct HTTPRejectionSection: ExpositionSection {
    public let family: MetricFamily
    public let rejections: HTTPRejections

    public init(family: MetricFamily, rejections: HTTPRejections) {
        self.family = family
        self.rejections = rejections
    }

    public func write(format: ExpositionFormat, into out: inout [UInt8]) {
        TextFormat.appendFamily(family, format: format, samples: rejections.samples, to: &out)
    }
}
