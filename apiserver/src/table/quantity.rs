//! `resource.Quantity` as the printers show it: parsed as upstream's `ParseQuantity` and printed
//! with `String()`, which is the canonical form ("1536Mi" for "1.5Gi", "500m" for "0.5") unless
//! the input was already canonical, in which case Go keeps the very string it parsed.

use std::fmt;

use serde_json::Value;

/// How a quantity's suffix is written (upstream's `resource.Format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `e3`, `E6`: base 10 with an explicit exponent.
    DecimalExponent,
    /// `Ki`, `Mi`, …: powers of 1024.
    BinarySi,
    /// `m`, `k`, `M`, …: powers of 1000.
    DecimalSi,
}

/// A parsed quantity: `mantissa × 10^exponent` in the given format, or the string Go keeps when
/// the input was already canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Quantity {
    /// The value's digits, signed.
    mantissa: i128,
    /// The power of ten the mantissa is scaled by.
    exponent: i32,
    /// The suffix family the value is written in.
    format: Format,
    /// The input itself, when upstream's parser found it canonical and kept it.
    kept: Option<String>,
}

/// The largest value a binary-suffixed quantity may hold (upstream caps at `math.MaxInt64`).
const MAX_BINARY: i128 = i64::MAX as i128;

impl Quantity {
    /// Parses `text` as upstream's `ParseQuantity` does; `None` for what upstream rejects (or
    /// for values beyond what 128 bits hold, which no stored object has).
    pub(super) fn parse(text: &str) -> Option<Self> {
        if text.is_empty() {
            return None;
        }
        if text == "0" {
            return Some(Self::zero_kept(text));
        }
        let parts = split(text)?;
        let (base, exp, format) = interpret_suffix(parts.suffix)?;
        let digits = format!("{}{}", parts.num, parts.denom);
        let denom_len = i32::try_from(parts.denom.len()).ok()?;
        let unsigned: i128 = digits.parse().ok()?;
        let signed = if parts.positive { unsigned } else { -unsigned };

        // Upstream's fast path keeps the input string when it is already canonical.
        let kept = match format {
            Format::BinarySi => {
                let precision = 15 - parts.num.len() as i64 - (exp as f32 * 3.0 / 10.0) as i64 - 1;
                let fast = exp >= 0 && parts.denom.is_empty() && precision >= 0;
                let fits = i64::try_from(unsigned)
                    .ok()
                    .and_then(|v| v.checked_mul(1i64.checked_shl(u32::try_from(exp).ok()?)?))
                    .is_some();
                fast && fits && exp % 10 == 0 && unsigned & 0x07 != 0
            }
            Format::DecimalSi | Format::DecimalExponent => {
                let precision = 18 - digits.len() as i64;
                let scale = exp - denom_len;
                precision >= 0
                    && scale >= -9
                    && scale % 3 == 0
                    && !digits.ends_with("000")
                    && !digits.starts_with('0')
            }
        };

        let (mut mantissa, mut exponent) = if base == 2 {
            (
                signed.checked_mul(1i128.checked_shl(u32::try_from(exp).ok()?)?)?,
                -denom_len,
            )
        } else {
            (signed, exp - denom_len)
        };
        // Below a nanounit upstream rounds away from zero: some resource, however small.
        if exponent < -9 {
            let divisor = pow10(u32::try_from(-9 - exponent).ok()?)?;
            let quotient = mantissa / divisor;
            let rounded = if mantissa % divisor == 0 {
                quotient
            } else {
                quotient + mantissa.signum()
            };
            mantissa = rounded;
            exponent = -9;
        }
        let mut format = format;
        if format == Format::BinarySi {
            // Binary values have no positive exponent here: the power of two went into the
            // mantissa and only the fraction's digits scale it down.
            let one = pow10(u32::try_from(-exponent).ok()?)?;
            if MAX_BINARY
                .checked_mul(one)
                .is_some_and(|max| mantissa.abs() > max)
            {
                mantissa = MAX_BINARY * mantissa.signum();
                exponent = 0;
            } else if mantissa != 0 && mantissa.abs() < one {
                // Between zero and one there is no binary suffix to write.
                format = Format::DecimalSi;
            }
        }
        Some(Self {
            mantissa,
            exponent,
            format,
            kept: kept.then(|| text.to_owned()),
        })
    }

    /// Go's zero `Quantity{}` (what a missing non-pointer quantity field decodes to).
    fn zero() -> Self {
        Self {
            mantissa: 0,
            exponent: 0,
            format: Format::DecimalSi,
            kept: None,
        }
    }

    /// The literal "0", which upstream keeps as it is.
    fn zero_kept(text: &str) -> Self {
        Self {
            kept: Some(text.to_owned()),
            ..Self::zero()
        }
    }

    /// The canonical form (upstream's `CanonicalizeBytes`).
    fn canonical(&self) -> Option<String> {
        if self.mantissa == 0 {
            return Some("0".to_owned());
        }
        let (mut mantissa, mut exponent) = strip_factors(self.mantissa, self.exponent);
        let mut format = self.format;
        if format == Format::BinarySi {
            // Values below 1024 in magnitude, and fractions, are written in decimal.
            let integer = match u32::try_from(exponent) {
                Ok(exp) => Some(mantissa.checked_mul(pow10(exp)?)?),
                Err(_) => None,
            };
            match integer {
                Some(mut value) if value.abs() >= 1024 => {
                    let mut power = 0;
                    while value.abs() >= 1024 && value % 1024 == 0 {
                        value /= 1024;
                        power += 1;
                    }
                    let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                        .get(power)
                        .copied()
                        .unwrap_or("");
                    return Some(format!("{value}{suffix}"));
                }
                _ => format = Format::DecimalSi,
            }
        }
        while exponent.rem_euclid(3) != 0 {
            mantissa = mantissa.checked_mul(10)?;
            exponent -= 1;
        }
        let suffix = match format {
            Format::DecimalExponent if exponent == 0 => String::new(),
            Format::DecimalExponent => format!("e{exponent}"),
            _ => match exponent {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                // Upstream has no suffix for other powers and prints the bare number.
                _ => "",
            }
            .to_owned(),
        };
        Some(format!("{mantissa}{suffix}"))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(kept) = &self.kept {
            return f.write_str(kept);
        }
        match self.canonical() {
            Some(text) => f.write_str(&text),
            None => f.write_str("<overflow>"),
        }
    }
}

/// `10^n`, if it fits.
fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Removes the factors of ten from the mantissa, raising the exponent.
fn strip_factors(mut mantissa: i128, mut exponent: i32) -> (i128, i32) {
    while mantissa != 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    (mantissa, exponent)
}

/// The pieces of a quantity string (upstream's `parseQuantityString`).
struct Parts<'a> {
    /// Whether there was no leading `-`.
    positive: bool,
    /// The integer digits without leading zeros ("0" when there were none).
    num: &'a str,
    /// The fraction digits.
    denom: &'a str,
    /// Everything after the number.
    suffix: &'a str,
}

/// Splits a quantity into sign, digits and suffix as upstream's scanner does.
fn split(text: &str) -> Option<Parts<'_>> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    let mut pos = 0;
    let mut positive = true;
    match bytes.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && bytes[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Some(Parts {
            positive,
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let num_start = pos;
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let mut num = &text[num_start..pos];
    if pos >= end {
        return Some(Parts {
            positive,
            num,
            denom: "",
            suffix: "",
        });
    }
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if bytes[pos] == b'.' {
        pos += 1;
        let denom_start = pos;
        while pos < end && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &text[denom_start..pos];
        if pos >= end {
            return Some(Parts {
                positive,
                num,
                denom,
                suffix: "",
            });
        }
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&bytes[pos]) {
        pos += 1;
    }
    if pos < end && (bytes[pos] == b'-' || bytes[pos] == b'+') {
        pos += 1;
    }
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return None;
    }
    Some(Parts {
        positive,
        num,
        denom,
        suffix: &text[suffix_start..],
    })
}

/// The base, exponent and format a suffix stands for (upstream's suffixer).
fn interpret_suffix(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |exp| Some((10, exp, Format::DecimalSi));
    let binary = |exp| Some((2, exp, Format::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            let exp: i64 = rest.parse().ok()?;
            Some((10, i32::try_from(exp).ok()?, Format::DecimalExponent))
        }
    }
}

/// A quantity field as `String()` prints it: `missing` when the field is unset (a nil
/// `*Quantity` prints "<nil>", a zero `Quantity` "0"), the raw text when it does not parse.
pub(super) fn quantity_string(value: &Value, missing: &str) -> String {
    match value {
        Value::Null => missing.to_owned(),
        Value::String(text) => {
            Quantity::parse(text.trim()).map_or_else(|| text.clone(), |q| q.to_string())
        }
        Value::Number(number) => {
            let text = number.to_string();
            Quantity::parse(&text).map_or(text, |q| q.to_string())
        }
        _ => missing.to_owned(),
    }
}

/// What a nil `*resource.Quantity` prints.
pub(super) const NIL: &str = "<nil>";
/// What a zero `resource.Quantity` prints.
pub(super) const ZERO: &str = "0";
