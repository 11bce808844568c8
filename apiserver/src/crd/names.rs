//! Which names a CustomResourceDefinition gets (upstream's `NamingConditionController`) and
//! when it is established (its `EstablishingController`): a requested name another definition
//! of the same group already has is refused with a `NamesAccepted=False` condition naming the
//! conflict; names already accepted stay accepted. Once every name is accepted the definition
//! is established and stays so.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{condition, str_at, strings_at};

/// The names other definitions of the group have taken: resource names (plural, singular,
/// short names) and kinds (kind, list kind).
#[derive(Default)]
pub(crate) struct TakenNames {
    resources: HashSet<String>,
    kinds: HashSet<String>,
}

impl TakenNames {
    /// The accepted names of `others` (definitions of one group, not the one being named).
    pub(crate) fn of<'a>(others: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut taken = Self::default();
        for other in others {
            for key in ["plural", "singular"] {
                taken
                    .resources
                    .insert(str_at(other, &format!("/status/acceptedNames/{key}")).to_owned());
            }
            taken
                .resources
                .extend(strings_at(other, "/status/acceptedNames/shortNames"));
            for key in ["kind", "listKind"] {
                taken
                    .kinds
                    .insert(str_at(other, &format!("/status/acceptedNames/{key}")).to_owned());
            }
        }
        taken
    }
}

/// Upstream's `equalToAcceptedOrFresh`.
fn check(requested: &str, accepted: &str, used: &HashSet<String>) -> Result<(), String> {
    if requested == accepted || !used.contains(requested) {
        Ok(())
    } else {
        Err(format!("\"{requested}\" is already in use"))
    }
}

/// The status `crd` should have: its accepted names and its `NamesAccepted` and `Established`
/// conditions (transition times `now` where a condition's status changes). Other status
/// fields are kept.
pub(crate) fn status(crd: &Value, taken: &TakenNames, now: &str) -> Value {
    let requested = |key: &str| str_at(crd, &format!("/spec/names/{key}")).to_owned();
    let accepted = |key: &str| str_at(crd, &format!("/status/acceptedNames/{key}")).to_owned();
    let mut names: Map<String, Value> = crd
        .pointer("/status/acceptedNames")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut failure: Option<(&str, String)> = None;
    for (key, reason, used) in [
        ("plural", "PluralConflict", &taken.resources),
        ("singular", "SingularConflict", &taken.resources),
    ] {
        match check(&requested(key), &accepted(key), used) {
            Ok(()) => {
                names.insert(key.into(), json!(requested(key)));
            }
            Err(message) => failure = Some((reason, message)),
        }
    }
    let requested_short = strings_at(crd, "/spec/names/shortNames");
    let accepted_short = strings_at(crd, "/status/acceptedNames/shortNames");
    if requested_short != accepted_short {
        let errors: Vec<String> = requested_short
            .iter()
            .filter(|name| !accepted_short.contains(name))
            .filter_map(|name| check(name, "", &taken.resources).err())
            .collect();
        if errors.is_empty() {
            names.insert("shortNames".into(), json!(requested_short));
        } else {
            // Go's aggregate error: one message alone, several in brackets.
            let message = if errors.len() == 1 {
                errors.join("")
            } else {
                format!("[{}]", errors.join(", "))
            };
            failure = Some(("ShortNamesConflict", message));
        }
    }
    for (key, reason) in [("kind", "KindConflict"), ("listKind", "ListKindConflict")] {
        match check(&requested(key), &accepted(key), &taken.kinds) {
            Ok(()) => {
                names.insert(key.into(), json!(requested(key)));
            }
            Err(message) => failure = Some((reason, message)),
        }
    }
    match crd.pointer("/spec/names/categories") {
        Some(categories) if !categories.is_null() => {
            names.insert("categories".into(), categories.clone());
        }
        _ => {
            names.remove("categories");
        }
    }
    // Empty strings and lists are `omitempty` in the accepted names.
    names.retain(|_, v| match v {
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    });
    let names_accepted = match &failure {
        None => ("True", "NoConflicts", "no conflicts found".to_owned()),
        Some((reason, message)) => ("False", *reason, message.clone()),
    };
    let established = if names_accepted.0 == "True" || super::condition_true(crd, "Established") {
        (
            "True",
            "InitialNamesAccepted",
            "the initial names have been accepted",
        )
    } else {
        ("False", "NotAccepted", "not all names are accepted")
    };
    let mut status: Map<String, Value> = crd
        .get("status")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    status.insert("acceptedNames".into(), Value::Object(names));
    let mut conditions = status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (s, reason, message) = names_accepted;
    set_condition(
        crd,
        &mut conditions,
        "NamesAccepted",
        s,
        reason,
        &message,
        now,
    );
    let (s, reason, message) = established;
    set_condition(crd, &mut conditions, "Established", s, reason, message, now);
    status.insert("conditions".into(), Value::Array(conditions));
    Value::Object(status)
}

/// Upstream's `SetCRDCondition`: replaces or appends the condition `type_`, keeping its
/// transition time when its status does not change.
pub(crate) fn set_condition(
    crd: &Value,
    conditions: &mut Vec<Value>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) {
    let previous = condition(crd, type_);
    let transition = match previous {
        Some(old) if old.get("status").and_then(Value::as_str) == Some(status) => old
            .get("lastTransitionTime")
            .cloned()
            .unwrap_or_else(|| json!(now)),
        _ => json!(now),
    };
    let new = json!({
        "type": type_,
        "status": status,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    });
    match conditions
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
    {
        Some(slot) => *slot = new,
        None => conditions.push(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(plural: &str, kind: &str, short: &[&str]) -> Value {
        json!({
            "metadata": {"name": format!("{plural}.example.com")},
            "spec": {"group": "example.com", "names": {
                "plural": plural, "singular": plural.trim_end_matches('s'), "kind": kind,
                "listKind": format!("{kind}List"), "shortNames": short}},
        })
    }

    #[test]
    fn fresh_names_are_accepted_and_established() {
        let status = status(
            &crd("widgets", "Widget", &["wd"]),
            &TakenNames::default(),
            "T",
        );
        assert_eq!(status["acceptedNames"]["plural"], "widgets");
        assert_eq!(status["acceptedNames"]["shortNames"], json!(["wd"]));
        assert_eq!(status["conditions"][0]["type"], "NamesAccepted");
        assert_eq!(status["conditions"][0]["reason"], "NoConflicts");
        assert_eq!(status["conditions"][1]["type"], "Established");
        assert_eq!(status["conditions"][1]["status"], "True");
        assert_eq!(status["conditions"][1]["reason"], "InitialNamesAccepted");
    }

    #[test]
    fn taken_names_conflict() {
        let mut first = crd("widgets", "Widget", &["wd"]);
        first["status"] = status(&first, &TakenNames::default(), "T");
        let second = crd("gadgets", "Widget", &["wd"]);
        let status = status(&second, &TakenNames::of([&first]), "T");
        // Short name, kind and list kind conflict; the last check's reason wins.
        assert_eq!(status["conditions"][0]["status"], "False");
        assert_eq!(status["conditions"][0]["reason"], "ListKindConflict");
        assert_eq!(
            status["conditions"][0]["message"],
            "\"WidgetList\" is already in use"
        );
        assert_eq!(status["conditions"][1]["status"], "False");
        assert_eq!(status["conditions"][1]["reason"], "NotAccepted");
        assert_eq!(status["acceptedNames"]["plural"], "gadgets");
        assert!(status["acceptedNames"].get("kind").is_none());
        assert!(status["acceptedNames"].get("shortNames").is_none());
    }

    #[test]
    fn transition_times_stay_while_the_status_does() {
        let mut object = crd("widgets", "Widget", &[]);
        object["status"] = status(&object, &TakenNames::default(), "T1");
        let again = status(&object, &TakenNames::default(), "T2");
        assert_eq!(again["conditions"][0]["lastTransitionTime"], "T1");
        assert_eq!(again, object["status"]);
    }
}
