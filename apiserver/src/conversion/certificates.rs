//! `certificates.k8s.io` PodCertificateRequest: `v1` (served) and `v1beta1` (stored).
//!
//! `v1` has no `spec.pkixPublicKey` and no `spec.proofOfPossession` (the internal type and
//! `v1beta1` do); converting to `v1` drops them, as upstream's generated conversion does.
//! ClusterTrustBundle has the same shape in both versions.

use serde_json::Value;

/// The `PodCertificateRequest` versions this module converts.
pub(crate) const VERSIONS: &[&str] = &["v1", "v1beta1"];

/// Converts a `PodCertificateRequest` (without its type meta) to `to`.
pub(crate) fn convert_pod_certificate_request(object: Value, to: &str) -> Value {
    let mut object = object;
    if to == "v1"
        && let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.remove("pkixPublicKey");
        spec.remove("proofOfPossession");
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v1_has_no_public_key_fields() {
        let beta = json!({"spec": {"signerName": "s", "pkixPublicKey": "AQ==", "proofOfPossession": "Ag==", "stubPKCS10Request": "Aw=="}});
        assert_eq!(
            convert_pod_certificate_request(beta.clone(), "v1"),
            json!({"spec": {"signerName": "s", "stubPKCS10Request": "Aw=="}})
        );
        assert_eq!(
            convert_pod_certificate_request(beta.clone(), "v1beta1"),
            beta
        );
    }
}
