//! `metadata.managedFields` entries and the field sets they stand for, keyed by manager as
//! upstream keys them (`internal.DecodeManagedFields`, `encodeManagedFields`,
//! `BuildManagerIdentifier`).
//!
//! A manager is its name, operation, apiVersion (not for `Apply`) and subresource; each has a
//! versioned field set and maybe a time. Entries are written sorted: `Apply` before `Update`,
//! then by time (seconds; no time first), manager, apiVersion and subresource.

use std::collections::HashMap;

use ironkube_apimachinery::gocompat::push_json_string;
use serde_json::{Map, Value, json};

use super::fieldset::Set;
use crate::conversion::gojson::{format_time, parse_rfc3339};

/// Who manages fields (upstream's manager identifier).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ManagerId {
    /// The manager's name.
    pub(crate) manager: String,
    /// `Update` or `Apply`.
    pub(crate) operation: String,
    /// The apiVersion of an `Update` (empty for `Apply`).
    pub(crate) api_version: String,
    /// The subresource written through (`status`, `scale`), empty for the resource.
    pub(crate) subresource: String,
}

impl ManagerId {
    /// An `Update` manager.
    pub(crate) fn update(manager: &str, api_version: &str, subresource: &str) -> ManagerId {
        ManagerId {
            manager: manager.to_owned(),
            operation: "Update".to_owned(),
            api_version: api_version.to_owned(),
            subresource: subresource.to_owned(),
        }
    }

    /// The identifier as upstream spells it (the JSON of the entry without fields and time),
    /// which breaks ties when managers are capped.
    pub(crate) fn identifier(&self) -> String {
        let mut out = String::from("{");
        let mut first = true;
        for (name, value) in [
            ("manager", &self.manager),
            ("operation", &self.operation),
            ("apiVersion", &self.api_version),
            ("subresource", &self.subresource),
        ] {
            if value.is_empty() {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
            push_json_string(&mut out, value);
        }
        out.push('}');
        out
    }
}

/// A field set at an apiVersion, by an update or an apply.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VersionedSet {
    /// The fields.
    pub(crate) set: Set,
    /// The apiVersion the paths are in.
    pub(crate) api_version: String,
    /// Whether an apply made it.
    pub(crate) applied: bool,
}

/// Every manager's fields and times.
#[derive(Clone, Debug, Default)]
pub(crate) struct Managed {
    /// The fields by manager.
    pub(crate) fields: HashMap<ManagerId, VersionedSet>,
    /// The time by manager (RFC 3339 in UTC; `None` for an entry without one).
    pub(crate) times: HashMap<ManagerId, Option<String>>,
}

/// Why entries could not be read (upstream then uses the live object's, or none).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    /// managedFields is not a list of objects.
    #[error("managedFields is not a list of entries")]
    NotAList,
    /// An entry's operation is neither.
    #[error("operation must be `Apply` or `Update`")]
    Operation,
    /// An entry without apiVersion.
    #[error("apiVersion must not be empty")]
    ApiVersion,
    /// An entry without fieldsType, or another than FieldsV1.
    #[error("invalid fieldsType in managed fields entry {0}")]
    FieldsType(usize),
    /// Unreadable fieldsV1.
    #[error("error decoding set: {0}")]
    Fields(String),
    /// An unreadable time.
    #[error("invalid time")]
    Time,
}

/// A string member of an entry ("" when absent or null).
fn string_member<'a>(entry: &'a Map<String, Value>, name: &str) -> Result<&'a str, DecodeError> {
    match entry.get(name) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(DecodeError::NotAList),
    }
}

/// Upstream's `DecodeManagedFields` of the JSON entries (`None`: no entries).
pub(crate) fn decode(entries: Option<&Value>) -> Result<Managed, DecodeError> {
    let mut managed = Managed::default();
    let entries = match entries {
        None | Some(Value::Null) => return Ok(managed),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(DecodeError::NotAList),
    };
    for (i, entry) in entries.iter().enumerate() {
        let entry = match entry {
            Value::Object(entry) => entry,
            Value::Null => &Map::new(),
            _ => return Err(DecodeError::NotAList),
        };
        let operation = string_member(entry, "operation")?;
        if operation != "Apply" && operation != "Update" {
            return Err(DecodeError::Operation);
        }
        let api_version = string_member(entry, "apiVersion")?;
        if api_version.is_empty() {
            return Err(DecodeError::ApiVersion);
        }
        if string_member(entry, "fieldsType")? != "FieldsV1" {
            return Err(DecodeError::FieldsType(i));
        }
        let applied = operation == "Apply";
        let id = ManagerId {
            manager: string_member(entry, "manager")?.to_owned(),
            operation: operation.to_owned(),
            api_version: if applied {
                String::new()
            } else {
                api_version.to_owned()
            },
            subresource: string_member(entry, "subresource")?.to_owned(),
        };
        let set = match entry.get("fieldsV1") {
            None | Some(Value::Null) => Set::new(),
            Some(fields) => Set::from_fields_v1(fields).map_err(DecodeError::Fields)?,
        };
        let time = match entry.get("time") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => format_time(parse_rfc3339(t).ok_or(DecodeError::Time)?),
            Some(_) => return Err(DecodeError::Time),
        };
        managed.fields.insert(
            id.clone(),
            VersionedSet {
                set,
                api_version: api_version.to_owned(),
                applied,
            },
        );
        managed.times.insert(id, time);
    }
    Ok(managed)
}

/// One entry as written, before it becomes JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// `manager`.
    pub(crate) manager: String,
    /// `operation`.
    pub(crate) operation: String,
    /// `apiVersion`.
    pub(crate) api_version: String,
    /// `time`.
    pub(crate) time: Option<String>,
    /// `fieldsV1`, as upstream's bytes.
    pub(crate) fields_v1: String,
    /// `subresource`.
    pub(crate) subresource: String,
}

impl Entry {
    /// The entry's JSON (`fieldsType` is always `FieldsV1`; empty members left out).
    pub(crate) fn to_json(&self) -> Value {
        let mut entry = Map::new();
        if !self.manager.is_empty() {
            entry.insert("manager".into(), json!(self.manager));
        }
        entry.insert("operation".into(), json!(self.operation));
        entry.insert("apiVersion".into(), json!(self.api_version));
        if let Some(time) = &self.time {
            entry.insert("time".into(), json!(time));
        }
        entry.insert("fieldsType".into(), json!("FieldsV1"));
        entry.insert(
            "fieldsV1".into(),
            serde_json::from_str(&self.fields_v1).unwrap_or_else(|_| json!({})),
        );
        if !self.subresource.is_empty() {
            entry.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(entry)
    }
}

/// Seconds since the epoch of an entry's time (0 without one), as upstream sorts.
fn seconds(time: Option<&str>) -> i64 {
    time.and_then(parse_rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// Upstream's `encodeManagedFields`: the entries, sorted.
pub(crate) fn encode(managed: &Managed) -> Vec<Entry> {
    let mut entries: Vec<Entry> = managed
        .fields
        .iter()
        .map(|(id, versioned)| Entry {
            manager: id.manager.clone(),
            operation: if versioned.applied {
                "Apply".to_owned()
            } else {
                id.operation.clone()
            },
            api_version: versioned.api_version.clone(),
            time: managed.times.get(id).cloned().flatten(),
            fields_v1: versioned.set.to_fields_v1(),
            subresource: id.subresource.clone(),
        })
        .collect();
    entries.sort_by(|p, q| {
        p.operation
            .cmp(&q.operation)
            .then_with(|| seconds(p.time.as_deref()).cmp(&seconds(q.time.as_deref())))
            .then_with(|| p.manager.cmp(&q.manager))
            .then_with(|| p.api_version.cmp(&q.api_version))
            .then_with(|| p.subresource.cmp(&q.subresource))
    });
    entries
}

/// The JSON of the entries (`None` when there are none: the field is left out).
pub(crate) fn to_json(entries: &[Entry]) -> Option<Value> {
    (!entries.is_empty()).then(|| Value::Array(entries.iter().map(Entry::to_json).collect()))
}

/// Upstream's `isResetManagedFields`: an empty list, or one entry with nothing in it.
pub(crate) fn is_reset(entries: Option<&Value>) -> bool {
    match entries {
        Some(Value::Array(entries)) => match entries.as_slice() {
            [] => true,
            [Value::Object(entry)] => entry.iter().all(|(name, value)| match name.as_str() {
                "manager" | "operation" | "apiVersion" | "fieldsType" | "subresource" => {
                    value.is_null() || value.as_str() == Some("")
                }
                "time" | "fieldsV1" => value.is_null(),
                _ => true,
            }),
            [Value::Null] => true,
            _ => false,
        },
        _ => false,
    }
}
