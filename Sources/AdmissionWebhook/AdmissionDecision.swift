import Foundation
import SednaCatalog

/// Why a pod was or was not mutated; the `outcome` label of `sedna_webhook_admissions_total`.
public enum AdmissionOutcome: String, CaseIterable, Sendable {
    /// The effective LC_SERVER was rewritten to the node's relay.
    case mutated
    /// Already pointing at the relay: nothing to change (idempotent re-admission).
    case alreadyMutated = "already_mutated"
    /// Not a pod Sedna created for a task (no `<kind>.sedna.io/worker-type` label).
    case notWorker = "not_worker"
    /// Not a CREATE (env cannot change afterwards) or not a pod.
    case notPodCreate = "not_pod_create"
    /// A Sedna worker pod without any LC_SERVER in its containers.
    case noLocalController = "no_lc_server"
    /// The pod's node has no Ready relay.
    case relayNotReady = "relay_not_ready"
    /// The node is not chosen yet and not every edge node has a Ready relay.
    case relaysNotReadyEverywhere = "relays_not_ready_everywhere"
    /// The request was not an AdmissionReview the webhook understands.
    case badRequest = "bad_request"
}

public struct AdmissionError: Error, CustomStringConvertible {
    public let description: String
}

/// Pure decision for one AdmissionReview v1 request: the response JSON and what was done.
/// Every answer allows the pod (`allowed: true`): the webhook only ever helps capture telemetry
/// and must never stop Sedna from creating a worker.
public enum AdmissionDecision {
    /// Whether the pod carries a `<kind>.sedna.io/worker-type` label of a Sedna task kind
    /// (`generateLabels`, `pkg/globalmanager/runtime/worker.go`).
    public static func isSednaWorker(_ labels: [String: String]) -> Bool {
        SednaKind.allCases.contains { $0.isTask && labels[$0.labelPrefix + "worker-type"] != nil }
    }

    /// Decides on a decoded review. Throws only when the review is unusable (no request/uid).
    public static func review(_ review: JSON, relays: RelayPresence) throws -> (response: JSON, outcome: AdmissionOutcome) {
        let request = review["request"]
        guard let uid = request["uid"].string, !uid.isEmpty else {
            throw AdmissionError(description: "not an AdmissionReview: request.uid missing")
        }
        let apiVersion = review["apiVersion"].string ?? "admission.k8s.io/v1"
        func answer(_ outcome: AdmissionOutcome, patch: [JSONPatchOperation] = []) -> (JSON, AdmissionOutcome) {
            var response: [String: JSON] = ["uid": .string(uid), "allowed": .bool(true)]
            if !patch.isEmpty {
                response["patchType"] = .string("JSONPatch")
                response["patch"] = .string(JSONPatch.encode(patch).base64EncodedString())
            }
            return (.object(["apiVersion": .string(apiVersion), "kind": .string("AdmissionReview"),
                             "response": .object(response)]), outcome)
        }
        let pod = request["object"]
        guard request["kind"]["kind"].string ?? pod["kind"].string == "Pod",
              (request["operation"].string ?? "CREATE") == "CREATE", pod.object != nil else {
            return answer(.notPodCreate)
        }
        let labels = KubeObject(pod).labels
        guard isSednaWorker(labels) else { return answer(.notWorker) }
        let (ops, saw) = LocalControllerRewrite.operations(pod: pod)
        guard saw else { return answer(.noLocalController) }
        guard !ops.isEmpty else { return answer(.alreadyMutated) }
        if let node = pod["spec"]["nodeName"].string, !node.isEmpty {
            guard relays.relayReady(onNode: node) else { return answer(.relayNotReady) }
        } else {
            guard relays.everyEdgeRelayReady else { return answer(.relaysNotReadyEverywhere) }
        }
        return answer(.mutated, patch: ops)
    }

    /// The whole HTTP exchange on bytes: a 200 with the response review, or an error for a body
    /// that is not an AdmissionReview (the API server then applies `failurePolicy: Ignore`).
    public static func handle(body: Data, relays: RelayPresence) -> (status: Int, body: Data, outcome: AdmissionOutcome) {
        do {
            let json = try JSON.decode(body)
            let (response, outcome) = try review(json, relays: relays)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (200, try encoder.encode(response), outcome)
        } catch {
            let message = (error as? AdmissionError)?.description ?? "body is not JSON"
            return (400, Data(JSONWriter.compact.bytes(["error": .string(message)])), .badRequest)
        }
    }
}
