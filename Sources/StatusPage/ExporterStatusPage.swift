import Exposition
import SednaCatalog

/// The exporter's status page (`GET /`): what it sees of the Sedna cluster, of the workers'
/// telemetry and of itself, answering "what is failing?" and "did my worker report or push?"
/// at a glance. Pure: a snapshot in, an HTML string out; every value escaped, every table
/// bounded to `rowLimit` rows.
public enum ExporterStatusPage {
    public static let rowLimit = 2000

    public static func render(_ s: StatusSnapshot, links: StatusLinks = StatusLinks(), rowLimit: Int = rowLimit) -> String {
        var h = HTML()
        let tasks = s.tasks.sorted { ($0.kind.rawValue, $0.namespace, $0.name) < ($1.kind.rawValue, $1.namespace, $1.name) }
        var podsByTask: [String: [WorkerPodSummary]] = [:]
        for p in s.workers { podsByTask[taskKey(p.kind, p.namespace, p.task), default: []].append(p) }
        let health = Dictionary(tasks.map { (taskKey($0.kind, $0.namespace, $0.name), Health.of($0, now: s.now)) },
                                uniquingKeysWith: { a, _ in a })

        h.raw("<h1>Sedna exporter</h1>\n")
        summary(&h, s, tasks: tasks, health: health)
        if links.grafanaURL != nil || links.prometheusURL != nil {
            h.raw("<p>")
            if let g = links.grafanaOverview { h.link("Grafana: Sedna overview", href: g); h.raw(" &middot; ") }
            if let p = links.prometheusQuery("sedna_task_condition == 1") { h.link("Prometheus: current conditions", href: p) }
            h.raw("</p>\n")
        }
        failing(&h, s, tasks: tasks, health: health, links: links, rowLimit: rowLimit)
        taskTable(&h, s, tasks: tasks, pods: podsByTask, health: health, links: links, rowLimit: rowLimit)
        if let intake = s.intake {
            reports(&h, intake, now: s.now, rowLimit: rowLimit)
            groups(&h, intake, now: s.now, rowLimit: rowLimit)
        } else {
            h.raw("<h2>Worker reports and pushed groups</h2>")
            h.element("p", "The intake is off (--disable-intake): workers cannot report or push to this exporter.", cls: "empty")
        }
        exporter(&h, s, rowLimit: rowLimit)
        return HTML.document(title: "Sedna exporter status", body: h.out)
    }

    static func taskKey(_ kind: SednaKind, _ namespace: String, _ task: String) -> String {
        "\(kind.rawValue)\u{0}\(namespace)\u{0}\(task)"
    }

    static func summary(_ h: inout HTML, _ s: StatusSnapshot, tasks: [TaskSummary], health: [String: Health]) {
        let failed = health.values.filter { $0 == .failed }.count
        let stuck = health.values.filter { $0 == .stuck }.count
        let edge = s.workers.filter { $0.location == "edge" }.count
        h.raw("<p class=\"summary\">")
        if s.ready { h.element("span", "✔ ready", cls: "ok-mark") } else {
            h.element("span", "✖ not ready", cls: "bad-mark", title: s.readinessReasons.joined(separator: "; "))
        }
        h.element("span", "\(tasks.count) tasks")
        h.element("span", "\(failed) failed", cls: failed > 0 ? "bad-mark" : nil)
        h.element("span", "\(stuck) stuck", cls: stuck > 0 ? "warn-mark" : nil)
        h.element("span", "\(s.workers.count) worker pods (\(edge) on edge nodes)")
        if let i = s.intake {
            h.element("span", "workers reported: \(i.reports.count) tied, \(i.held.count) held")
            h.element("span", "\(i.groups.count) pushed groups")
        }
        h.element("span", "as of \(StatusFormat.absolute(s.now) ?? "?")" + (s.version.isEmpty ? "" : ", version \(s.version)"), cls: "muted")
        h.raw("</p>\n")
    }

    /// Failed and stuck tasks, failing worker pods and failing watches, first.
    static func failing(_ h: inout HTML, _ s: StatusSnapshot, tasks: [TaskSummary], health: [String: Health], links: StatusLinks,
                        rowLimit: Int) {
        enum Item { case task(TaskSummary, Health), pod(WorkerPodSummary), watch(StatusSnapshot.Watch) }
        var items: [Item] = tasks.compactMap { t in
            let x = health[taskKey(t.kind, t.namespace, t.name)] ?? .ok
            return x == .ok ? nil : .task(t, x)
        }
        items += s.workers.filter { Health.of($0) == .failed }
            .sorted { ($0.namespace, $0.pod) < ($1.namespace, $1.pod) }.map { .pod($0) }
        items += s.watches.filter { $0.consecutiveFailures > 0 }.map { .watch($0) }
        h.raw("<h2>What is failing</h2>\n")
        h.table(["", "What", "Namespace", "Name", "State", "Since / detail"], items, limit: rowLimit,
                empty: "Nothing is failing: no failed or stuck task, no failing worker pod, every watch healthy.",
                rowClass: { if case .task(_, .stuck) = $0 { return "warn" } else { return "bad" } }) { h, item in
            switch item {
            case let .task(t, x):
                h.cell(x == .failed ? "✖ failed" : "⚠ stuck", cls: x == .failed ? "bad-mark" : "warn-mark")
                h.cell(t.kind.rawValue)
                h.cell(t.namespace)
                taskNameCell(&h, t, links: links)
                h.cell([t.stage, t.phase.map { "phase \($0)" }, t.condition].compactMap { $0 }.joined(separator: " / "))
                h.cell(t.conditionSince.map { "for " + StatusFormat.age(s.now - $0) } ?? "", title: StatusFormat.absolute(t.conditionSince))
            case let .pod(p):
                h.cell("✖ failing", cls: "bad-mark")
                h.cell("worker pod of \(p.kind.rawValue) \(p.task)")
                h.cell(p.namespace)
                h.cell(p.pod)
                h.cell(p.phase)
                h.cell(podFacts(p))
            case let .watch(w):
                h.cell("✖ failing", cls: "bad-mark")
                h.cell("watch")
                h.cell("")
                h.cell(w.resource)
                h.cell(w.consecutiveFailures == 1 ? "1 failure" : "\(w.consecutiveFailures) failures in a row")
                h.cell(w.lastError ?? "")
            }
        }
    }

    static func taskNameCell(_ h: inout HTML, _ t: TaskSummary, links: StatusLinks) {
        h.raw("<td>")
        h.text(t.name)
        var extra: [(String, String)] = []
        if let d = links.taskDashboard(kind: t.kind, namespace: t.namespace, task: t.name) { extra.append(("dashboard", d)) }
        if let l = links.taskLogs(namespace: t.namespace, task: t.name) { extra.append(("logs", l)) }
        if let p = links.taskSeries(namespace: t.namespace, task: t.name) { extra.append(("series", p)) }
        if !extra.isEmpty {
            h.raw(" <span class=\"muted\">(")
            for (i, (label, url)) in extra.enumerated() {
                if i > 0 { h.raw(", ") }
                h.link(label, href: url)
            }
            h.raw(")</span>")
        }
        h.raw("</td>")
    }

    static func taskTable(_ h: inout HTML, _ s: StatusSnapshot, tasks: [TaskSummary], pods: [String: [WorkerPodSummary]],
                          health: [String: Health], links: StatusLinks, rowLimit: Int) {
        h.raw("<h2>Tasks</h2>\n")
        h.table(["", "Kind", "Namespace", "Task", "Condition", "Stage / phase", "In it for", "Iteration / round", "Worker pods"],
                tasks, limit: rowLimit, empty: "No Sedna task is watched (yet).",
                rowClass: { t in
                    switch health[taskKey(t.kind, t.namespace, t.name)] ?? .ok {
                    case .failed: return "bad"
                    case .stuck: return "warn"
                    case .ok: return nil
                    }
                }) { h, t in
            switch health[taskKey(t.kind, t.namespace, t.name)] ?? .ok {
            case .failed: h.cell("✖", cls: "bad-mark", title: "failed")
            case .stuck: h.cell("⚠", cls: "warn-mark", title: "stuck for more than \(StatusFormat.age(Health.stuckAfter))")
            case .ok: h.cell("")
            }
            h.cell(t.kind.rawValue)
            h.cell(t.namespace)
            taskNameCell(&h, t, links: links)
            h.cell(t.condition)
            h.cell([t.stage, t.phase].compactMap { $0 }.joined(separator: " / "))
            h.cell(t.conditionSince.map { StatusFormat.age(s.now - $0) } ?? "", title: StatusFormat.absolute(t.conditionSince))
            h.cell(t.iteration.map(StatusFormat.number) ?? "")
            let mine = (pods[taskKey(t.kind, t.namespace, t.name)] ?? []).sorted { $0.pod < $1.pod }
            if mine.isEmpty { h.cell("none", cls: "muted") } else {
                h.raw("<td><ul class=\"pods\">")
                for p in mine.prefix(50) {
                    h.raw("<li>")
                    if Health.of(p) == .failed { h.element("span", "✖ ", cls: "bad-mark") }
                    h.text(p.pod)
                    h.element("span", " (" + podFacts(p) + ")", cls: "muted")
                    h.raw("</li>")
                }
                if mine.count > 50 { h.raw("<li>"); h.text("and \(mine.count - 50) more"); h.raw("</li>") }
                h.raw("</ul></td>")
            }
        }
    }

    /// "edge worker on edge-node-1 [edge], Running, ready": where a worker runs and how it is.
    static func podFacts(_ p: WorkerPodSummary) -> String {
        let who = p.workerType.isEmpty ? "worker" : "\(p.workerType) worker"
        let whereabouts = p.node.isEmpty ? "not scheduled" : "on \(p.node) [\(p.location)]"
        return (["\(who) \(whereabouts)", p.phase] + (p.ready ? ["ready"] : []) + p.waitingReasons).joined(separator: ", ")
    }

    static func reports(_ h: inout HTML, _ i: StatusSnapshot.Intake, now: Double, rowLimit: Int) {
        enum Row { case tied(StatusSnapshot.Report), held(StatusSnapshot.HeldReport) }
        let rows: [Row] = i.held.sorted { ($0.namespace, $0.worker) < ($1.namespace, $1.worker) }.map { .held($0) }
            + i.reports.sorted { ($0.namespace, $0.worker, $0.pod ?? "") < ($1.namespace, $1.worker, $1.pod ?? "") }.map { .tied($0) }
        h.raw("<h2>Worker reports</h2>\n")
        h.element("p", "The newest report of every worker (Sedna's worker-report JSON, directly or through a relay), "
                  + "and the reports not tied to a task yet.", cls: "muted")
        h.table(["Namespace", "Worker", "Task", "Pod", "Last report", "Phase / status"], rows, limit: rowLimit,
                empty: "No worker has reported yet.",
                rowClass: { if case .held = $0 { return "warn" } else { return nil } }) { h, row in
            switch row {
            case let .tied(r):
                h.cell(r.namespace)
                h.cell(r.worker)
                h.cell("\(r.task) (\(r.kind))")
                h.cell(r.pod ?? "", cls: r.pod == nil ? "muted" : nil)
                h.cell(StatusFormat.ago(r.time, now: now), title: StatusFormat.absolute(r.time))
                h.cell([r.phase, r.status].filter { !$0.isEmpty }.joined(separator: " / "))
            case let .held(r):
                h.cell(r.namespace)
                h.cell(r.worker)
                h.cell("⚠ not tied yet: no watched pod or task matches it (ownerKind \"\(r.ownerKind)\", ownerName \"\(r.ownerName)\""
                       + (r.peer.map { ", from \($0)" } ?? "") + "); held, retried when pods or tasks change", cls: "warn-text")
                h.cell("")
                h.cell(StatusFormat.ago(r.since, now: now), title: StatusFormat.absolute(r.since))
                h.cell("")
            }
        }
        let outcomes = i.counters.filter { $0.name == "sedna_intake_reports_total" }
        if !outcomes.isEmpty {
            h.raw("<p class=\"muted\">Reports received, by how they were tied: ")
            for (n, c) in outcomes.enumerated() {
                if n > 0 { h.raw(", ") }
                h.text(c.labels.map(\.value).joined(separator: " ") + ": " + StatusFormat.number(c.value))
            }
            h.raw("</p>\n")
        }
    }

    static func groups(_ h: inout HTML, _ i: StatusSnapshot.Intake, now: Double, rowLimit: Int) {
        let groups = i.groups.sorted { $0.labels.map { "\($0.name)=\($0.value)" } .lexicographicallyPrecedes($1.labels.map { "\($0.name)=\($0.value)" }) }
        h.raw("<h2>Pushed groups</h2>\n")
        h.element("p", "Pushgateway-style groups (PUT/POST /metrics/job/...), as Pushgateway's own page lists them.", cls: "muted")
        h.table(["Grouping labels", "Series", "Last push", "Bound to"], groups, limit: rowLimit, empty: "No group has been pushed yet.") { h, g in
            h.raw("<td>")
            for l in g.labels { h.element("span", "\(l.name)=\"\(l.value)\"", cls: "lbl") }
            h.raw("</td>")
            h.cell(String(g.series))
            h.cell(StatusFormat.ago(g.pushTime, now: now), title: StatusFormat.absolute(g.pushTime))
            if let task = g.task {
                h.cell("\(task) (\(g.kind ?? "task"))" + (g.pod.map { ", pod \($0)" } ?? ""))
            } else if let pod = g.pod {
                h.cell("pod \(pod)")
            } else {
                h.cell("unbound (no watched task or pod matches its labels)", cls: "muted")
            }
        }
    }

    static func exporter(_ h: inout HTML, _ s: StatusSnapshot, rowLimit: Int) {
        h.raw("<h2>The exporter</h2>\n")
        if s.ready {
            h.element("p", "✔ Ready: every available resource has been listed and no watch keeps failing.", cls: "ok-mark")
        } else {
            h.element("p", "✖ Not ready (/readyz answers 503):", cls: "bad-mark")
            h.raw("<ul>")
            for r in s.readinessReasons.prefix(rowLimit) { h.element("li", r) }
            h.raw("</ul>\n")
        }
        let watches = s.watches.sorted { $0.resource < $1.resource }
        h.table(["Watch", "State", "Failures in a row", "Last error", "Last list"], watches, limit: rowLimit,
                empty: "No watch has started yet.",
                rowClass: { $0.consecutiveFailures > 0 ? "bad" : nil }) { h, w in
            h.cell(w.resource)
            if !w.available {
                h.cell("not served (CRD not installed)", cls: "muted")
            } else if w.consecutiveFailures > 0 {
                h.cell("✖ failing", cls: "bad-mark")
            } else if w.synced {
                h.cell("listed, watching")
            } else {
                h.cell("listing")
            }
            h.cell(String(w.consecutiveFailures))
            h.cell(w.lastError ?? "")
            h.cell(StatusFormat.ago(w.lastSync, now: s.now), title: StatusFormat.absolute(w.lastSync))
        }
        if let i = s.intake, !i.counters.isEmpty {
            h.raw("<h2>Intake counters</h2>\n")
            h.table(["Counter", "Labels", "Value"], i.counters, limit: rowLimit, empty: "") { h, c in
                h.cell(c.name)
                h.raw("<td>")
                for l in c.labels { h.element("span", "\(l.name)=\"\(l.value)\"", cls: "lbl") }
                h.raw("</td>")
                h.cell(StatusFormat.number(c.value))
            }
        }
    }
}
