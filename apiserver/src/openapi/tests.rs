//! The served documents are upstream's published ones, byte for byte, for what is served.

use super::*;

/// Where upstream's published documents are (the Go module cache).
fn published_dir() -> std::path::PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    std::path::PathBuf::from(home).join("go/pkg/mod/k8s.io/kubernetes@v1.37.2/api/openapi-spec")
}

#[test]
fn served_documents_equal_the_published_ones() {
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
    let dir = published_dir();
    if !dir.exists() {
        eprintln!(
            "{} missing: comparing with the embedded copies only",
            dir.display()
        );
    }
    for path in &served {
        let bytes = document_bytes(&registry, path).unwrap();
        let file = dir
            .join("v3")
            .join(format!("{}_openapi.json", path.replace('/', "__")));
        if let Ok(expected) = std::fs::read(&file) {
            assert!(
                bytes == expected.as_slice(),
                "{path} differs from {}",
                file.display()
            );
        }
        assert_eq!(document_hash(&registry, path).unwrap(), hash(bytes));
    }
    // Every embedded document decompresses, and the v2 one is the published file.
    for name in bundle::names() {
        assert!(bundle::get(name).is_some(), "{name}");
    }
    if let Ok(expected) = std::fs::read(dir.join("swagger.json")) {
        assert!(bundle::get("v2").unwrap() == expected.as_slice());
    }
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
