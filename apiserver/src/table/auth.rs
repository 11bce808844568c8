//! `rbac.authorization.k8s.io` (role bindings; roles use the default convertor upstream) and
//! `certificates.k8s.io` (signing requests, trust bundles, pod certificate requests).

use serde_json::Value;

use super::format::{NONE, array_at, format_labels, human_duration, str_at};
use super::{AGE, Column, NAME, Printer, Printing, col, wide};

/// The printers of `rbac.authorization.k8s.io` and `certificates.k8s.io`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["rbac.authorization.k8s.io"],
        kind: "RoleBinding",
        columns: ROLE_BINDING_COLUMNS,
        cells: binding_cells,
    },
    Printer {
        groups: &["rbac.authorization.k8s.io"],
        kind: "ClusterRoleBinding",
        columns: CLUSTER_ROLE_BINDING_COLUMNS,
        cells: binding_cells,
    },
    Printer {
        groups: &["certificates.k8s.io"],
        kind: "CertificateSigningRequest",
        columns: CERTIFICATE_SIGNING_REQUEST_COLUMNS,
        cells: certificate_signing_request_cells,
    },
    Printer {
        groups: &["certificates.k8s.io"],
        kind: "ClusterTrustBundle",
        columns: CLUSTER_TRUST_BUNDLE_COLUMNS,
        cells: cluster_trust_bundle_cells,
    },
    Printer {
        groups: &["certificates.k8s.io"],
        kind: "PodCertificateRequest",
        columns: POD_CERTIFICATE_REQUEST_COLUMNS,
        cells: pod_certificate_request_cells,
    },
];

/// The columns of RoleBinding (`kubectl get`).
const ROLE_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "roleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
    ),
    AGE,
    wide("Users", "string", "Users in the roleBinding"),
    wide("Groups", "string", "Groups in the roleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the roleBinding",
    ),
];

/// The columns of ClusterRoleBinding (`kubectl get`).
const CLUSTER_ROLE_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "roleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
    ),
    AGE,
    wide("Users", "string", "Users in the clusterRoleBinding"),
    wide("Groups", "string", "Groups in the clusterRoleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the clusterRoleBinding",
    ),
];

/// The columns of CertificateSigningRequest (`kubectl get`).
const CERTIFICATE_SIGNING_REQUEST_COLUMNS: &[Column] = &[
    NAME,
    AGE,
    col(
        "SignerName",
        "string",
        "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If empty, it will be defaulted:\n 1. If it's a kubelet client certificate, it is assigned\n    \"kubernetes.io/kube-apiserver-client-kubelet\".\n 2. If it's a kubelet serving certificate, it is assigned\n    \"kubernetes.io/kubelet-serving\".\n 3. Otherwise, it is assigned \"kubernetes.io/legacy-unknown\".\nDistribution of trust for signers happens out of band. You can select on this field using `spec.signerName`.",
    ),
    col("Requestor", "string", "Base64-encoded PKCS#10 CSR data"),
    col(
        "RequestedDuration",
        "string",
        "expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.",
    ),
    col(
        "Condition",
        "string",
        "Conditions applied to the request, such as approval or denial.",
    ),
];

/// The columns of ClusterTrustBundle (`kubectl get`).
const CLUSTER_TRUST_BUNDLE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "SignerName",
        "string",
        "signerName indicates the associated signer, if any.\n\nIn order to create or update a ClusterTrustBundle that sets signerName, you must have the following cluster-scoped permission: group=certificates.k8s.io resource=signers resourceName=<the signer name> verb=attest.\n\nIf signerName is not empty, then the ClusterTrustBundle object must be named with the signer name as a prefix (translating slashes to colons). For example, for the signer name `example.com/foo`, valid ClusterTrustBundle object names include `example.com:foo:abc` and `example.com:foo:v1`.\n\nIf signerName is empty, then the ClusterTrustBundle object's name must not have such a prefix.\n\nList/watch requests for ClusterTrustBundles can filter on this field using a `spec.signerName=NAME` field selector.",
    ),
];

/// The columns of PodCertificateRequest (`kubectl get`).
const POD_CERTIFICATE_REQUEST_COLUMNS: &[Column] = &[
    NAME,
    col(
        "PodName",
        "string",
        "podName is the name of the pod into which the certificate will be mounted.",
    ),
    col(
        "ServiceAccountName",
        "string",
        "serviceAccountName is the name of the service account the pod is running as.",
    ),
    col(
        "NodeName",
        "string",
        "nodeName is the name of the node the pod is assigned to.",
    ),
    col(
        "SignerName",
        "string",
        "signerName indicates the requested signer.\n\nAll signer names beginning with `kubernetes.io` are reserved for use by the Kubernetes project.  There is currently one well-known signer documented by the Kubernetes project, `kubernetes.io/kube-apiserver-client-pod`, which will issue client certificates understood by kube-apiserver.  It is currently unimplemented.",
    ),
    col(
        "State",
        "string",
        "Is the request Pending, Issued, Denied, or Failed?",
    ),
    col(
        "UnverifiedUserAnnotations",
        "string",
        "unverifiedUserAnnotations allow pod authors to pass additional information to the signer implementation.  Kubernetes does not restrict or validate this metadata in any way.\n\nEntries are subject to the same validation as object metadata annotations, with the addition that all keys must be domain-prefixed. No restrictions are placed on values, except an overall size limitation on the entire field.\n\nSigners should document the keys and values they support.  Signers should deny requests that contain keys they do not recognize.",
    ),
];

/// The row of a role binding or cluster role binding.
fn binding_cells(p: &Printing<'_>) -> Vec<Value> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut service_accounts = Vec::new();
    for subject in array_at(p.object, &["subjects"]) {
        let name = str_at(subject, &["name"]);
        match str_at(subject, &["kind"]) {
            "ServiceAccount" => {
                service_accounts.push(format!("{}/{name}", str_at(subject, &["namespace"])));
            }
            "User" => users.push(name.to_owned()),
            "Group" => groups.push(name.to_owned()),
            _ => {}
        }
    }
    vec![
        p.name(),
        format!(
            "{}/{}",
            p.str(&["roleRef", "kind"]),
            p.str(&["roleRef", "name"])
        )
        .into(),
        p.age(),
        users.join(", ").into(),
        groups.join(", ").into(),
        service_accounts.join(", ").into(),
    ]
}

/// The Condition column of a signing request: Denied, Approved or Pending, then ",Failed" and
/// ",Issued" as they apply.
fn signing_request_status(csr: &Value) -> String {
    let conditions = array_at(csr, &["status", "conditions"]);
    let has = |type_: &str| conditions.iter().any(|c| str_at(c, &["type"]) == type_);
    let mut status = if has("Denied") {
        "Denied"
    } else if has("Approved") {
        "Approved"
    } else {
        "Pending"
    }
    .to_owned();
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !str_at(csr, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

/// A string, or "<none>" when empty.
fn or_none(value: &str) -> &str {
    if value.is_empty() { NONE } else { value }
}

/// The row of a certificate signing request.
fn certificate_signing_request_cells(p: &Printing<'_>) -> Vec<Value> {
    let requested = super::format::opt_int_at(p.object, &["spec", "expirationSeconds"])
        .map_or_else(
            || NONE.to_owned(),
            |seconds| human_duration(seconds.saturating_mul(1_000_000_000)),
        );
    vec![
        p.name(),
        p.age(),
        or_none(p.str(&["spec", "signerName"])).into(),
        p.str(&["spec", "username"]).into(),
        requested.into(),
        signing_request_status(p.object).into(),
    ]
}

/// The row of a cluster trust bundle.
fn cluster_trust_bundle_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), or_none(p.str(&["spec", "signerName"])).into()]
}

/// The row of a pod certificate request.
fn pod_certificate_request_cells(p: &Printing<'_>) -> Vec<Value> {
    // Issued, Denied and Failed are exclusive; the last such condition wins.
    let state = array_at(p.object, &["status", "conditions"])
        .iter()
        .filter_map(|c| match str_at(c, &["type"]) {
            t @ ("Issued" | "Denied" | "Failed") => Some(t),
            _ => None,
        })
        .next_back()
        .unwrap_or("Pending");
    vec![
        p.name(),
        p.str(&["spec", "podName"]).into(),
        p.str(&["spec", "serviceAccountName"]).into(),
        p.str(&["spec", "nodeName"]).into(),
        p.str(&["spec", "signerName"]).into(),
        state.into(),
        format_labels(p.at(&["spec", "unverifiedUserAnnotations"])).into(),
    ]
}
