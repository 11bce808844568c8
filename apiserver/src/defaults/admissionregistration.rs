//! admissionregistration.k8s.io/v1 (`pkg/apis/admissionregistration/v1/defaults.go`): webhook
//! configurations and admission policies.

use serde_json::json;

use super::{Object, child, default_unset, each, present};

/// Defaults an admissionregistration.k8s.io object of `kind` (v1; the beta versions share it).
pub(super) fn apply(kind: &str, object: &mut Object) {
    match kind {
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
            let mutating = kind == "MutatingWebhookConfiguration";
            each(object, "webhooks", |webhook| {
                default_unset(webhook, "failurePolicy", json!("Fail"));
                default_unset(webhook, "matchPolicy", json!("Equivalent"));
                default_unset(webhook, "namespaceSelector", json!({}));
                default_unset(webhook, "objectSelector", json!({}));
                default_unset(webhook, "timeoutSeconds", json!(10));
                if mutating {
                    default_unset(webhook, "reinvocationPolicy", json!("Never"));
                }
                if let Some(service) =
                    child(webhook, "clientConfig").and_then(|config| present(config, "service"))
                {
                    default_unset(service, "port", json!(443));
                }
                each(webhook, "rules", rule);
            });
        }
        "ValidatingAdmissionPolicy" | "MutatingAdmissionPolicy" => {
            let Some(spec) = child(object, "spec") else {
                return;
            };
            default_unset(spec, "failurePolicy", json!("Fail"));
            if let Some(constraints) = present(spec, "matchConstraints") {
                match_resources(constraints);
            }
        }
        "ValidatingAdmissionPolicyBinding" | "MutatingAdmissionPolicyBinding" => {
            if let Some(resources) =
                child(object, "spec").and_then(|spec| present(spec, "matchResources"))
            {
                match_resources(resources);
            }
        }
        _ => {}
    }
}

/// `SetDefaults_Rule`.
fn rule(rule: &mut Object) {
    default_unset(rule, "scope", json!("*"));
}

/// `SetDefaults_MatchResources` and its rules.
fn match_resources(resources: &mut Object) {
    default_unset(resources, "matchPolicy", json!("Equivalent"));
    default_unset(resources, "namespaceSelector", json!({}));
    default_unset(resources, "objectSelector", json!({}));
    each(resources, "resourceRules", rule);
    each(resources, "excludeResourceRules", rule);
}
