//! Nodes: upstream's `ValidateNode` and `ValidateNodeUpdate` (the node strategy validates an
//! update with both). Spec and status parts here; the checks upstream files under
//! `metadata.` (taints, swap status) are in [`validate_node_metadata`].

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use ironkube_apimachinery::selector::{validate_label_key, validate_label_value};
use serde_json::{Value, json};

use super::super::pod::{canonical, nonnegative_quantity};
use super::super::{int, list, obj, string};
use super::{dedup, namespace_name, subdomain_name};
use crate::validation::names::{ParsedIp, Spelling, dtoi, parse_ip_sloppy};

/// The taint effects upstream's `validateTaintEffect` accepts, in its order.
const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// The message of a changed `spec.podCIDRs`.
const POD_CIDR_IMMUTABLE: &str = "node updates may not change podCIDR except from \"\" to valid";

/// The resources `helper.IsIntegerResourceName` names without a domain.
const INTEGER_RESOURCES: [&str; 9] = [
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// `ValidateNode` minus metadata: status capacity and allocatable, declared features and the
/// pod CIDRs.
pub(crate) fn validate_node(node: &Value) -> Vec<FieldError> {
    dedup(node_checks(node))
}

/// `ValidateNode`'s non-metadata checks, before the aggregate's deduplication.
fn node_checks(node: &Value) -> Vec<FieldError> {
    let mut errors = node_resources(node);
    errors.extend(declared_features(node));
    let cidrs = list(node.get("spec").unwrap_or(&Value::Null), "podCIDRs");
    if !cidrs.is_empty() {
        let path = FieldPath::new("spec").child("podCIDRs");
        for (i, cidr) in cidrs.iter().enumerate() {
            let text = cidr.as_str().unwrap_or("");
            if let Some(msg) = cidr_problem(text) {
                errors.push(FieldError::invalid(path.index(i), text, msg));
            }
        }
        if cidrs.len() > 1 {
            let (dual_stack, failure) = dual_stack(cidrs);
            if let Some(failure) = failure {
                errors.push(FieldError::internal(
                    &path,
                    format!(
                        "invalid PodCIDRs. failed to check with dual stack with error:{failure}"
                    ),
                ));
            }
            if !dual_stack || cidrs.len() > 2 {
                errors.push(FieldError::invalid(
                    &path,
                    Value::Array(cidrs.to_vec()),
                    "may specify no more than one CIDR for each IP family",
                ));
            }
        }
    }
    errors
}

/// `ValidateNodeUpdate` minus metadata, after `ValidateNode` on the new node as the strategy
/// runs it: duplicate status addresses, pod CIDRs and provider ID fixed once set, the config
/// source, the external ID.
pub(crate) fn validate_node_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errors = node_checks(new);
    errors.extend(node_resources(new));
    errors.extend(declared_features(new));
    let status = new.get("status").unwrap_or(&Value::Null);
    let addresses_path = FieldPath::new("status").child("addresses");
    let addresses = list(status, "addresses");
    for (i, address) in addresses.iter().enumerate() {
        let key = (string(address, "type"), string(address, "address"));
        if addresses[..i]
            .iter()
            .any(|a| (string(a, "type"), string(a, "address")) == key)
        {
            // Upstream shows the internal `core.NodeAddress` struct.
            errors.push(FieldError::duplicate(
                addresses_path.index(i),
                json!({"Type": key.0, "Address": key.1}),
            ));
        }
    }
    let new_spec = new.get("spec").unwrap_or(&Value::Null);
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    let old_cidrs = list(old_spec, "podCIDRs");
    let new_cidrs = list(new_spec, "podCIDRs");
    let cidrs_path = FieldPath::new("spec").child("podCIDRs");
    if !old_cidrs.is_empty() {
        if old_cidrs.len() != new_cidrs.len() {
            errors.push(FieldError::forbidden(&cidrs_path, POD_CIDR_IMMUTABLE));
        } else {
            for (old_cidr, new_cidr) in old_cidrs.iter().zip(new_cidrs) {
                if old_cidr.as_str() != new_cidr.as_str() {
                    errors.push(FieldError::forbidden(&cidrs_path, POD_CIDR_IMMUTABLE));
                }
            }
        }
    }
    let old_provider = string(old_spec, "providerID");
    let new_provider = string(new_spec, "providerID");
    let provider_path = FieldPath::new("spec").child("providerID");
    if !old_provider.is_empty() && !new_provider.is_empty() && old_provider != new_provider {
        errors.push(FieldError::invalid(
            &provider_path,
            Value::Null,
            "field cannot be modified once set",
        ));
    }
    if !old_provider.is_empty() && new_provider.is_empty() {
        errors.push(FieldError::invalid(
            &provider_path,
            Value::Null,
            "field cannot be cleared once set",
        ));
    }
    if let Some(source) = new_spec.get("configSource").filter(|v| !v.is_null()) {
        errors.extend(config_source(
            source,
            true,
            &FieldPath::new("spec").child("configSource"),
        ));
    }
    if let Some(config) = status.get("config").filter(|v| !v.is_null()) {
        let path = FieldPath::new("status").child("config");
        for key in ["assigned", "active", "lastKnownGood"] {
            if let Some(source) = config.get(key).filter(|v| !v.is_null()) {
                errors.extend(config_source(source, false, &path.child(key)));
            }
        }
    }
    if string(new_spec, "externalID") != string(old_spec, "externalID") {
        errors.push(FieldError::forbidden(
            FieldPath::new("spec").child("externalID"),
            "may not be updated",
        ));
    }
    dedup(errors)
}

/// The checks `ValidateNode` (and `ValidateNodeUpdate`, for taints again) files under
/// `metadata.`: `validateNodeTaints` at `metadata.taints` and `validateNodeSwapStatus` at
/// `metadata.nodeSwapStatus`. Upstream puts them after the object metadata errors and before
/// the ones of [`validate_node`]; the update's repeated taint errors fold into these (the
/// aggregate drops repeats), so this serves creates and updates alike. Node-specific
/// annotations (`scheduler.alpha.kubernetes.io/taints`, `.../preferAvoidPods`) are not
/// checked.
pub(crate) fn validate_node_metadata(node: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let path = FieldPath::new("metadata").child("taints");
    let taints = list(node.get("spec").unwrap_or(&Value::Null), "taints");
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (i, taint) in taints.iter().enumerate() {
        let item = path.index(i);
        let key = string(taint, "key");
        let value = string(taint, "value");
        let effect = string(taint, "effect");
        for msg in validate_label_key(key) {
            errors.push(FieldError::invalid(item.child("key"), key, msg));
        }
        let value_errors = validate_label_value(value);
        if !value_errors.is_empty() {
            errors.push(FieldError::invalid(
                item.child("value"),
                value,
                value_errors.join(";"),
            ));
        }
        if effect.is_empty() {
            errors.push(FieldError::required(item.child("effect"), ""));
        } else if !TAINT_EFFECTS.contains(&effect) {
            errors.push(FieldError::not_supported(
                item.child("effect"),
                effect,
                &TAINT_EFFECTS,
            ));
        }
        if seen.contains(&(effect, key)) {
            // Upstream shows the internal `core.Taint` struct.
            let mut duplicate = FieldError::duplicate(
                &item,
                json!({
                    "Key": key,
                    "Value": value,
                    "Effect": effect,
                    "TimeAdded": taint.get("timeAdded").cloned().unwrap_or(Value::Null),
                }),
            );
            duplicate.detail = "taints must be unique by key and effect pair".to_string();
            errors.push(duplicate);
            continue;
        }
        seen.push((effect, key));
    }
    let swap = node
        .pointer("/status/nodeInfo/swap")
        .unwrap_or(&Value::Null);
    if let Some(capacity) = int(swap, "capacity")
        && capacity <= 0
    {
        errors.push(FieldError::invalid(
            FieldPath::new("metadata")
                .child("nodeSwapStatus")
                .child("capacity"),
            capacity,
            "must be greater than zero",
        ));
    }
    dedup(errors)
}

/// `ValidateNodeResources`: capacity and allocatable quantities are not negative, and whole
/// for integer resources.
fn node_resources(node: &Value) -> Vec<FieldError> {
    let status = node.get("status").unwrap_or(&Value::Null);
    let mut errors = Vec::new();
    for key in ["capacity", "allocatable"] {
        let path = FieldPath::new("status").child(key);
        for (name, quantity) in obj(status, key) {
            let item = path.child(name);
            errors.extend(nonnegative_quantity(quantity, &item));
            let text = quantity.as_str().unwrap_or("");
            if is_integer_resource(name) && !is_whole(text) {
                errors.push(FieldError::invalid(
                    &item,
                    canonical(text),
                    "must be an integer",
                ));
            }
        }
    }
    errors
}

/// `helper.IsIntegerResourceName`: the object counts and the extended resources (names
/// with a domain other than `kubernetes.io` that make a qualified `requests.` quota name).
fn is_integer_resource(name: &str) -> bool {
    if INTEGER_RESOURCES.contains(&name) {
        return true;
    }
    let native = !name.contains('/') || name.contains("kubernetes.io/");
    !native
        && !name.starts_with("requests.")
        && validate_label_key(&format!("requests.{name}")).is_empty()
}

/// Whether a quantity's `MilliValue()` is a multiple of 1000: canonical forms below one unit
/// carry a milli, micro or nano suffix or a negative exponent.
fn is_whole(text: &str) -> bool {
    let canonical = canonical(text);
    !(canonical.ends_with(['m', 'u', 'n']) || canonical.contains("e-"))
}

/// `validateNodeDeclaredFeatures` on `status.declaredFeatures`: each name well formed, the
/// list sorted and without repeats.
fn declared_features(node: &Value) -> Vec<FieldError> {
    let path = FieldPath::new("status").child("declaredFeatures");
    let features: Vec<&str> = list(
        node.get("status").unwrap_or(&Value::Null),
        "declaredFeatures",
    )
    .iter()
    .map(|f| f.as_str().unwrap_or(""))
    .collect();
    let mut errors = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        if let Some(msg) = feature_name_problem(feature) {
            errors.push(FieldError::invalid(path.index(i), *feature, msg));
        }
        if let Some(next) = features.get(i + 1) {
            if feature == next {
                errors.push(FieldError::duplicate(path.index(i + 1), *next));
            } else if feature > next {
                errors.push(FieldError::invalid(
                    path.index(i + 1),
                    *next,
                    "list must be sorted alphabetically",
                ));
            }
        }
    }
    errors
}

/// `validateNodeDeclaredFeatureName`: at most 253 characters, matching
/// `^[A-Z][a-zA-Z0-9]*(\/[a-zA-Z][a-zA-Z0-9]*)*$`.
fn feature_name_problem(name: &str) -> Option<String> {
    let quoted = ironkube_apimachinery::gocompat::quote(name);
    if name.len() > 253 {
        return Some(format!(
            "invalid feature name {quoted}: must be no more than 253 characters"
        ));
    }
    let well_formed = name.split('/').enumerate().all(|(i, segment)| {
        let mut bytes = segment.bytes();
        let first_ok = match bytes.next() {
            Some(b) if i == 0 => b.is_ascii_uppercase(),
            Some(b) => b.is_ascii_alphabetic(),
            None => false,
        };
        first_ok && bytes.all(|b| b.is_ascii_alphanumeric())
    });
    (!well_formed).then(|| {
        format!(
            "invalid feature name {quoted}: must start with an UpperCamelCase segment, with subsequent segments separated by '/' (e.g., MyFeature or MyFeature/mySubFeature), and contain only alphanumeric characters and slashes"
        )
    })
}

/// A CIDR as `netutils.ParseCIDRSloppy` reads it.
struct SloppyCidr {
    /// The address as written.
    ip: ParsedIp,
    /// The prefix length.
    bits: usize,
    /// What the address's spelling revealed.
    spelling: Spelling,
    /// The prefix length as written.
    bits_text: String,
}

/// `netutils.ParseCIDRSloppy` (Go's old `net.ParseCIDR`, which allowed leading zeros):
/// `None` when it fails.
fn parse_cidr_sloppy(text: &str) -> Option<SloppyCidr> {
    let (addr, bits_text) = text.split_once('/')?;
    let mut spelling = Spelling::default();
    let ip = parse_ip_sloppy(addr, &mut spelling)?;
    let (bits, used) = dtoi(bits_text.as_bytes())?;
    let max = match ip {
        ParsedIp::V4(_) => 32,
        ParsedIp::V6(_) => 128,
    };
    let bits = usize::try_from(bits).ok()?;
    (used == bits_text.len() && bits <= max).then(|| SloppyCidr {
        ip,
        bits,
        spelling,
        bits_text: bits_text.to_string(),
    })
}

/// `bytes` with everything past the first `bits` bits cleared.
fn masked(bytes: &[u8], bits: usize) -> Vec<u8> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let keep = bits.saturating_sub(i * 8).min(8);
            if keep == 0 {
                0
            } else {
                b & (0xFFu8 << (8 - keep))
            }
        })
        .collect()
}

/// Whether 16 address bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
fn is_v4_mapped(bytes: &[u8]) -> bool {
    bytes.len() == 16
        && bytes[..10].iter().all(|&b| b == 0)
        && bytes[10] == 0xFF
        && bytes[11] == 0xFF
}

/// `IsValidCIDRForLegacyField` with strict validation (`StrictIPCIDRValidation` is on): the
/// one problem with `text`, if any.
fn cidr_problem(text: &str) -> Option<&'static str> {
    let Some(cidr) = parse_cidr_sloppy(text) else {
        return Some("must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
    };
    // `netip.ParsePrefix` refuses leading zeros in the address or the prefix length.
    let bits_leading_zero = cidr.bits_text.len() > 1 && cidr.bits_text.starts_with('0');
    if cidr.spelling.leading_zero || cidr.spelling.long_field || bits_leading_zero {
        return Some("must not have leading 0s in IP or prefix length");
    }
    let bytes: &[u8] = match &cidr.ip {
        ParsedIp::V4(b) => b,
        ParsedIp::V6(b) => b,
    };
    if is_v4_mapped(bytes) {
        return Some("must not have an IPv4-mapped IPv6 address");
    }
    if masked(bytes, cidr.bits) != bytes {
        return Some("must not have bits set beyond the prefix length");
    }
    None
}

/// `netutils.IsDualStackCIDRStrings`: whether both families are present, and the parse
/// failure upstream reports as an internal error.
fn dual_stack(cidrs: &[Value]) -> (bool, Option<String>) {
    let (mut v4, mut v6) = (false, false);
    for (i, cidr) in cidrs.iter().enumerate() {
        let text = cidr.as_str().unwrap_or("");
        let Some(parsed) = parse_cidr_sloppy(text) else {
            return (
                false,
                Some(format!(
                    "invalid CIDR[{i}]: <nil> (invalid CIDR address: {text})"
                )),
            );
        };
        match parsed.ip {
            ParsedIp::V4(_) => v4 = true,
            // `net.IP.To4` of the masked network address decides the family.
            ParsedIp::V6(bytes) => {
                if is_v4_mapped(&masked(&bytes, parsed.bits)) {
                    v4 = true;
                } else {
                    v6 = true;
                }
            }
        }
    }
    (v4 && v6, None)
}

/// `validateNodeConfigSourceSpec` (`spec`) or `validateNodeConfigSourceStatus`: exactly
/// one reference, a config map one well formed; `uid` and `resourceVersion` not set in the
/// spec, required in the status.
fn config_source(source: &Value, spec: bool, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut count = 0;
    if let Some(config_map) = source.get("configMap").filter(|v| !v.is_null()) {
        count += 1;
        let item = path.child("configMap");
        for key in ["uid", "resourceVersion"] {
            let set = !string(config_map, key).is_empty();
            if spec && set {
                errors.push(FieldError::forbidden(
                    item.child(key),
                    format!("{key} must not be set in spec"),
                ));
            } else if !spec && !set {
                errors.push(FieldError::required(item.child(key), ""));
            }
        }
        let namespace = string(config_map, "namespace");
        if namespace.is_empty() {
            errors.push(FieldError::required(item.child("namespace"), ""));
        } else {
            errors.extend(namespace_name(namespace, &item.child("namespace")));
        }
        let name = string(config_map, "name");
        if name.is_empty() {
            errors.push(FieldError::required(item.child("name"), ""));
        } else {
            errors.extend(subdomain_name(name, &item.child("name")));
        }
        // The key's character rules (`IsConfigMapKey`) are not checked here.
        if string(config_map, "kubeletConfigKey").is_empty() {
            errors.push(FieldError::required(item.child("kubeletConfigKey"), ""));
        }
    }
    if count != 1 {
        errors.push(FieldError::invalid(
            path,
            source.clone(),
            "exactly one reference subfield must be non-nil",
        ));
    }
    errors
}
