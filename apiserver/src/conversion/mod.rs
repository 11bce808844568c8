//! Conversion of built-in objects between the versions ironkube serves and stores, as
//! upstream's codecs convert them: decoded at one version, converted to the internal version,
//! converted to the other (`k8s.io/kubernetes/pkg/apis/<group>/<version>/conversion.go` and the
//! generated conversions).
//!
//! Objects stay JSON. What upstream's round trip through the internal version changes is done
//! here, per kind:
//!
//! - [`autoscaling`]: `HorizontalPodAutoscaler` `v2` (stored) and `v1`, whose annotations keep
//!   what `v1` cannot express;
//! - [`events`]: core `v1` and `events.k8s.io/v1` `Event`, one type under two sets of names;
//! - [`apiextensions`]: `CustomResourceDefinition` `v1` (served) and `v1beta1` (stored);
//! - [`certificates`]: `PodCertificateRequest` `v1` (served) and `v1beta1` (stored);
//! - [`core`] and [`apps`]: kinds with one version whose internal round trip still changes them
//!   (`Secret.stringData`, `Node.spec.podCIDR`, the deprecated `Deployment` and `DaemonSet`
//!   annotations, `StatefulSet` claim templates), so [`convert`] is meant to be called on every
//!   write and read, also when the versions are the same.
//!
//! Every other kind has the same shape in all its versions (ClusterTrustBundle,
//! StorageVersionMigration, DeviceTaintRule among those stored at an older version): only
//! `apiVersion` changes. Defaulting, pruning of unknown fields and the canonical form of
//! quantities and times are not done here.

pub(crate) mod apiextensions;
pub(crate) mod apps;
pub(crate) mod autoscaling;
pub(crate) mod certificates;
pub(crate) mod core;
pub(crate) mod events;
pub(crate) mod gojson;

#[cfg(test)]
mod tests;

use ironkube_apimachinery::gocompat::quote;
use serde_json::{Map, Value};

use self::events::EventGroup;
use self::gojson::DecodeError;

/// Why an object could not be converted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConversionError {
    /// The object is not a JSON object.
    #[error("the object to convert is not a JSON object")]
    NotAnObject,
    /// The object has no `apiVersion` (upstream's `NewMissingVersionErr`).
    #[error("Object 'apiVersion' is missing in '{0}'")]
    MissingApiVersion(String),
    /// The object has no `kind` (upstream's `NewMissingKindErr`).
    #[error("Object 'Kind' is missing in '{0}'")]
    MissingKind(String),
    /// The `apiVersion` is not `version` or `group/version` (`schema.ParseGroupVersion`).
    #[error("unexpected GroupVersion string: {0}")]
    InvalidApiVersion(String),
    /// A version of a kind this module converts that upstream does not have (or does not
    /// serve); `group_version` is `group/version` (`version` for the core group).
    #[error("no kind {} is registered for version {}", quote(.kind), quote(.group_version))]
    NotRegistered {
        /// The object's kind.
        kind: String,
        /// The group version asked for or found.
        group_version: String,
    },
    /// The kind does not exist in the target group (only `Event` changes groups).
    #[error("{kind} of {} is not suitable for converting to {}", quote(.from), quote(.to))]
    NotConvertible {
        /// The object's kind.
        kind: String,
        /// The object's `apiVersion`.
        from: String,
        /// The target `apiVersion`.
        to: String,
    },
    /// A field has a value Go's decoder refuses for its type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A deprecated annotation that the internal version parses does not parse (upstream's
    /// message).
    #[error("{0}")]
    Annotation(String),
}

/// The `apiVersion` of `group`/`version`: `version` alone for the core group.
fn api_version_of(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Splits an `apiVersion` into group and version, as `schema.ParseGroupVersion` does.
fn parse_api_version(api_version: &str) -> Result<(&str, &str), ConversionError> {
    match api_version.split_once('/') {
        None => Ok(("", api_version)),
        Some((group, version)) if !version.contains('/') => Ok((group, version)),
        Some(_) => Err(ConversionError::InvalidApiVersion(api_version.to_string())),
    }
}

/// Converts `object` (whose `apiVersion` says what it is; `kind` is set) to `group`/`version`:
/// the same kind (`Event` keeps its name in both of its groups; a `…List` has its items
/// converted). Sets `apiVersion` and `kind`. Only `apiVersion` changes for kinds whose versions
/// have the same shape; see the module documentation for the others.
pub(crate) fn convert(object: Value, group: &str, version: &str) -> Result<Value, ConversionError> {
    let Value::Object(mut fields) = object else {
        return Err(ConversionError::NotAnObject);
    };
    let api_version = match fields.remove("apiVersion") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(ConversionError::MissingApiVersion(
                Value::Object(fields).to_string(),
            ));
        }
    };
    let kind = match fields.remove("kind") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(ConversionError::MissingKind(
                Value::Object(fields).to_string(),
            ));
        }
    };
    let (from_group, from_version) = parse_api_version(&api_version)?;
    let target = api_version_of(group, version);

    let converted = match kind.strip_suffix("List") {
        Some(item_kind) if fields.get("items").is_some_and(Value::is_array) => convert_list(
            fields,
            item_kind,
            (from_group, from_version),
            (group, version),
        )?,
        _ => convert_fields(
            Value::Object(fields),
            &kind,
            (from_group, from_version),
            (group, version),
        )?,
    };
    let mut out = Map::new();
    out.insert("apiVersion".to_string(), Value::String(target));
    out.insert("kind".to_string(), Value::String(kind));
    if let Value::Object(fields) = converted {
        out.extend(fields);
    }
    Ok(Value::Object(out))
}

/// Converts the items of a list of `item_kind`. Items keep `apiVersion` and `kind` only if they
/// had them (upstream's typed lists write neither).
fn convert_list(
    mut fields: Map<String, Value>,
    item_kind: &str,
    from: (&str, &str),
    to: (&str, &str),
) -> Result<Value, ConversionError> {
    if let Some(Value::Array(items)) = fields.remove("items") {
        let converted = items
            .into_iter()
            .map(|item| {
                let Value::Object(mut item) = item else {
                    return Err(ConversionError::NotAnObject);
                };
                let had_api_version = item.remove("apiVersion").is_some();
                let had_kind = item.remove("kind").is_some();
                let typed = had_api_version || had_kind;
                let converted = convert_fields(Value::Object(item), item_kind, from, to)?;
                let Value::Object(converted) = converted else {
                    return Ok(converted);
                };
                if !typed {
                    return Ok(Value::Object(converted));
                }
                let mut out = Map::new();
                out.insert(
                    "apiVersion".to_string(),
                    Value::String(api_version_of(to.0, to.1)),
                );
                out.insert("kind".to_string(), Value::String(item_kind.to_string()));
                out.extend(converted);
                Ok(Value::Object(out))
            })
            .collect::<Result<Vec<_>, _>>()?;
        fields.insert("items".to_string(), Value::Array(converted));
    }
    Ok(Value::Object(fields))
}

/// Checks that `kind` exists at `group`/`version` among `known` versions.
fn check_version(
    kind: &str,
    group: &str,
    version: &str,
    known: &[&str],
) -> Result<(), ConversionError> {
    if known.contains(&version) {
        Ok(())
    } else {
        Err(ConversionError::NotRegistered {
            kind: kind.to_string(),
            group_version: api_version_of(group, version),
        })
    }
}

/// Converts the fields of one object (without `apiVersion` and `kind`) of `kind` from
/// `from` to `to`, both `(group, version)`.
fn convert_fields(
    fields: Value,
    kind: &str,
    from: (&str, &str),
    to: (&str, &str),
) -> Result<Value, ConversionError> {
    let ((from_group, from_version), (to_group, to_version)) = (from, to);
    let check = |known: &[&str]| {
        check_version(kind, from_group, from_version, known)?;
        check_version(kind, to_group, to_version, known)
    };
    if kind == "Event"
        && let (Some(source), Some(target)) = (EventGroup::of(from_group), EventGroup::of(to_group))
    {
        check(&["v1"])?;
        return Ok(events::convert(fields, source, target));
    }
    if from_group != to_group {
        return Err(ConversionError::NotConvertible {
            kind: kind.to_string(),
            from: api_version_of(from_group, from_version),
            to: api_version_of(to_group, to_version),
        });
    }
    match (from_group, kind) {
        ("autoscaling", "HorizontalPodAutoscaler") => {
            check(autoscaling::VERSIONS)?;
            autoscaling::convert(&fields, from_version, to_version)
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            check(apiextensions::VERSIONS)?;
            Ok(apiextensions::convert(fields, from_version, to_version))
        }
        ("certificates.k8s.io", "PodCertificateRequest") => {
            check(certificates::VERSIONS)?;
            Ok(certificates::convert_pod_certificate_request(
                fields, to_version,
            ))
        }
        ("", "Secret") => {
            check(&["v1"])?;
            Ok(core::convert_secret(fields))
        }
        ("", "Node") => {
            check(&["v1"])?;
            Ok(core::convert_node(fields))
        }
        ("apps", "Deployment") => {
            check(&["v1"])?;
            apps::convert_deployment(fields)
        }
        ("apps", "DaemonSet") => {
            check(&["v1"])?;
            apps::convert_daemon_set(fields)
        }
        ("apps", "StatefulSet") => {
            check(&["v1"])?;
            Ok(apps::convert_stateful_set(fields))
        }
        _ => Ok(fields),
    }
}
