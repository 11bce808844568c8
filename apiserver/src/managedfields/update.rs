//! The `Update` operation of upstream's field manager (`FieldManager.UpdateNoErrors` over
//! `NewDefaultFieldManager`'s chain): which managedFields entries the new object gets.
//!
//! In upstream's order: the entries come from the new object, unless it asks for a reset (an
//! empty list, or one empty entry) or they do not decode or are empty, or the write is
//! through a subresource, in which cases they come from the live object. An object that has
//! none and already exists (it has a uid) gets none. Otherwise the two objects are compared:
//! other managers lose the fields that changed or went away, the writer owns the fields it
//! changed or added (less the strategy's reset fields and the object's identity metadata),
//! merged into its earlier entry with the same name, operation, apiVersion and subresource
//! and stamped with the time; managers left with nothing go; beyond ten update managers the
//! oldest are folded into `ancient-changes`. Anything the schema cannot walk keeps the live
//! object's entries as they were.
//!
//! The scale subresource goes through the `Scale` kind's own field manager, on the managers of
//! `spec.replicas` translated to the Scale and back (upstream's `ScaleHandler`).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::compare::{SchemaMismatch, compare, reconcile};
use super::fieldset::{Set, field_path};
use super::managers::{self, Entry, Managed, ManagerId, VersionedSet};
use super::schema::{self, Schema, TypeRef};

/// Where a write goes: the kind's group, version and kind, the subresource, and the
/// strategy's reset fields.
pub(crate) struct Endpoint<'a> {
    /// The group.
    pub(crate) group: &'a str,
    /// The version.
    pub(crate) version: &'a str,
    /// The kind.
    pub(crate) kind: &'a str,
    /// `status`, `scale`, or empty.
    pub(crate) subresource: &'a str,
    /// The fields the strategy resets, which nobody owns through this endpoint.
    pub(crate) reset: Set,
    /// The group and version of the OpenAPI document with the kind's schema (the endpoint's
    /// own, except for `Scale`, which the parent's document describes).
    pub(crate) document: (&'a str, &'a str),
}

impl Endpoint<'_> {
    /// `group/version`.
    fn api_version(&self) -> String {
        crate::rest::api_version(self.group, self.version)
    }
}

/// What the new object's managedFields become.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// These entries (none: the field goes).
    Entries(Vec<Entry>),
    /// The live object's, unchanged (the update could not be computed).
    KeepLive,
}

/// The identity metadata nobody owns (upstream's `stripMetaManager`).
pub(super) fn strip_set() -> Set {
    let mut set = Set::new();
    for path in [
        &["apiVersion"][..],
        &["kind"],
        &["metadata"],
        &["metadata", "name"],
        &["metadata", "namespace"],
        &["metadata", "creationTimestamp"],
        &["metadata", "selfLink"],
        &["metadata", "uid"],
        &["metadata", "clusterName"],
        &["metadata", "generation"],
        &["metadata", "managedFields"],
        &["metadata", "resourceVersion"],
    ] {
        set.insert(&field_path(path));
    }
    set
}

/// The most update managers kept (upstream's `DefaultMaxUpdateManagers`).
const MAX_UPDATE_MANAGERS: usize = 10;

fn managed_fields_of(object: &Value) -> Option<&Value> {
    object.get("metadata")?.get("managedFields")
}

fn uid_of(object: &Value) -> &str {
    object
        .get("metadata")
        .and_then(|m| m.get("uid"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `UpdateNoErrors` of `live` to `new`, both as Go marshals them; `sent` is the managedFields
/// the writer sent, as sent (an empty list, which Go's encoding drops, asks for a reset).
pub(crate) fn update_no_errors(
    endpoint: &Endpoint<'_>,
    live: &Value,
    new: &Value,
    sent: Option<&Value>,
    manager: &str,
    now: &str,
) -> Outcome {
    let managed = decode_live_or_new(endpoint, live, sent);
    let mut new_typed = new.clone();
    if let Some(meta) = new_typed.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    match update(endpoint, live, &new_typed, managed, manager, now) {
        Ok(managed) => Outcome::Entries(managers::encode(&managed)),
        Err(_) => Outcome::KeepLive,
    }
}

/// Upstream's `decodeLiveOrNew`.
fn decode_live_or_new(endpoint: &Endpoint<'_>, live: &Value, sent: Option<&Value>) -> Managed {
    let from_live = || managers::decode(managed_fields_of(live)).unwrap_or_default();
    if !endpoint.subresource.is_empty() {
        return from_live();
    }
    if managers::is_reset(sent) {
        return Managed::default();
    }
    match managers::decode(sent) {
        Ok(managed) if !managed.fields.is_empty() => managed,
        _ => from_live(),
    }
}

/// The chain below `FieldManager`: skip untracked objects, compute, strip, merge into the
/// writer's entry, cap.
pub(crate) fn update(
    endpoint: &Endpoint<'_>,
    live: &Value,
    new: &Value,
    managed: Managed,
    manager: &str,
    now: &str,
) -> Result<Managed, SchemaMismatch> {
    if managed.fields.is_empty() && !uid_of(live).is_empty() {
        return Ok(managed);
    }
    let api_version = endpoint.api_version();
    let id = ManagerId::update(
        if manager.is_empty() {
            "unknown"
        } else {
            manager
        },
        &api_version,
        endpoint.subresource,
    );
    let Managed { fields, mut times } = managed;
    let (mut fields, current) = structured_update(endpoint, live, new, fields)?;
    let current = current.difference(&strip_set());
    if !current.is_empty() {
        let set = match fields.get(&id) {
            Some(previous) => current.union(&previous.set),
            None => current,
        };
        fields.insert(
            id.clone(),
            VersionedSet {
                set,
                api_version: api_version.clone(),
                applied: false,
            },
        );
        times.insert(id, Some(now.to_owned()));
    }
    let mut managed = Managed { fields, times };
    cap_update_managers(&mut managed);
    Ok(managed)
}

/// How a manager's apiVersion relates to the endpoint's.
pub(super) enum VersionFit {
    /// The same, or another version of the kind (compared as if the same).
    Comparable,
    /// A version the kind does not have: the manager is dropped.
    Missing,
}

pub(super) fn version_fit(
    endpoint: &Endpoint<'_>,
    api_version: &str,
) -> Result<VersionFit, SchemaMismatch> {
    if api_version == endpoint.api_version() {
        return Ok(VersionFit::Comparable);
    }
    let (group, version) = match api_version.split_once('/') {
        None => ("", api_version),
        Some((_, rest)) if rest.contains('/') => {
            return Err(SchemaMismatch(format!(
                "unexpected GroupVersion string: {api_version}"
            )));
        }
        Some((group, version)) => (group, version),
    };
    if group != endpoint.group {
        return Ok(VersionFit::Missing);
    }
    let known = schema::for_group_version(group, version)
        .is_some_and(|schema| schema.kind(group, version, endpoint.kind).is_some());
    Ok(if known {
        VersionFit::Comparable
    } else {
        VersionFit::Missing
    })
}

/// The schema and type of the endpoint's kind.
pub(super) fn kind_schema(
    endpoint: &Endpoint<'_>,
) -> Result<(std::sync::Arc<Schema>, TypeRef), SchemaMismatch> {
    let (doc_group, doc_version) = endpoint.document;
    let Some(schema) = schema::for_group_version(doc_group, doc_version) else {
        // A group no built-in document describes serves custom resources: their fields are
        // tracked as upstream tracks a schema that preserves unknown fields (maps field by
        // field, lists whole).
        let schema = schema::untyped();
        let root = schema.deduced();
        return Ok((schema, root));
    };
    let root = schema
        .kind(endpoint.group, endpoint.version, endpoint.kind)
        .ok_or_else(|| SchemaMismatch("no corresponding type".to_owned()))?;
    Ok((schema, root))
}

/// structured-merge-diff's `Updater.Update` for the writer: the other managers after the
/// change, and what the writer changed.
fn structured_update(
    endpoint: &Endpoint<'_>,
    live: &Value,
    new: &Value,
    fields: HashMap<ManagerId, VersionedSet>,
) -> Result<(HashMap<ManagerId, VersionedSet>, Set), SchemaMismatch> {
    let (schema, root) = kind_schema(endpoint)?;
    // Managers' sets follow schema changes (paths under what is now atomic).
    let mut managers = HashMap::new();
    for (id, mut versioned) in fields {
        match version_fit(endpoint, &versioned.api_version)? {
            VersionFit::Missing => continue,
            VersionFit::Comparable => {
                if let Some(reconciled) = reconcile(&schema, &root, &versioned.set)? {
                    versioned.set = reconciled;
                }
                managers.insert(id, versioned);
            }
        }
    }
    let mut comparison = compare(&schema, &root, live, new)?;
    comparison.exclude(&endpoint.reset);
    let changed = comparison.modified.union(&comparison.added);
    let mut kept = HashMap::new();
    for (id, mut versioned) in managers {
        let conflicts = versioned.set.intersection(&changed);
        versioned.set = versioned
            .set
            .difference(&conflicts)
            .difference(&comparison.removed);
        if !versioned.set.is_empty() {
            kept.insert(id, versioned);
        }
    }
    let current = changed.recursive_difference(&endpoint.reset);
    Ok((kept, current))
}

/// Seconds of a manager's time (0 without one).
fn seconds(managed: &Managed, id: &ManagerId) -> i64 {
    managed
        .times
        .get(id)
        .and_then(|t| t.as_deref())
        .and_then(crate::conversion::gojson::parse_rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// Upstream's `capManagersManager`: the oldest update managers beyond the cap are merged into
/// one `ancient-changes` entry per apiVersion.
pub(super) fn cap_update_managers(managed: &mut Managed) {
    let mut updaters: Vec<ManagerId> = managed
        .fields
        .iter()
        .filter(|(_, versioned)| !versioned.applied)
        .map(|(id, _)| id.clone())
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort_by(|a, b| {
        seconds(managed, a)
            .cmp(&seconds(managed, b))
            .then_with(|| a.identifier().cmp(&b.identifier()))
    });
    let mut first_by_version: HashMap<String, ManagerId> = HashMap::new();
    let mut length = updaters.len();
    for id in updaters {
        if length <= MAX_UPDATE_MANAGERS {
            break;
        }
        let Some(versioned) = managed.fields.get(&id).cloned() else {
            continue;
        };
        let time = managed.times.get(&id).cloned().flatten();
        let version = versioned.api_version.clone();
        let bucket = ManagerId::update("ancient-changes", &version, "");
        if let Some(first) = first_by_version.get(&version) {
            if !managed.fields.contains_key(&bucket)
                && let Some(moved) = managed.fields.remove(first)
            {
                managed.fields.insert(bucket.clone(), moved);
            }
            let merged = match managed.fields.get(&bucket) {
                Some(existing) => versioned.set.union(&existing.set),
                None => versioned.set.clone(),
            };
            managed.fields.insert(
                bucket.clone(),
                VersionedSet {
                    set: merged,
                    api_version: versioned.api_version.clone(),
                    applied: versioned.applied,
                },
            );
            managed.fields.remove(&id);
            length -= 1;
            managed.times.insert(bucket, time);
        } else {
            first_by_version.insert(version, id);
        }
    }
}

/// Whether the scale subresource of `kind` maps `api_version` to `spec.replicas` (the
/// registries' `ReplicasPathMappings`).
fn replicas_mapped(endpoint: &Endpoint<'_>, api_version: &str) -> bool {
    // A custom resource maps every version of its own group (the common `.spec.replicas`
    // path is assumed).
    let (doc_group, doc_version) = endpoint.document;
    if schema::for_group_version(doc_group, doc_version).is_none() {
        return api_version
            .split_once('/')
            .is_some_and(|(group, _)| group == endpoint.group);
    }
    match endpoint.kind {
        "Deployment" | "StatefulSet" => {
            matches!(api_version, "apps/v1" | "apps/v1beta1" | "apps/v1beta2")
        }
        "ReplicaSet" => matches!(api_version, "apps/v1" | "apps/v1beta2"),
        "ReplicationController" => api_version == "v1",
        _ => false,
    }
}

/// The Scale object as Go marshals the parts that matter (its identity is stripped and its
/// status is the same on both sides).
fn scale_object(uid: &str, replicas: i64) -> Value {
    let mut spec = json!({});
    if replicas != 0 {
        spec["replicas"] = json!(replicas);
    }
    json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {"uid": uid, "creationTimestamp": null},
        "spec": spec,
        "status": {"replicas": 0},
    })
}

/// A scale write: `parent` is the object before, `replicas` the Scale's new `spec.replicas`.
/// `None` when the parent's entries do not decode (upstream fails the request there; here they
/// stay as they were).
pub(crate) fn scale_update(
    endpoint: &Endpoint<'_>,
    parent: &Value,
    replicas: i64,
    manager: &str,
    now: &str,
) -> Option<Vec<Entry>> {
    let replicas_path = field_path(&["spec", "replicas"]);
    let parent_managed = managers::decode(managed_fields_of(parent)).ok()?;
    // The parent's managers of spec.replicas, as Scale managers.
    let mut scale_managed = Managed::default();
    for (id, versioned) in &parent_managed.fields {
        if !replicas_mapped(endpoint, &versioned.api_version) || !versioned.set.has(&replicas_path)
        {
            continue;
        }
        let mut scale_id = id.clone();
        if !versioned.applied {
            scale_id.api_version = "autoscaling/v1".to_owned();
        }
        scale_managed.fields.insert(
            scale_id.clone(),
            VersionedSet {
                set: Set::of(&[&replicas_path]),
                api_version: "autoscaling/v1".to_owned(),
                applied: versioned.applied,
            },
        );
        scale_managed
            .times
            .insert(scale_id, parent_managed.times.get(id).cloned().flatten());
    }
    let scale_endpoint = Endpoint {
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        subresource: "scale",
        reset: Set::new(),
        document: endpoint.document,
    };
    let uid = uid_of(parent);
    let old_replicas = parent
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let scale_result = update(
        &scale_endpoint,
        &scale_object(uid, old_replicas),
        &scale_object(uid, replicas),
        scale_managed.clone(),
        manager,
        now,
    )
    .unwrap_or(scale_managed);
    // Back to the parent (upstream's `ToParent`).
    let parent_version = endpoint.api_version();
    let mut scale_fields = scale_result.fields;
    let mut out = Managed::default();
    for (id, versioned) in parent_managed.fields {
        if !replicas_mapped(endpoint, &versioned.api_version) {
            continue;
        }
        let time = parent_managed.times.get(&id).cloned().flatten();
        if !versioned.set.has(&replicas_path) {
            out.fields.insert(id.clone(), versioned);
            out.times.insert(id, time);
        } else if scale_fields.remove(&id).is_none() {
            let rest = versioned.set.difference(&Set::of(&[&replicas_path]));
            if !rest.is_empty() {
                out.fields.insert(
                    id.clone(),
                    VersionedSet {
                        set: rest,
                        ..versioned
                    },
                );
                out.times.insert(id, time);
            }
        } else {
            out.fields.insert(id.clone(), versioned);
            out.times.insert(id, time);
        }
    }
    for (id, versioned) in scale_fields {
        if !versioned.set.has(&replicas_path) {
            continue;
        }
        let time = parent_managed.times.get(&id).cloned().flatten();
        out.fields.insert(
            id.clone(),
            VersionedSet {
                set: Set::of(&[&replicas_path]),
                api_version: parent_version.clone(),
                applied: versioned.applied,
            },
        );
        out.times.insert(id, time);
    }
    Some(managers::encode(&out))
}
