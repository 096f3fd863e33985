/// Time formats the simulated objects and workers write, derived only from the `now` passed to
/// `advance(to:)` (no clock is read): Kubernetes' RFC 3339 UTC with whole seconds
/// ("2026-11-29T11:40:00Z") and the `%Y-%m-%d %H:%M:%S` Sedna's Python workers put in
/// `ownerInfo.startTime`/`updateTime` (`lib/sedna/service/client.py`, `lib/sedna/core/base.py`; the pods run in UTC).
enum RFC3339 {
    /// Civil date and time of a Unix time (UTC), seconds truncated.
    static func fields(_ seconds: Double) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let t = Int(seconds.rounded(.down))
        var days = t / 86_400
        var rem = t % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    static func format(_ seconds: Double) -> String {
        let f = fields(seconds)
        return "\(pad(f.year, 4))-\(pad(f.month))-\(pad(f.day))T\(pad(f.hour)):\(pad(f.minute)):\(pad(f.second))Z"
    }

    /// Python's `time.strftime("%Y-%m-%d %H:%M:%S")` in UTC.
    static func sednaLocal(_ seconds: Double) -> String {
        let f = fields(seconds)
        return "\(pad(f.year, 4))-\(pad(f.month))-\(pad(f.day)) \(pad(f.hour)):\(pad(f.minute)):\(pad(f.second))"
    }

    private static func pad(_ v: Int, _ width: Int = 2) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
