//! `meta.k8s.io/v1` `Table` columns and rows, as kube-apiserver builds them for
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for).
//!
//! Upstream has three kinds of table convertors, all reproduced here:
//! - the printers of `k8s.io/kubernetes/pkg/printers/internalversion` (`AddHandlers`): a column
//!   list per kind and a function filling a row from the object; the server always prints
//!   `-o wide` columns too (`printers/storage.TableConvertor` passes `Wide: true`), so rows hold a
//!   cell for every column;
//! - the convertors of the apiextensions and aggregator servers (CRDs, APIServices);
//! - the default convertor (`k8s.io/apiserver/pkg/registry/rest/table.go`): Name and Created At,
//!   used for every kind without one of the above (and for a few that have a printer upstream
//!   never wires in: roles, cluster roles, limit ranges, CSI storage capacities).
//!
//! Objects arrive as JSON in the external version the client asked for; the printers read the
//! fields the internal type would have after conversion (e.g. `events.k8s.io/v1` `note` is the
//! core `message`, `autoscaling/v1` keeps extra metrics in annotations). Ages are relative to the
//! `now` the caller passes, with upstream's `duration.HumanDuration`.
//!
//! The printers are grouped by API group: [`core_group`] (with [`pod`] for the pod status
//! logic), [`apps`], [`batch`], [`autoscaling`], [`networking`], [`storage`], [`admission`],
//! [`auth`] (RBAC and certificates), [`cluster`] (coordination, scheduling, node, policy, flow
//! control, the apiserver's internal groups), [`lifecycle`] (evictions), [`resource`] (dynamic
//! resource allocation) and [`extensions`] (CRDs, APIServices, `Status`). [`format`] and
//! [`quantity`] hold what they share.

mod admission;
mod apps;
mod auth;
mod autoscaling;
mod batch;
mod cluster;
mod core_group;
pub(crate) mod custom;
mod extensions;
mod format;
mod lifecycle;
mod networking;
mod pod;
mod quantity;
mod resource;
mod storage;

#[cfg(test)]
mod tests;

use serde_json::{Value, json};
use time::OffsetDateTime;

/// One column of a Table (`metav1.TableColumnDefinition`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    /// The column's header.
    pub(crate) name: &'static str,
    /// The OpenAPI type of the cells: "string", "integer", "boolean", "date", …
    pub(crate) type_: &'static str,
    /// The OpenAPI format: "name" for the column that holds the object's name, else "".
    pub(crate) format: &'static str,
    /// What the column shows (mostly the field's API documentation).
    pub(crate) description: &'static str,
    /// 0 for columns `kubectl get` shows, 1 for those only `-o wide` shows.
    pub(crate) priority: i32,
}

impl Column {
    /// The column as upstream serializes it: all five fields, none omitted when empty or 0
    /// (`metav1.TableColumnDefinition` has no `omitempty` tags).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.type_,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// A string column shown by `kubectl get`.
const fn col(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        name,
        type_,
        format: "",
        description,
        priority: 0,
    }
}

/// A column only `kubectl get -o wide` shows.
const fn wide(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        priority: 1,
        ..col(name, type_, description)
    }
}

/// `metav1.ObjectMeta{}.SwaggerDoc()["name"]`.
const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// `metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]`.
const CREATED_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The Name column most printers start with.
const NAME: Column = Column {
    format: "name",
    ..col("Name", "string", NAME_DOC)
};

/// The Age column (creation time as a human duration).
const AGE: Column = col("Age", "string", CREATED_DOC);

/// The wide Containers column of workload printers.
const CONTAINERS: Column = wide(
    "Containers",
    "string",
    "Names of each container in the template.",
);

/// The wide Images column of workload printers.
const IMAGES: Column = wide(
    "Images",
    "string",
    "Images referenced by each container in the template.",
);

/// The default convertor's columns (`rest.NewDefaultTableConvertor`).
const DEFAULT_COLUMNS: &[Column] = &[NAME, col("Created At", "date", CREATED_DOC)];

/// An object being printed, with what its printer may need besides it.
struct Printing<'a> {
    /// The object's API group (some kinds are served by two groups).
    group: &'a str,
    /// The object, in the external version `version`.
    object: &'a Value,
    /// The version the object is in (printers read different fields in different versions).
    version: &'a str,
    /// The time ages are measured to.
    now: OffsetDateTime,
}

impl Printing<'_> {
    /// The object's name as a cell.
    fn name(&self) -> Value {
        format::name(self.object).into()
    }

    /// The object's age as a cell (`translateTimestampSince(obj.CreationTimestamp)`).
    fn age(&self) -> Value {
        self.since(&["metadata", "creationTimestamp"]).into()
    }

    /// How long ago the timestamp at `path` was ("<unknown>" when unset).
    fn since(&self, path: &[&str]) -> String {
        format::since(self.now, format::at(self.object, path))
    }

    /// The field at `path`.
    fn at(&self, path: &[&str]) -> &Value {
        format::at(self.object, path)
    }

    /// The string at `path`, or "".
    fn str(&self, path: &[&str]) -> &str {
        format::str_at(self.object, path)
    }

    /// The integer at `path`, or 0.
    fn int(&self, path: &[&str]) -> i64 {
        format::int_at(self.object, path)
    }
}

/// How upstream prints one kind.
struct Printer {
    /// The API groups whose objects of `kind` convert to the printed internal type.
    groups: &'static [&'static str],
    /// The kind.
    kind: &'static str,
    /// The columns, wide ones included.
    columns: &'static [Column],
    /// Fills a row: one cell per column.
    cells: fn(&Printing<'_>) -> Vec<Value>,
}

/// Every printer, group by group.
const PRINTERS: &[&[Printer]] = &[
    core_group::PRINTERS,
    pod::PRINTERS,
    apps::PRINTERS,
    batch::PRINTERS,
    autoscaling::PRINTERS,
    networking::PRINTERS,
    storage::PRINTERS,
    admission::PRINTERS,
    auth::PRINTERS,
    cluster::PRINTERS,
    lifecycle::PRINTERS,
    resource::PRINTERS,
    extensions::PRINTERS,
];

/// The printer of `group`/`kind`, if upstream has one wired into its storage.
fn printer(group: &str, kind: &str) -> Option<&'static Printer> {
    PRINTERS
        .iter()
        .flat_map(|printers| printers.iter())
        .find(|p| p.kind == kind && p.groups.contains(&group))
}

/// The columns for objects of `group`/`kind` (the default Name/Created At for kinds without a
/// printer).
pub(crate) fn columns(group: &str, kind: &str) -> &'static [Column] {
    printer(group, kind).map_or(DEFAULT_COLUMNS, |p| p.columns)
}

/// The cells of one row, one per column, as JSON values (strings, integers, booleans) exactly as
/// upstream puts them in `rows[].cells`.
pub(crate) fn cells(
    group: &str,
    version: &str,
    kind: &str,
    object: &Value,
    now: OffsetDateTime,
) -> Vec<Value> {
    let printing = Printing {
        group,
        object,
        version,
        now,
    };
    match printer(group, kind) {
        Some(printer) => (printer.cells)(&printing),
        None => default_cells(&printing),
    }
}

/// The `conditions` of the row for `object`, when upstream sets any: only pods do, marking
/// succeeded and failed pods `Completed` (`kubectl get` greys them out).
pub(crate) fn row_conditions(group: &str, kind: &str, object: &Value) -> Option<Value> {
    (group.is_empty() && kind == "Pod")
        .then(|| pod::row_conditions(object))
        .flatten()
}

/// One row of a list's Table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ListRow {
    /// The index of the row's object in the list's items.
    pub(crate) item: usize,
    /// The row's cells.
    pub(crate) cells: Vec<Value>,
    /// The row's `conditions`, when upstream sets any.
    pub(crate) conditions: Option<Value>,
}

/// The rows of a list of `group`/`kind` objects, in the order upstream prints them. Most kinds
/// print each item as [`cells`] does; two list printers do more: flow schemas are sorted by
/// matching precedence and name, and the effective default storage class (the newest one marked
/// default) gets " (default)" after its name.
pub(crate) fn list_rows(
    group: &str,
    version: &str,
    kind: &str,
    items: &[Value],
    now: OffsetDateTime,
) -> Vec<ListRow> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if group == "flowcontrol.apiserver.k8s.io" && kind == "FlowSchema" {
        order.sort_by(|&a, &b| {
            let key = |i: usize| {
                (
                    format::int_at(&items[i], &["spec", "matchingPrecedence"]),
                    format::name(&items[i]),
                )
            };
            key(a).cmp(&key(b))
        });
    }
    let default_class = (group == "storage.k8s.io" && kind == "StorageClass")
        .then(|| storage::effective_default_class(items))
        .flatten();
    order
        .into_iter()
        .map(|item| {
            let object = &items[item];
            let mut cells = cells(group, version, kind, object, now);
            if default_class == Some(item)
                && let Some(Value::String(name)) = cells.first_mut()
            {
                name.push_str(" (default)");
            }
            ListRow {
                item,
                cells,
                conditions: row_conditions(group, kind, object),
            }
        })
        .collect()
}

/// The default convertor's row: the name and the creation time in RFC 3339 (UTC).
fn default_cells(printing: &Printing<'_>) -> Vec<Value> {
    let created = format::timestamp(printing.at(&["metadata", "creationTimestamp"]));
    vec![printing.name(), format::format_rfc3339(created).into()]
}
