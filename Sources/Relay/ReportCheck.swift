import SednaCatalog

/// Whether a body is a worker report the relay keeps: a JSON object whose `name` is the worker
/// in the path, as Sedna's LC requires (`pkg/localcontroller/server/server.go`, `messageHandler`).
enum ReportCheck {
    static func problem(_ body: [UInt8], worker: String) -> String? {
        guard let name = (try? JSON.decode(body))?["name"].string else {
            return "body is not a worker report (a JSON object with a name)"
        }
        return name == worker ? nil : "worker name in the body differs from the path"
    }
}
