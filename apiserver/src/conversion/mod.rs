//! Conversion between the versions of a kind (placeholder: apiVersion rewriting only, until the
//! real conversions land).

use serde_json::Value;

/// Why an object could not be converted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConversionError {
    /// The object is not a JSON object.
    #[error("object is not a JSON object")]
    NotAnObject,
}

/// Converts `object` to `group`/`version`.
pub(crate) fn convert(
    mut object: Value,
    group: &str,
    version: &str,
) -> Result<Value, ConversionError> {
    let map = object.as_object_mut().ok_or(ConversionError::NotAnObject)?;
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    map.insert("apiVersion".into(), Value::String(api_version));
    Ok(object)
}
