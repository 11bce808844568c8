//! Config maps and secrets: upstream's `ValidateConfigMap(Update)` and `ValidateSecret(Update)`
//! (keys, secret type rules, `immutable`).

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::{Map, Value};

use super::{obj, regex_error, semantic_eq, string};

/// Upstream's `IsConfigMapKey`.
fn config_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if key.len() > 253 {
        errors.push("must be no more than 253 characters".to_string());
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        errors.push(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if key == "." {
        errors.push("must not be '.'".to_string());
    } else if key == ".." {
        errors.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errors.push("must not start with '..'".to_string());
    }
    errors
}

fn key_errors(map: &Map<String, Value>, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for key in map.keys() {
        for msg in config_key_errors(key) {
            errors.push(FieldError::invalid(path.key(key), key.as_str(), msg));
        }
    }
    errors
}

/// `ValidateConfigMap` minus metadata.
pub(super) fn validate_config_map(config_map: &Value) -> Vec<FieldError> {
    let data = obj(config_map, "data");
    let binary = obj(config_map, "binaryData");
    let data_path = FieldPath::new("data");
    let mut errors = key_errors(data, &data_path);
    for key in data.keys() {
        if binary.contains_key(key) {
            errors.push(FieldError::invalid(
                data_path.key(key),
                key.as_str(),
                "duplicate of key present in binaryData",
            ));
        }
    }
    errors.extend(key_errors(binary, &FieldPath::new("binaryData")));
    errors
}

fn is_immutable(object: &Value) -> bool {
    object.get("immutable").and_then(Value::as_bool) == Some(true)
}

/// The `immutable: true` rule shared by config maps and secrets.
fn immutability(new: &Value, old: &Value, fields: &[&str]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if is_immutable(old) {
        if !is_immutable(new) {
            errors.push(FieldError::forbidden(
                "immutable",
                "field is immutable when `immutable` is set",
            ));
        }
        for field in fields {
            let a = new.get(*field).unwrap_or(&Value::Null);
            let b = old.get(*field).unwrap_or(&Value::Null);
            if !semantic_eq(a, b) {
                errors.push(FieldError::forbidden(
                    *field,
                    "field is immutable when `immutable` is set",
                ));
            }
        }
    }
    errors
}

/// `ValidateConfigMapUpdate` minus metadata.
pub(super) fn validate_config_map_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errors = immutability(new, old, &["data", "binaryData"]);
    errors.extend(validate_config_map(new));
    errors
}

/// `ValidateSecret` minus metadata (the service account token annotation rule is a metadata
/// error and not here).
pub(super) fn validate_secret(secret: &Value) -> Vec<FieldError> {
    let data_path = FieldPath::new("data");
    let data = obj(secret, "data");
    let mut errors = key_errors(data, &data_path);
    let require = |errors: &mut Vec<FieldError>, key: &str| {
        if !data.contains_key(key) {
            errors.push(FieldError::required(data_path.key(key), ""));
        }
    };
    match string(secret, "type") {
        "kubernetes.io/dockercfg" => {
            require(&mut errors, ".dockercfg");
            errors.extend(json_payload(data, ".dockercfg", &data_path));
        }
        "kubernetes.io/dockerconfigjson" => {
            require(&mut errors, ".dockerconfigjson");
            errors.extend(json_payload(data, ".dockerconfigjson", &data_path));
        }
        "kubernetes.io/basic-auth"
            if !data.contains_key("username") && !data.contains_key("password") =>
        {
            require(&mut errors, "username");
            require(&mut errors, "password");
        }
        "kubernetes.io/ssh-auth" => require(&mut errors, "ssh-privatekey"),
        "kubernetes.io/tls" => {
            require(&mut errors, "tls.crt");
            require(&mut errors, "tls.key");
        }
        _ => {}
    }
    errors
}

/// `ValidateSecretUpdate` minus metadata.
pub(super) fn validate_secret_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let new_type = string(new, "type");
    if new_type != string(old, "type") {
        errors.push(FieldError::invalid("type", new_type, "field is immutable"));
    }
    errors.extend(immutability(new, old, &["data"]));
    errors.extend(validate_secret(new));
    errors
}

/// The docker config keys must hold JSON. Upstream's detail is Go's `json.Unmarshal` error,
/// which serde's wording does not reproduce; the value is redacted as upstream does.
fn json_payload(data: &Map<String, Value>, key: &str, path: &FieldPath) -> Vec<FieldError> {
    use base64::Engine as _;
    let Some(encoded) = data.get(key).and_then(Value::as_str) else {
        return Vec::new();
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_default();
    match serde_json::from_slice::<Value>(&decoded) {
        Ok(_) => Vec::new(),
        Err(err) => vec![FieldError::invalid(
            path.key(key),
            "<secret contents redacted>",
            err.to_string(),
        )],
    }
}
