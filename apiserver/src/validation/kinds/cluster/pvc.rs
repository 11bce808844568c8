//! Persistent volume claims: upstream's `ValidatePersistentVolumeClaim` and
//! `ValidatePersistentVolumeClaimUpdate` with the options
//! `ValidationOptionsForPersistentVolumeClaim` computes on a v1.37 apiserver
//! (`RecoverVolumeExpansionFailure` and `VolumeAttributesClass` on; invalid selector label
//! values and data source API groups tolerated on update only when the stored claim already
//! had them).

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::{Map, Value};

use super::super::pod::{canonical, quantity_value};
use super::super::{dns_subdomain, label_selector, list, obj, string};
use super::{dedup, namespace_name, optional_str, quantities, subdomain_name};

/// `supportedAccessModes`, sorted as upstream lists them.
const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

/// `supportedVolumeModes`, sorted.
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];

/// `v1.BetaStorageClassAnnotation`.
const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// The first line of the immutability error; upstream appends a diff of the specs.
const SPEC_IMMUTABLE: &str = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/// The spec fields in upstream's order, with their Go names for the diff.
const SPEC_FIELDS: [(&str, &str); 9] = [
    ("accessModes", "AccessModes"),
    ("selector", "Selector"),
    ("resources", "Resources"),
    ("volumeName", "VolumeName"),
    ("storageClassName", "StorageClassName"),
    ("volumeMode", "VolumeMode"),
    ("dataSource", "DataSource"),
    ("dataSourceRef", "DataSourceRef"),
    ("volumeAttributesClassName", "VolumeAttributesClassName"),
];

/// The parts of `PersistentVolumeClaimSpecValidationOptions` that vary.
#[derive(Clone, Copy, Default)]
struct Options {
    /// `AllowInvalidLabelValueInSelector`.
    invalid_label_values: bool,
    /// `AllowInvalidAPIGroupInDataSourceOrRef`.
    invalid_api_groups: bool,
}

/// The claim's spec (null when absent).
fn spec(claim: &Value) -> &Value {
    claim.get("spec").unwrap_or(&Value::Null)
}

/// `key` of `value` when present and not null (a Go pointer that is set).
fn pointer<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.get(key).filter(|v| !v.is_null())
}

/// `ValidatePersistentVolumeClaim` minus metadata.
pub(crate) fn validate_pvc(claim: &Value) -> Vec<FieldError> {
    dedup(validate_spec(
        spec(claim),
        &FieldPath::new("spec"),
        Options::default(),
    ))
}

/// `ValidatePersistentVolumeClaimSpec`.
fn validate_spec(spec: &Value, path: &FieldPath, opts: Options) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let modes_path = path.child("accessModes");
    let modes = list(spec, "accessModes");
    if modes.is_empty() {
        errors.push(FieldError::required(
            &modes_path,
            "at least 1 access mode is required",
        ));
    }
    if let Some(selector) = pointer(spec, "selector") {
        errors
            .extend(label_selector(selector, opts.invalid_label_values, &path.child("selector")).0);
    }
    let (mut read_write_once_pod, mut others) = (false, false);
    for mode in modes {
        let mode = mode.as_str().unwrap_or("");
        let supported = ACCESS_MODES.contains(&mode);
        if !supported {
            errors.push(FieldError::not_supported(&modes_path, mode, &ACCESS_MODES));
        }
        if mode == "ReadWriteOncePod" {
            read_write_once_pod = true;
        } else if supported {
            others = true;
        }
    }
    if read_write_once_pod && others {
        errors.push(FieldError::forbidden(
            &modes_path,
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    let storage_path = path.child("resources").key("storage");
    let requests = spec.get("resources").unwrap_or(&Value::Null);
    match obj(requests, "requests").get("storage") {
        None => errors.push(FieldError::required(&storage_path, "")),
        Some(quantity) => {
            let text = quantity.as_str().unwrap_or("");
            if quantity_value(text).is_some_and(|v| v <= 0.0) {
                errors.push(FieldError::invalid(
                    &storage_path,
                    canonical(text),
                    "must be greater than zero",
                ));
            }
        }
    }
    if let Some(class) = optional_str(spec, "storageClassName").filter(|c| !c.is_empty()) {
        errors.extend(subdomain_name(class, &path.child("storageClassName")));
    }
    if let Some(mode) = optional_str(spec, "volumeMode")
        && !VOLUME_MODES.contains(&mode)
    {
        errors.push(FieldError::not_supported(
            path.child("volumeMode"),
            mode,
            &VOLUME_MODES,
        ));
    }
    let data_source = pointer(spec, "dataSource");
    let data_source_ref = pointer(spec, "dataSourceRef");
    if let Some(source) = data_source {
        errors.extend(validate_data_source(
            source,
            &path.child("dataSource"),
            opts.invalid_api_groups,
        ));
    }
    if let Some(source) = data_source_ref {
        errors.extend(validate_data_source(
            source,
            &path.child("dataSourceRef"),
            opts.invalid_api_groups,
        ));
    }
    // Upstream's bad value here is a `*field.Path`, which JSON shows as `{}`.
    let path_value = Value::Object(Map::new());
    let ref_namespace = data_source_ref
        .and_then(|r| optional_str(r, "namespace"))
        .filter(|n| !n.is_empty());
    if ref_namespace.is_some() {
        if data_source.is_some() {
            errors.push(FieldError::invalid(
                path,
                path_value,
                "may not be specified when dataSourceRef.namespace is specified",
            ));
        }
    } else if let (Some(source), Some(source_ref)) = (data_source, data_source_ref)
        && !(optional_str(source, "apiGroup") == optional_str(source_ref, "apiGroup")
            && string(source, "kind") == string(source_ref, "kind")
            && string(source, "name") == string(source_ref, "name"))
    {
        errors.push(FieldError::invalid(
            path,
            path_value,
            "must match dataSourceRef",
        ));
    }
    if let Some(class) = optional_str(spec, "volumeAttributesClassName").filter(|c| !c.is_empty()) {
        errors.extend(subdomain_name(
            class,
            &path.child("volumeAttributesClassName"),
        ));
    }
    errors
}

/// `validateDataSource` / `validateDataSourceRef` (the namespace only on references).
fn validate_data_source(
    source: &Value,
    path: &FieldPath,
    invalid_api_groups: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if string(source, "name").is_empty() {
        errors.push(FieldError::required(path.child("name"), ""));
    }
    let kind = string(source, "kind");
    if kind.is_empty() {
        errors.push(FieldError::required(path.child("kind"), ""));
    }
    let api_group = string(source, "apiGroup");
    if api_group.is_empty() && kind != "PersistentVolumeClaim" {
        errors.push(FieldError::invalid(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !api_group.is_empty() && !invalid_api_groups {
        errors.extend(dns_subdomain(api_group, &path.child("apiGroup")));
    }
    if let Some(namespace) = optional_str(source, "namespace").filter(|n| !n.is_empty()) {
        errors.extend(namespace_name(namespace, &path.child("namespace")));
    }
    errors
}

/// The claim's annotations.
fn annotations(claim: &Value) -> &Map<String, Value> {
    obj(claim.get("metadata").unwrap_or(&Value::Null), "annotations")
}

/// `validateStorageClassUpgradeFromAnnotation`: the stored claim named its class only in the
/// beta annotation, and the new one names the same class in the field.
fn class_upgrade_from_annotation(new: &Value, old: &Value) -> bool {
    let Some(old_class) = annotations(old)
        .get(BETA_STORAGE_CLASS)
        .and_then(Value::as_str)
    else {
        return false;
    };
    let new_annotation = annotations(new)
        .get(BETA_STORAGE_CLASS)
        .and_then(Value::as_str);
    optional_str(spec(old), "storageClassName").is_none()
        && optional_str(spec(new), "storageClassName") == Some(old_class)
        && new_annotation.is_none_or(|a| a == old_class)
}

/// `validateStorageClassUpgradeFromNil`: a class set where there was none, agreeing with
/// the stored beta annotation if there is one.
fn class_upgrade_from_nil(new: &Value, old: &Value) -> bool {
    let old_annotation = annotations(old)
        .get(BETA_STORAGE_CLASS)
        .and_then(Value::as_str);
    match optional_str(spec(new), "storageClassName") {
        Some(class) => {
            optional_str(spec(old), "storageClassName").is_none()
                && old_annotation.is_none_or(|a| a == class)
        }
        None => false,
    }
}

/// The check `ValidatePersistentVolumeClaimUpdate` files under `metadata.`: the beta storage
/// class annotation may not change, unless the update moves the class from it to the field.
/// Upstream reports it after the new claim's spec errors and before the immutability ones.
pub(crate) fn validate_pvc_update_metadata(new: &Value, old: &Value) -> Vec<FieldError> {
    if class_upgrade_from_annotation(new, old) {
        return Vec::new();
    }
    let value = |claim: &Value| {
        annotations(claim)
            .get(BETA_STORAGE_CLASS)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (new_value, old_value) = (value(new), value(old));
    if new_value == old_value {
        return Vec::new();
    }
    vec![FieldError::invalid(
        FieldPath::new("metadata")
            .child("annotations")
            .child(BETA_STORAGE_CLASS),
        new_value,
        crate::validation::objectmeta::FIELD_IMMUTABLE,
    )]
}

/// The validation options for an update: tolerate what the stored claim already had.
fn update_options(old: &Value) -> Options {
    let old_spec = spec(old);
    let group_set = |key: &str| {
        pointer(old_spec, key).is_some_and(|source| pointer(source, "apiGroup").is_some())
    };
    Options {
        invalid_label_values: pointer(old_spec, "selector").is_some_and(|selector| {
            !label_selector(selector, false, &FieldPath::nil())
                .0
                .is_empty()
        }),
        invalid_api_groups: group_set("dataSource") || group_set("dataSourceRef"),
    }
}

/// Whether two quantity maps are equal as `Semantic.DeepEqual` compares them (by value).
fn quantities_eq(a: &Value, b: &Value, key: &str) -> bool {
    let (a, b) = (quantities(a, key), quantities(b, key));
    a.len() == b.len()
        && a.iter().zip(&b).all(|((ka, va), (kb, vb))| {
            ka == kb
                && match (quantity_value(va), quantity_value(vb)) {
                    (Some(x), Some(y)) => x == y,
                    _ => va == vb,
                }
        })
}

/// Whether the spec field `key` is equal in `a` and `b` as upstream's `Semantic.DeepEqual`
/// sees the Go types: pointers differ from unset, strings and lists compare by content,
/// quantities by value.
fn field_eq(a: &Value, b: &Value, key: &str) -> bool {
    match key {
        "accessModes" | "volumeName" => super::super::semantic_eq(
            a.get(key).unwrap_or(&Value::Null),
            b.get(key).unwrap_or(&Value::Null),
        ),
        "resources" => {
            let (ra, rb) = (
                a.get(key).unwrap_or(&Value::Null),
                b.get(key).unwrap_or(&Value::Null),
            );
            quantities_eq(ra, rb, "limits") && quantities_eq(ra, rb, "requests")
        }
        "selector" => match (pointer(a, key), pointer(b, key)) {
            (None, None) => true,
            (Some(x), Some(y)) => super::super::semantic_eq(x, y),
            _ => false,
        },
        "dataSource" | "dataSourceRef" => match (pointer(a, key), pointer(b, key)) {
            (None, None) => true,
            (Some(x), Some(y)) => {
                optional_str(x, "apiGroup") == optional_str(y, "apiGroup")
                    && optional_str(x, "namespace") == optional_str(y, "namespace")
                    && string(x, "kind") == string(y, "kind")
                    && string(x, "name") == string(y, "name")
            }
            _ => false,
        },
        _ => optional_str(a, key) == optional_str(b, key),
    }
}

/// `key` of `spec` set to `value` (removed when `None`).
fn set(spec: &mut Value, key: &str, value: Option<&Value>) {
    if let Some(map) = spec.as_object_mut() {
        match value {
            Some(value) => {
                map.insert(key.to_string(), value.clone());
            }
            None => {
                map.remove(key);
            }
        }
    }
}

/// `ValidatePersistentVolumeClaimUpdate` minus metadata: the new claim validated, then the
/// spec compared with the stored one after allowing a first volume name, a storage class
/// moved from the beta annotation or set where there was none, and for bound claims new
/// storage requests and volume attributes class; storage not shrunk below the recorded
/// capacity; the volume mode and an applied volume attributes class kept.
pub(crate) fn validate_pvc_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let new_spec = spec(new);
    let old_spec = spec(old);
    let mut errors = validate_spec(new_spec, &FieldPath::new("spec"), update_options(old));
    let mut new_clone = new_spec.clone();
    let mut old_clone = old_spec.clone();
    if string(old_spec, "volumeName").is_empty() {
        set(&mut old_clone, "volumeName", new_spec.get("volumeName"));
    }
    if class_upgrade_from_annotation(new, old) {
        set(&mut new_clone, "storageClassName", None);
    } else if class_upgrade_from_nil(new, old) {
        set(
            &mut new_clone,
            "storageClassName",
            old_spec.get("storageClassName"),
        );
    }
    let bound = string(new.get("status").unwrap_or(&Value::Null), "phase") == "Bound";
    if bound {
        let old_storage = old_spec
            .pointer("/resources/requests/storage")
            .cloned()
            .unwrap_or_else(|| Value::String("0".to_string()));
        if let Some(requests) = new_clone
            .pointer_mut("/resources/requests")
            .and_then(Value::as_object_mut)
        {
            requests.insert("storage".to_string(), old_storage);
        }
        set(
            &mut new_clone,
            "volumeAttributesClassName",
            old_clone.get("volumeAttributesClassName").cloned().as_ref(),
        );
    }
    let changed: Vec<(&str, &str)> = SPEC_FIELDS
        .iter()
        .copied()
        .filter(|(key, _)| !field_eq(&new_clone, &old_clone, key))
        .collect();
    if !changed.is_empty() {
        // Upstream appends a `cmp.Diff` of the Go structs; ours lists the changed fields.
        let mut message = format!("{SPEC_IMMUTABLE}\n");
        for (key, go_name) in changed {
            let show = |spec: &Value| {
                ironkube_apimachinery::gocompat::marshal_value(
                    spec.get(key).unwrap_or(&Value::Null),
                )
            };
            message.push_str(&format!("- \"{go_name}\": {}\n", show(&old_clone)));
            message.push_str(&format!("+ \"{go_name}\": {}\n", show(&new_clone)));
        }
        errors.push(FieldError::forbidden(FieldPath::new("spec"), message));
    }
    let size = |claim_spec: &Value| {
        claim_spec
            .pointer("/resources/requests/storage")
            .and_then(Value::as_str)
            .and_then(quantity_value)
            .unwrap_or(0.0)
    };
    let (new_size, old_size) = (size(new_spec), size(old_spec));
    let capacity = old
        .pointer("/status/capacity/storage")
        .and_then(Value::as_str)
        .and_then(quantity_value)
        .unwrap_or(0.0);
    if new_size < old_size && new_size <= capacity {
        errors.push(FieldError::forbidden(
            FieldPath::new("spec")
                .child("resources")
                .child("requests")
                .child("storage"),
            "field can not be less than status.capacity",
        ));
    }
    if optional_str(new_spec, "volumeMode") != optional_str(old_spec, "volumeMode") {
        errors.push(FieldError::invalid(
            FieldPath::new("volumeMode"),
            new_spec.get("volumeMode").cloned().unwrap_or(Value::Null),
            crate::validation::objectmeta::FIELD_IMMUTABLE,
        ));
    }
    let new_class = optional_str(new_spec, "volumeAttributesClassName");
    if new_class != optional_str(old_spec, "volumeAttributesClassName")
        && pointer(
            old.get("status").unwrap_or(&Value::Null),
            "currentVolumeAttributesClassName",
        )
        .is_some()
    {
        let path = FieldPath::new("spec").child("volumeAttributesClassName");
        match new_class {
            None => errors.push(FieldError::forbidden(
                path,
                "update to nil is forbidden when status.currentVolumeAttributesClassName is not nil",
            )),
            Some("") => errors.push(FieldError::forbidden(
                path,
                "update to empty string is forbidden when status.currentVolumeAttributesClassName is not nil",
            )),
            Some(_) => {}
        }
    }
    dedup(errors)
}
