//! Sets of field paths (structured-merge-diff's `fieldpath.Set`) and their `FieldsV1` JSON.
//!
//! A path is a list of [`PathElement`]s: a struct or map field (`f:<name>`), an associative
//! list item by its keys (`k:{"name":"web"}`), a set item by value (`v:"a"`) or a list index
//! (`i:0`). A set holds *members* (paths it owns) and *children* (sets under a path element);
//! a path can be both, which `FieldsV1` writes as `".": {}` inside the child's object. Members
//! and children are kept sorted by upstream's order, so the JSON comes out in upstream's key
//! order.

use std::cmp::Ordering;
use std::fmt::Write as _;

use ironkube_apimachinery::gocompat::{format_float_json, marshal_value};
use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Clone, Debug)]
pub(crate) enum PathElement {
    /// A struct field or map key.
    Field(String),
    /// An associative list item, by its key fields (sorted by name).
    Key(Vec<(String, Value)>),
    /// A set item, by its value.
    Value(Value),
    /// A list item by index.
    Index(i64),
}

impl PathElement {
    /// Upstream's `PathElement.Compare`: fields before keys before values before indexes.
    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    /// The element as a `FieldsV1` key (`f:name`, `k:{...}`, `v:...`, `i:0`).
    pub(crate) fn serialize(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => {
                let mut out = String::from("k:{");
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_key(&mut out, name);
                    out.push(':');
                    push_value(&mut out, value);
                }
                out.push('}');
                out
            }
            PathElement::Value(value) => {
                let mut out = String::from("v:");
                push_value(&mut out, value);
                out
            }
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Reads a `FieldsV1` key; `Ok(None)` for an unknown element type (skipped, as upstream
    /// skips them).
    fn deserialize(key: &str) -> Result<Option<PathElement>, String> {
        let bytes = key.as_bytes();
        if bytes.len() < 2 {
            return Err("key must be 2 characters long".to_owned());
        }
        if bytes[1] != b':' {
            return Err(format!("missing colon: {key}"));
        }
        let rest = &key[2..];
        match bytes[0] {
            b'f' => Ok(Some(PathElement::Field(rest.to_owned()))),
            b'v' => {
                let value: Value = serde_json::from_str(rest).map_err(|e| e.to_string())?;
                Ok(Some(PathElement::Value(value)))
            }
            b'k' => {
                let value: Value = serde_json::from_str(rest).map_err(|e| e.to_string())?;
                let Value::Object(map) = value else {
                    return Err(format!("expected a key object: {key}"));
                };
                let mut fields: Vec<(String, Value)> = map.into_iter().collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(Some(PathElement::Key(fields)))
            }
            b'i' => rest
                .parse::<i64>()
                .map(|i| Some(PathElement::Index(i)))
                .map_err(|e| e.to_string()),
            _ => Ok(None),
        }
    }
}

/// Writes a value inside a key as upstream's JSON stream does (Go's escaping, floats as Go
/// writes them). Upstream reads numbers in `FieldsV1` keys back as float64, which compare and
/// print like the integers they came from.
fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            out.push_str(&format_float_json(n.as_f64().unwrap_or_default()));
        }
        other => out.push_str(&marshal_value(other)),
    }
}

/// Upstream's `value.Compare`: numbers (ints and floats numerically) before strings before
/// booleans before lists before maps before null.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            } else if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x.cmp(&y)
            } else {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            }
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let c = compare_values(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            for ((pk, pv), (qk, qv)) in x.iter().zip(y) {
                let c = pk.cmp(qk).then_with(|| compare_values(pv, qv));
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Null, Value::Null) => Ordering::Equal,
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Upstream's `value.Equals`: numbers compare as floats when either is one.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.as_f64() == y.as_f64()
            } else {
                x.as_i64() == y.as_i64() && x.as_u64() == y.as_u64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => {
                for ((an, av), (bn, bv)) in a.iter().zip(b) {
                    let c = an.cmp(bn).then_with(|| compare_values(av, bv));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (PathElement::Value(a), PathElement::Value(b)) => compare_values(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

/// A set of field paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Set {
    /// The paths of length one this set owns, sorted.
    members: Vec<PathElement>,
    /// The sets under each path element, sorted by element, none empty.
    children: Vec<(PathElement, Set)>,
}

impl Set {
    /// The empty set.
    pub(crate) fn new() -> Set {
        Set::default()
    }

    /// A set of the given paths.
    pub(crate) fn of(paths: &[&[PathElement]]) -> Set {
        let mut set = Set::new();
        for path in paths {
            set.insert(path);
        }
        set
    }

    /// Whether the set has no path.
    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.iter().all(|(_, child)| child.is_empty())
    }

    /// Adds a path (the empty path is no field and is ignored).
    pub(crate) fn insert(&mut self, path: &[PathElement]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            if let Err(at) = self.members.binary_search(first) {
                self.members.insert(at, first.clone());
            }
            return;
        }
        let at = match self.children.binary_search_by(|(pe, _)| pe.cmp(first)) {
            Ok(at) => at,
            Err(at) => {
                self.children.insert(at, (first.clone(), Set::new()));
                at
            }
        };
        self.children[at].1.insert(rest);
    }

    /// Whether `path` is a member.
    pub(crate) fn has(&self, path: &[PathElement]) -> bool {
        let Some((first, rest)) = path.split_first() else {
            return false;
        };
        if rest.is_empty() {
            return self.members.binary_search(first).is_ok();
        }
        self.child(first).is_some_and(|child| child.has(rest))
    }

    /// The set under `pe`.
    pub(crate) fn child(&self, pe: &PathElement) -> Option<&Set> {
        self.children
            .binary_search_by(|(p, _)| p.cmp(pe))
            .ok()
            .map(|at| &self.children[at].1)
    }

    /// Whether `pe` is a member.
    pub(crate) fn has_member(&self, pe: &PathElement) -> bool {
        self.members.binary_search(pe).is_ok()
    }

    /// The members, sorted.
    pub(crate) fn members(&self) -> &[PathElement] {
        &self.members
    }

    /// The children, sorted.
    pub(crate) fn children(&self) -> &[(PathElement, Set)] {
        &self.children
    }

    /// Every path in `self` or `other`.
    pub(crate) fn union(&self, other: &Set) -> Set {
        let mut members = self.members.clone();
        for pe in &other.members {
            if let Err(at) = members.binary_search(pe) {
                members.insert(at, pe.clone());
            }
        }
        let mut children = Vec::with_capacity(self.children.len() + other.children.len());
        let (mut i, mut j) = (0, 0);
        while i < self.children.len() && j < other.children.len() {
            let (a, b) = (&self.children[i], &other.children[j]);
            match a.0.cmp(&b.0) {
                Ordering::Less => {
                    children.push(a.clone());
                    i += 1;
                }
                Ordering::Greater => {
                    children.push(b.clone());
                    j += 1;
                }
                Ordering::Equal => {
                    children.push((a.0.clone(), a.1.union(&b.1)));
                    i += 1;
                    j += 1;
                }
            }
        }
        children.extend_from_slice(&self.children[i..]);
        children.extend_from_slice(&other.children[j..]);
        Set { members, children }
    }

    /// The paths in both sets.
    pub(crate) fn intersection(&self, other: &Set) -> Set {
        let members = self
            .members
            .iter()
            .filter(|pe| other.has_member(pe))
            .cloned()
            .collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| {
                let both = set.intersection(other.child(pe)?);
                (!both.is_empty()).then(|| (pe.clone(), both))
            })
            .collect();
        Set { members, children }
    }

    /// Upstream's `Difference`: the members of `self` not in `other`, level by level (a
    /// child path stays when only its parent is in `other`).
    pub(crate) fn difference(&self, other: &Set) -> Set {
        let members = self
            .members
            .iter()
            .filter(|pe| !other.has_member(pe))
            .cloned()
            .collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| match other.child(pe) {
                Some(theirs) => {
                    let rest = set.difference(theirs);
                    (!rest.is_empty()).then(|| (pe.clone(), rest))
                }
                None => Some((pe.clone(), set.clone())),
            })
            .collect();
        Set { members, children }
    }

    /// Upstream's `RecursiveDifference`: also drops everything under a member of `other`.
    pub(crate) fn recursive_difference(&self, other: &Set) -> Set {
        let members = self
            .members
            .iter()
            .filter(|pe| !other.has_member(pe))
            .cloned()
            .collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| {
                if other.has_member(pe) {
                    return None;
                }
                match other.child(pe) {
                    Some(theirs) => {
                        let rest = set.recursive_difference(theirs);
                        (!rest.is_empty()).then(|| (pe.clone(), rest))
                    }
                    None => Some((pe.clone(), set.clone())),
                }
            })
            .collect();
        Set { members, children }
    }

    /// The set as upstream's `FieldsV1` bytes.
    pub(crate) fn to_fields_v1(&self) -> String {
        let mut out = String::from("{");
        self.write_contents(false, &mut out);
        out.push('}');
        out
    }

    /// Upstream's `emitContentsV1`: `.` first (when the set is also a member of its parent),
    /// then members and children merged in element order.
    fn write_contents(&self, include_self: bool, out: &mut String) {
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        if include_self && !(self.members.is_empty() && self.children.is_empty()) {
            sep(out);
            out.push_str("\".\":{}");
        }
        let (mut m, mut c) = (0, 0);
        while m < self.members.len() || c < self.children.len() {
            let order = match (self.members.get(m), self.children.get(c)) {
                (Some(member), Some((child, _))) => member.cmp(child),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            sep(out);
            match order {
                Ordering::Less => {
                    push_key(out, &self.members[m].serialize());
                    out.push_str(":{}");
                    m += 1;
                }
                Ordering::Greater => {
                    let (pe, set) = &self.children[c];
                    push_key(out, &pe.serialize());
                    out.push_str(":{");
                    set.write_contents(false, out);
                    out.push('}');
                    c += 1;
                }
                Ordering::Equal => {
                    let (pe, set) = &self.children[c];
                    push_key(out, &pe.serialize());
                    out.push_str(":{");
                    set.write_contents(true, out);
                    out.push('}');
                    m += 1;
                    c += 1;
                }
            }
        }
    }

    /// Reads `FieldsV1` JSON (upstream's `FieldsToSet`).
    pub(crate) fn from_fields_v1(value: &Value) -> Result<Set, String> {
        match value {
            Value::Object(map) => Ok(read_object(map)?.0.unwrap_or_default()),
            Value::Null => Ok(Set::new()),
            _ => Err("ReadMapCB: expect { or n".to_owned()),
        }
    }
}

/// One level of `FieldsV1`: the children found and whether the level marks its path a member
/// (it has `.`, or nothing else that reads).
fn read_object(map: &Map<String, Value>) -> Result<(Option<Set>, bool), String> {
    let mut children: Option<Set> = None;
    let mut is_member = false;
    for (key, value) in map {
        if key == "." {
            is_member = true;
            continue;
        }
        let Some(pe) = PathElement::deserialize(key)? else {
            continue;
        };
        let (grandchildren, child_is_member) = match value {
            Value::Object(inner) => read_object(inner)?,
            Value::Null => (None, true),
            _ => return Err("ReadMapCB: expect { or n".to_owned()),
        };
        if child_is_member {
            let set = children.get_or_insert_with(Set::new);
            if let Err(at) = set.members.binary_search(&pe) {
                set.members.insert(at, pe.clone());
            }
        }
        if let Some(grandchildren) = grandchildren {
            let set = children.get_or_insert_with(Set::new);
            match set.children.binary_search_by(|(p, _)| p.cmp(&pe)) {
                Ok(at) => set.children[at].1 = grandchildren,
                Err(at) => set.children.insert(at, (pe, grandchildren)),
            }
        }
    }
    if children.is_none() {
        is_member = true;
    }
    Ok((children, is_member))
}

/// Writes an object key as upstream's stream does (`WriteString`: quotes, backslashes and
/// control characters escaped; no HTML escaping).
fn push_key(out: &mut String, key: &str) {
    out.push('"');
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A path of field names (`["spec", "replicas"]`).
pub(crate) fn field_path(names: &[&str]) -> Vec<PathElement> {
    names
        .iter()
        .map(|name| PathElement::Field((*name).to_owned()))
        .collect()
}
