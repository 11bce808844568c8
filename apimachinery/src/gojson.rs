//! JSON syntax as Go's `encoding/json` scanner judges it, with its error texts
//! (`invalid character 'x' after top-level value`, `unexpected end of JSON input`,
//! `invalid character '{' exceeded max depth`), which upstream puts in its 400s for bodies that
//! are not JSON. The scanner walks bytes with an explicit stack, so any depth is safe to check.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Reads a JSON document as Go's decoder reads one into a typed object where a key appears
/// twice in an object: the second value is decoded into the first (objects merge key by key,
/// arrays element by element, anything else is replaced), where serde_json keeps only the last.
/// (`{"data":{"a":"1"},"data":{"b":"2"}}` is `data: {a: 1, b: 2}` upstream.)
pub fn from_slice(input: &[u8]) -> serde_json::Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(input);
    let value = GoValue::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value.0)
}

/// [`from_slice`] on a deserializer set up by the caller (one without a recursion limit).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    GoValue::deserialize(deserializer).map(|value| value.0)
}

/// A JSON value whose duplicate keys merged as Go's decoder merges them.
struct GoValue(Value);

impl<'de> Deserialize<'de> for GoValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GoValueVisitor).map(GoValue)
    }
}

/// Builds [`GoValue`]s.
struct GoValueVisitor;

impl<'de> Visitor<'de> for GoValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        GoValue::deserialize(deserializer).map(|value| value.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(GoValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let GoValue(value) = access.next_value()?;
            match map.get_mut(&key) {
                Some(existing) => merge_into(existing, value),
                None => {
                    map.insert(key, value);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

/// Decodes `value` into `existing` as Go decodes into a value already set.
fn merge_into(existing: &mut Value, value: Value) {
    match (existing, value) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, item) in new {
                match old.get_mut(&key) {
                    Some(slot) => merge_into(slot, item),
                    None => {
                        old.insert(key, item);
                    }
                }
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            old.truncate(new.len());
            for (index, item) in new.into_iter().enumerate() {
                match old.get_mut(index) {
                    Some(slot) => merge_into(slot, item),
                    None => old.push(item),
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

/// Go's `maxNestingDepth`.
pub const MAX_DEPTH: usize = 10_000;

/// What the scanner expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (top level, after `[`, `,` in an array or `:` in an object).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrEnd,
    /// A key string or `}` (just after `{`).
    KeyOrEnd,
    /// A key string (after `,` in an object).
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket after a value inside a container.
    AfterValue,
    /// Nothing but space: the top-level value is complete.
    End,
}

/// The open containers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Object,
    Array,
}

/// The syntax error Go's decoder reports for `input`, or `None` when it is one well-formed
/// JSON value, and the greatest nesting depth in it.
pub fn check(input: &[u8]) -> Result<usize, String> {
    let mut stack: Vec<Open> = Vec::new();
    let mut deepest = 0;
    let mut expect = Expect::Value;
    let mut pos = 0;
    while pos < input.len() {
        let c = input[pos];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
            continue;
        }
        match expect {
            Expect::Value | Expect::ValueOrEnd | Expect::KeyOrEnd | Expect::Key => {
                if expect == Expect::ValueOrEnd && c == b']' {
                    stack.pop();
                    expect = after_value(&stack);
                    pos += 1;
                    continue;
                }
                if expect == Expect::KeyOrEnd && c == b'}' {
                    stack.pop();
                    expect = after_value(&stack);
                    pos += 1;
                    continue;
                }
                if matches!(expect, Expect::KeyOrEnd | Expect::Key) {
                    if c != b'"' {
                        return Err(invalid(c, "looking for beginning of object key string"));
                    }
                    pos = string(input, pos)?;
                    expect = Expect::Colon;
                    continue;
                }
                match c {
                    b'{' | b'[' => {
                        stack.push(if c == b'{' { Open::Object } else { Open::Array });
                        if stack.len() > MAX_DEPTH {
                            return Err(invalid(c, "exceeded max depth"));
                        }
                        deepest = deepest.max(stack.len());
                        expect = if c == b'{' {
                            Expect::KeyOrEnd
                        } else {
                            Expect::ValueOrEnd
                        };
                        pos += 1;
                    }
                    b'"' => {
                        pos = string(input, pos)?;
                        expect = after_value(&stack);
                    }
                    b'-' | b'0'..=b'9' => {
                        pos = number(input, pos)?;
                        expect = after_value(&stack);
                    }
                    b't' => {
                        pos = literal(input, pos, b"true")?;
                        expect = after_value(&stack);
                    }
                    b'f' => {
                        pos = literal(input, pos, b"false")?;
                        expect = after_value(&stack);
                    }
                    b'n' => {
                        pos = literal(input, pos, b"null")?;
                        expect = after_value(&stack);
                    }
                    _ => return Err(invalid(c, "looking for beginning of value")),
                }
            }
            Expect::Colon => {
                if c != b':' {
                    return Err(invalid(c, "after object key"));
                }
                expect = Expect::Value;
                pos += 1;
            }
            Expect::AfterValue => {
                let open = stack.last().copied();
                match (open, c) {
                    (Some(Open::Object), b',') => expect = Expect::Key,
                    (Some(Open::Array), b',') => expect = Expect::Value,
                    (Some(Open::Object), b'}') | (Some(Open::Array), b']') => {
                        stack.pop();
                        expect = after_value(&stack);
                    }
                    (Some(Open::Object), _) => {
                        return Err(invalid(c, "after object key:value pair"));
                    }
                    _ => return Err(invalid(c, "after array element")),
                }
                pos += 1;
            }
            Expect::End => return Err(invalid(c, "after top-level value")),
        }
    }
    if expect == Expect::End {
        Ok(deepest)
    } else {
        Err("unexpected end of JSON input".into())
    }
}

/// What follows a complete value.
fn after_value(stack: &[Open]) -> Expect {
    if stack.is_empty() {
        Expect::End
    } else {
        Expect::AfterValue
    }
}

/// A string starting at `pos` (the opening quote): the position after it.
fn string(input: &[u8], mut pos: usize) -> Result<usize, String> {
    pos += 1;
    loop {
        let Some(&c) = input.get(pos) else {
            return Err("unexpected end of JSON input".into());
        };
        match c {
            b'"' => return Ok(pos + 1),
            b'\\' => {
                let Some(&escape) = input.get(pos + 1) else {
                    return Err("unexpected end of JSON input".into());
                };
                match escape {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => pos += 2,
                    b'u' => {
                        for i in 0..4 {
                            let Some(&h) = input.get(pos + 2 + i) else {
                                return Err("unexpected end of JSON input".into());
                            };
                            if !h.is_ascii_hexdigit() {
                                return Err(invalid(h, "in \\u hexadecimal character escape"));
                            }
                        }
                        pos += 6;
                    }
                    other => return Err(invalid(other, "in string escape code")),
                }
            }
            c if c < 0x20 => return Err(invalid(c, "in string literal")),
            _ => pos += 1,
        }
    }
}

/// A number starting at `pos`: the position after it (the byte that ends it is the next
/// state's to judge, as in Go's scanner).
fn number(input: &[u8], mut pos: usize) -> Result<usize, String> {
    let at = |pos: usize| input.get(pos).copied();
    if at(pos) == Some(b'-') {
        pos += 1;
    }
    match at(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            while at(pos).is_some_and(|c| c.is_ascii_digit()) {
                pos += 1;
            }
        }
        Some(c) => return Err(invalid(c, "in numeric literal")),
        None => return Err("unexpected end of JSON input".into()),
    }
    if at(pos) == Some(b'.') {
        pos += 1;
        match at(pos) {
            Some(c) if c.is_ascii_digit() => {}
            Some(c) => return Err(invalid(c, "after decimal point in numeric literal")),
            None => return Err("unexpected end of JSON input".into()),
        }
        while at(pos).is_some_and(|c| c.is_ascii_digit()) {
            pos += 1;
        }
    }
    if matches!(at(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(at(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        match at(pos) {
            Some(c) if c.is_ascii_digit() => {}
            Some(c) => return Err(invalid(c, "in exponent of numeric literal")),
            None => return Err("unexpected end of JSON input".into()),
        }
        while at(pos).is_some_and(|c| c.is_ascii_digit()) {
            pos += 1;
        }
    }
    Ok(pos)
}

/// `true`, `false` or `null` starting at `pos`: the position after it.
fn literal(input: &[u8], pos: usize, word: &[u8]) -> Result<usize, String> {
    for (i, &want) in word.iter().enumerate().skip(1) {
        match input.get(pos + i) {
            Some(&c) if c == want => {}
            Some(&c) => {
                return Err(invalid(
                    c,
                    &format!(
                        "in literal {} (expecting {})",
                        String::from_utf8_lossy(word),
                        quote_char(want)
                    ),
                ));
            }
            None => return Err("unexpected end of JSON input".into()),
        }
    }
    Ok(pos + word.len())
}

/// Go's `SyntaxError` text for byte `c` in `context`.
fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

/// Go's `quoteChar`: the byte as a rune in single quotes, escaped as `strconv.Quote` escapes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let quoted = crate::gocompat::quote(&char::from(c).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_merge_as_go_decodes_them() {
        let value =
            from_slice(br#"{"data":{"a":"1"},"data":{"b":"2"},"n":1,"n":{"x":true}}"#).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"data": {"a": "1", "b": "2"}, "n": {"x": true}})
        );
        let lists =
            from_slice(br#"{"c":[{"name":"a","image":"x"},{"name":"b"}],"c":[{"name":"z"}]}"#)
                .unwrap();
        assert_eq!(
            lists,
            serde_json::json!({"c": [{"name": "z", "image": "x"}]})
        );
        assert!(from_slice(b"{} x").is_err());
    }

    #[test]
    fn well_formed_documents_and_their_depth() {
        assert_eq!(
            check(br#"{"a":[1,-2.5e+3,true,false,null,"x\u00e9\n"]}"#),
            Ok(2)
        );
        assert_eq!(check(b"  7 "), Ok(0));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check(deep.as_bytes()), Ok(MAX_DEPTH));
    }

    #[test]
    fn errors_are_gos() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "unexpected end of JSON input"),
            (b"{\"a\":", "unexpected end of JSON input"),
            (b"{}xyz", "invalid character 'x' after top-level value"),
            (
                b"{a:1}",
                "invalid character 'a' looking for beginning of object key string",
            ),
            (b"{\"a\" 1}", "invalid character '1' after object key"),
            (
                b"{\"a\":1 \"b\"}",
                "invalid character '\"' after object key:value pair",
            ),
            (b"[1 2]", "invalid character '2' after array element"),
            (
                b"[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            (
                b"{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            (b"tru", "unexpected end of JSON input"),
            (
                b"trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            (b"-x", "invalid character 'x' in numeric literal"),
            (
                b"1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (b"\"a\x01\"", "invalid character '\\x01' in string literal"),
            (b"\"\\q\"", "invalid character 'q' in string escape code"),
            (
                b"\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            (
                b"'a'",
                "invalid character '\\'' looking for beginning of value",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                check(input).unwrap_err(),
                *expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let too_deep = "{\"a\":".repeat(MAX_DEPTH + 1);
        assert_eq!(
            check(too_deep.as_bytes()).unwrap_err(),
            "invalid character '{' exceeded max depth"
        );
    }
}
