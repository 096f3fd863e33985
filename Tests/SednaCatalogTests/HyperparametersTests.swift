import Foundation
@testable import SednaCatalog
import Testing
import TestSupport

@Suite struct HyperparametersTests {
    /// The byte-wise mapping of ASCII names finds the parameter Foundation's lowercasing and
    /// replacement found, and nothing else; names outside ASCII still go through Unicode.
    @Test(arguments: ["batch_size", "BATCH_SIZE", "Learning-Rate", "learning-rate", "LR", "early-stopping-rounds",
                      "early_stopping_rounds_", "batch size", "input_shape", "", "-", "ＥＰＯＣＨＳ", "épochs", "Momentum"])
    func keysAsBefore(_ name: String) {
        let before = name.lowercased().replacingOccurrences(of: "-", with: "_")
        #expect(Hyperparameters.parameterKey(name) == (Hyperparameters.allowlist.contains(before) ? before : nil))
    }

    @Test func envNamesAreMatchedWhateverTheirCase() {
        let template = JSON.object(["spec": .object(["containers": .array([.object(["env": .array([
            .object(["name": .string("Learning-Rate"), "value": .string("0.5")]),
            .object(["name": .string("BATCH_SIZE"), "value": .string("64")]),
            .object(["name": .string("MODEL_URL"), "value": .string("s3://x/y")]),
        ])])])])])
        var set = MetricSet()
        Hyperparameters.translate([("train", template)], labels: ["ns", "IncrementalLearningJob", "job"], into: &set)
        #expect(set.value(Catalog.taskHyperparameter, ["parameter": "learning_rate"]) == 0.5)
        #expect(set.value(Catalog.taskHyperparameter, ["parameter": "batch_size"]) == 64)
        #expect(set.values(Catalog.taskHyperparameter).count == 2)
    }
}
