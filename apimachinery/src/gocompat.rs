//! The few pieces of Go's standard library whose exact output shows up in API bytes.
//!
//! Upstream messages are built with `%q` (Go's `strconv.Quote`), `%v` of floats, and bodies are
//! written by `encoding/json`, which escapes `<`, `>`, `&`, U+2028 and U+2029, sorts map keys
//! and formats floats its own way. Continue tokens are read by `encoding/json` too, whose
//! syntax-error messages reach clients. This module reproduces those behaviours so the rest of
//! the crate can produce byte-identical messages and bodies.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

// === strconv.Quote ===

/// Go's `strconv.Quote` (and so `%q` of a string): double-quoted, with Go's escapes.
///
/// Printable characters are kept as they are; control characters, separators other than the
/// ASCII space, format characters and private-use characters are escaped as `\a \b \f \n \r
/// \t \v`, `\xNN` (below U+0080), `\uNNNN` or `\UNNNNNNNN`. Go decides "printable" from the
/// Unicode tables; code points unassigned in Unicode are treated as printable here.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped_rune(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Quotes one byte the way Go's `encoding/json` names a bad character in syntax errors
/// (`quoteChar`): `'x'`, `'\''`, `'"'`, `'\n'`, `'\x00'`, `'\u0085'`.
pub(crate) fn quote_json_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let mut out = String::from("'");
            push_escaped_rune(&mut out, char::from(c), '"');
            out.push('\'');
            out
        }
    }
}

fn push_escaped_rune(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_go_printable(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Go's `strconv.IsPrint` (and `unicode.IsPrint`), from the general categories: letters, marks,
/// numbers, punctuation, symbols and the ASCII space are printable; other separators, controls,
/// format and private-use characters are not.
pub fn is_go_printable(c: char) -> bool {
    let r = c as u32;
    if r < 0x100 {
        return (0x20..=0x7e).contains(&r) || ((0xa1..=0xff).contains(&r) && r != 0xad);
    }
    const NOT_PRINTABLE: &[(u32, u32)] = &[
        // Zs, Zl, Zp
        (0x1680, 0x1680),
        (0x2000, 0x200a),
        (0x2028, 0x2029),
        (0x202f, 0x202f),
        (0x205f, 0x205f),
        (0x3000, 0x3000),
        // Cf
        (0x0600, 0x0605),
        (0x061c, 0x061c),
        (0x06dd, 0x06dd),
        (0x070f, 0x070f),
        (0x0890, 0x0891),
        (0x08e2, 0x08e2),
        (0x180e, 0x180e),
        (0x200b, 0x200f),
        (0x202a, 0x202e),
        (0x2060, 0x2064),
        (0x2066, 0x206f),
        (0xfeff, 0xfeff),
        (0xfff9, 0xfffb),
        (0x110bd, 0x110bd),
        (0x110cd, 0x110cd),
        (0x13430, 0x1343f),
        (0x1bca0, 0x1bca3),
        (0x1d173, 0x1d17a),
        (0xe0001, 0xe0001),
        (0xe0020, 0xe007f),
        // Co
        (0xe000, 0xf8ff),
        (0xf0000, 0xffffd),
        (0x100000, 0x10fffd),
        // noncharacters (Cn)
        (0xfdd0, 0xfdef),
    ];
    if r & 0xfffe == 0xfffe {
        return false;
    }
    !NOT_PRINTABLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&r))
}

// === floats ===

/// The shortest round-trip digits of a finite, non-zero `f`'s magnitude and its decimal
/// exponent, as `d.ddd × 10^exp` (digits without the point).
fn shortest_digits(f: f64) -> (String, i32) {
    let formatted = format!("{:e}", f.abs());
    let (mantissa, exp) = formatted
        .split_once('e')
        .unwrap_or((formatted.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn push_exponent_form(out: &mut String, digits: &str, exp: i32, min_exp_digits: usize) {
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(
        out,
        "{:0width$}",
        exp.unsigned_abs(),
        width = min_exp_digits
    );
}

fn push_fixed_form(out: &mut String, digits: &str, exp: i32) {
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
        return;
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        out.push_str(digits);
        for _ in digits.len()..int_len {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..int_len]);
        out.push('.');
        out.push_str(&digits[int_len..]);
    }
}

/// Go's `%v` of a `float64` (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits that
/// round-trip, in exponent form (`1e+06`, `1e-05`) when the decimal exponent is below -4 or at
/// least 6, else in fixed form (`123456`, `0.0001`).
pub fn format_float_v(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    let (digits, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        push_exponent_form(&mut out, &digits, exp, 2);
    } else {
        push_fixed_form(&mut out, &digits, exp);
    }
    out
}

/// How Go's `encoding/json` writes a `float64`: like ECMAScript, fixed notation between 1e-6
/// and 1e21, exponent notation (`1e+21`, `1e-7`) outside. Go refuses to encode infinities and
/// NaN (JSON has none); they are written as `0` here, and never occur in a
/// [`serde_json::Value`].
pub fn format_float_json(f: f64) -> String {
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if f == 0.0 || !f.is_finite() {
        out.push('0');
        return out;
    }
    let (digits, exp) = shortest_digits(f);
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        push_exponent_form(&mut out, &digits, exp, if exp < 0 { 1 } else { 2 });
    } else {
        push_fixed_form(&mut out, &digits, exp);
    }
    out
}

// === encoding ===

/// Writes `s` as a JSON string the way Go's `encoding/json` does (HTML-safe escaping).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Serializes a typed value (a struct whose field order matters) as Go's `json.Marshal` would:
/// serde's output with Go's HTML-safe escaping applied. Floats inside are written by serde;
/// use [`marshal_value`] for documents that carry floats or maps.
pub fn marshal<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let plain = serde_json::to_string(value)?;
    let mut out = String::with_capacity(plain.len());
    // Outside strings, JSON has none of these characters, so every occurrence is in a string.
    for c in plain.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    Ok(out.into_bytes())
}

/// Serializes a JSON document exactly as Go's `json.Marshal` writes the same data held in
/// `map[string]interface{}` form: object keys sorted, HTML-safe string escaping, Go's float
/// formatting.
pub fn marshal_value(value: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, value);
    out
}

fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                out.push_str(&format_float_json(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, key);
                out.push(':');
                push_value(out, item);
            }
            out.push('}');
        }
    }
}

// === decoding ===

/// A JSON document as Go's decoder sees it: numbers keep their literal text, strings are
/// decoded with Go's replacement rules, object members keep their order and duplicates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GoJson {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<GoJson>),
    Object(Vec<(String, GoJson)>),
}

impl GoJson {
    /// The word Go's `UnmarshalTypeError` uses for this value ("number" without its literal).
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            GoJson::Null => "null",
            GoJson::Bool(_) => "bool",
            GoJson::Number(_) => "number",
            GoJson::String(_) => "string",
            GoJson::Array(_) => "array",
            GoJson::Object(_) => "object",
        }
    }
}

const MAX_NESTING_DEPTH: usize = 10000;

/// Checks `data` as Go's `encoding/json` scanner does before decoding (`checkValid`), with
/// its error messages (`invalid character 'x' looking for beginning of value`, `unexpected
/// end of JSON input`, ...).
pub fn check_syntax(data: &[u8]) -> Result<(), String> {
    let mut scanner = Scanner::default();
    for &c in data {
        if scanner.step(c) == Step::Error {
            return Err(scanner.error.unwrap_or_default());
        }
    }
    scanner.eof()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Literal(&'static [u8], usize, &'static str),
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Continue,
    End,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Debug)]
struct Scanner {
    state: State,
    stack: Vec<Parse>,
    end_top: bool,
    error: Option<String>,
}

impl Default for Scanner {
    fn default() -> Self {
        Self {
            state: State::BeginValue,
            stack: Vec::new(),
            end_top: false,
            error: None,
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl Scanner {
    fn fail(&mut self, c: u8, context: &str) -> Step {
        self.state = State::Error;
        self.error = Some(format!(
            "invalid character {} {}",
            quote_json_char(c),
            context
        ));
        Step::Error
    }

    fn push(&mut self, c: u8, parse: Parse) -> Step {
        self.stack.push(parse);
        if self.stack.len() <= MAX_NESTING_DEPTH {
            Step::Continue
        } else {
            self.fail(c, "exceeded max depth")
        }
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn eof(&mut self) -> Result<(), String> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        if self.end_top {
            return Ok(());
        }
        self.step(b' ');
        if self.end_top {
            return Ok(());
        }
        Err(self
            .error
            .clone()
            .unwrap_or_else(|| "unexpected end of JSON input".to_string()))
    }

    fn step(&mut self, c: u8) -> Step {
        match self.state {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Step::Continue
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    Step::Continue
                } else if c == b'}' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    self.end_value(c)
                } else {
                    self.begin_string(c)
                }
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => {
                if !is_space(c) {
                    self.fail(c, "after top-level value");
                }
                Step::End
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return self.fail(c, "in string literal"),
                    _ => {}
                }
                Step::Continue
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Step::Continue
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Step::Continue
                }
                _ => self.fail(c, "in string escape code"),
            },
            State::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.state = if n == 3 {
                        State::InString
                    } else {
                        State::InStringEscU(n + 1)
                    };
                    Step::Continue
                } else {
                    self.fail(c, "in \\u hexadecimal character escape")
                }
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Step::Continue
                }
                b'1'..=b'9' => {
                    self.state = State::One;
                    Step::Continue
                }
                _ => self.fail(c, "in numeric literal"),
            },
            State::One => {
                if c.is_ascii_digit() {
                    Step::Continue
                } else {
                    self.zero(c)
                }
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    Step::Continue
                } else {
                    self.fail(c, "after decimal point in numeric literal")
                }
            }
            State::Dot0 => {
                if c.is_ascii_digit() {
                    Step::Continue
                } else if c == b'e' || c == b'E' {
                    self.state = State::E;
                    Step::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::E => {
                if c == b'+' || c == b'-' {
                    self.state = State::ESign;
                    Step::Continue
                } else {
                    self.e_sign(c)
                }
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    Step::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, at, name) => {
                if c == word[at] {
                    self.state = if at + 1 == word.len() {
                        State::EndValue
                    } else {
                        State::Literal(word, at + 1, name)
                    };
                    Step::Continue
                } else {
                    let context = format!("in literal {name} (expecting '{}')", word[at] as char);
                    self.fail(c, &context)
                }
            }
            State::Error => Step::Error,
        }
    }

    fn begin_value(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Step::Continue;
        }
        match c {
            b'{' => {
                self.state = State::BeginStringOrEmpty;
                self.push(c, Parse::ObjectKey)
            }
            b'[' => {
                self.state = State::BeginValueOrEmpty;
                self.push(c, Parse::ArrayValue)
            }
            b'"' => {
                self.state = State::InString;
                Step::Continue
            }
            b'-' => {
                self.state = State::Neg;
                Step::Continue
            }
            b'0' => {
                self.state = State::Zero;
                Step::Continue
            }
            b't' => {
                self.state = State::Literal(b"true", 1, "true");
                Step::Continue
            }
            b'f' => {
                self.state = State::Literal(b"false", 1, "false");
                Step::Continue
            }
            b'n' => {
                self.state = State::Literal(b"null", 1, "null");
                Step::Continue
            }
            b'1'..=b'9' => {
                self.state = State::One;
                Step::Continue
            }
            _ => self.fail(c, "looking for beginning of value"),
        }
    }

    fn begin_string(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Step::Continue;
        }
        if c == b'"' {
            self.state = State::InString;
            return Step::Continue;
        }
        self.fail(c, "looking for beginning of object key string")
    }

    fn zero(&mut self, c: u8) -> Step {
        match c {
            b'.' => {
                self.state = State::Dot;
                Step::Continue
            }
            b'e' | b'E' => {
                self.state = State::E;
                Step::Continue
            }
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) -> Step {
        if c.is_ascii_digit() {
            self.state = State::E0;
            Step::Continue
        } else {
            self.fail(c, "in exponent of numeric literal")
        }
    }

    fn end_value(&mut self, c: u8) -> Step {
        let Some(&top) = self.stack.last() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Step::Continue;
        }
        match top {
            Parse::ObjectKey => {
                if c == b':' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    self.state = State::BeginValue;
                    Step::Continue
                } else {
                    self.fail(c, "after object key")
                }
            }
            Parse::ObjectValue => match c {
                b',' => {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectKey;
                    }
                    self.state = State::BeginString;
                    Step::Continue
                }
                b'}' => {
                    self.pop();
                    Step::Continue
                }
                _ => self.fail(c, "after object key:value pair"),
            },
            Parse::ArrayValue => match c {
                b',' => {
                    self.state = State::BeginValue;
                    Step::Continue
                }
                b']' => {
                    self.pop();
                    Step::Continue
                }
                _ => self.fail(c, "after array element"),
            },
        }
    }
}

/// Parses `data` as Go's `json.Unmarshal` reads it: first the syntax check (with Go's
/// messages), then a tree in which strings are decoded with Go's rules (invalid UTF-8 and lone
/// surrogates become U+FFFD).
pub(crate) fn parse(data: &[u8]) -> Result<GoJson, String> {
    check_syntax(data)?;
    let mut parser = TreeParser { data, pos: 0 };
    Ok(parser.value())
}

/// Builds the tree of a document already known to be valid, so it never fails.
struct TreeParser<'a> {
    data: &'a [u8],
    pos: usize,
}

impl TreeParser<'_> {
    fn peek(&self) -> u8 {
        self.data.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_space(&mut self) {
        while self.pos < self.data.len() && is_space(self.data[self.pos]) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> GoJson {
        self.skip_space();
        match self.peek() {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        b'}' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        b'"' => {}
                        _ => break,
                    }
                    let key = self.string();
                    self.skip_space();
                    if self.peek() == b':' {
                        self.pos += 1;
                    }
                    let value = self.value();
                    members.push((key, value));
                }
                GoJson::Object(members)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        b']' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        0 => break,
                        _ => items.push(self.value()),
                    }
                }
                GoJson::Array(items)
            }
            b'"' => GoJson::String(self.string()),
            b't' => {
                self.pos += 4;
                GoJson::Bool(true)
            }
            b'f' => {
                self.pos += 5;
                GoJson::Bool(false)
            }
            b'n' => {
                self.pos += 4;
                GoJson::Null
            }
            _ => {
                let start = self.pos;
                while self.pos < self.data.len()
                    && matches!(
                        self.data[self.pos],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.pos += 1;
                }
                GoJson::Number(String::from_utf8_lossy(&self.data[start..self.pos]).into_owned())
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.data.get(self.pos..self.pos + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        let value = u32::from_str_radix(text, 16).ok()?;
        self.pos += 4;
        Some(value)
    }

    /// Reads a string literal at `pos` (which holds the opening quote).
    fn string(&mut self) -> String {
        self.pos += 1;
        let mut out = String::new();
        while self.pos < self.data.len() {
            let c = self.data[self.pos];
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let esc = self.peek();
                    self.pos += 1;
                    match esc {
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let Some(first) = self.hex4() else {
                                out.push('\u{fffd}');
                                continue;
                            };
                            if (0xd800..0xdc00).contains(&first) {
                                // A high surrogate must be followed by `\u` and a low one.
                                let save = self.pos;
                                if self.data.get(self.pos..self.pos + 2) == Some(b"\\u") {
                                    self.pos += 2;
                                    if let Some(second) = self.hex4()
                                        && (0xdc00..0xe000).contains(&second)
                                    {
                                        let combined =
                                            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                                        out.push(char::from_u32(combined).unwrap_or('\u{fffd}'));
                                        continue;
                                    }
                                }
                                self.pos = save;
                                out.push('\u{fffd}');
                            } else {
                                out.push(char::from_u32(first).unwrap_or('\u{fffd}'));
                            }
                        }
                        other => out.push(char::from(other)),
                    }
                }
                _ => {
                    let (ch, width) = decode_rune(&self.data[self.pos..]);
                    out.push(ch);
                    self.pos += width;
                }
            }
        }
        out
    }
}

/// Go's `utf8.DecodeRune`: the first character of `bytes` and its width, or U+FFFD and width
/// 1 when the bytes there are not valid UTF-8.
pub(crate) fn decode_rune(bytes: &[u8]) -> (char, usize) {
    let Some(&first) = bytes.first() else {
        return ('\u{fffd}', 0);
    };
    let width = match first {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return ('\u{fffd}', 1),
    };
    match bytes
        .get(..width)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|s| s.chars().next())
    {
        Some(ch) => (ch, width),
        None => ('\u{fffd}', 1),
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits only.
pub(crate) fn parse_int10(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// The word Go's `encoding/json` uses for a JSON value in its errors (`UnmarshalTypeError`'s
/// value: `cannot unmarshal array into …`).
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The two base64 encodings upstream decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64 {
    /// `base64.StdEncoding`: `+` and `/`, `=` padding required (`[]byte` fields in JSON).
    Std,
    /// `base64.RawURLEncoding`: `-` and `_`, no padding (continue tokens).
    RawUrl,
}

/// Go's `Encoding.DecodeString` (not strict: non-zero trailing bits are accepted; `\r` and
/// `\n` are skipped), with its error text `illegal base64 data at input byte N`.
pub fn decode_base64(src: &[u8], encoding: Base64) -> Result<Vec<u8>, String> {
    let value = |c: u8| -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' if encoding == Base64::Std => Some(62),
            b'/' if encoding == Base64::Std => Some(63),
            b'-' if encoding == Base64::RawUrl => Some(62),
            b'_' if encoding == Base64::RawUrl => Some(63),
            _ => None,
        }
    };
    let padded = encoding == Base64::Std;
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let skip_newlines = |mut si: usize| {
        while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
            si += 1;
        }
        si
    };
    let mut out = Vec::with_capacity(src.len() * 3 / 4);
    let mut si = 0;
    loop {
        // One quantum of up to four symbols (`decodeQuantum`).
        let mut buf = [0u8; 4];
        let mut len = 0;
        let mut finished = false;
        while len < 4 {
            if si == src.len() {
                if len == 0 {
                    return Ok(out);
                }
                if len == 1 || padded {
                    return Err(corrupt(si - len));
                }
                finished = true;
                break;
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                buf[len] = v;
                len += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if !padded || c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding: the end of the input.
            match len {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    // `==` is expected; the first `=` is read.
                    si = skip_newlines(si);
                    if si == src.len() {
                        return Err(corrupt(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(corrupt(si));
            }
            finished = true;
            break;
        }
        let v = (u32::from(buf[0]) << 18)
            | (u32::from(buf[1]) << 12)
            | (u32::from(buf[2]) << 6)
            | u32::from(buf[3]);
        out.extend_from_slice(&v.to_be_bytes()[1..len]);
        if finished || len < 4 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quote_matches_strconv_quote() {
        // Expected values printed by Go 1.26's strconv.Quote.
        assert_eq!(quote("abc"), r#""abc""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            quote("\u{7}\u{8}\u{c}\n\r\t\u{b}\u{0}\u{1b}\u{7f}"),
            r#""\a\b\f\n\r\t\v\x00\x1b\x7f""#
        );
        assert_eq!(quote("é ü 日本 😀"), "\"é ü 日本 😀\"");
        assert_eq!(quote("\u{a0}\u{ad}\u{85}"), r#""\u00a0\u00ad\u0085""#);
        assert_eq!(quote("\u{200b}\u{2028}\u{feff}"), r#""\u200b\u2028\ufeff""#);
        assert_eq!(quote("\u{e0001}\u{f0000}"), r#""\U000e0001\U000f0000""#);
        assert_eq!(quote("<&>'"), r#""<&>'""#);
    }

    #[test]
    fn json_char_quoting_matches_encoding_json() {
        assert_eq!(quote_json_char(b'x'), "'x'");
        assert_eq!(quote_json_char(b'\''), r"'\''");
        assert_eq!(quote_json_char(b'"'), "'\"'");
        assert_eq!(quote_json_char(b'\n'), r"'\n'");
        assert_eq!(quote_json_char(0), r"'\x00'");
        assert_eq!(quote_json_char(0x85), r"'\u0085'");
        assert_eq!(quote_json_char(0xc3), "'Ã'");
    }

    #[test]
    fn floats_format_as_go_v_verb() {
        // Expected values printed by Go 1.26's fmt.Sprintf("%v", float64(x)).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (100.0, "100"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.1, "0.1"),
            (1e100, "1e+100"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for &(f, want) in cases {
            assert_eq!(format_float_v(f), want, "{f:?}");
        }
    }

    #[test]
    fn floats_format_as_go_json() {
        // Expected values printed by Go 1.26's json.Marshal(float64(x)).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (1e6, "1000000"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-10, "1.25e-10"),
            (123.456, "123.456"),
        ];
        for &(f, want) in cases {
            assert_eq!(format_float_json(f), want, "{f:?}");
        }
    }

    #[test]
    fn marshal_value_sorts_keys_and_escapes_html() {
        let value = json!({"z": 1, "a": [true, null, 1.5, -3], "m": "<a&b>\u{2028}\u{1}\u{8}"});
        assert_eq!(
            marshal_value(&value),
            r#"{"a":[true,null,1.5,-3],"m":"\u003ca\u0026b\u003e\u2028\u0001\b","z":1}"#
        );
    }

    #[test]
    fn marshal_escapes_html_in_struct_output() {
        #[derive(Serialize)]
        struct S {
            b: &'static str,
            a: i32,
        }
        let out = marshal(&S {
            b: "x<y>&\u{2029}",
            a: 1,
        })
        .expect("serializes");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            r#"{"b":"x\u003cy\u003e\u0026\u2029","a":1}"#
        );
    }

    #[test]
    fn syntax_errors_match_encoding_json() {
        // Expected values printed by Go 1.26's json.Unmarshal(data, &v).
        let cases: &[(&[u8], &str)] = &[
            (b"", "unexpected end of JSON input"),
            (b"{", "unexpected end of JSON input"),
            (b"{\"a\"", "unexpected end of JSON input"),
            (b"x", "invalid character 'x' looking for beginning of value"),
            (
                b"{a",
                "invalid character 'a' looking for beginning of object key string",
            ),
            (b"{\"a\" 1", "invalid character '1' after object key"),
            (
                b"{\"a\":1 2",
                "invalid character '2' after object key:value pair",
            ),
            (b"[1 2", "invalid character '2' after array element"),
            (b"{} x", "invalid character 'x' after top-level value"),
            (b"{}x", "invalid character 'x' after top-level value"),
            (b"\"a\nb\"", "invalid character '\\n' in string literal"),
            (b"\"\\x\"", "invalid character 'x' in string escape code"),
            (
                b"\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            (b"-x", "invalid character 'x' in numeric literal"),
            (
                b"1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                b"1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            (
                b"tx",
                "invalid character 'x' in literal true (expecting 'r')",
            ),
            (
                b"fals",
                "invalid character ' ' in literal false (expecting 'e')",
            ),
            (
                b"nul!",
                "invalid character '!' in literal null (expecting 'l')",
            ),
            (b"01", "invalid character '1' after top-level value"),
            (
                b"[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            (
                b"\xff",
                "invalid character '\u{ff}' looking for beginning of value",
            ),
        ];
        for &(data, want) in cases {
            assert_eq!(
                check_syntax(data),
                Err(want.to_string()),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
        for ok in [
            &b"{}"[..],
            b" [1, -2.5e+3, \"x\", true, false, null] ",
            b"0",
            b"\"\\u00e9\"",
        ] {
            assert_eq!(check_syntax(ok), Ok(()));
        }
    }

    #[test]
    fn parse_decodes_strings_with_go_replacement_rules() {
        let doc = parse(
            b"{\"a\":\"\\ud83d\\ude00 \\ud800 x\xff\xf0\x9f\x98\",\"n\":-1.5e3,\"l\":[1,{}]}",
        )
        .expect("valid");
        assert_eq!(
            doc,
            GoJson::Object(vec![
                (
                    "a".to_string(),
                    GoJson::String("😀 \u{fffd} x\u{fffd}\u{fffd}\u{fffd}\u{fffd}".to_string())
                ),
                ("n".to_string(), GoJson::Number("-1.5e3".to_string())),
                (
                    "l".to_string(),
                    GoJson::Array(vec![
                        GoJson::Number("1".to_string()),
                        GoJson::Object(vec![])
                    ])
                ),
            ])
        );
    }

    #[test]
    fn deep_nesting_is_refused_as_go_does() {
        let deep = "[".repeat(10001);
        assert_eq!(
            check_syntax(deep.as_bytes()),
            Err("invalid character '[' exceeded max depth".to_string())
        );
    }

    #[test]
    fn std_base64_is_gos() {
        let std = |s: &str| decode_base64(s.as_bytes(), Base64::Std);
        assert_eq!(std("YQ==").as_deref(), Ok(&b"a"[..]));
        assert_eq!(std("YWI=").as_deref(), Ok(&b"ab"[..]));
        assert_eq!(std("YW\nJj").as_deref(), Ok(&b"abc"[..]));
        assert_eq!(std("+/+/").as_deref(), Ok(&[0xfb, 0xff, 0xbf][..]));
        let corrupt = |at: usize| Err(format!("illegal base64 data at input byte {at}"));
        assert_eq!(std("not base64!"), corrupt(3));
        assert_eq!(std("YQ"), corrupt(0));
        assert_eq!(std("YQ="), corrupt(3));
        assert_eq!(std("YQ==x"), corrupt(4));
        assert_eq!(std("Y==="), corrupt(1));
        assert_eq!(std("-_"), corrupt(0));
    }
}
