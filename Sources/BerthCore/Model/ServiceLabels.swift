/// A service's labels and what discovery makes of them.
///
/// Keys follow the rule of node and container labels (1–63 of letters, digits, `-`, `_`, `.`,
/// alphanumeric at both ends). Values are wider than a node label's: up to 255 printable ASCII
/// characters, spaces included, because the tools that read them as Consul tags put routing
/// rules in them — Traefik's `traefik.http.routers.web.rule=Host(`web.example`)`, Fabio's
/// `urlprefix-/shop strip=/shop`.
///
/// The Consul tags of a service, in label-key order:
/// - `key: "value"` → the tag `key=value` (`traefik.enable: "true"` → `traefik.enable=true`);
/// - `key: ""` → the tag `key` (`primary: ""` → `primary`);
/// - `tag.NAME: "text"` → the tag `text` verbatim, for tags that are not `key=value`
///   (`tag.fabio: "urlprefix-/shop"` → `urlprefix-/shop`); with an empty value it is the tag
///   `tag.NAME`, as any other key.
public enum ServiceLabels {
    /// The longest value, in bytes.
    public static let maxValueBytes = 255
    /// Keys under this prefix carry a whole tag in their value.
    public static let verbatimPrefix = "tag."

    public static func validate(_ labels: [String: String], field: String = "labels") throws(BerthError) {
        guard labels.count <= Rules.maxLabels else {
            throw .invalidArgument(field: field, message: "at most \(Rules.maxLabels) labels, got \(labels.count)")
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            guard Rules.isLabelKey(key) else {
                throw .invalidArgument(
                    field: "\(field).\(key.prefix(80))",
                    message: "label keys are 1 to 63 of letters, digits, '-', '_', '.', alphanumeric at both ends"
                )
            }
            guard isValue(value) else {
                throw .invalidArgument(
                    field: "\(field).\(key)",
                    message: "service label values are up to \(maxValueBytes) printable ASCII characters (spaces allowed, no control characters)"
                )
            }
        }
    }

    /// Printable ASCII (0x20–0x7E), at most `maxValueBytes`.
    public static func isValue(_ value: String) -> Bool {
        value.utf8.count <= maxValueBytes && value.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// The Consul tags of `labels` (see the type's comment), in label-key order.
    public static func consulTags(_ labels: [String: String]) -> [String] {
        labels.sorted { $0.key < $1.key }.map { key, value in
            if key.hasPrefix(verbatimPrefix), !value.isEmpty { return value }
            return value.isEmpty ? key : "\(key)=\(value)"
        }
    }
}
