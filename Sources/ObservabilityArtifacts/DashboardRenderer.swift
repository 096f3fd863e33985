import SednaCatalog

/// Renders a `DashboardSpec` as Grafana 10+ classic dashboard JSON (schemaVersion 39).
public enum DashboardRenderer {
    public static let schemaVersion = 39
    static let prometheusDS: DocumentValue = ["type": "prometheus", "uid": "${datasource}"]
    static let lokiDS: DocumentValue = ["type": "loki", "uid": "${loki}"]

    public static func render(_ d: DashboardSpec, all: [DashboardSpec]) -> DocumentValue {
        var panels: [DocumentValue] = []
        var x = 0, y = 0, rowHeight = 0
        for (id, p) in d.numbered() {
            if p.isRow || x + p.width > 24 {
                y += rowHeight
                x = 0
                rowHeight = 0
            }
            panels.append(panel(p, id: id, x: x, y: y))
            if p.isRow {
                y += 1
            } else {
                x += p.width
                rowHeight = max(rowHeight, p.height)
            }
        }
        return [
            "uid": .string(d.uid),
            "title": .string(d.title),
            "description": .string(d.description),
            "tags": .strings(d.tags),
            "schemaVersion": .int(schemaVersion),
            "version": 1,
            "editable": false,
            "graphTooltip": 1,
            "timezone": "",
            "fiscalYearStartMonth": 0,
            "liveNow": false,
            "refresh": "1m",
            "time": ["from": "now-6h", "to": "now"],
            "timepicker": [:],
            "annotations": ["list": [[
                "builtIn": 1, "datasource": ["type": "grafana", "uid": "-- Grafana --"], "enable": true, "hide": true,
                "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
            ]]],
            "links": links(d),
            "templating": ["list": .array(variables(d))],
            "panels": .array(panels),
        ]
    }

    static func links(_ d: DashboardSpec) -> DocumentValue {
        var out: [DocumentValue] = [[
            "title": "Sedna dashboards", "type": "dashboards", "tags": ["sedna"], "asDropdown": true,
            "includeVars": true, "keepTime": true, "icon": "external link", "targetBlank": false, "tooltip": "",
            "url": "",
        ]]
        if d.uid != Dashboards.logsUID {
            out.append([
                "title": "Logs of this task", "type": "link", "tags": [], "asDropdown": false,
                "includeVars": false, "keepTime": true, "icon": "doc", "targetBlank": false,
                "tooltip": "Worker pod logs of the selected task (Loki)",
                "url": .string("/d/\(Dashboards.logsUID)/sedna-logs?${namespace:queryparam}&\(kindParameter(d))${task:queryparam}&${cluster:queryparam}"),
            ])
        }
        if d.uid != Dashboards.overviewUID {
            out.append([
                "title": "Overview", "type": "link", "tags": [], "asDropdown": false,
                "includeVars": false, "keepTime": true, "icon": "dashboard", "targetBlank": false,
                "tooltip": "Every Sedna task", "url": .string("/d/\(Dashboards.overviewUID)/sedna-overview?${namespace:queryparam}&${cluster:queryparam}"),
            ])
        }
        return .array(out)
    }

    /// The kind of the dashboard's tasks as a link parameter: fixed for a paradigm dashboard,
    /// the `kind` variable where there is one. Multi-value variables are passed with
    /// `${var:queryparam}` (one `var-x=` per value), never as Grafana's `{a,b}` text.
    static func kindParameter(_ d: DashboardSpec) -> String {
        if let k = d.taskKind { return "var-kind=\(k)&" }
        return d.extraVariables.contains(where: { $0.name == "kind" }) ? "${kind:queryparam}&" : ""
    }

    /// The `$cluster` variable (ArtifactSettings.clusterLabel): the clusters whose exporter is
    /// scraped; "All" is `.*`, which also matches series without the label.
    static func clusterVariable(_ s: ArtifactSettings) -> DocumentValue {
        queryVariable("cluster", "Cluster", "label_values(up{\(s.exporterSelector)}, \(s.clusterLabel))", multi: true)
            .setting("allValue", ".*")
            .setting("current", ["selected": true, "text": ["All"], "value": ["$__all"]])
    }

    static func queryVariable(_ name: String, _ label: String, _ query: String, multi: Bool, sort: Int = 1) -> DocumentValue {
        var v: DocumentValue = [
            "name": .string(name), "label": .string(label), "type": "query",
            "datasource": prometheusDS,
            "definition": .string(query),
            "query": ["query": .string(query), "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1],
            "refresh": 2, "sort": .int(sort), "regex": "", "hide": 0, "options": [],
            "multi": .bool(multi), "includeAll": .bool(multi),
            "current": [:],
        ]
        if multi { v = v.setting("allValue", ".+") }
        return v
    }

    static func variables(_ d: DashboardSpec) -> [DocumentValue] {
        let ds: [DocumentValue] = [
            ["name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus", "current": [:],
             "hide": 0, "includeAll": false, "multi": false, "options": [], "refresh": 1, "regex": ""],
            ["name": "loki", "label": "Loki", "type": "datasource", "query": "loki", "current": [:],
             "hide": 0, "includeAll": false, "multi": false, "options": [], "refresh": 1, "regex": ""],
        ]
        let cluster = ClusterFilter.matcher(d.settings.clusterLabel)
        let ns = queryVariable("namespace", "Namespace", "label_values(sedna_task_info{\(cluster)}, namespace)", multi: d.taskMulti)
        var taskSelector = "\(cluster), namespace=~\"$namespace\""
        if let k = d.taskKind { taskSelector += ", kind=\"\(k)\"" } else if d.extraVariables.contains(where: { $0.name == "kind" }) { taskSelector += ", kind=~\"$kind\"" }
        let task = queryVariable("task", "Task", "label_values(sedna_task_info{\(taskSelector)}, task)", multi: d.taskMulti)
        if d.taskVariablesHidden {
            return [ds[0], ds[1].setting("hide", 2), clusterVariable(d.settings)] + d.leadingVariables + [ns.setting("hide", 2)] + d.extraVariables
                + [task.setting("hide", 2)] + d.trailingVariables
        }
        return ds + [clusterVariable(d.settings)] + d.leadingVariables + [ns] + d.extraVariables + [task] + d.trailingVariables
    }

    static func panel(_ p: DashPanel, id: Int, x: Int, y: Int) -> DocumentValue {
        let grid: DocumentValue = ["h": .int(p.height), "w": .int(p.width), "x": .int(x), "y": .int(y)]
        if p.isRow {
            return ["type": "row", "id": .int(id), "title": .string(p.title), "collapsed": false, "gridPos": grid, "panels": []]
        }
        let ds = p.isLoki ? lokiDS : prometheusDS
        let refIds = ["A", "B", "C", "D", "E", "F", "G", "H"]
        let targets: [DocumentValue] = p.queries.enumerated().map { i, q in
            if p.isLoki {
                return ["refId": .string(refIds[i]), "datasource": lokiDS, "expr": .string(q.expr),
                        "queryType": "range", "legendFormat": .string(q.legend), "editorMode": "code"]
            }
            return ["refId": .string(refIds[i]), "datasource": prometheusDS, "expr": .string(q.expr),
                    "legendFormat": .string(q.legend.isEmpty ? "__auto" : q.legend), "editorMode": "code",
                    "range": .bool(!q.instant), "instant": .bool(q.instant),
                    "format": .string(q.table ? "table" : "time_series")]
        }
        var description = p.description
        if !p.needs.sentence.isEmpty { description += " " + p.needs.sentence }
        var defaults: DocumentValue = [
            "unit": .string(p.unit),
            "mappings": .array(p.mappings),
            "links": .array(p.links),
            // Stats too: palette-classic ignores thresholds, so a failure would never show red.
            "color": .string(["state-timeline", "table", "stat"].contains(p.type) ? "thresholds" : "palette-classic"),
            "thresholds": ["mode": "absolute", "steps": .array(p.thresholds.map { v, c in
                ["color": .string(c), "value": v.map { .double($0) } ?? .null]
            })],
        ]
        defaults = defaults.setting("color", ["mode": p.colorMode.map { .string($0) } ?? defaults.colorMode])
        if let m = p.minValue { defaults = defaults.setting("min", .double(m)) }
        if let m = p.maxValue { defaults = defaults.setting("max", .double(m)) }
        if p.type == "timeseries" {
            defaults = defaults.setting("custom", ["drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                   "showPoints": "never", "spanNulls": false, "axisSoftMin": 0])
        }
        if p.type == "state-timeline" { defaults = defaults.setting("custom", ["fillOpacity": 80, "lineWidth": 0]) }
        var overrides = p.overrides
        if p.type == "table" {
            // Thresholds colour nothing in a table whose cells are `auto`: colour the named
            // columns' background, else every cell's text.
            let cells: DocumentValue = p.thresholds.count > 1 && p.coloredColumns.isEmpty ? "color-text" : "auto"
            defaults = defaults.setting("custom", ["align": "auto", "cellOptions": ["type": cells], "inspect": false])
            for c in p.coloredColumns {
                overrides.append(["matcher": ["id": "byName", "options": .string(c)],
                                  "properties": [["id": "custom.cellOptions", "value": ["type": "color-background", "mode": "basic"]]]])
            }
            for c in p.hiddenColumns {
                overrides.append(["matcher": ["id": "byName", "options": .string(c)],
                                  "properties": [["id": "custom.hidden", "value": true]]])
            }
        }
        var panel: DocumentValue = [
            "id": .int(id), "type": .string(p.type), "title": .string(p.title), "description": .string(description),
            "datasource": ds, "gridPos": grid, "targets": .array(targets),
            "fieldConfig": ["defaults": defaults, "overrides": .array(overrides)],
            "options": options(p),
        ]
        if !p.transformations.isEmpty { panel = panel.setting("transformations", .array(p.transformations)) }
        return panel
    }

    static func options(_ p: DashPanel) -> DocumentValue {
        let reduce: DocumentValue = ["calcs": ["lastNotNull"], "fields": "", "values": false]
        let legend: DocumentValue = ["displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": []]
        var o: DocumentValue
        switch p.type {
        case "timeseries":
            o = ["legend": legend, "tooltip": ["mode": "multi", "sort": "desc"]]
        case "stat":
            o = ["reduceOptions": reduce, "colorMode": "value", "graphMode": "none", "textMode": "auto",
                 "justifyMode": "auto", "orientation": "auto", "showPercentChange": false, "wideLayout": true]
        case "bargauge":
            o = ["reduceOptions": reduce, "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": true,
                 "valueMode": "color", "namePlacement": "auto", "sizing": "auto", "minVizHeight": 16, "minVizWidth": 8,
                 "maxVizHeight": 300]
        case "table":
            o = ["showHeader": true, "cellHeight": "sm",
                 "footer": ["show": false, "reducer": ["sum"], "countRows": false, "fields": ""]]
        case "state-timeline":
            o = ["mergeValues": true, "showValue": "auto", "alignValue": "left", "rowHeight": 0.9,
                 "legend": legend, "tooltip": ["mode": "single", "sort": "none"]]
        case "logs":
            o = ["showTime": true, "wrapLogMessage": true, "sortOrder": "Descending", "enableLogDetails": true,
                 "dedupStrategy": "none", "prettifyLogMessage": false, "showCommonLabels": false, "showLabels": false]
        default:
            o = [:]
        }
        for (k, v) in p.extraOptions { o = o.setting(k, v) }
        return o
    }
}

extension DocumentValue {
    /// The `name` of an object value, nil otherwise.
    var name: String? {
        guard case .object(let pairs) = self, case .string(let n)? = pairs.first(where: { $0.0 == "name" })?.1 else { return nil }
        return n
    }

    fileprivate var colorMode: DocumentValue {
        guard case .object(let pairs) = self, let c = pairs.first(where: { $0.0 == "color" })?.1 else { return "palette-classic" }
        return c
    }
}
