import SednaCatalog

/// One line of a watch stream: `{"type": "ADDED", "object": {...}}`.
public struct WatchEvent: Sendable {
    public let type: String
    public let object: KubeObject

    /// Decodes a line; throws on malformed JSON or a missing type. The object's
    /// `managedFields` are validated and dropped (see `JSONParser`).
    public static func decode(_ line: [UInt8]) throws -> WatchEvent {
        let json: JSON
        do { json = try JSON.decode(line, droppingManagedFields: true) } catch {
            throw KubeError(.decode, "watch event is not valid JSON")
        }
        guard let type = json["type"].string else { throw KubeError(.decode, "watch event has no type") }
        return WatchEvent(type: type, object: KubeObject(json["object"]))
    }

    /// For ERROR events: whether the embedded Status says 410 Gone (resourceVersion too old).
    public var isGone: Bool {
        object.json["code"].number == 410 || object.json["reason"].string == "Expired" || object.json["reason"].string == "Gone"
    }
}

/// A decoded LIST response.
public struct ListPage: Sendable {
    public let items: [KubeObject]
    public let resourceVersion: String?
    public let continueToken: String?
    /// Items that were not objects (counted, never fatal).
    public let undecodable: Int
    /// `ListItemHash` of each item's bytes, parallel to `items` (0 when the body was parsed whole).
    public let hashes: [Int]
    /// Keys of the items left unparsed because their bytes hashed to one of `known`'s.
    public let unchanged: [String]

    /// Decodes a LIST body. With `known` (a relist for a sink that keeps what it listed, see
    /// `RelistPage`), the body is taken apart item by item whatever its size, each item's
    /// bytes are hashed, and the items `known` holds are not parsed; without it a small body
    /// is parsed whole.
    public static func decode(_ body: [UInt8], known: [Int: String]? = nil) throws -> ListPage {
        let split = known != nil || body.count >= ListSplitter.minimumBytes
            ? body.withUnsafeBytes { ListSplitter.decode($0, known: known ?? [:]) } : nil
        let whole: JSON
        if let split {
            var members = split.members
            if let items = split.items { members["items"] = .array(items) }
            whole = .object(members)
        } else {
            do { whole = try JSON.decode(body, droppingManagedFields: true) } catch {
                throw KubeError(.decode, "LIST response is not valid JSON")
            }
        }
        let hashes = split?.hashes
        guard let items = whole["items"].array else { throw KubeError(.decode, "LIST response has no items array") }
        var objects: [KubeObject] = []
        var kept: [Int] = []
        objects.reserveCapacity(items.count)
        kept.reserveCapacity(items.count)
        var bad = 0
        for (n, i) in items.enumerated() {
            if i.object != nil, i["metadata"]["name"].string != nil {
                objects.append(KubeObject(i))
                kept.append(hashes?[n] ?? 0)
            } else {
                bad += 1
            }
        }
        let token = whole["metadata"]["continue"].string
        return ListPage(items: objects, resourceVersion: whole["metadata"]["resourceVersion"].string,
                        continueToken: (token?.isEmpty ?? true) ? nil : token, undecodable: bad, hashes: kept,
                        unchanged: split?.unchanged ?? [])
    }
}
