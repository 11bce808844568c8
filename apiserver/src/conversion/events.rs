//! `Event`: core `v1` and `events.k8s.io/v1` are two views of one type (upstream's internal
//! `core.Event`), stored in the core group's `events` storage at core `v1`.
//!
//! `pkg/apis/events/v1/conversion.go` maps the fields: the core names on the left, the
//! `events.k8s.io` names on the right. Fields neither version knows are not carried over, as
//! upstream's typed conversion drops them.

use serde_json::{Map, Value};

/// Core `v1` field name and `events.k8s.io/v1` field name of every field the two share.
const FIELD_NAMES: &[(&str, &str)] = &[
    ("metadata", "metadata"),
    ("eventTime", "eventTime"),
    ("series", "series"),
    ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"),
    ("action", "action"),
    ("reason", "reason"),
    ("involvedObject", "regarding"),
    ("related", "related"),
    ("message", "note"),
    ("type", "type"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

/// The group whose `Event` the fields are named for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventGroup {
    /// The core group (`v1`).
    Core,
    /// `events.k8s.io` (`v1`).
    Events,
}

impl EventGroup {
    /// The group of `name` (`""` or `events.k8s.io`), if it serves `Event`.
    pub(crate) fn of(name: &str) -> Option<Self> {
        match name {
            "" => Some(Self::Core),
            "events.k8s.io" => Some(Self::Events),
            _ => None,
        }
    }
}

/// Converts an `Event`'s fields (without its type meta) between the two groups' `v1`.
pub(crate) fn convert(object: Value, from: EventGroup, to: EventGroup) -> Value {
    if from == to {
        return object;
    }
    let Value::Object(mut fields) = object else {
        return object;
    };
    let mut out = Map::new();
    for (core, events) in FIELD_NAMES {
        let (source, target) = match from {
            EventGroup::Core => (core, events),
            EventGroup::Events => (events, core),
        };
        if let Some(value) = fields.remove(*source) {
            out.insert((*target).to_string(), value);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_renamed_both_ways() {
        let core = json!({
            "metadata": {"name": "e"},
            "involvedObject": {"kind": "Pod", "name": "p"},
            "message": "m", "source": {"component": "kubelet"}, "count": 2,
            "firstTimestamp": "2024-01-01T00:00:00Z", "reportingComponent": "kubelet",
            "unknown": true,
        });
        let events = convert(core.clone(), EventGroup::Core, EventGroup::Events);
        assert_eq!(
            events,
            json!({
                "metadata": {"name": "e"},
                "regarding": {"kind": "Pod", "name": "p"},
                "note": "m", "deprecatedSource": {"component": "kubelet"}, "deprecatedCount": 2,
                "deprecatedFirstTimestamp": "2024-01-01T00:00:00Z",
                "reportingController": "kubelet",
            })
        );
        let mut back = convert(events, EventGroup::Events, EventGroup::Core);
        back["unknown"] = json!(true);
        assert_eq!(back, core);
        assert_eq!(
            convert(core.clone(), EventGroup::Core, EventGroup::Core),
            core
        );
    }
}
