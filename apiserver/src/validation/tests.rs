//! Unit tests of the per-resource rules and of what the golden file does not reach (wrongly
//! typed metadata, kind-specific checks, declarative validation on update, URL names).

use ironkube_apimachinery::field::aggregate_message;
use ironkube_apimachinery::{FieldError, FieldErrorType};
use serde_json::{Value, json};

use super::*;

fn messages(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn name_rules_per_resource() {
    let cases = [
        ("", "configmaps", NameRule::DnsSubdomain),
        ("", "pods", NameRule::DnsSubdomain),
        ("", "namespaces", NameRule::DnsLabel),
        ("", "services", NameRule::DnsLabel),
        ("apps", "statefulsets", NameRule::DnsLabel),
        ("apps", "deployments", NameRule::DnsSubdomain),
        ("", "replicationcontrollers", NameRule::LongName),
        ("resource.k8s.io", "deviceclasses", NameRule::LongName),
        ("rbac.authorization.k8s.io", "roles", NameRule::PathSegment),
        (
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            NameRule::PathSegment,
        ),
        ("networking.k8s.io", "ipaddresses", NameRule::IpAddress),
        ("networking.k8s.io", "servicecidrs", NameRule::DnsSubdomain),
        (
            "certificates.k8s.io",
            "certificatesigningrequests",
            NameRule::Any,
        ),
        (
            "certificates.k8s.io",
            "clustertrustbundles",
            NameRule::ClusterTrustBundle,
        ),
        (
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            NameRule::CustomResourceDefinition,
        ),
        (
            "apiregistration.k8s.io",
            "apiservices",
            NameRule::ApiService,
        ),
        (
            "policy",
            "poddisruptionbudgets",
            NameRule::GenericPathSegment,
        ),
        ("", "events", NameRule::GenericPathSegment),
        ("events.k8s.io", "events", NameRule::DnsSubdomain),
        (
            "authentication.k8s.io",
            "tokenreviews",
            NameRule::NotValidated,
        ),
        (
            "authorization.k8s.io",
            "subjectaccessreviews",
            NameRule::NotValidated,
        ),
        ("", "bindings", NameRule::NotValidated),
        ("example.com", "widgets", NameRule::DnsSubdomain),
    ];
    for (group, resource, rule) in cases {
        assert_eq!(name_rule(group, resource), rule, "{group}/{resource}");
    }
}

#[test]
fn every_registered_resource_has_a_deliberate_rule() {
    // A resource falling through to the custom-resource default would be a table omission.
    let registry = crate::registry::Registry::builtin();
    for info in registry.resources() {
        assert!(
            resources::builtin_profile(info.group, info.resource).is_some(),
            "{}/{} has no profile",
            info.group,
            info.resource
        );
    }
}

#[test]
fn wrongly_typed_metadata_gives_field_errors() {
    let object = json!({"metadata": {
        "name": 5,
        "namespace": "ns",
        "labels": ["a"],
        "annotations": {"a": 1},
        "finalizers": "x",
        "ownerReferences": [3],
        "generation": "1",
        "creationTimestamp": "yesterday",
        "managedFields": {}
    }});
    let errors = validate_object_meta(&object, true, NameRule::DnsSubdomain);
    let fields: Vec<&str> = errors
        .iter()
        .filter(|e| e.error_type == FieldErrorType::TypeInvalid)
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "metadata.name",
            "metadata.generation",
            "metadata.creationTimestamp",
            "metadata.labels",
            "metadata.annotations[a]",
            "metadata.finalizers",
            "metadata.ownerReferences[0]",
            "metadata.managedFields",
        ]
    );
    // The unreadable name counts as missing; the unreadable owner reference as empty.
    assert!(
        errors
            .iter()
            .any(|e| e.error_type == FieldErrorType::Required && e.field == "metadata.name")
    );
    for bad in [json!(null), json!([]), json!({"metadata": "x"}), json!("x")] {
        let errors = validate_object_meta(&bad, false, NameRule::DnsSubdomain);
        assert!(errors.iter().any(|e| e.field == "metadata.name"), "{bad}");
        let _ = validate_object_meta_update(&bad, &bad);
        let _ = validate_create("", "configmaps", true, &bad);
        let _ = validate_update("", "configmaps", true, &bad, &bad);
    }
}

#[test]
fn not_validated_resources_give_nothing() {
    let object = json!({"metadata": {"name": "a/b", "labels": {"a b": "c"}}});
    assert!(validate_object_meta(&object, false, NameRule::NotValidated).is_empty());
    assert!(validate_create("authentication.k8s.io", "tokenreviews", false, &object).is_empty());
    assert!(
        validate_update(
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            false,
            &object,
            &object
        )
        .is_empty()
    );
}

fn object(name: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": "default", "resourceVersion": "1"}})
}

#[test]
fn cron_job_names_are_at_most_52_characters() {
    let name = "a".repeat(53);
    let errors = validate_create("batch", "cronjobs", true, &object(&name));
    assert_eq!(
        messages(&errors),
        [format!(
            "metadata.name: Invalid value: \"{name}\": must be no more than 52 characters"
        )]
    );
    assert!(validate_create("batch", "cronjobs", true, &object(&"a".repeat(52))).is_empty());
    // Not on update: old cron jobs with long names must stay updatable.
    assert!(validate_update("batch", "cronjobs", true, &object(&name), &object(&name)).is_empty());
}

#[test]
fn admission_configurations_may_not_use_the_static_suffix() {
    for resource in [
        "mutatingwebhookconfigurations",
        "validatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    ] {
        let errors = validate_create(
            "admissionregistration.k8s.io",
            resource,
            false,
            &json!({"metadata": {"name": "x.static.k8s.io"}}),
        );
        assert_eq!(
            messages(&errors),
            [
                r#"metadata.name: Invalid value: "x.static.k8s.io": names ending with ".static.k8s.io" are reserved for static manifest-based configurations and cannot be managed via the API"#
            ]
        );
    }
}

#[test]
fn finalizer_names_depend_on_the_strategy() {
    let with_finalizer =
        json!({"metadata": {"name": "a", "namespace": "default", "finalizers": ["foo"]}});
    // Core wrapper kinds refuse an unqualified non-standard finalizer...
    assert_eq!(
        messages(&validate_create("", "secrets", true, &with_finalizer)),
        [
            r#"metadata.finalizers[0]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified"#
        ]
    );
    // ...generic ones (leases, runtime classes, admission, custom resources) accept it.
    assert!(validate_create("coordination.k8s.io", "leases", true, &with_finalizer).is_empty());
    assert!(validate_create("example.com", "widgets", true, &with_finalizer).is_empty());
}

#[test]
fn pod_disruption_budgets_only_get_the_generic_pass() {
    // Any path segment is a valid name...
    assert!(
        validate_create("policy", "poddisruptionbudgets", true, &object("Any_Name")).is_empty()
    );
    // ...but not a slash.
    assert_eq!(
        messages(&validate_create(
            "policy",
            "poddisruptionbudgets",
            true,
            &object("a/b")
        )),
        [r#"metadata.name: Invalid value: "a/b": may not contain '/'"#]
    );
}

#[test]
fn long_names_on_update_follow_declarative_validation() {
    // A changed, invalid name: immutable (generic pass), then the declarative name check last.
    let errors = validate_update(
        "resource.k8s.io",
        "deviceclasses",
        false,
        &json!({"metadata": {"name": "Bad", "resourceVersion": "1", "labels": {"a b": "c"}}}),
        &json!({"metadata": {"name": "good", "resourceVersion": "1"}}),
    );
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["metadata.labels", "metadata.name", "metadata.name"]
    );
    assert!(errors[1].detail.contains("immutable"));
    assert!(errors[2].detail.contains("RFC 1123 subdomain"));
    // An unchanged invalid name (stored before the rule existed) is reported where the
    // hand-written create check reports it.
    let stored = json!({"metadata": {"name": "Bad", "resourceVersion": "1"}});
    let errors = validate_update("resource.k8s.io", "deviceclasses", false, &stored, &stored);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "metadata.name");
}

#[test]
fn repeated_errors_are_dropped_where_upstream_drops_them() {
    let new = json!({"metadata": {"name": "a", "resourceVersion": "1", "labels": {"a": "b c", "d": "b c"}}});
    let old = json!({"metadata": {"name": "a", "resourceVersion": "1"}});
    // Kubernetes strategies: the whole list.
    let errors = validate_update("", "namespaces", false, &new, &old);
    assert_eq!(errors.len(), 1);
    // Custom resources: each ValidateObjectMetaDeclaratively call, not the generic pass.
    let errors = validate_update("example.com", "widgets", false, &new, &old);
    assert_eq!(errors.len(), 5);
    assert_eq!(
        aggregate_message(&errors).map(|m| m.starts_with("metadata.labels")),
        Some(true)
    );
}

#[test]
fn spec_dependent_names() {
    let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com", "names": {"plural": "widgets"}}});
    assert!(
        validate_create(
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            false,
            &crd
        )
        .is_empty()
    );
    let service = json!({"metadata": {"name": "v1.example.com"}, "spec": {"group": "example.com", "version": "v2"}});
    assert_eq!(
        messages(&validate_create(
            "apiregistration.k8s.io",
            "apiservices",
            false,
            &service
        )),
        [
            r#"metadata.name: Invalid value: "v1.example.com": must be `spec.version+"."+spec.group`: "v2.example.com""#
        ]
    );
    let bundle = json!({"metadata": {"name": "example.com:signer:x"}, "spec": {"signerName": "example.com/signer"}});
    assert!(
        validate_create("certificates.k8s.io", "clustertrustbundles", false, &bundle).is_empty()
    );
}

#[test]
fn names_in_urls() {
    assert!(path_segment_name_errors("my-pod").is_empty());
    assert_eq!(path_segment_name_errors(".."), ["may not be '..'"]);
    assert_eq!(name_parameter_error("ok"), None);
    assert_eq!(
        name_parameter_error("").as_deref(),
        Some("Name parameter required.")
    );
    assert_eq!(
        name_parameter_error("a/b%c").as_deref(),
        Some(r#"Name parameter invalid: "a/b%c": may not contain '/';may not contain '%'"#)
    );
}
