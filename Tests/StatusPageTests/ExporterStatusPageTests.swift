import Exposition
import ObservabilityArtifacts
import SednaCatalog
@testable import StatusPage
import Testing

@Suite struct ExporterStatusPageTests {
    static let now = 1_800_000_000.0
    static let hostile = "<script>alert(\"x&y\")</script>'"

    func snapshot() -> StatusSnapshot {
        var s = StatusSnapshot(now: Self.now)
        s.ready = false
        s.readinessReasons = ["pods: <b>initial</b> LIST not complete"]
        s.watches = [.init(resource: "pods", available: true, synced: false, consecutiveFailures: 3,
                           lastError: "HTTP 500: <html>oops</html>")]
        s.tasks = [
            TaskSummary(kind: .jointInferenceService, namespace: "a&b", name: Self.hostile, condition: "Running",
                        conditionSince: Self.now - 75),
            TaskSummary(kind: .videoAnalyticsJob, namespace: "default", name: "video-job", condition: "Failed", phase: "Failed",
                        conditionSince: Self.now - 10),
            TaskSummary(kind: .incrementalLearningJob, namespace: "default", name: "il-stuck", condition: "Running", stage: "Train",
                        conditionSince: Self.now - 4 * 3600, iteration: 2),
        ]
        s.workers = [WorkerPodSummary(kind: .jointInferenceService, namespace: "a&b", task: Self.hostile, pod: "edge-\"pod\"",
                                      workerType: "edge", node: "edge<1>", location: "edge", phase: "Running", ready: true)]
        s.intake = .init(
            reports: [.init(namespace: "a&b", worker: "<img src=x onerror=alert(1)>", kind: "JointInferenceService", task: Self.hostile,
                            pod: nil, phase: "inference", status: "<i>ok</i>", time: Self.now - 5)],
            held: [.init(namespace: "default", worker: "lost-worker", ownerKind: "default", ownerName: "\"quoted\"", peer: "10.0.0.9",
                         since: Self.now - 30)],
            groups: [.init(labels: [.init("job", "train"), .init("pod", "p&<q>")], series: 4, pushTime: Self.now - 12,
                           kind: "JointInferenceService", task: Self.hostile, pod: "edge-\"pod\"")],
            counters: [.init(name: "sedna_intake_reports_total", labels: [.init("kind", "JointInferenceService"), .init("outcome", "by_pod_ip")],
                             value: 7)])
        return s
    }

    @Test func hostileNamesLabelsAndReportFieldsRenderAsText() {
        let page = ExporterStatusPage.render(snapshot(), links: StatusLinks(grafanaURL: "http://grafana:3000/"))
        for markup in ["<script", "<img", "<i>", "<b>", "<html>", "onerror=alert(1)>"] {
            #expect(!page.contains(markup), "\(markup) must not reach the page as markup")
        }
        #expect(page.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("a&amp;b"))
        #expect(page.contains("pod=&quot;p&amp;&lt;q&gt;&quot;"))
        #expect(page.contains("&lt;i&gt;ok&lt;/i&gt;"))
        #expect(page.contains("HTTP 500: &lt;html&gt;oops&lt;/html&gt;"))
        #expect(page.contains("ownerName &quot;&quot;quoted&quot;&quot;"))
    }

    @Test func pageIsSelfContained() {
        let page = ExporterStatusPage.render(snapshot(), links: StatusLinks(grafanaURL: "http://grafana:3000", prometheusURL: "http://prom:9090"))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        for external in ["<script", "<link", "<img", "<iframe", "@import", "url("] {
            #expect(!page.contains(external), "\(external)")
        }
    }

    @Test func failedAndStuckTasksAreMarked() {
        let s = snapshot()
        #expect(Health.of(s.tasks[1], now: Self.now) == .failed)
        #expect(Health.of(s.tasks[2], now: Self.now) == .stuck)
        #expect(Health.of(s.tasks[0], now: Self.now) == .ok)
        let page = ExporterStatusPage.render(s)
        #expect(page.contains("3 tasks"))
        #expect(page.contains("<span class=\"bad-mark\">1 failed</span>"))
        #expect(page.contains("<span class=\"warn-mark\">1 stuck</span>"))
        let failing = page.components(separatedBy: "<h2>What is failing</h2>")[1].components(separatedBy: "<h2>Tasks</h2>")[0]
        #expect(failing.contains("✖ failed"))
        #expect(failing.contains("video-job"))
        #expect(failing.contains("il-stuck"))
        #expect(failing.contains("pods"))   // the failing watch
        #expect(!failing.contains("&lt;script&gt;"))   // the running JI task is fine
    }

    @Test func nothingFailingSaysSo() {
        var s = StatusSnapshot(now: Self.now)
        s.ready = true
        let page = ExporterStatusPage.render(s)
        #expect(page.contains("Nothing is failing"))
        #expect(page.contains("No Sedna task is watched"))
        #expect(page.contains("The intake is off"))
    }

    @Test func heldReportsSayWhyTheyAreNotTied() {
        let page = ExporterStatusPage.render(snapshot())
        #expect(page.contains("not tied yet: no watched pod or task matches it"))
        #expect(page.contains("lost-worker"))
        #expect(page.contains("by_pod_ip: 7"))
    }

    @Test func tablesAreTruncatedWithACount() {
        var s = StatusSnapshot(now: Self.now)
        s.tasks = (0..<2500).map { TaskSummary(kind: .reidJob, namespace: "ns", name: "t\($0)", condition: "Running") }
        s.intake = .init(groups: (0..<30).map { .init(labels: [.init("job", "j\($0)")], series: 1, pushTime: Self.now) })
        let page = ExporterStatusPage.render(s, rowLimit: 2000)
        #expect(page.contains("and 500 more (not shown; the page lists at most 2000 rows per table)"))
        #expect(page.components(separatedBy: "<td>ReidJob</td>").count - 1 == 2000)
        let small = ExporterStatusPage.render(s, rowLimit: 10)
        #expect(small.contains("and 2490 more"))
        #expect(small.contains("and 20 more"))
        #expect(small.utf8.count < page.utf8.count / 20)
    }

    @Test func linksAreEncodedPerKind() {
        let links = StatusLinks(grafanaURL: "https://grafana.example/", prometheusURL: "http://prom:9090")
        #expect(links.taskDashboard(kind: .federatedLearningJob, namespace: "a&b", task: "x y")
                == "https://grafana.example/d/sedna-federated-learning/sedna-federated-learning?var-namespace=a%26b&var-task=x%20y")
        #expect(links.taskDashboard(kind: .reidJob, namespace: "n", task: "t")
                == "https://grafana.example/d/sedna-overview/sedna-overview?var-namespace=n&var-task=t&var-kind=ReidJob")
        #expect(links.taskSeries(namespace: "n", task: "a\"b")
                == "http://prom:9090/graph?g0.expr=%7B__name__%3D~%22sedna_.%2B%22%2C%20namespace%3D%22n%22%2C%20task%3D%22a%5C%22b%22%7D&g0.tab=1")
        #expect(StatusLinks().taskDashboard(kind: .reidJob, namespace: "n", task: "t") == nil)
        let page = ExporterStatusPage.render(snapshot(), links: links)
        #expect(page.contains("href=\"https://grafana.example/d/sedna-joint-inference/sedna-joint-inference?var-namespace=a%26b&amp;var-task=%3Cscript%3E"))
        #expect(!ExporterStatusPage.render(snapshot()).contains("<a href"))
    }

    @Test func linkFlagsAreChecked() {
        #expect(StatusLinks.problem("http://grafana:3000", flag: "--grafana-url") == nil)
        #expect(StatusLinks.problem("https://g.example/sub/", flag: "--grafana-url") == nil)
        #expect(StatusLinks.problem("grafana:3000", flag: "--grafana-url")?.contains("http://") == true)
        #expect(StatusLinks.problem("http://admin:secret@grafana", flag: "--grafana-url")?.contains("credentials") == true)
        #expect(StatusLinks.problem("http://", flag: "--prometheus-url")?.contains("no host") == true)
    }

    /// The uids the page links to are those of the generated dashboards, per kind.
    @Test func dashboardUIDsMatchTheGeneratedDashboards() {
        let specs = Dashboards.all()
        let uids = Set(specs.map(\.uid))
        #expect(uids.contains(StatusLinks.overview.uid))
        #expect(uids.contains(StatusLinks.logs.uid))
        for kind in SednaKind.allCases where kind.isTask {
            let expected = specs.first { $0.taskKind == kind.rawValue }?.uid ?? StatusLinks.overview.uid
            #expect(StatusLinks.dashboard(for: kind).uid == expected, "\(kind)")
        }
    }

    @Test func agesReadAtAGlance() {
        #expect(StatusFormat.age(5) == "5s")
        #expect(StatusFormat.age(192) == "3m 12s")
        #expect(StatusFormat.age(7500) == "2h 5m")
        #expect(StatusFormat.age(3 * 86400 + 7200) == "3d 2h")
        #expect(StatusFormat.ago(nil, now: 0) == "never")
    }
}
