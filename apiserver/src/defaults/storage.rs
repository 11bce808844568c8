//! storage.k8s.io/v1 (`pkg/apis/storage/v1/defaults.go`).

use serde_json::json;

use super::core::persistent_volume_spec;
use super::{Object, child, default_unset, is_empty, present};

/// Defaults a storage.k8s.io/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    match kind {
        "StorageClass" => {
            default_unset(object, "reclaimPolicy", json!("Delete"));
            default_unset(object, "volumeBindingMode", json!("Immediate"));
        }
        "CSIDriver" => {
            let Some(spec) = child(object, "spec") else {
                return;
            };
            default_unset(spec, "attachRequired", json!(true));
            default_unset(spec, "podInfoOnMount", json!(false));
            default_unset(spec, "storageCapacity", json!(false));
            default_unset(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
            if is_empty(spec, "volumeLifecycleModes") {
                spec.insert("volumeLifecycleModes".to_owned(), json!(["Persistent"]));
            }
            default_unset(spec, "requiresRepublish", json!(false));
            // SELinuxMountReadWriteOncePod (GA) and VolumeLimitScaling (beta, on) at v1.37.
            default_unset(spec, "seLinuxMount", json!(false));
            default_unset(spec, "preventPodSchedulingIfMissing", json!(false));
        }
        "VolumeAttachment" => {
            if let Some(inline) = child(object, "spec")
                .and_then(|spec| child(spec, "source"))
                .and_then(|source| present(source, "inlineVolumeSpec"))
            {
                inline_volume(inline);
            }
        }
        _ => {}
    }
}

/// An inline PersistentVolumeSpec gets the generated walk's source defaults, but not
/// `SetDefaults_PersistentVolume` (that belongs to the PersistentVolume object).
fn inline_volume(spec: &mut Object) {
    let had_policy = spec.contains_key("persistentVolumeReclaimPolicy");
    let had_mode = spec.contains_key("volumeMode");
    persistent_volume_spec(spec);
    if !had_policy {
        spec.remove("persistentVolumeReclaimPolicy");
    }
    if !had_mode {
        spec.remove("volumeMode");
    }
}
