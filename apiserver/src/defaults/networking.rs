//! networking.k8s.io/v1 (`pkg/apis/networking/v1/defaults.go`).

use serde_json::{Value, json};

use super::{Object, child, default_unset, each, is_empty, present};

/// Defaults a networking.k8s.io/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    match kind {
        "NetworkPolicy" => {
            let Some(spec) = child(object, "spec") else {
                return;
            };
            if is_empty(spec, "policyTypes") {
                let mut types = vec![json!("Ingress")];
                if !is_empty(spec, "egress") {
                    types.push(json!("Egress"));
                }
                spec.insert("policyTypes".to_owned(), Value::Array(types));
            }
            for (rules, _) in [("ingress", ()), ("egress", ())] {
                each(spec, rules, |rule| {
                    each(rule, "ports", |port| {
                        default_unset(port, "protocol", json!("TCP"))
                    });
                });
            }
        }
        "IngressClass" => {
            if let Some(parameters) =
                child(object, "spec").and_then(|spec| present(spec, "parameters"))
            {
                default_unset(parameters, "scope", json!("Cluster"));
            }
        }
        _ => {}
    }
}
