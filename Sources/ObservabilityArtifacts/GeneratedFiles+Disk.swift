import Foundation

extension GeneratedFiles {
    /// Paths (relative to `root`) whose file on disk differs from what the catalog generates.
    public static func stale(root: String) -> [String] {
        all().compactMap { path, content in
            (try? String(contentsOfFile: root + "/" + path, encoding: .utf8)) == content ? nil : path
        }
    }

    /// Writes every stale file under `root` (creating folders); returns the paths written.
    public static func write(root: String) throws -> [String] {
        var written: [String] = []
        for (path, content) in all() {
            let full = root + "/" + path
            if (try? String(contentsOfFile: full, encoding: .utf8)) == content { continue }
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
            written.append(path)
        }
        return written
    }
}
