//! The core group (`pkg/apis/core/v1/defaults.go` and its generated walks), including the pod
//! template defaults every workload kind reuses.

use serde_json::{Value, json};

use super::quantity::round_list;
use super::{
    Object, child, default_unset, default_zero, each, image, is_empty, is_unset, is_zero, present,
    string,
};

/// Defaults a core/v1 object of `kind`.
pub(super) fn apply(kind: &str, object: &mut Object) {
    match kind {
        "Pod" => pod(object),
        "PodTemplate" => {
            if let Some(template) = child(object, "template") {
                pod_template(template);
            }
        }
        "ReplicationController" => replication_controller(object),
        "Service" => service(object),
        // SetDefaults_ConfigMap makes `data` an empty map, which Go then omits when writing the
        // object (`omitempty`): nothing visible on the wire, so nothing to do here.
        "Secret" => default_zero(object, "type", json!("Opaque")),
        "Namespace" => namespace(object),
        "Node" => node(object),
        "PersistentVolume" => persistent_volume(object),
        "PersistentVolumeClaim" => persistent_volume_claim(object),
        "Endpoints" => each(object, "subsets", |subset| {
            each(subset, "ports", |port| {
                default_zero(port, "protocol", json!("TCP"))
            });
        }),
        "LimitRange" => {
            if let Some(spec) = child(object, "spec") {
                each(spec, "limits", limit_range_item);
            }
        }
        "ResourceQuota" => {
            if let Some(spec) = child(object, "spec") {
                round_list(spec, "hard");
            }
            if let Some(status) = child(object, "status") {
                round_list(status, "hard");
                round_list(status, "used");
            }
        }
        _ => {}
    }
}

/// `SetObjectDefaults_Pod`.
fn pod(object: &mut Object) {
    if let Some(spec) = child(object, "spec") {
        pod_only_spec(spec);
        pod_spec(spec);
    }
    if let Some(status) = child(object, "status") {
        pod_status(status);
    }
}

/// The part of `SetDefaults_Pod` that a Pod gets and a pod template does not.
fn pod_only_spec(spec: &mut Object) {
    if spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .is_some_and(|seconds| seconds < 0)
    {
        spec.insert("terminationGracePeriodSeconds".to_owned(), json!(1));
    }
    // Requests default to limits, on a Pod only (a template keeps what it says).
    for key in ["containers", "initContainers"] {
        each(spec, key, |container| {
            let Some(resources) = child(container, "resources") else {
                return;
            };
            let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
                return;
            };
            if is_unset(resources, "requests") {
                resources.insert("requests".to_owned(), json!({}));
            }
            if let Some(requests) = resources.get_mut("requests").and_then(Value::as_object_mut) {
                for (name, quantity) in limits {
                    requests.entry(name).or_insert(quantity);
                }
            }
        });
    }
    default_unset(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            each(spec, key, |container| {
                each(container, "ports", |port| {
                    if is_zero(port, "hostPort")
                        && let Some(container_port) = port.get("containerPort").cloned()
                    {
                        port.insert("hostPort".to_owned(), container_port);
                    }
                });
            });
        }
    }
}

/// `SetDefaults_PodStatus` and the status resource lists.
fn pod_status(status: &mut Object) {
    let pod_ip = string(status, "podIP").to_owned();
    let first_ip = status
        .get("podIPs")
        .and_then(Value::as_array)
        .and_then(|ips| ips.first())
        .and_then(|first| first.get("ip"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let has_ips = !is_empty(status, "podIPs");
    if !pod_ip.is_empty() && (!has_ips || first_ip.as_deref().is_some_and(|ip| ip != pod_ip)) {
        status.insert("podIPs".to_owned(), json!([{ "ip": pod_ip }]));
    } else if pod_ip.is_empty() && has_ips {
        status.insert("podIP".to_owned(), json!(first_ip.unwrap_or_default()));
    }
    for key in [
        "initContainerStatuses",
        "containerStatuses",
        "ephemeralContainerStatuses",
    ] {
        each(status, key, |container_status| {
            round_list(container_status, "allocatedResources");
            if let Some(resources) = present(container_status, "resources") {
                round_list(resources, "limits");
                round_list(resources, "requests");
            }
        });
    }
    round_list(status, "allocatedResources");
    if let Some(resources) = present(status, "resources") {
        round_list(resources, "limits");
        round_list(resources, "requests");
    }
}

/// The defaults of a `PodTemplateSpec` (its spec; the metadata has none).
pub(super) fn pod_template(template: &mut Object) {
    if let Some(spec) = child(template, "spec") {
        pod_spec(spec);
    }
}

/// `SetDefaults_PodSpec` and everything the generated walk defaults inside a pod spec.
pub(super) fn pod_spec(spec: &mut Object) {
    if is_zero(spec, "serviceAccountName") && !is_zero(spec, "serviceAccount") {
        let name = spec.get("serviceAccount").cloned().unwrap_or(Value::Null);
        spec.insert("serviceAccountName".to_owned(), name);
    }
    if !is_zero(spec, "serviceAccountName") {
        let name = spec
            .get("serviceAccountName")
            .cloned()
            .unwrap_or(Value::Null);
        spec.insert("serviceAccount".to_owned(), name);
    } else if !is_unset(spec, "serviceAccount") {
        spec.remove("serviceAccount");
    }
    default_zero(spec, "dnsPolicy", json!("ClusterFirst"));
    default_zero(spec, "restartPolicy", json!("Always"));
    default_unset(spec, "securityContext", json!({}));
    default_unset(spec, "terminationGracePeriodSeconds", json!(30));
    default_zero(spec, "schedulerName", json!("default-scheduler"));

    each(spec, "volumes", volume);
    each(spec, "initContainers", container);
    each(spec, "containers", container);
    each(spec, "ephemeralContainers", container);
    round_list(spec, "overhead");
    if let Some(resources) = present(spec, "resources") {
        round_list(resources, "limits");
        round_list(resources, "requests");
    }
}

/// `SetDefaults_Container` (and `SetDefaults_EphemeralContainer`) with its ports, env, resources,
/// probes and lifecycle handlers.
fn container(container: &mut Object) {
    if is_zero(container, "imagePullPolicy") {
        let policy = image::default_pull_policy(string(container, "image"));
        container.insert("imagePullPolicy".to_owned(), json!(policy));
    }
    default_zero(
        container,
        "terminationMessagePath",
        json!("/dev/termination-log"),
    );
    default_zero(container, "terminationMessagePolicy", json!("File"));
    each(container, "ports", |port| {
        default_zero(port, "protocol", json!("TCP"));
    });
    each(container, "env", |variable| {
        if let Some(source) = present(variable, "valueFrom") {
            if let Some(field) = present(source, "fieldRef") {
                default_zero(field, "apiVersion", json!("v1"));
            }
            if let Some(file) = present(source, "fileKeyRef") {
                default_unset(file, "optional", json!(false));
            }
        }
    });
    if let Some(resources) = child(container, "resources") {
        round_list(resources, "limits");
        round_list(resources, "requests");
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = present(container, key) {
            default_zero(probe, "timeoutSeconds", json!(1));
            default_zero(probe, "periodSeconds", json!(10));
            default_zero(probe, "successThreshold", json!(1));
            default_zero(probe, "failureThreshold", json!(3));
            if let Some(action) = present(probe, "httpGet") {
                http_get(action);
            }
            if let Some(grpc) = present(probe, "grpc") {
                default_unset(grpc, "service", json!(""));
            }
        }
    }
    if let Some(lifecycle) = present(container, "lifecycle") {
        for key in ["postStart", "preStop"] {
            if let Some(action) =
                present(lifecycle, key).and_then(|handler| present(handler, "httpGet"))
            {
                http_get(action);
            }
        }
    }
}

/// `SetDefaults_HTTPGetAction`.
fn http_get(action: &mut Object) {
    default_zero(action, "path", json!("/"));
    default_zero(action, "scheme", json!("HTTP"));
}

/// The keys of a `VolumeSource` (all pointers): a volume with none of them set is an emptyDir.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// `SetDefaults_Volume` and the defaults of each volume source.
fn volume(volume: &mut Object) {
    if VOLUME_SOURCES.iter().all(|key| is_unset(volume, key)) {
        volume.insert("emptyDir".to_owned(), json!({}));
    }
    if let Some(image) = present(volume, "image")
        && is_zero(image, "pullPolicy")
    {
        let policy = image::default_pull_policy(string(image, "reference"));
        image.insert("pullPolicy".to_owned(), json!(policy));
    }
    persistent_sources(volume);
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(source) = present(volume, key) {
            default_unset(source, "defaultMode", json!(420));
        }
    }
    if let Some(source) = present(volume, "downwardAPI") {
        downward_api_items(source);
    }
    if let Some(source) = present(volume, "projected") {
        each(source, "sources", |projection| {
            if let Some(downward) = present(projection, "downwardAPI") {
                downward_api_items(downward);
            }
            if let Some(token) = present(projection, "serviceAccountToken") {
                default_unset(token, "expirationSeconds", json!(3600));
            }
        });
    }
    if let Some(template) =
        present(volume, "ephemeral").and_then(|source| present(source, "volumeClaimTemplate"))
        && let Some(spec) = child(template, "spec")
    {
        persistent_volume_claim_spec(spec);
    }
}

/// The defaults shared by pod volumes and persistent volume sources: hostPath, rbd, iscsi,
/// azureDisk and scaleIO.
fn persistent_sources(source: &mut Object) {
    if let Some(host_path) = present(source, "hostPath") {
        default_unset(host_path, "type", json!(""));
    }
    if let Some(rbd) = present(source, "rbd") {
        default_zero(rbd, "pool", json!("rbd"));
        default_zero(rbd, "user", json!("admin"));
        default_zero(rbd, "keyring", json!("/etc/ceph/keyring"));
    }
    if let Some(iscsi) = present(source, "iscsi") {
        default_zero(iscsi, "iscsiInterface", json!("default"));
    }
    if let Some(disk) = present(source, "azureDisk") {
        default_unset(disk, "cachingMode", json!("ReadWrite"));
        default_unset(disk, "fsType", json!("ext4"));
        default_unset(disk, "readOnly", json!(false));
        default_unset(disk, "kind", json!("Shared"));
    }
    if let Some(scale_io) = present(source, "scaleIO") {
        default_zero(scale_io, "storageMode", json!("ThinProvisioned"));
        default_zero(scale_io, "fsType", json!("xfs"));
    }
}

/// `SetDefaults_ObjectFieldSelector` on each downward API item.
fn downward_api_items(source: &mut Object) {
    each(source, "items", |item| {
        if let Some(field) = present(item, "fieldRef") {
            default_zero(field, "apiVersion", json!("v1"));
        }
    });
}

/// `SetObjectDefaults_ReplicationController`.
fn replication_controller(object: &mut Object) {
    let template_labels = object
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|template| template.get("metadata"))
        .and_then(|metadata| metadata.get("labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if let Some(labels) = template_labels {
        if let Some(spec) = child(object, "spec")
            && is_empty(spec, "selector")
        {
            spec.insert("selector".to_owned(), labels.clone());
        }
        if let Some(metadata) = child(object, "metadata")
            && is_empty(metadata, "labels")
        {
            metadata.insert("labels".to_owned(), labels);
        }
    }
    if let Some(spec) = child(object, "spec") {
        default_unset(spec, "replicas", json!(1));
        if let Some(template) = present(spec, "template") {
            pod_template(template);
        }
    }
}

/// `SetDefaults_Service`.
fn service(object: &mut Object) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    default_zero(spec, "sessionAffinity", json!("None"));
    match string(spec, "sessionAffinity") {
        "None" => {
            spec.remove("sessionAffinityConfig");
        }
        "ClientIP" => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|config| config.get("clientIP"))
                .and_then(|client| client.get("timeoutSeconds"))
                .is_some_and(|timeout| !timeout.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".to_owned(),
                    json!({ "clientIP": { "timeoutSeconds": 10800 } }),
                );
            }
        }
        _ => {}
    }
    default_zero(spec, "type", json!("ClusterIP"));
    each(spec, "ports", |port| {
        default_zero(port, "protocol", json!("TCP"));
        if is_zero(port, "targetPort")
            && let Some(number) = port.get("port").cloned()
        {
            port.insert("targetPort".to_owned(), number);
        }
    });
    let service_type = string(spec, "type").to_owned();
    let externally_accessible = service_type == "LoadBalancer"
        || service_type == "NodePort"
        || (service_type == "ClusterIP" && !is_empty(spec, "externalIPs"));
    if externally_accessible {
        default_zero(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if matches!(
        service_type.as_str(),
        "NodePort" | "LoadBalancer" | "ClusterIP"
    ) {
        default_unset(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if service_type == "LoadBalancer" {
        default_unset(spec, "allocateLoadBalancerNodePorts", json!(true));
        if let Some(balancer) =
            present(object, "status").and_then(|status| present(status, "loadBalancer"))
        {
            each(balancer, "ingress", |ingress| {
                if !is_zero(ingress, "ip") {
                    default_unset(ingress, "ipMode", json!("VIP"));
                }
            });
        }
    }
}

/// `SetDefaults_Namespace` and `SetDefaults_NamespaceStatus`.
fn namespace(object: &mut Object) {
    if let Some(metadata) = child(object, "metadata") {
        let name = string(metadata, "name").to_owned();
        if !name.is_empty() {
            if is_unset(metadata, "labels") {
                metadata.insert("labels".to_owned(), json!({}));
            }
            if let Some(labels) = metadata.get_mut("labels").and_then(Value::as_object_mut) {
                labels.insert("kubernetes.io/metadata.name".to_owned(), json!(name));
            }
        }
    }
    if let Some(status) = child(object, "status") {
        default_zero(status, "phase", json!("Active"));
    }
}

/// `SetObjectDefaults_Node`.
fn node(object: &mut Object) {
    if let Some(status) = child(object, "status") {
        if is_unset(status, "allocatable")
            && let Some(capacity) = status
                .get("capacity")
                .filter(|capacity| !capacity.is_null())
                .cloned()
        {
            status.insert("allocatable".to_owned(), capacity);
        }
        round_list(status, "capacity");
        round_list(status, "allocatable");
    }
}

/// `SetObjectDefaults_PersistentVolume`.
fn persistent_volume(object: &mut Object) {
    if let Some(status) = child(object, "status") {
        default_zero(status, "phase", json!("Pending"));
    }
    if let Some(spec) = child(object, "spec") {
        persistent_volume_spec(spec);
    }
}

/// The defaults of a `PersistentVolumeSpec` (also inline in a VolumeAttachment).
pub(super) fn persistent_volume_spec(spec: &mut Object) {
    default_zero(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
    default_unset(spec, "volumeMode", json!("Filesystem"));
    round_list(spec, "capacity");
    persistent_sources(spec);
}

/// `SetObjectDefaults_PersistentVolumeClaim`.
fn persistent_volume_claim(object: &mut Object) {
    if let Some(spec) = child(object, "spec") {
        persistent_volume_claim_spec(spec);
    }
    if let Some(status) = child(object, "status") {
        default_zero(status, "phase", json!("Pending"));
        round_list(status, "capacity");
        round_list(status, "allocatedResources");
    }
}

/// `SetDefaults_PersistentVolumeClaimSpec` with its resource lists.
pub(super) fn persistent_volume_claim_spec(spec: &mut Object) {
    default_unset(spec, "volumeMode", json!("Filesystem"));
    if let Some(resources) = child(spec, "resources") {
        round_list(resources, "limits");
        round_list(resources, "requests");
    }
}

/// `SetDefaults_LimitRangeItem` and its resource lists.
fn limit_range_item(item: &mut Object) {
    if string(item, "type") == "Container" {
        let created: Vec<&str> = ["default", "defaultRequest"]
            .into_iter()
            .filter(|key| is_unset(item, key))
            .collect();
        for key in &created {
            item.insert((*key).to_owned(), json!({}));
        }
        let max = item
            .get("max")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let min = item
            .get("min")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(default) = item.get_mut("default").and_then(Value::as_object_mut) {
            for (name, quantity) in max {
                default.entry(name).or_insert(quantity);
            }
        }
        let default = item
            .get("default")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(request) = item
            .get_mut("defaultRequest")
            .and_then(Value::as_object_mut)
        {
            for (name, quantity) in default.into_iter().chain(min) {
                request.entry(name).or_insert(quantity);
            }
        }
        // Go omits the maps it created if they stayed empty.
        for key in created {
            if is_empty(item, key) {
                item.remove(key);
            }
        }
    }
    for key in [
        "max",
        "min",
        "default",
        "defaultRequest",
        "maxLimitRequestRatio",
    ] {
        round_list(item, key);
    }
}
