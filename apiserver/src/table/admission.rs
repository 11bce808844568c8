//! `admissionregistration.k8s.io`: webhook configurations and admission policies with their
//! bindings.

use serde_json::Value;

use super::format::{UNSET, go_label_selector_string, len_at, str_at};
use super::{AGE, Column, NAME, Printer, Printing, col};

/// The printers of `admissionregistration.k8s.io`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "MutatingWebhookConfiguration",
        columns: MUTATING_WEBHOOK_CONFIGURATION_COLUMNS,
        cells: webhook_configuration_cells,
    },
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "ValidatingWebhookConfiguration",
        columns: VALIDATING_WEBHOOK_CONFIGURATION_COLUMNS,
        cells: webhook_configuration_cells,
    },
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "ValidatingAdmissionPolicy",
        columns: VALIDATING_ADMISSION_POLICY_COLUMNS,
        cells: validating_admission_policy_cells,
    },
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "ValidatingAdmissionPolicyBinding",
        columns: VALIDATING_ADMISSION_POLICY_BINDING_COLUMNS,
        cells: policy_binding_cells,
    },
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "MutatingAdmissionPolicy",
        columns: MUTATING_ADMISSION_POLICY_COLUMNS,
        cells: mutating_admission_policy_cells,
    },
    Printer {
        groups: &["admissionregistration.k8s.io"],
        kind: "MutatingAdmissionPolicyBinding",
        columns: MUTATING_ADMISSION_POLICY_BINDING_COLUMNS,
        cells: policy_binding_cells,
    },
];

/// The columns of MutatingWebhookConfiguration (`kubectl get`).
const MUTATING_WEBHOOK_CONFIGURATION_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE,
];

/// The columns of ValidatingWebhookConfiguration (`kubectl get`).
const VALIDATING_WEBHOOK_CONFIGURATION_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE,
];

/// The columns of ValidatingAdmissionPolicy (`kubectl get`).
const VALIDATING_ADMISSION_POLICY_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Validations",
        "integer",
        "Validations indicates the number of validation rules defined in this configuration",
    ),
    col(
        "ParamKind",
        "string",
        "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    AGE,
];

/// The columns of ValidatingAdmissionPolicyBinding (`kubectl get`).
const VALIDATING_ADMISSION_POLICY_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "PolicyName",
        "string",
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    col(
        "ParamRef",
        "string",
        "ParamRef indicates the param resource which sets the configuration param",
    ),
    AGE,
];

/// The columns of MutatingAdmissionPolicy (`kubectl get`).
const MUTATING_ADMISSION_POLICY_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Mutations",
        "integer",
        "Mutation indicates the number of mutations rules defined in this configuration",
    ),
    col(
        "ParamKind",
        "string",
        "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    AGE,
];

/// The columns of MutatingAdmissionPolicyBinding (`kubectl get`).
const MUTATING_ADMISSION_POLICY_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "PolicyName",
        "string",
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    col(
        "ParamRef",
        "string",
        "ParamRef indicates the param resource which sets the configuration param",
    ),
    AGE,
];

/// The row of a webhook configuration (mutating or validating).
fn webhook_configuration_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), len_at(p.object, &["webhooks"]).into(), p.age()]
}

/// The ParamKind column: `apiVersion/kind`, or "<unset>".
fn param_kind(p: &Printing<'_>) -> String {
    let param_kind = p.at(&["spec", "paramKind"]);
    if param_kind.is_null() {
        return UNSET.to_owned();
    }
    format!(
        "{}/{}",
        str_at(param_kind, &["apiVersion"]),
        str_at(param_kind, &["kind"])
    )
}

/// The row of a validating admission policy.
fn validating_admission_policy_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        len_at(p.object, &["spec", "validations"]).into(),
        param_kind(p).into(),
        p.age(),
    ]
}

/// The row of a mutating admission policy.
fn mutating_admission_policy_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        len_at(p.object, &["spec", "mutations"]).into(),
        param_kind(p).into(),
        p.age(),
    ]
}

/// The ParamRef column of a binding: `namespace/name`, `*/name` when the namespace is not
/// known, the selector's Go form, or "<unset>".
fn param_ref(p: &Printing<'_>) -> String {
    let param_ref = p.at(&["spec", "paramRef"]);
    if param_ref.is_null() {
        return UNSET.to_owned();
    }
    let name = str_at(param_ref, &["name"]);
    let namespace = str_at(param_ref, &["namespace"]);
    let selector = super::format::at(param_ref, &["selector"]);
    if !name.is_empty() {
        if namespace.is_empty() {
            format!("*/{name}")
        } else {
            format!("{namespace}/{name}")
        }
    } else if !selector.is_null() {
        go_label_selector_string(selector)
    } else {
        UNSET.to_owned()
    }
}

/// The row of an admission policy binding (validating or mutating).
fn policy_binding_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.str(&["spec", "policyName"]).into(),
        param_ref(p).into(),
        p.age(),
    ]
}
