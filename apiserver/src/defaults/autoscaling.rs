//! autoscaling v1 and v2 (`pkg/apis/autoscaling/v{1,2}/defaults.go`): HorizontalPodAutoscaler.

use serde_json::{Value, json};

use super::{Object, child, default_unset, is_empty, present};

/// Defaults an autoscaling object of `version`/`kind`.
pub(super) fn apply(version: &str, kind: &str, object: &mut Object) {
    if kind != "HorizontalPodAutoscaler" || !matches!(version, "v1" | "v2") {
        return;
    }
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_unset(spec, "minReplicas", json!(1));
    if version == "v2" {
        if is_empty(spec, "metrics") {
            spec.insert(
                "metrics".to_owned(),
                json!([{ "type": "Resource", "resource": { "name": "cpu",
                    "target": { "type": "Utilization", "averageUtilization": 80 } } }]),
            );
        }
        if let Some(behavior) = present(spec, "behavior") {
            let scale_up = json!({ "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                "policies": [ { "type": "Pods", "value": 4, "periodSeconds": 15 },
                              { "type": "Percent", "value": 100, "periodSeconds": 15 } ] });
            let scale_down = json!({ "selectPolicy": "Max",
                "policies": [ { "type": "Percent", "value": 100, "periodSeconds": 15 } ] });
            for (key, mut rules) in [("scaleUp", scale_up), ("scaleDown", scale_down)] {
                // Every field the rules set wins over the default rules.
                if let (Some(given), Some(defaults)) = (
                    behavior.get(key).and_then(Value::as_object),
                    rules.as_object_mut(),
                ) {
                    for field in [
                        "selectPolicy",
                        "stabilizationWindowSeconds",
                        "policies",
                        "tolerance",
                    ] {
                        if let Some(value) = given.get(field).filter(|value| !value.is_null()) {
                            defaults.insert(field.to_owned(), value.clone());
                        }
                    }
                }
                if behavior
                    .get(key)
                    .is_none_or(|given| given.is_null() || given.is_object())
                {
                    behavior.insert(key.to_owned(), rules);
                }
            }
        }
    }
}
