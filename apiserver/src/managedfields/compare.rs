//! Structured-merge-diff's typed comparison of two objects (`TypedValue.Compare`): which field
//! paths were added, modified and removed, walking both values along the schema; and its
//! reconciliation of an owned field set with the schema (`ReconcileFieldSetWithSchema`).
//!
//! The values are the objects as Go marshals them, so a field that is present with its zero
//! value on both sides is no change, and absent on one side is. Atomic lists and maps, and
//! empty ones, are one field (a leaf); associative lists are walked item by item under their
//! keys (`k:`) or values (`v:`); maps and structs key by key.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldset::{PathElement, Set, values_equal};
use super::schema::{Atom, List, MapType, Relationship, Scalar, Schema, TypeRef};

/// A value the schema cannot walk (upstream's validation errors), which makes the update keep
/// the live object's managedFields.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SchemaMismatch(pub(crate) String);

/// What changed between two objects.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    /// Paths only in the old object.
    pub(crate) removed: Set,
    /// Leaves in both, with different values.
    pub(crate) modified: Set,
    /// Paths only in the new object.
    pub(crate) added: Set,
}

impl Comparison {
    /// Drops the paths under `exclude` from all three sets (upstream's exclude filter, a
    /// recursive difference).
    pub(crate) fn exclude(&mut self, exclude: &Set) {
        self.removed = self.removed.recursive_difference(exclude);
        self.modified = self.modified.recursive_difference(exclude);
        self.added = self.added.recursive_difference(exclude);
    }
}

/// Compares `old` and `new` of the type `root`.
pub(crate) fn compare(
    schema: &Schema,
    root: &TypeRef,
    old: &Value,
    new: &Value,
) -> Result<Comparison, SchemaMismatch> {
    let mut walker = Walker {
        schema,
        comparison: Comparison::default(),
        errors: Vec::new(),
    };
    let mut path = Vec::new();
    walker.compare(Some(old), Some(new), root, &mut path);
    match walker.errors.into_iter().next() {
        Some(first) => Err(SchemaMismatch(first)),
        None => Ok(walker.comparison),
    }
}

/// Which parts of an atom a value selects (upstream's `deduceAtom`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Deduced {
    /// The scalar part is kept.
    scalar: bool,
    /// The list part is kept.
    list: bool,
    /// The map part is kept.
    map: bool,
}

fn deduce(atom: &Atom, value: Option<&Value>) -> Deduced {
    let all = Deduced {
        scalar: atom.scalar.is_some(),
        list: atom.list.is_some(),
        map: atom.map.is_some(),
    };
    let only = |scalar, list, map| Deduced { scalar, list, map };
    match value {
        Some(Value::Number(_) | Value::String(_) | Value::Bool(_)) if all.scalar => {
            only(true, false, false)
        }
        Some(Value::Array(_)) if all.list => only(false, true, false),
        Some(Value::Object(_)) if all.map => only(false, false, true),
        _ => all,
    }
}

/// The walk's state.
struct Walker<'a> {
    schema: &'a Schema,
    comparison: Comparison,
    errors: Vec<String>,
}

/// One position of the walk (upstream's `compareWalker`, minus what is shared).
#[derive(Clone, Copy)]
struct At<'v> {
    lhs: Option<&'v Value>,
    rhs: Option<&'v Value>,
    /// Inside an atomic list or map ("big leaf"): nothing below is recorded.
    in_leaf: bool,
}

impl<'a> Walker<'a> {
    fn compare<'v>(
        &mut self,
        lhs: Option<&'v Value>,
        rhs: Option<&'v Value>,
        type_ref: &TypeRef,
        path: &mut Vec<PathElement>,
    ) {
        let Some(atom) = self.schema.resolve(type_ref) else {
            self.errors.push("schema error: no type found".to_owned());
            return;
        };
        let atom = atom.into_owned();
        let left = deduce(&atom, lhs);
        let right = deduce(&atom, rhs);
        let mut at = At {
            lhs,
            rhs,
            in_leaf: false,
        };
        if rhs.is_none() {
            self.handle(&atom, left, &mut at, path);
        } else if lhs.is_none() || left == right {
            self.handle(&atom, right, &mut at, path);
        } else {
            let mut other = at;
            self.handle(&atom, left, &mut other, path);
            self.handle(&atom, right, &mut at, path);
        }
        if !at.in_leaf {
            if lhs.is_none() {
                self.comparison.added.insert(path);
            } else if rhs.is_none() {
                self.comparison.removed.insert(path);
            }
        }
    }

    /// `handleAtom`: map first, then scalar, then list.
    fn handle(
        &mut self,
        atom: &Atom,
        deduced: Deduced,
        at: &mut At<'_>,
        path: &mut Vec<PathElement>,
    ) {
        if deduced.map
            && let Some(map) = &atom.map
        {
            self.map(map, at, path);
        } else if deduced.scalar
            && let Some(scalar) = atom.scalar
        {
            self.scalar(scalar, at, path);
        } else if deduced.list
            && let Some(list) = &atom.list
        {
            self.list(list, at, path);
        } else {
            self.errors.push("schema error: invalid atom".to_owned());
        }
    }

    fn leaf(&mut self, at: &mut At<'_>, path: &[PathElement]) {
        if at.in_leaf {
            return;
        }
        at.in_leaf = true;
        match (at.lhs, at.rhs) {
            (None, _) => self.comparison.added.insert(path),
            (_, None) => self.comparison.removed.insert(path),
            (Some(l), Some(r)) => {
                if !values_equal(l, r) {
                    self.comparison.modified.insert(path);
                }
            }
        }
    }

    fn scalar(&mut self, scalar: Scalar, at: &mut At<'_>, path: &[PathElement]) {
        let fits = |value: Option<&Value>| match value {
            None | Some(Value::Null) => true,
            Some(v) => match scalar {
                Scalar::Numeric => v.is_number(),
                Scalar::String => v.is_string(),
                Scalar::Boolean => v.is_boolean(),
                Scalar::Untyped => v.is_number() || v.is_string() || v.is_boolean(),
            },
        };
        if !fits(at.lhs) && !fits(at.rhs) {
            self.errors.push("expected a scalar".to_owned());
            return;
        }
        self.leaf(at, path);
    }

    fn list<'v>(&mut self, list: &List, at: &mut At<'v>, path: &mut Vec<PathElement>) {
        let (lhs, rhs) = (as_list(at.lhs), as_list(at.rhs));
        let empty = |items: Option<&Vec<Value>>| items.is_none_or(Vec::is_empty);
        if list.relationship == Relationship::Atomic || (empty(lhs) && empty(rhs)) {
            self.leaf(at, path);
            return;
        }
        if lhs.is_none() && rhs.is_none() {
            return;
        }
        self.list_items(list, lhs, rhs, path);
    }

    fn list_items<'v>(
        &mut self,
        list: &List,
        lhs: Option<&'v Vec<Value>>,
        rhs: Option<&'v Vec<Value>>,
        path: &mut Vec<PathElement>,
    ) {
        // Items by path element, in first-seen order, with duplicates kept together.
        let mut order: Vec<PathElement> = Vec::new();
        let mut left: BTreeMap<PathElement, Vec<&'v Value>> = BTreeMap::new();
        let mut right: BTreeMap<PathElement, Vec<&'v Value>> = BTreeMap::new();
        for item in lhs.into_iter().flatten() {
            match self.item_element(list, item) {
                Ok(pe) => {
                    if !left.contains_key(&pe) {
                        order.push(pe.clone());
                    }
                    left.entry(pe).or_default().push(item);
                }
                Err(err) => self.errors.push(err),
            }
        }
        for item in rhs.into_iter().flatten() {
            match self.item_element(list, item) {
                Ok(pe) => {
                    if !right.contains_key(&pe) && !left.contains_key(&pe) {
                        order.push(pe.clone());
                    }
                    right.entry(pe).or_default().push(item);
                }
                Err(err) => self.errors.push(err),
            }
        }
        for pe in order {
            let l = left.get(&pe).map(Vec::as_slice).unwrap_or_default();
            let r = right.get(&pe).map(Vec::as_slice).unwrap_or_default();
            path.push(pe);
            match (l.len(), r.len()) {
                (0, 0) => {}
                (0 | 1, 0 | 1) => {
                    self.compare(l.first().copied(), r.first().copied(), &list.element, path);
                }
                (a, b) if a >= 2 && b >= 2 => {
                    let same = a == b && l.iter().zip(r).all(|(x, y)| values_equal(x, y));
                    if !same {
                        self.comparison.modified.insert(path);
                    }
                }
                (a, _) if a >= 2 => {
                    if let Some(first) = r.first() {
                        self.compare(None, Some(first), &list.element, path);
                    }
                    self.comparison.removed.insert(path);
                }
                _ => {
                    if let Some(first) = l.first() {
                        self.compare(Some(first), None, &list.element, path);
                    }
                    self.comparison.added.insert(path);
                }
            }
            path.pop();
        }
    }

    /// `listItemToPathElement`.
    fn item_element(&self, list: &List, item: &Value) -> Result<PathElement, String> {
        item_element(self.schema, list, item)
    }

    fn map<'v>(&mut self, map: &MapType, at: &mut At<'v>, path: &mut Vec<PathElement>) {
        let (lhs, rhs) = (as_map(at.lhs), as_map(at.rhs));
        let empty = |m: Option<&serde_json::Map<String, Value>>| m.is_none_or(|m| m.is_empty());
        if map.relationship == Relationship::Atomic || (empty(lhs) && empty(rhs)) {
            self.leaf(at, path);
            return;
        }
        if lhs.is_none() && rhs.is_none() {
            return;
        }
        let mut keys: Vec<&String> = lhs.into_iter().flat_map(|m| m.keys()).collect();
        for key in rhs.into_iter().flat_map(|m| m.keys()) {
            if !lhs.is_some_and(|m| m.contains_key(key)) {
                keys.push(key);
            }
        }
        for key in keys {
            let type_ref = map
                .fields
                .get(key)
                .map(|field| &field.type_ref)
                .unwrap_or(&map.element);
            path.push(PathElement::Field(key.clone()));
            self.compare(
                lhs.and_then(|m| m.get(key)),
                rhs.and_then(|m| m.get(key)),
                type_ref,
                path,
            );
            path.pop();
        }
    }
}

/// The items of a list value (`None` for anything else, as upstream's dereference ignores).
fn as_list(value: Option<&Value>) -> Option<&Vec<Value>> {
    match value {
        Some(Value::Array(items)) => Some(items),
        _ => None,
    }
}

/// The members of a map value (`None` for anything else).
fn as_map(value: Option<&Value>) -> Option<&serde_json::Map<String, Value>> {
    match value {
        Some(Value::Object(members)) => Some(members),
        _ => None,
    }
}

/// `listItemToPathElement`: an associative list item's key, or a set item's value.
pub(crate) fn item_element(
    schema: &Schema,
    list: &List,
    item: &Value,
) -> Result<PathElement, String> {
    if list.relationship != Relationship::Associative {
        return Err("invalid indexing of non-associative list".to_owned());
    }
    if list.keys.is_empty() {
        return match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".to_owned())
            }
            Value::Array(_) => {
                Err("not supported: associative list with lists as elements".to_owned())
            }
            Value::Null => Err(
                "associative list without keys has an element that's an explicit null".to_owned(),
            ),
            other => Ok(PathElement::Value(other.clone())),
        };
    }
    let Value::Object(members) = item else {
        return Err(if item.is_null() {
            "associative list with keys may not have a null element".to_owned()
        } else {
            "associative list with keys may not have non-map elements".to_owned()
        });
    };
    let mut fields = Vec::new();
    for key in &list.keys {
        if let Some(value) = members.get(key) {
            fields.push((key.clone(), value.clone()));
            continue;
        }
        let element = schema
            .resolve(&list.element)
            .ok_or_else(|| "invalid elementType for list".to_owned())?;
        let Some(map) = &element.map else {
            return Err("associative list may not have non-map types".to_owned());
        };
        if let Some(default) = map.fields.get(key).and_then(|f| f.default.clone()) {
            fields.push((key.clone(), default));
        }
    }
    if fields.is_empty() {
        return Err(format!(
            "associative list with keys has an element that omits all key fields {:?}",
            list.keys
        ));
    }
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(PathElement::Key(fields))
}

/// Upstream's `ReconcileFieldSetWithSchema`: a set that owns paths under what the schema now
/// says is atomic owns the atomic field itself instead. `None` when nothing changes.
pub(crate) fn reconcile(
    schema: &Schema,
    root: &TypeRef,
    set: &Set,
) -> Result<Option<Set>, SchemaMismatch> {
    let mut remove = Set::new();
    let mut add = Set::new();
    let mut path = Vec::new();
    reconcile_at(
        schema,
        root,
        Some(set),
        false,
        &mut path,
        &mut remove,
        &mut add,
    )?;
    if remove.is_empty() && add.is_empty() {
        return Ok(None);
    }
    Ok(Some(set.recursive_difference(&remove).union(&add)))
}

fn reconcile_at(
    schema: &Schema,
    type_ref: &TypeRef,
    set: Option<&Set>,
    is_atomic: bool,
    path: &mut Vec<PathElement>,
    remove: &mut Set,
    add: &mut Set,
) -> Result<(), SchemaMismatch> {
    let atom = schema
        .resolve(type_ref)
        .ok_or_else(|| SchemaMismatch("could not resolve a type".to_owned()))?;
    if let Some(map) = &atom.map {
        if !map.has_fields && schema.is_untyped_deduced(&map.element) {
            return Ok(());
        }
        if !is_atomic && map.relationship == Relationship::Atomic {
            if set.is_some_and(|s| !s.is_empty()) {
                remove.insert(path);
                add.insert(path);
            }
            return Ok(());
        }
        let Some(set) = set else {
            return Ok(());
        };
        for (pe, is_member) in elements(set) {
            let type_ref = match &pe {
                PathElement::Field(name) => map
                    .fields
                    .get(name)
                    .map(|f| &f.type_ref)
                    .unwrap_or(&map.element),
                _ => &map.element,
            };
            if matches!(type_ref, TypeRef::Empty) {
                continue;
            }
            let child = set.child(&pe);
            path.push(pe.clone());
            let result = reconcile_at(
                schema,
                type_ref,
                child,
                is_member && child.is_none(),
                path,
                remove,
                add,
            );
            path.pop();
            result?;
        }
        return Ok(());
    }
    if atom.scalar.is_some() {
        return Ok(());
    }
    if let Some(list) = &atom.list {
        if !is_atomic && list.relationship == Relationship::Atomic {
            remove.insert(path);
            add.insert(path);
            return Ok(());
        }
        let Some(set) = set else {
            return Ok(());
        };
        for (pe, is_member) in elements(set) {
            let child = set.child(&pe);
            path.push(pe.clone());
            let result = reconcile_at(
                schema,
                &list.element,
                child,
                is_member && child.is_none(),
                path,
                remove,
                add,
            );
            path.pop();
            result?;
        }
        return Ok(());
    }
    Err(SchemaMismatch("schema error: invalid atom".to_owned()))
}

/// The children that are not members, then the members (upstream's visiting order), with
/// whether each is a member.
fn elements(set: &Set) -> Vec<(PathElement, bool)> {
    let mut out: Vec<(PathElement, bool)> = set
        .children()
        .iter()
        .filter(|(pe, _)| !set.has_member(pe))
        .map(|(pe, _)| (pe.clone(), false))
        .collect();
    out.extend(set.members().iter().map(|pe| (pe.clone(), true)));
    out
}
