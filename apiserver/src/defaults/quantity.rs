//! `SetDefaults_ResourceList`: every quantity in a resource list is rounded up to milli precision
//! (upstream's `Quantity.RoundUp(-3)`) and, as Go writes any quantity, in its canonical form.

use ironkube_apimachinery::quantity::canonical;
use serde_json::Value;

use super::Object;

/// Rounds every quantity of the resource list under `key` up to milli precision; values that do
/// not parse are left for validation.
pub(super) fn round_list(object: &mut Object, key: &str) {
    let Some(list) = object.get_mut(key).and_then(Value::as_object_mut) else {
        return;
    };
    for value in list.values_mut() {
        if let Some(rounded) = value.as_str().and_then(round_up_to_milli) {
            *value = Value::String(rounded);
        }
    }
}

/// The canonical form of `text` rounded up (away from zero) to a multiple of 1m.
fn round_up_to_milli(text: &str) -> Option<String> {
    let written = canonical(text).ok()?;
    // A canonical quantity is an integer mantissa with a suffix; only n, u and exponents below
    // -3 carry precision finer than a milli.
    let (mantissa, exponent, exponent_form) = if let Some(mantissa) = written.strip_suffix('n') {
        (mantissa, -9, false)
    } else if let Some(mantissa) = written.strip_suffix('u') {
        (mantissa, -6, false)
    } else if let Some((mantissa, exponent)) = written.split_once(['e', 'E']) {
        (mantissa, exponent.parse::<i64>().ok()?, true)
    } else {
        return Some(written);
    };
    if exponent >= -3 {
        return Some(written);
    }
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let drop = usize::try_from(-3 - exponent).ok()?;
    let (kept, dropped) = if digits.len() > drop {
        digits.split_at(digits.len() - drop)
    } else {
        ("", digits)
    };
    let mut millis: u128 = if kept.is_empty() {
        0
    } else {
        kept.parse().ok()?
    };
    if dropped.bytes().any(|b| b != b'0') {
        millis += 1;
    }
    let sign = if negative { "-" } else { "" };
    let rounded = if exponent_form {
        format!("{sign}{millis}e-3")
    } else {
        format!("{sign}{millis}m")
    };
    canonical(&rounded).ok()
}

#[cfg(test)]
mod tests {
    use super::round_up_to_milli;

    #[test]
    fn rounds_up_to_milli_and_canonicalises() {
        for (text, rounded) in [
            ("0.0001", "1m"),
            ("1.0001", "1001m"),
            ("100u", "1m"),
            ("1500u", "2m"),
            ("1n", "1m"),
            ("1.5", "1500m"),
            ("1.5Ki", "1536"),
            ("1Gi", "1Gi"),
            ("2", "2"),
            ("1e-4", "1e-3"),
        ] {
            assert_eq!(round_up_to_milli(text).as_deref(), Some(rounded), "{text}");
        }
    }
}
