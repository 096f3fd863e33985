import SednaCatalog

extension JSONWriter {
    /// How the simulated cluster writes JSON (API objects, the GM's condition `data` strings,
    /// worker report bodies): keys in the order Sedna's Go structs declare them where known
    /// (`input`/`output`, `format`, `url`, `metrics`, `classes`, ...: `pkg/globalmanager/controllers/incrementallearning/upstream.go`),
    /// alphabetically otherwise.
    public static let sedna = JSONWriter(leadingKeys: [
        "input", "output", "model", "models", "format", "url", "metrics", "classes",
        "dataURL", "dataIndexURL", "outputDir", "loss", "accuracy", "precision", "recall",
    ])
}
