//! `resource.Quantity` as Go reads and writes it. A quantity travels in protobuf as its string, but
//! Go parses that string and writes back its *canonical* form (`1000m` → `1`, `0.5` → `500m`,
//! `1024Ki` → `1Mi`), except where it keeps the string it was given because that string already
//! looks canonical (`+1`, `1e3`, `007` survive as written). JSON must match byte for byte, so this
//! follows upstream's `ParseQuantity` and `CanonicalizeBytes` rule for rule, with an exact decimal
//! in place of Go's int64 and `inf.Dec` amounts (the two agree wherever int64 suffices).

use std::cmp::Ordering;

/// Why a string is not a quantity (upstream's three errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The string does not have a number-and-suffix form.
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    Format,
    /// The number could not be read.
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// The suffix is not one Kubernetes knows.
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// The three ways upstream writes a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `e3`, `E-6`: powers of ten as exponents.
    DecimalExponent,
    /// `Ki`, `Mi`, …: powers of 1024.
    BinarySi,
    /// `m`, `k`, `M`, …: SI powers of 1000.
    DecimalSi,
}

/// A non-negative exact decimal: `digits × 10^exponent`, digits most significant first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn new(digits: &[u8], exponent: i64) -> Decimal {
        let first = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
        Decimal {
            digits: digits[first..].to_vec(),
            exponent,
        }
    }

    fn from_u64(value: u64) -> Decimal {
        let digits: Vec<u8> = value.to_string().bytes().map(|b| b - b'0').collect();
        Decimal::new(&digits, 0)
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Drops trailing zero digits into the exponent; returns how many.
    fn strip_trailing_zeros(&mut self) -> i64 {
        let mut count = 0;
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exponent += 1;
            count += 1;
        }
        count
    }

    fn compare(&self, other: &Decimal) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        let magnitude = |d: &Decimal| d.digits.len() as i64 + d.exponent;
        match magnitude(self).cmp(&magnitude(other)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        let len = self.digits.len().max(other.digits.len());
        let at = |d: &Decimal, i: usize| d.digits.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| at(self, i).cmp(&at(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }

    fn multiply(&mut self, factor: u64) {
        let mut carry: u128 = 0;
        for digit in self.digits.iter_mut().rev() {
            let product = u128::from(*digit) * u128::from(factor) + carry;
            *digit = (product % 10) as u8;
            carry = product / 10;
        }
        while carry > 0 {
            self.digits.insert(0, (carry % 10) as u8);
            carry /= 10;
        }
        *self = Decimal::new(&self.digits, self.exponent);
    }

    fn add_one_ulp(&mut self) {
        for digit in self.digits.iter_mut().rev() {
            if *digit == 9 {
                *digit = 0;
            } else {
                *digit += 1;
                return;
            }
        }
        self.digits.insert(0, 1);
    }

    /// Rounds away from zero to `scale` decimal places (inf.Dec's Round with RoundUp).
    fn round_up_to_scale(&mut self, scale: i64) {
        if self.exponent >= -scale {
            return;
        }
        let drop = usize::try_from(-scale - self.exponent).unwrap_or(usize::MAX);
        let keep = self.digits.len().saturating_sub(drop);
        let inexact = self.digits[keep..].iter().any(|&d| d != 0);
        self.digits.truncate(keep);
        self.exponent = -scale;
        if inexact {
            self.add_one_ulp();
        }
        *self = Decimal::new(&self.digits, self.exponent);
    }

    /// Whether the value has no fractional part.
    fn is_integer(&self) -> bool {
        let fraction = usize::try_from(-self.exponent).unwrap_or(0);
        let start = self.digits.len().saturating_sub(fraction);
        self.digits[start..].iter().all(|&d| d == 0)
    }

    /// The integer digits of an integral value.
    fn integer_digits(&self) -> Vec<u8> {
        let mut digits = self.digits.clone();
        if self.exponent >= 0 {
            digits.extend(std::iter::repeat_n(0, self.exponent as usize));
        } else {
            let fraction = usize::try_from(-self.exponent).unwrap_or(usize::MAX);
            digits.truncate(digits.len().saturating_sub(fraction));
        }
        digits
    }
}

/// Divides decimal digits by a small divisor: the quotient's digits and the remainder.
fn divide(digits: &[u8], divisor: u32) -> (Vec<u8>, u32) {
    let mut quotient = Vec::with_capacity(digits.len());
    let mut remainder = 0u32;
    for &digit in digits {
        let current = remainder * 10 + u32::from(digit);
        quotient.push((current / divisor) as u8);
        remainder = current % divisor;
    }
    let first = quotient
        .iter()
        .position(|&d| d != 0)
        .unwrap_or(quotient.len());
    (quotient[first..].to_vec(), remainder)
}

fn digits_to_string(negative: bool, digits: &[u8]) -> String {
    let mut text = String::with_capacity(digits.len() + 1);
    if negative {
        text.push('-');
    }
    if digits.is_empty() {
        text.push('0');
    }
    text.extend(digits.iter().map(|&d| char::from(b'0' + d)));
    text
}

/// A parsed quantity.
#[derive(Debug, Clone)]
struct Quantity {
    negative: bool,
    magnitude: Decimal,
    format: Format,
    /// The string as given, when upstream keeps it (it already looks canonical).
    kept: Option<String>,
    /// The int64 amount (value, scale) when upstream's fast path read it; `None` when Go holds
    /// an `inf.Dec` instead.
    int64_amount: Option<(i64, i32)>,
}

/// What Go's `resource.Quantity` holds after `ParseQuantity` (the fields go-spew prints, which
/// the pod-template-hash feeds on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoQuantity {
    /// `i`: the int64 amount (value, scale); `None` when Go took the `inf.Dec` path (`d`).
    pub int64_amount: Option<(i64, i32)>,
    /// `s`: the string kept as given, or empty.
    pub kept: String,
    /// `Format`: `DecimalExponent`, `BinarySI` or `DecimalSI`.
    pub format: &'static str,
}

/// How Go's `ParseQuantity` holds `text`.
pub fn go_parsed(text: &str) -> Result<GoQuantity, QuantityError> {
    let quantity = parse(text)?;
    Ok(GoQuantity {
        int64_amount: quantity.int64_amount,
        kept: quantity.kept.unwrap_or_default(),
        format: match quantity.format {
            Format::DecimalExponent => "DecimalExponent",
            Format::BinarySi => "BinarySI",
            Format::DecimalSi => "DecimalSI",
        },
    })
}

/// The string Go writes for the quantity `text` parses to (its MarshalJSON and protobuf form).
pub fn canonical(text: &str) -> Result<String, QuantityError> {
    let quantity = parse(text)?;
    Ok(match quantity.kept {
        Some(kept) => kept,
        None => quantity.canonical_form(),
    })
}

const MAX_INT64_FACTORS: i64 = 18;
const NANO_SCALE: i64 = -9;

/// The parts of a quantity string (upstream's parseQuantityString).
struct Parts<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn split(text: &str) -> Result<Parts<'_>, QuantityError> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    let mut parts = Parts {
        positive: true,
        value: "",
        num: "",
        denom: "",
        suffix: "",
    };
    let mut pos = 0;
    match bytes.first() {
        Some(b'-') => {
            parts.positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && bytes[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        parts.num = "0";
        parts.value = "0";
        return Ok(parts);
    }
    let num_start = pos;
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    parts.num = &text[num_start..pos];
    if pos >= end {
        parts.value = text;
        return Ok(parts);
    }
    if parts.num.is_empty() {
        parts.num = "0";
    }
    if bytes[pos] == b'.' {
        pos += 1;
        let denom_start = pos;
        while pos < end && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        parts.denom = &text[denom_start..pos];
        if pos >= end {
            parts.value = text;
            return Ok(parts);
        }
    }
    parts.value = &text[..pos];
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&bytes[pos]) {
        pos += 1;
    }
    if pos < end && matches!(bytes[pos], b'-' | b'+') {
        pos += 1;
    }
    while pos < end && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::Format);
    }
    parts.suffix = &text[suffix_start..];
    Ok(parts)
}

/// What a suffix means: base, exponent and format (upstream's suffixer.interpret).
fn interpret(suffix: &str) -> Option<(u32, i64, Format)> {
    let decimal = |exponent| Some((10, exponent, Format::DecimalSi));
    let binary = |exponent| Some((2, exponent, Format::BinarySi));
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
        _ if suffix.len() > 1 && (suffix.starts_with('e') || suffix.starts_with('E')) => {
            // strconv.ParseInt accepts a sign; Go then truncates the int64 to int32.
            let parsed: i64 = suffix[1..].parse().ok()?;
            Some((10, i64::from(parsed as i32), Format::DecimalExponent))
        }
        _ => None,
    }
}

fn parse(text: &str) -> Result<Quantity, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Format);
    }
    if text == "0" {
        return Ok(Quantity {
            negative: false,
            magnitude: Decimal::new(&[], 0),
            format: Format::DecimalSi,
            kept: Some(text.to_owned()),
            int64_amount: Some((0, 0)),
        });
    }
    let parts = split(text)?;
    let (base, exponent, mut format) = interpret(parts.suffix).ok_or(QuantityError::Suffix)?;

    // Upstream's fast path: the number fits an int64 scaled by a power of ten no finer than nanos.
    let mut mantissa: i64 = 1;
    let mut scale: i64 = 0;
    let precision: i64 = match format {
        Format::DecimalExponent | Format::DecimalSi => {
            scale = exponent;
            MAX_INT64_FACTORS - (parts.num.len() + parts.denom.len()) as i64
        }
        Format::BinarySi => {
            if exponent >= 0 && parts.denom.is_empty() {
                mantissa = 1i64 << exponent;
                // Go computes int32(float32(exponent)*3/10).
                let digits_of_suffix = (exponent as f32 * 3.0 / 10.0) as i64;
                15 - parts.num.len() as i64 - digits_of_suffix - 1
            } else {
                -1
            }
        }
    };
    if precision >= 0 {
        scale -= parts.denom.len() as i64;
        if scale >= NANO_SCALE {
            let shifted = format!("{}{}", parts.num, parts.denom);
            let value: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
            if let Some(result) = value.checked_mul(mantissa) {
                let kept = match format {
                    Format::BinarySi => exponent % 10 == 0 && value & 0x07 != 0,
                    _ => scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0'),
                };
                let digits: Vec<u8> = result
                    .unsigned_abs()
                    .to_string()
                    .bytes()
                    .map(|b| b - b'0')
                    .collect();
                return Ok(Quantity {
                    negative: !parts.positive && result != 0,
                    magnitude: Decimal::new(&digits, scale),
                    format,
                    kept: kept.then(|| text.to_owned()),
                    int64_amount: Some((
                        if parts.positive { result } else { -result },
                        scale as i32,
                    )),
                });
            }
        }
    }

    // The slow path: an exact decimal of the numeric part (inf.Dec), then the suffix applied.
    let mut digits = Vec::new();
    let mut fraction_digits = 0i64;
    let mut seen_point = false;
    for byte in parts.value.bytes() {
        match byte {
            b'0'..=b'9' => {
                digits.push(byte - b'0');
                if seen_point {
                    fraction_digits += 1;
                }
            }
            b'.' => seen_point = true,
            _ => {}
        }
    }
    if digits.is_empty() {
        return Err(QuantityError::Numeric);
    }
    let mut magnitude = Decimal::new(&digits, -fraction_digits);
    if base == 10 {
        magnitude.exponent += exponent;
    } else {
        magnitude.multiply(1u64 << exponent);
    }
    if !magnitude.is_zero() {
        magnitude.round_up_to_scale(-NANO_SCALE);
    }
    let max_allowed = Decimal::from_u64(i64::MAX as u64);
    if format == Format::BinarySi && magnitude.compare(&max_allowed) == Ordering::Greater {
        magnitude = max_allowed;
    }
    if format == Format::BinarySi
        && !magnitude.is_zero()
        && magnitude.compare(&Decimal::from_u64(1)) == Ordering::Less
    {
        format = Format::DecimalSi;
    }
    Ok(Quantity {
        negative: !parts.positive && !magnitude.is_zero(),
        magnitude,
        format,
        kept: None,
        int64_amount: None,
    })
}

impl Quantity {
    /// Upstream's CanonicalizeBytes: the value in its format's largest exact unit.
    fn canonical_form(&self) -> String {
        if self.magnitude.is_zero() {
            return "0".to_owned();
        }
        let mut format = self.format;
        if format == Format::BinarySi
            && (self.magnitude.compare(&Decimal::from_u64(1024)) == Ordering::Less
                || !self.magnitude.is_integer())
        {
            format = Format::DecimalSi;
        }
        match format {
            Format::DecimalExponent | Format::DecimalSi => {
                let mut mantissa = self.magnitude.clone();
                mantissa.strip_trailing_zeros();
                while mantissa.exponent.rem_euclid(3) != 0 {
                    mantissa.digits.push(0);
                    mantissa.exponent -= 1;
                }
                let suffix = match format {
                    Format::DecimalExponent if mantissa.exponent == 0 => String::new(),
                    Format::DecimalExponent => format!("e{}", mantissa.exponent),
                    _ => decimal_si_suffix(mantissa.exponent).to_owned(),
                };
                digits_to_string(self.negative, &mantissa.digits) + &suffix
            }
            Format::BinarySi => {
                let mut digits = self.magnitude.integer_digits();
                let mut times = 0;
                loop {
                    let (quotient, remainder) = divide(&digits, 1024);
                    if remainder != 0 || quotient.is_empty() {
                        break;
                    }
                    digits = quotient;
                    times += 1;
                }
                digits_to_string(self.negative, &digits) + binary_si_suffix(times * 10)
            }
        }
    }
}

/// The SI suffix of a power of ten; upstream writes none for a power it has no suffix for.
fn decimal_si_suffix(exponent: i64) -> &'static str {
    match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "",
    }
}

/// The binary suffix of a power of two; none beyond `Ei`, as upstream.
fn binary_si_suffix(exponent: i64) -> &'static str {
    match exponent {
        10 => "Ki",
        20 => "Mi",
        30 => "Gi",
        40 => "Ti",
        50 => "Pi",
        60 => "Ei",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_quantities_canonicalize_as_upstream() {
        for (input, expected) in [
            ("1000m", "1"),
            ("0.5", "500m"),
            ("1024Ki", "1Mi"),
            ("1.5Gi", "1536Mi"),
            ("+1", "+1"),
            ("100Mi", "100Mi"),
            ("0.1n", "1n"),
        ] {
            assert_eq!(canonical(input).as_deref(), Ok(expected), "{input}");
        }
        assert_eq!(canonical(""), Err(QuantityError::Format));
        assert_eq!(canonical("1Z"), Err(QuantityError::Format));
        assert_eq!(canonical("1ki"), Err(QuantityError::Suffix));
    }
}
