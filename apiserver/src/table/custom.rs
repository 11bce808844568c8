//! Tables of custom resources (upstream's apiextensions `tableconvertor`): the Name column,
//! then the definition's `additionalPrinterColumns` (or `Age`), each cell read with the
//! column's simple JSONPath.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{NAME, format};
use crate::crd::CustomResource;

/// The column definitions.
pub(crate) fn columns(custom: &CustomResource) -> Vec<Value> {
    let mut columns = vec![NAME.to_json()];
    columns.extend(custom.printer_columns.iter().map(|c| {
        json!({
            "name": c.name,
            "type": c.type_,
            "format": c.format,
            "description": c.description,
            "priority": c.priority,
        })
    }));
    columns
}

/// One row's cells.
pub(crate) fn cells(custom: &CustomResource, object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let mut cells = vec![json!(format::name(object))];
    for column in &custom.printer_columns {
        let cell = match find(object, &column.json_path) {
            None | Some(Value::Null) => Value::Null,
            Some(value) if column.type_ == "string" => json!(print(value)),
            Some(value) => typed_cell(&column.type_, value, now),
        };
        cells.push(cell);
    }
    cells
}

/// Upstream's `cellForJSONValue`: a value of the column's type, else nothing.
fn typed_cell(type_: &str, value: &Value, now: OffsetDateTime) -> Value {
    match (type_, value) {
        ("boolean", Value::Bool(_)) => value.clone(),
        ("integer", Value::Number(n)) if n.is_i64() => value.clone(),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("date", Value::String(_)) => match format::timestamp(value) {
            Some(_) => json!(format::since(now, value)),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// A value as JSONPath's printer writes it: strings bare, everything else as JSON.
fn print(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first result of a simple JSONPath (`.a.b`, `.a[0]`, `.a['b.c']`,
/// `.a[?(@.type=="Ready")].status`, with or without the surrounding `{}`).
pub(crate) fn find<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim();
    let path = path
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path);
    let mut current = object;
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            if !key.is_empty() {
                current = current.get(key)?;
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = closing_bracket(after)?;
            let inner = after[..end].trim();
            rest = &after[end + 1..];
            current = if let Some(filter) =
                inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')'))
            {
                let (field, wanted) = filter.split_once("==")?;
                let field = field.trim().strip_prefix("@.")?;
                let wanted = wanted.trim().trim_matches(|c| c == '"' || c == '\'');
                current.as_array()?.iter().find(|item| {
                    item.get(field).is_some_and(|v| match v {
                        Value::String(s) => s == wanted,
                        other => serde_json::from_str::<Value>(wanted).ok().as_ref() == Some(other),
                    })
                })?
            } else if let Some(key) = inner
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')))
            {
                current.get(key)?
            } else if inner == "*" {
                current.as_array()?.first()?
            } else {
                let index: i64 = inner.parse().ok()?;
                let items = current.as_array()?;
                let index = if index < 0 {
                    items.len().checked_sub(usize::try_from(-index).ok()?)?
                } else {
                    usize::try_from(index).ok()?
                };
                items.get(index)?
            };
        } else {
            return None;
        }
    }
    Some(current)
}

/// Where the `]` closing a bracket expression is (quotes may hold `]`).
fn closing_bracket(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_json_paths() {
        let object = json!({"spec": {"size": 3, "a.b": "x", "list": [1, 2]},
            "status": {"conditions": [{"type": "Other", "status": "False"},
                                      {"type": "Ready", "status": "True"}]}});
        assert_eq!(find(&object, ".spec.size"), Some(&json!(3)));
        assert_eq!(find(&object, "{.spec.list[1]}"), Some(&json!(2)));
        assert_eq!(find(&object, ".spec.list[-1]"), Some(&json!(2)));
        assert_eq!(find(&object, ".spec['a.b']"), Some(&json!("x")));
        assert_eq!(
            find(&object, r#".status.conditions[?(@.type=="Ready")].status"#),
            Some(&json!("True"))
        );
        assert_eq!(find(&object, ".spec.missing"), None);
    }

    #[test]
    fn cells_follow_the_column_types() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(typed_cell("integer", &json!(3), now), json!(3));
        assert_eq!(typed_cell("integer", &json!("3"), now), Value::Null);
        assert_eq!(typed_cell("number", &json!(3), now), json!(3.0));
        assert_eq!(typed_cell("boolean", &json!(true), now), json!(true));
        assert_eq!(print(&json!({"a": 1})), r#"{"a":1}"#);
    }
}
