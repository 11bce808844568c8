//! What the tests that compare with upstream's published discovery documents share: where the
//! `k8s.io/kubernetes` Go module holding them is, and what a default kube-apiserver leaves out of
//! them.
//!
//! The module is found through `IRONKUBE_K8S_MODULE`, else in `$(go env GOMODCACHE)`, else it is
//! downloaded with `go mod download`. Without it the tests fail: they never skip.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub const MODULE: &str = "k8s.io/kubernetes@v1.37.2";

/// Group versions upstream's documents list that a default kube-apiserver v1.37 does not serve:
/// `DefaultAPIResourceConfigSource` disables every alpha and beta group version.
pub const NOT_SERVED_BY_DEFAULT: &[(&str, &str)] = &[
    ("admissionregistration.k8s.io", "v1alpha1"),
    ("admissionregistration.k8s.io", "v1beta1"),
    ("certificates.k8s.io", "v1beta1"),
    ("coordination.k8s.io", "v1alpha2"),
    ("coordination.k8s.io", "v1beta1"),
    ("internal.apiserver.k8s.io", "v1alpha1"),
    ("lifecycle.k8s.io", "v1alpha1"),
    ("resource.k8s.io", "v1alpha3"),
    ("resource.k8s.io", "v1beta1"),
    ("resource.k8s.io", "v1beta2"),
    ("scheduling.k8s.io", "v1alpha3"),
    ("scheduling.k8s.io", "v1beta1"),
    ("storagemigration.k8s.io", "v1beta1"),
];

/// Subresources the registry leaves for later issues (it has only `status` and `scale`).
pub const LEFT_OUT_SUBRESOURCES: &[&str] = &[
    "approval",
    "attach",
    "binding",
    "ephemeralcontainers",
    "eviction",
    "exec",
    "log",
    "portforward",
    "proxy",
    "resize",
    "token",
];

pub fn module_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("IRONKUBE_K8S_MODULE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("api/discovery").is_dir(),
            "IRONKUBE_K8S_MODULE={} has no api/discovery",
            dir.display()
        );
        return dir;
    }
    let out = Command::new("go")
        .args(["env", "GOMODCACHE"])
        .output()
        .expect("running `go env GOMODCACHE` (the comparison with upstream needs Go, or IRONKUBE_K8S_MODULE)");
    assert!(out.status.success(), "go env GOMODCACHE failed: {out:?}");
    let cache = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let dir = cache.join(MODULE);
    if dir.join("api/discovery").is_dir() {
        return dir;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new("go")
        .args(["mod", "download", "-json", MODULE])
        .current_dir(tmp.path())
        .output()
        .expect("running `go mod download`");
    assert!(
        out.status.success(),
        "go mod download -json {MODULE} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = PathBuf::from(
        info["Dir"]
            .as_str()
            .expect("go mod download printed no Dir"),
    );
    assert!(
        dir.join("api/discovery").is_dir(),
        "{} has no api/discovery",
        dir.display()
    );
    dir
}

pub fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}
