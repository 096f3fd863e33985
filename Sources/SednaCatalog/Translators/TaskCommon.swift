/// The part every task kind shares: identity, timestamps, the current condition, counters.
enum TaskCommon {
    static func labels(_ o: KubeObject, _ kind: SednaKind) -> [String] {
        [o.namespace, kind.rawValue, o.name]
    }

    /// Fills the families every task kind has and returns the base labels.
    @discardableResult
    static func translate(_ o: KubeObject, kind: SednaKind, into set: inout MetricSet) -> [String] {
        let l = labels(o, kind)
        set.add(Catalog.taskInfo, l + [o.uid ?? ""], 1)
        set.add(Catalog.taskCreated, l, o.creationTimestamp)
        let status = o.status
        set.add(Catalog.taskStart, l, status["startTime"].string.flatMap(Timestamp.parse))
        set.add(Catalog.taskCompletion, l, status["completionTime"].string.flatMap(Timestamp.parse))

        let conditions = status["conditions"].array ?? []
        let last = conditions.last ?? .null
        let type = last["type"].string
        let states = kind.conditionTypes + ["Unknown"]
        set.addStateSet(Catalog.taskCondition, l, current: type, states: states)
        let when = last["lastTransitionTime"].string ?? last["lastHeartbeatTime"].string ?? last["lastProbeTime"].string
        set.add(Catalog.taskConditionTime, l, when.flatMap(Timestamp.parse))
        set.add(Catalog.taskConditions, l, Double(conditions.count))

        if kind.hasStage {
            set.addStateSet(Catalog.taskStage, l, current: last["stage"].string)
        }
        if kind.hasPhase, let phase = status["phase"].string {
            set.addStateSet(Catalog.taskPhase, l, current: phase,
                            states: Catalog.taskPhase.states.contains(phase) ? nil : Catalog.taskPhase.states + [phase])
        }
        set.add(Catalog.taskActive, l, status["active"].number)
        set.add(Catalog.taskSucceeded, l, status["succeeded"].number)
        set.add(Catalog.taskFailed, l, status["failed"].number)
        return l
    }
}
