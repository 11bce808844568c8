//! Upstream's object metadata validation (`k8s.io/apimachinery/pkg/api/validation/objectmeta.go`)
//! over JSON objects: the metadata is read once into an [`ObjectMeta`] view (wrongly typed
//! fields become errors instead of panics), then checked in upstream's order with upstream's
//! field paths, values and messages.

use std::collections::BTreeSet;

use ironkube_apimachinery::field::{BadValue, FieldError, FieldPath};
use ironkube_apimachinery::gocompat;
use ironkube_apimachinery::selector::{validate_label_key, validate_label_value};
use serde_json::{Map, Value};

use super::names::name_is_dns_label;
use super::timestamp::Timestamp;

/// Upstream's `TotalAnnotationSizeLimitB`: the most bytes all annotation keys and values may
/// take together.
pub(crate) const TOTAL_ANNOTATION_SIZE_LIMIT: i64 = 256 * 1024;
/// Upstream's `FieldImmutableErrorMsg`.
pub(crate) const FIELD_IMMUTABLE: &str = "field is immutable";
/// Upstream's `FieldManagerMaxLength`.
const FIELD_MANAGER_MAX_LENGTH: usize = 128;
/// Upstream's `MaxSubresourceNameLength`.
const MAX_SUBRESOURCE_NAME_LENGTH: usize = 256;
/// `metav1.FinalizerOrphanDependents`.
const FINALIZER_ORPHAN: &str = "orphan";
/// `metav1.FinalizerDeleteDependents`.
const FINALIZER_FOREGROUND: &str = "foregroundDeletion";
/// The finalizers `helper.IsStandardFinalizerName` accepts without a domain.
const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", FINALIZER_ORPHAN, FINALIZER_FOREGROUND];

/// A name validation function in upstream's shape (`ValidateNameFunc`): the problems with a
/// name, or with a generate-name prefix when `prefix` is true.
pub(crate) type NameFn<'a> = &'a dyn Fn(&str, bool) -> Vec<String>;

/// One `metadata.ownerReferences` entry.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnerRef<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    uid: &'a str,
    controller: Option<bool>,
    block_owner_deletion: Option<bool>,
}

impl OwnerRef<'_> {
    /// The entry as upstream's `json.Marshal` writes it (for error values).
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("apiVersion".into(), self.api_version.into());
        map.insert("kind".into(), self.kind.into());
        map.insert("name".into(), self.name.into());
        map.insert("uid".into(), self.uid.into());
        if let Some(controller) = self.controller {
            map.insert("controller".into(), controller.into());
        }
        if let Some(block) = self.block_owner_deletion {
            map.insert("blockOwnerDeletion".into(), block.into());
        }
        Value::Object(map)
    }
}

/// One `metadata.managedFields` entry (the parts that are validated).
#[derive(Clone, Debug, Default)]
pub(crate) struct ManagedField<'a> {
    manager: &'a str,
    operation: &'a str,
    fields_type: &'a str,
    subresource: &'a str,
}

/// The metadata of a JSON object, read as upstream's `metav1.ObjectMeta` holds it after
/// decoding: absent and `null` fields are empty.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjectMeta<'a> {
    pub(crate) name: &'a str,
    pub(crate) generate_name: &'a str,
    pub(crate) namespace: &'a str,
    uid: &'a str,
    resource_version: &'a str,
    generation: i64,
    creation_timestamp: Option<Timestamp>,
    deletion_timestamp: Option<Timestamp>,
    deletion_grace_period_seconds: Option<i64>,
    /// Labels, in key order (upstream walks a Go map, in random order).
    labels: Vec<(&'a str, &'a str)>,
    annotations: Vec<(&'a str, &'a str)>,
    pub(crate) finalizers: Vec<&'a str>,
    owner_references: Vec<OwnerRef<'a>>,
    managed_fields: Vec<ManagedField<'a>>,
}

/// Reads fields out of JSON, recording a type error for every field that has the wrong JSON
/// type (upstream would have refused to decode the object).
struct Reader<'e> {
    errors: &'e mut Vec<FieldError>,
}

impl Reader<'_> {
    fn wrong_type(&mut self, path: &FieldPath, value: &Value, expected: &str) {
        self.errors.push(FieldError::type_invalid(
            path,
            BadValue::Json(value.clone()),
            format!("must be of type {expected}"),
        ));
    }

    fn string<'v>(&mut self, map: &'v Map<String, Value>, key: &str, path: &FieldPath) -> &'v str {
        match map.get(key) {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s,
            Some(other) => {
                self.wrong_type(&path.child(key), other, "string");
                ""
            }
        }
    }

    fn int(&mut self, map: &Map<String, Value>, key: &str, path: &FieldPath) -> Option<i64> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_i64() {
                Some(i) => Some(i),
                None => {
                    self.wrong_type(&path.child(key), value, "integer");
                    None
                }
            },
        }
    }

    fn bool(&mut self, map: &Map<String, Value>, key: &str, path: &FieldPath) -> Option<bool> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.wrong_type(&path.child(key), other, "boolean");
                None
            }
        }
    }

    fn timestamp(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &FieldPath,
    ) -> Option<Timestamp> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match Timestamp::parse_rfc3339(s) {
                Some(t) => Some(t),
                None => {
                    self.errors.push(FieldError::type_invalid(
                        path.child(key),
                        s.as_str(),
                        "must be an RFC 3339 timestamp",
                    ));
                    None
                }
            },
            Some(other) => {
                self.wrong_type(&path.child(key), other, "string");
                None
            }
        }
    }

    fn string_map<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &FieldPath,
    ) -> Vec<(&'v str, &'v str)> {
        match map.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(entries)) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    match v {
                        Value::String(s) => out.push((k.as_str(), s.as_str())),
                        Value::Null => out.push((k.as_str(), "")),
                        other => self.wrong_type(&path.child(key).key(k), other, "string"),
                    }
                }
                // Upstream iterates a Go map; a fixed order keeps our output stable.
                out.sort_by(|a, b| a.0.cmp(b.0));
                out
            }
            Some(other) => {
                self.wrong_type(&path.child(key), other, "object");
                Vec::new()
            }
        }
    }

    fn list<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &FieldPath,
    ) -> &'v [Value] {
        match map.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.wrong_type(&path.child(key), other, "array");
                &[]
            }
        }
    }

    fn object<'v>(&mut self, value: &'v Value, path: &FieldPath) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                self.wrong_type(path, other, "object");
                None
            }
        }
    }
}

impl<'a> ObjectMeta<'a> {
    /// Reads `object.metadata`, appending a type error to `errors` for each field of the wrong
    /// JSON type (that field is then read as empty).
    pub(crate) fn read(object: &'a Value, errors: &mut Vec<FieldError>) -> Self {
        let path = FieldPath::new("metadata");
        let mut reader = Reader { errors };
        let meta = match object.get("metadata") {
            None | Some(Value::Null) => return Self::default(),
            Some(value) => match reader.object(value, &path) {
                Some(map) => map,
                None => return Self::default(),
            },
        };
        let mut out = Self {
            name: reader.string(meta, "name", &path),
            generate_name: reader.string(meta, "generateName", &path),
            namespace: reader.string(meta, "namespace", &path),
            uid: reader.string(meta, "uid", &path),
            resource_version: reader.string(meta, "resourceVersion", &path),
            generation: reader.int(meta, "generation", &path).unwrap_or(0),
            creation_timestamp: reader.timestamp(meta, "creationTimestamp", &path),
            deletion_timestamp: reader.timestamp(meta, "deletionTimestamp", &path),
            deletion_grace_period_seconds: reader.int(meta, "deletionGracePeriodSeconds", &path),
            labels: reader.string_map(meta, "labels", &path),
            annotations: reader.string_map(meta, "annotations", &path),
            ..Self::default()
        };
        let finalizers_path = path.child("finalizers");
        for (i, item) in reader.list(meta, "finalizers", &path).iter().enumerate() {
            match item {
                Value::String(s) => out.finalizers.push(s),
                Value::Null => out.finalizers.push(""),
                other => reader.wrong_type(&finalizers_path.index(i), other, "string"),
            }
        }
        let owners_path = path.child("ownerReferences");
        for (i, item) in reader
            .list(meta, "ownerReferences", &path)
            .iter()
            .enumerate()
        {
            let item_path = owners_path.index(i);
            let Some(map) = reader.object(item, &item_path) else {
                out.owner_references.push(OwnerRef::default());
                continue;
            };
            out.owner_references.push(OwnerRef {
                api_version: reader.string(map, "apiVersion", &item_path),
                kind: reader.string(map, "kind", &item_path),
                name: reader.string(map, "name", &item_path),
                uid: reader.string(map, "uid", &item_path),
                controller: reader.bool(map, "controller", &item_path),
                block_owner_deletion: reader.bool(map, "blockOwnerDeletion", &item_path),
            });
        }
        let managed_path = path.child("managedFields");
        for (i, item) in reader.list(meta, "managedFields", &path).iter().enumerate() {
            let item_path = managed_path.index(i);
            let Some(map) = reader.object(item, &item_path) else {
                out.managed_fields.push(ManagedField::default());
                continue;
            };
            out.managed_fields.push(ManagedField {
                manager: reader.string(map, "manager", &item_path),
                operation: reader.string(map, "operation", &item_path),
                fields_type: reader.string(map, "fieldsType", &item_path),
                subresource: reader.string(map, "subresource", &item_path),
            });
        }
        out
    }
}

/// `metadata`.
fn metadata_path() -> FieldPath {
    FieldPath::new("metadata")
}

/// Upstream's `ValidateObjectMetaAccessor`: generate-name and name by `name_fn`, then the
/// checks every kind shares.
pub(crate) fn validate_create(
    meta: &ObjectMeta<'_>,
    namespaced: bool,
    name_fn: NameFn<'_>,
) -> Vec<FieldError> {
    let path = metadata_path();
    let mut errors = Vec::new();
    if !meta.generate_name.is_empty() {
        for msg in name_fn(meta.generate_name, true) {
            errors.push(FieldError::invalid(
                path.child("generateName"),
                meta.generate_name,
                msg,
            ));
        }
    }
    if meta.name.is_empty() {
        errors.push(FieldError::required(
            path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(meta.name, false) {
            errors.push(FieldError::invalid(path.child("name"), meta.name, msg));
        }
    }
    errors.extend(validate_common(meta, namespaced));
    errors
}

/// The errors of [`validate_create_with_opts`], kept apart because declarative validation
/// moves the name check's errors to the end of the list for the kinds that use it.
pub(crate) struct OptsErrors {
    /// A missing generated name, a missing name.
    leading: Vec<FieldError>,
    /// The name check's errors.
    pub(crate) names: Vec<FieldError>,
    /// The checks every kind shares.
    common: Vec<FieldError>,
}

impl OptsErrors {
    #[cfg(test)]
    /// The errors in the order upstream's hand-written code returns them.
    pub(crate) fn handwritten_order(self) -> Vec<FieldError> {
        let mut out = self.leading;
        out.extend(self.names);
        out.extend(self.common);
        out
    }

    /// The errors other than the name check's, in order.
    pub(crate) fn without_names(self) -> Vec<FieldError> {
        let mut out = self.leading;
        out.extend(self.common);
        out
    }
}

/// Upstream's `ValidateObjectMetaAccessorWithOpts` with a name check that returns field
/// errors (`LongName`): generate-name is not checked, a missing generated name is an internal
/// error.
pub(crate) fn validate_create_with_opts(
    meta: &ObjectMeta<'_>,
    namespaced: bool,
    name_fn: NameFn<'_>,
) -> OptsErrors {
    let path = metadata_path();
    let mut leading = Vec::new();
    let mut names = Vec::new();
    if !meta.generate_name.is_empty() && meta.name.is_empty() {
        leading.push(FieldError::internal(
            path.child("name"),
            format!(
                "generateName was specified ({}), but no name was generated",
                gocompat::quote(meta.generate_name)
            ),
        ));
    }
    if meta.name.is_empty() {
        leading.push(FieldError::required(
            path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(meta.name, false) {
            names.push(FieldError::invalid(path.child("name"), meta.name, msg));
        }
    }
    OptsErrors {
        leading,
        names,
        common: validate_common(meta, namespaced),
    }
}

/// Upstream's `validateObjectMetaAccessorWithOptsCommon`: namespace by scope, generation,
/// labels, annotations, owner references, finalizers and managed fields.
fn validate_common(meta: &ObjectMeta<'_>, namespaced: bool) -> Vec<FieldError> {
    let path = metadata_path();
    let mut errors = Vec::new();
    if namespaced {
        if meta.namespace.is_empty() {
            errors.push(FieldError::required(path.child("namespace"), ""));
        } else {
            for msg in name_is_dns_label(meta.namespace, false) {
                errors.push(FieldError::invalid(
                    path.child("namespace"),
                    meta.namespace,
                    msg,
                ));
            }
        }
    } else if !meta.namespace.is_empty() {
        errors.push(FieldError::forbidden(
            path.child("namespace"),
            "not allowed on this type",
        ));
    }
    errors.extend(validate_nonnegative(
        meta.generation,
        &path.child("generation"),
    ));
    errors.extend(validate_labels(&meta.labels, &path.child("labels")));
    errors.extend(validate_annotations(
        &meta.annotations,
        &path.child("annotations"),
    ));
    errors.extend(validate_owner_references(
        &meta.owner_references,
        &path.child("ownerReferences"),
    ));
    errors.extend(validate_finalizers(
        &meta.finalizers,
        &path.child("finalizers"),
    ));
    errors.extend(validate_managed_fields(
        &meta.managed_fields,
        &path.child("managedFields"),
    ));
    errors
}

/// Upstream's `ValidateNonnegativeField`.
fn validate_nonnegative(value: i64, path: &FieldPath) -> Option<FieldError> {
    (value < 0).then(|| FieldError::invalid(path, value, "must be greater than or equal to 0"))
}

/// Upstream's `ValidateLabels`: qualified-name keys, label values.
pub(crate) fn validate_labels(labels: &[(&str, &str)], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (key, value) in labels {
        for msg in validate_label_key(key) {
            errors.push(FieldError::invalid(path, *key, msg));
        }
        for msg in validate_label_value(value) {
            errors.push(FieldError::invalid(path, *value, msg));
        }
    }
    errors
}

/// Upstream's `ValidateAnnotations`: keys are qualified names ignoring case, and keys and
/// values together take at most 256 KiB.
pub(crate) fn validate_annotations(
    annotations: &[(&str, &str)],
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut total: i64 = 0;
    for (key, value) in annotations {
        for msg in validate_label_key(&key.to_lowercase()) {
            errors.push(FieldError::invalid(path, *key, msg));
        }
        total = total.saturating_add(i64::try_from(key.len() + value.len()).unwrap_or(i64::MAX));
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errors.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    errors
}

/// Upstream's `schema.ParseGroupVersion`: `None` when the string has more than one `/`.
fn parse_group_version(gv: &str) -> Option<(&str, &str)> {
    if gv.is_empty() || gv == "/" {
        return Some(("", ""));
    }
    match gv.matches('/').count() {
        0 => Some(("", gv)),
        1 => gv.split_once('/'),
        _ => None,
    }
}

/// Upstream's `ValidateOwnerReferences`.
fn validate_owner_references(owners: &[OwnerRef<'_>], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut first_controller: Option<String> = None;
    for (i, owner) in owners.iter().enumerate() {
        let item = path.index(i);
        let gv = parse_group_version(owner.api_version);
        if owner.api_version.is_empty() {
            errors.push(FieldError::required(
                item.child("apiVersion"),
                "must not be empty",
            ));
        } else if gv.is_none_or(|(_, version)| version.is_empty()) {
            errors.push(FieldError::invalid(
                item.child("apiVersion"),
                owner.api_version,
                "must be <group>/<version> or <version>",
            ));
        }
        for (field, value) in [
            ("kind", owner.kind),
            ("name", owner.name),
            ("uid", owner.uid),
        ] {
            if value.is_empty() {
                errors.push(FieldError::required(item.child(field), "must not be empty"));
            }
        }
        let (group, version) = gv.unwrap_or(("", ""));
        // Upstream's BannedOwners: core/v1 Events may not own anything.
        if (group, version, owner.kind) == ("", "v1", "Event") {
            errors.push(FieldError::invalid(
                &item,
                BadValue::Json(owner.to_value()),
                format!(
                    "{group}/{version}, Kind={} is disallowed from being an owner",
                    owner.kind
                ),
            ));
        }
        if owner.controller == Some(true) {
            let current = format!("{}/{}", owner.kind, owner.name);
            match &first_controller {
                Some(first) => errors.push(FieldError::invalid(
                    path,
                    BadValue::Json(Value::Array(owners.iter().map(OwnerRef::to_value).collect())),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    errors
}

/// A finalizer list as upstream prints it (`json.Marshal` of a `[]string`).
fn finalizers_value(finalizers: &[&str]) -> BadValue {
    BadValue::Json(Value::Array(
        finalizers
            .iter()
            .map(|f| Value::String((*f).to_string()))
            .collect(),
    ))
}

/// Upstream's `ValidateFinalizers`: qualified names, and not both `orphan` and
/// `foregroundDeletion`.
fn validate_finalizers(finalizers: &[&str], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for finalizer in finalizers {
        for msg in validate_label_key(finalizer) {
            errors.push(FieldError::invalid(path, *finalizer, msg));
        }
    }
    if finalizers.contains(&FINALIZER_ORPHAN) && finalizers.contains(&FINALIZER_FOREGROUND) {
        errors.push(FieldError::invalid(
            path,
            finalizers_value(finalizers),
            format!("finalizer {FINALIZER_ORPHAN} and {FINALIZER_FOREGROUND} cannot be both set"),
        ));
    }
    errors
}

/// The finalizer check of `k8s.io/kubernetes/pkg/apis/core/validation`'s `ValidateObjectMeta`
/// and `ValidateObjectMetaUpdate` wrappers (`validateKubeFinalizerName`): a finalizer without
/// a `/` must be one of the standard ones.
pub(crate) fn validate_kube_finalizers(meta: &ObjectMeta<'_>) -> Vec<FieldError> {
    let path = metadata_path().child("finalizers");
    meta.finalizers
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.contains('/') && !STANDARD_FINALIZERS.contains(f))
        .map(|(i, f)| {
            FieldError::invalid(
                path.index(i),
                *f,
                "name is neither a standard finalizer name nor is it fully qualified",
            )
        })
        .collect()
}

/// Upstream's `ValidateManagedFields`.
fn validate_managed_fields(entries: &[ManagedField<'_>], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let item = path.index(i);
        match entry.operation {
            "" => errors.push(FieldError::required(
                item.child("operation"),
                "must not be empty",
            )),
            "Apply" | "Update" => {}
            other => errors.push(FieldError::not_supported(
                item.child("operation"),
                // A named string type: upstream prints it with json.Marshal.
                BadValue::Json(Value::String(other.to_string())),
                &["Apply", "Update"],
            )),
        }
        if !entry.fields_type.is_empty() && entry.fields_type != "FieldsV1" {
            errors.push(FieldError::invalid(
                item.child("fieldsType"),
                entry.fields_type,
                "must be `FieldsV1`",
            ));
        }
        let manager_path = item.child("manager");
        if entry.manager.len() > FIELD_MANAGER_MAX_LENGTH {
            errors.push(FieldError::too_long(
                &manager_path,
                i64::try_from(FIELD_MANAGER_MAX_LENGTH).unwrap_or(i64::MAX),
            ));
        }
        for (position, c) in entry.manager.char_indices() {
            if !ironkube_apimachinery::gocompat::is_go_printable(c) {
                errors.push(FieldError::invalid(
                    &manager_path,
                    entry.manager,
                    format!(
                        "invalid character U+{:04X} (at position {position})",
                        u32::from(c)
                    ),
                ));
            }
        }
        if entry.subresource.len() > MAX_SUBRESOURCE_NAME_LENGTH {
            errors.push(FieldError::too_long(
                item.child("subresource"),
                i64::try_from(MAX_SUBRESOURCE_NAME_LENGTH).unwrap_or(i64::MAX),
            ));
        }
    }
    errors
}

/// A timestamp as upstream prints a `metav1.Time` value: its JSON (`null` when unset).
fn timestamp_value(timestamp: Option<&Timestamp>) -> BadValue {
    BadValue::Json(timestamp.map_or(Value::Null, |t| Value::String(t.to_rfc3339_utc())))
}

/// Upstream's `ValidateObjectMetaAccessorUpdate`.
pub(crate) fn validate_update(new: &ObjectMeta<'_>, old: &ObjectMeta<'_>) -> Vec<FieldError> {
    let path = metadata_path();
    let mut errors = Vec::new();
    if old.deletion_timestamp.is_some() {
        let old_set: BTreeSet<&str> = old.finalizers.iter().copied().collect();
        let extra: BTreeSet<&str> = new
            .finalizers
            .iter()
            .copied()
            .filter(|f| !old_set.contains(f))
            .collect();
        if !extra.is_empty() {
            let listed: Vec<String> = extra.iter().map(|f| gocompat::quote(f)).collect();
            errors.push(FieldError::forbidden(
                path.child("finalizers"),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    listed.join(", ")
                ),
            ));
        }
    }
    if new.resource_version.is_empty() {
        errors.push(FieldError::invalid(
            path.child("resourceVersion"),
            new.resource_version,
            "must be specified for an update",
        ));
    }
    let generation = path.child("generation");
    errors.extend(validate_nonnegative(new.generation, &generation));
    if new.generation < old.generation {
        errors.push(FieldError::invalid(
            &generation,
            new.generation,
            "must not be decremented",
        ));
    }
    let immutable = |field: &str, changed: bool, value: BadValue| {
        changed.then(|| FieldError::invalid(path.child(field), value, FIELD_IMMUTABLE))
    };
    errors.extend(immutable("name", new.name != old.name, new.name.into()));
    errors.extend(immutable(
        "namespace",
        new.namespace != old.namespace,
        new.namespace.into(),
    ));
    // A UID is a named string type, which upstream prints with json.Marshal.
    errors.extend(immutable(
        "uid",
        new.uid != old.uid,
        BadValue::Json(Value::String(new.uid.to_string())),
    ));
    errors.extend(immutable(
        "creationTimestamp",
        new.creation_timestamp != old.creation_timestamp,
        timestamp_value(new.creation_timestamp.as_ref()),
    ));
    errors.extend(immutable(
        "deletionTimestamp",
        new.deletion_timestamp != old.deletion_timestamp,
        timestamp_value(new.deletion_timestamp.as_ref()),
    ));
    errors.extend(immutable(
        "deletionGracePeriodSeconds",
        new.deletion_grace_period_seconds != old.deletion_grace_period_seconds,
        BadValue::Json(
            new.deletion_grace_period_seconds
                .map_or(Value::Null, Value::from),
        ),
    ));
    errors.extend(validate_labels(&new.labels, &path.child("labels")));
    errors.extend(validate_annotations(
        &new.annotations,
        &path.child("annotations"),
    ));
    errors.extend(validate_owner_references(
        &new.owner_references,
        &path.child("ownerReferences"),
    ));
    errors.extend(validate_managed_fields(
        &new.managed_fields,
        &path.child("managedFields"),
    ));
    errors
}
