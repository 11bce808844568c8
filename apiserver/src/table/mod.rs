//! Table columns and cells per kind (placeholder: upstream's default table convertor for every
//! kind, until the per-kind printers land).

use serde_json::{Value, json};

/// One column of a Table (`metav1.TableColumnDefinition`).
pub(crate) struct Column {
    /// Column title.
    pub(crate) name: &'static str,
    /// OpenAPI type.
    pub(crate) type_: &'static str,
    /// OpenAPI format.
    pub(crate) format: &'static str,
    /// What the column shows.
    pub(crate) description: &'static str,
    /// 0: always shown; 1: `-o wide`.
    pub(crate) priority: i32,
}

impl Column {
    /// The column definition as JSON.
    pub(crate) fn to_json(&self) -> Value {
        json!({"name": self.name, "type": self.type_, "format": self.format, "description": self.description, "priority": self.priority})
    }
}

const DEFAULT: &[Column] = &[
    Column {
        name: "Name",
        type_: "string",
        format: "name",
        description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
        priority: 0,
    },
    Column {
        name: "Created At",
        type_: "date",
        format: "",
        description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        priority: 0,
    },
];

/// The columns for objects of `group`/`kind`.
pub(crate) fn columns(_group: &str, _kind: &str) -> &'static [Column] {
    DEFAULT
}

/// The cells of one row.
pub(crate) fn cells(
    _group: &str,
    _version: &str,
    _kind: &str,
    object: &Value,
    _now: time::OffsetDateTime,
) -> Vec<Value> {
    vec![
        object.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
        object
            .pointer("/metadata/creationTimestamp")
            .cloned()
            .unwrap_or(Value::Null),
    ]
}
