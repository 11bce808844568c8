//! Quantities as the printers show them: `String()` of upstream's parsed `resource.Quantity`,
//! which is its canonical form ("1536Mi" for "1.5Gi", "500m" for "0.5") unless the input was
//! already canonical ([`ironkube_apimachinery::quantity`]).

use ironkube_apimachinery::quantity::canonical;
use serde_json::Value;

/// A quantity field as `String()` prints it: `missing` when the field is unset (a nil
/// `*Quantity` prints "<nil>", a zero `Quantity` "0"), the raw text when it does not parse.
pub(super) fn quantity_string(value: &Value, missing: &str) -> String {
    match value {
        Value::Null => missing.to_owned(),
        Value::String(text) => canonical(text.trim()).unwrap_or_else(|_| text.clone()),
        Value::Number(number) => {
            let text = number.to_string();
            canonical(&text).unwrap_or(text)
        }
        _ => missing.to_owned(),
    }
}

/// What a nil `*resource.Quantity` prints.
pub(super) const NIL: &str = "<nil>";
/// What a zero `resource.Quantity` prints.
pub(super) const ZERO: &str = "0";
