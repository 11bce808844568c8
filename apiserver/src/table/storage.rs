//! `storage.k8s.io`: storage classes (with the list printer's default marking), CSI drivers and
//! nodes, volume attachments and volume attributes classes. CSI storage capacities have a
//! printer upstream but their storage uses the default convertor, so they are not here.

use serde_json::Value;

use super::format::{
    NONE, UNSET, array_at, bool_at, len_at, name, opt_bool_at, opt_str_at, str_at, timestamp,
};
use super::{AGE, Column, NAME, Printer, Printing, col};

/// The printers of `storage.k8s.io`.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &["storage.k8s.io"],
        kind: "StorageClass",
        columns: STORAGE_CLASS_COLUMNS,
        cells: storage_class_cells,
    },
    Printer {
        groups: &["storage.k8s.io"],
        kind: "CSIDriver",
        columns: CSI_DRIVER_COLUMNS,
        cells: csi_driver_cells,
    },
    Printer {
        groups: &["storage.k8s.io"],
        kind: "CSINode",
        columns: CSI_NODE_COLUMNS,
        cells: csi_node_cells,
    },
    Printer {
        groups: &["storage.k8s.io"],
        kind: "VolumeAttachment",
        columns: VOLUME_ATTACHMENT_COLUMNS,
        cells: volume_attachment_cells,
    },
    Printer {
        groups: &["storage.k8s.io"],
        kind: "VolumeAttributesClass",
        columns: VOLUME_ATTRIBUTES_CLASS_COLUMNS,
        cells: volume_attributes_class_cells,
    },
];

/// The columns of StorageClass (`kubectl get`).
const STORAGE_CLASS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Provisioner",
        "string",
        "provisioner indicates the type of the provisioner.",
    ),
    col(
        "ReclaimPolicy",
        "string",
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.",
    ),
    col(
        "VolumeBindingMode",
        "string",
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.",
    ),
    col(
        "AllowVolumeExpansion",
        "string",
        "allowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    AGE,
];

/// The columns of CSIDriver (`kubectl get`).
const CSI_DRIVER_COLUMNS: &[Column] = &[
    NAME,
    col(
        "AttachRequired",
        "boolean",
        "attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.",
    ),
    col(
        "PodInfoOnMount",
        "boolean",
        "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.\n\nThe CSI driver specifies podInfoOnMount as part of driver deployment. If true, Kubelet will pass pod information as VolumeContext in the CSI NodePublishVolume() calls. The CSI driver is responsible for parsing and validating the information passed in as VolumeContext.\n\nThe following VolumeContext will be passed if podInfoOnMount is set to true. This list might grow, but the prefix will be used. \"csi.storage.k8s.io/pod.name\": pod.Name \"csi.storage.k8s.io/pod.namespace\": pod.Namespace \"csi.storage.k8s.io/pod.uid\": string(pod.UID) \"csi.storage.k8s.io/ephemeral\": \"true\" if the volume is an ephemeral inline volume\n                                defined by a CSIVolumeSource, otherwise \"false\"\n\n\"csi.storage.k8s.io/ephemeral\" is a new feature in Kubernetes 1.16. It is only required for drivers which support both the \"Persistent\" and \"Ephemeral\" VolumeLifecycleMode. Other drivers can leave pod info disabled and/or ignore this field. As Kubernetes 1.15 doesn't support this field, drivers can only support one mode when deployed on such a cluster and the deployment determines which mode that is, for example via a command line parameter of the driver.\n\nThis field was immutable in Kubernetes < 1.29 and now is mutable.",
    ),
    col(
        "StorageCapacity",
        "boolean",
        "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.\n\nThe check can be enabled immediately when deploying a driver. In that case, provisioning new volumes with late binding will pause until the driver deployment has published some suitable CSIStorageCapacity object.\n\nAlternatively, the driver can be deployed with the field unset or false and it can be flipped later when storage capacity information has been published.\n\nThis field was immutable in Kubernetes <= 1.22 and now is mutable.",
    ),
    col(
        "TokenRequests",
        "string",
        "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI NodePublishVolume calls. The CSI driver should parse and validate the following VolumeContext: \"csi.storage.k8s.io/serviceAccount.tokens\": {\n  \"<audience>\": {\n    \"token\": <token>,\n    \"expirationTimestamp\": <expiration timestamp in RFC3339>,\n  },\n  ...\n}\n\nNote: Audience in each TokenRequest should be different and at most one token is empty string. To receive a new token after expiry, RequiresRepublish can be used to trigger NodePublishVolume periodically.",
    ),
    col(
        "RequiresRepublish",
        "boolean",
        "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.\n\nNote: After a successful initial NodePublishVolume call, subsequent calls to NodePublishVolume should only update the contents of the volume. New mount points will not be seen by a running container.",
    ),
    col(
        "Modes",
        "string",
        "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default if the list is empty is \"Persistent\", which is the usage defined by the CSI specification and implemented in Kubernetes via the usual PV/PVC mechanism.\n\nThe other mode is \"Ephemeral\". In this mode, volumes are defined inline inside the pod spec with CSIVolumeSource and their lifecycle is tied to the lifecycle of that pod. A driver has to be aware of this because it is only going to get a NodePublishVolume call for such a volume.\n\nFor more information about implementing this mode, see https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html A driver can support one or more of these modes and more modes may be added in the future.\n\nThis field is beta. This field is immutable.",
    ),
    AGE,
];

/// The columns of CSINode (`kubectl get`).
const CSI_NODE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Drivers",
        "integer",
        "Drivers indicates the number of CSI drivers registered on the node",
    ),
    AGE,
];

/// The columns of VolumeAttachment (`kubectl get`).
const VOLUME_ATTACHMENT_COLUMNS: &[Column] = &[
    NAME,
    Column {
        name: "Attacher",
        type_: "string",
        format: "name",
        description: "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().",
        priority: 0,
    },
    col(
        "PV",
        "string",
        "persistentVolumeName represents the name of the persistent volume to attach.",
    ),
    col(
        "Node",
        "string",
        "nodeName represents the node that the volume should be attached to.",
    ),
    col(
        "Attached",
        "boolean",
        "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.",
    ),
    AGE,
];

/// The columns of VolumeAttributesClass (`kubectl get`).
const VOLUME_ATTRIBUTES_CLASS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "DriverName",
        "string",
        "driverName is the name of the CSI driver This field is immutable.",
    ),
    AGE,
];

/// The row of a storage class.
fn storage_class_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.str(&["provisioner"]).into(),
        opt_str_at(p.object, &["reclaimPolicy"])
            .unwrap_or("Delete")
            .into(),
        opt_str_at(p.object, &["volumeBindingMode"])
            .unwrap_or("Immediate")
            .into(),
        opt_bool_at(p.object, &["allowVolumeExpansion"])
            .unwrap_or(false)
            .into(),
        p.age(),
    ]
}

/// Whether a storage class is annotated as the default (GA or beta annotation).
fn is_default_class(class: &Value) -> bool {
    [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|annotation| {
        super::format::at(class, &["metadata", "annotations", annotation]).as_str() == Some("true")
    })
}

/// Upstream's `getEffectiveDefaultStorageClass`: of the classes annotated default, the most
/// recently created, the alphabetically first name breaking ties. Returns its index.
pub(super) fn effective_default_class(items: &[Value]) -> Option<usize> {
    let created = |i: usize| {
        timestamp(super::format::at(
            &items[i],
            &["metadata", "creationTimestamp"],
        ))
    };
    let mut best: Option<usize> = None;
    for (i, class) in items.iter().enumerate() {
        if !is_default_class(class) {
            continue;
        }
        best = match best {
            None => Some(i),
            Some(b) if created(i) > created(b) => Some(i),
            Some(b) if created(i) == created(b) && name(class) < name(&items[b]) => Some(i),
            keep => keep,
        };
    }
    best
}

/// The row of a CSI driver.
fn csi_driver_cells(p: &Printing<'_>) -> Vec<Value> {
    let spec = |field: &str| opt_bool_at(p.object, &["spec", field]);
    let modes = array_at(p.object, &["spec", "volumeLifecycleModes"])
        .iter()
        .map(|m| m.as_str().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(",");
    let token_requests = p.at(&["spec", "tokenRequests"]);
    let token_requests = match token_requests.as_array() {
        Some(requests) => requests
            .iter()
            .map(|r| str_at(r, &["audience"]))
            .collect::<Vec<_>>()
            .join(","),
        None => UNSET.to_owned(),
    };
    vec![
        p.name(),
        spec("attachRequired").unwrap_or(true).into(),
        spec("podInfoOnMount").unwrap_or(false).into(),
        spec("storageCapacity").unwrap_or(false).into(),
        token_requests.into(),
        spec("requiresRepublish").unwrap_or(false).into(),
        if modes.is_empty() {
            NONE.to_owned()
        } else {
            modes
        }
        .into(),
        p.age(),
    ]
}

/// The row of a CSI node.
fn csi_node_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        len_at(p.object, &["spec", "drivers"]).into(),
        p.age(),
    ]
}

/// The row of a volume attachment.
fn volume_attachment_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![
        p.name(),
        p.str(&["spec", "attacher"]).into(),
        p.str(&["spec", "source", "persistentVolumeName"]).into(),
        p.str(&["spec", "nodeName"]).into(),
        bool_at(p.object, &["status", "attached"]).into(),
        p.age(),
    ]
}

/// The row of a volume attributes class.
fn volume_attributes_class_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), p.str(&["driverName"]).into(), p.age()]
}
