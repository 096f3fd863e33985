import Testing
@testable import ObservabilityArtifacts

/// The `$cluster` matcher lands in every selector and nowhere else.
@Suite struct ClusterFilterTests {
    let m = ClusterFilter.matcher("cluster")

    @Test func everySelectorGetsTheMatcher() {
        #expect(ClusterFilter.apply(#"sum by (location) (a{x="1"})"#, matcher: m) == #"sum by (location) (a{cluster=~"$cluster", x="1"})"#)
        #expect(ClusterFilter.apply("count(up)", matcher: m) == #"count(up{cluster=~"$cluster"})"#)
        #expect(ClusterFilter.apply("a{}", matcher: m) == #"a{cluster=~"$cluster"}"#)
        #expect(ClusterFilter.apply(#"rate(a_total{y="z"}[$__rate_interval])"#, matcher: m)
                == #"rate(a_total{cluster=~"$cluster", y="z"}[$__rate_interval])"#)
    }

    @Test func labelListsFunctionsKeywordsAndStringsAreLeftAlone() {
        let expr = #"max by (node) (a) * on (node) group_left (loc) (b > bool 0) or on () vector(0)"#
        #expect(ClusterFilter.apply(expr, matcher: m)
                == #"max by (node) (a{cluster=~"$cluster"}) * on (node) group_left (loc) (b{cluster=~"$cluster"} > bool 0) or on () vector(0)"#)
        let replaced = #"label_replace(sedna_x:y{k="v"}, "dashboard", "sedna-task", "kind", ".+")"#
        #expect(ClusterFilter.apply(replaced, matcher: m) == #"label_replace(sedna_x:y{cluster=~"$cluster", k="v"}, "dashboard", "sedna-task", "kind", ".+")"#)
        #expect(ClusterFilter.apply("topk(10, 1 - a) and time() - b", matcher: m)
                == #"topk(10, 1 - a{cluster=~"$cluster"}) and time() - b{cluster=~"$cluster"}"#)
        #expect(ClusterFilter.apply("sum(a) without (x)", matcher: m) == #"sum(a{cluster=~"$cluster"}) without (x)"#)
    }

    @Test func appliedTwiceChangesNothing() {
        let once = ClusterFilter.apply(#"a{x="1"} / b"#, matcher: m)
        #expect(ClusterFilter.apply(once, matcher: m) == once)
    }

    @Test func logQLStreamSelectorsOnly() {
        let expr = #"sum by (pod) (count_over_time({namespace="n"} |~ "(?i)error" | json [$__interval]))"#
        #expect(ClusterFilter.apply(expr, matcher: m, logQL: true)
                == #"sum by (pod) (count_over_time({cluster=~"$cluster", namespace="n"} |~ "(?i)error" | json [$__interval]))"#)
    }

    @Test func everyGeneratedDashboardQueryIsFiltered() {
        for d in Dashboards.all() {
            for (_, p) in d.numbered() where !p.isRow {
                for q in p.queries { #expect(q.expr.contains(m), "\(d.file) \(p.title): \(q.expr)") }
            }
        }
        let other = Dashboards.all(settings: ArtifactSettings(clusterLabel: "k8s_cluster"))
        #expect(other.allSatisfy { $0.panels.allSatisfy { $0.isRow || $0.queries.allSatisfy { $0.expr.contains(#"k8s_cluster=~"$cluster""#) } } })
    }
}
