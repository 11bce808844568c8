//! The served documents are the ones upstream kube-apiserver v1.37.2 serves (fetched from a
//! running one by `apiserver/openapi/dump-from-upstream.sh`), for what ironkube serves.

use super::*;

#[test]
fn served_documents_are_what_upstream_serves() {
    let registry = Registry::builtin();
    let served = served_paths(&registry);
    assert!(served.contains("api/v1"));
    assert!(served.contains("apis/apps/v1"));
    assert!(served.contains("apis/apps"));
    assert!(served.contains("version"));
    // The default server serves GA versions only.
    assert!(
        !served
            .iter()
            .any(|p| p.contains("alpha") || p.contains("beta"))
    );
    for path in &served {
        let bytes = document_bytes(&registry, path).unwrap();
        assert!(
            serde_json::from_slice::<Value>(bytes).is_ok(),
            "{path} is not JSON"
        );
        assert_eq!(document_hash(&registry, path).unwrap(), hash(bytes));
    }
    // The served documents carry the enum values the module's generated files lack (what
    // `kubectl explain` prints as `enum:` lines).
    let core = published_document("api/v1").unwrap();
    let pull = &core["components"]["schemas"]["io.k8s.api.core.v1.Container"]["properties"]["imagePullPolicy"];
    assert_eq!(
        pull["enum"],
        serde_json::json!(["Always", "IfNotPresent", "Never"])
    );
    // Every embedded document decompresses; v2 is a swagger 2.0 document.
    for name in bundle::names() {
        assert!(bundle::get(name).is_some(), "{name}");
    }
    let v2: Value = serde_json::from_slice(bundle::get("v2").unwrap()).unwrap();
    assert_eq!(v2["swagger"], "2.0");
}

#[test]
fn root_lists_each_served_document_with_its_hash() {
    let registry = Registry::builtin();
    let root = root(&registry);
    let paths = root["paths"].as_object().unwrap();
    assert_eq!(paths.len(), served_paths(&registry).len());
    let url = paths["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
    let bytes = document_bytes(&registry, "apis/apps/v1").unwrap();
    assert_eq!(
        url,
        format!("/openapi/v3/apis/apps/v1?hash={}", hash(bytes))
    );
    assert!(document(&registry, "nope", "v1").is_none());
    assert!(document_bytes(&registry, "apis/resource.k8s.io/v1alpha3").is_none());
    let doc = document(&registry, "", "v1").unwrap();
    let patch = &doc["paths"]["/api/v1/namespaces/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "Namespace"
    );
    assert!(
        patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation" && p["in"] == "query")
    );
}

#[test]
fn v2_keeps_served_paths_and_the_definitions_they_reach() {
    let registry = Registry::builtin();
    let doc: Value = serde_json::from_slice(&v2_document(&registry).unwrap()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/namespaces/{namespace}/pods"));
    assert!(paths.contains_key("/apis/apps/"));
    assert!(paths.contains_key("/version/"));
    assert!(
        !paths
            .keys()
            .any(|p| p.contains("v1alpha") || p.contains("v1beta"))
    );
    let definitions = doc["definitions"].as_object().unwrap();
    assert!(definitions.contains_key("io.k8s.api.core.v1.Pod"));
    assert!(definitions.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    assert!(definitions.contains_key("io.k8s.api.coordination.v1.Lease"));
    assert!(!definitions.contains_key("io.k8s.api.coordination.v1alpha2.LeaseCandidate"));
    assert_eq!(doc["swagger"], "2.0");
    // Every reference resolves.
    let mut refs = Vec::new();
    v2::collect_refs_for_test(&doc, &mut refs);
    for name in refs {
        assert!(definitions.contains_key(&name), "{name}");
    }
}
