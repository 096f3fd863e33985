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

    public static func decode(_ body: [UInt8]) throws -> ListPage {
        let json: JSON
        if body.count >= ListSplitter.minimumBytes, let fast = ListSplitter.decode(body) {
            json = fast
        } else {
            do { json = try JSON.decode(body, droppingManagedFields: true) } catch {
                throw KubeError(.decode, "LIST response is not valid JSON")
            }
        }
        guard let items = json["items"].array else { throw KubeError(.decode, "LIST response has no items array") }
        var objects: [KubeObject] = []
        objects.reserveCapacity(items.count)
        var bad = 0
        for i in items {
            if i.object != nil, i["metadata"]["name"].string != nil { objects.append(KubeObject(i)) } else { bad += 1 }
        }
        let token = json["metadata"]["continue"].string
        return ListPage(items: objects, resourceVersion: json["metadata"]["resourceVersion"].string,
                        continueToken: (token?.isEmpty ?? true) ? nil : token, undecodable: bad)
    }
}
