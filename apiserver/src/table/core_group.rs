//! The core group (except pods, see [`super::pod`]): services, nodes, events (core and
//! `events.k8s.io`), volumes and claims, and the simpler kinds.

use std::collections::BTreeSet;

use serde_json::Value;

use super::format::{
    NONE, UNKNOWN, UNSET, array_at, at, container_cells, format_labels, int_at, is_deleting,
    load_balancer_addresses, str_at, string_map_at,
};
use super::quantity::{ZERO, quantity_string};
use super::{
    AGE, CONTAINERS, Column, IMAGES, NAME, NAME_DOC, Printer, Printing, col, format, wide,
};

/// The printers of the core group's kinds and of `events.k8s.io` events.
pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        groups: &[""],
        kind: "PodTemplate",
        columns: POD_TEMPLATE_COLUMNS,
        cells: pod_template_cells,
    },
    Printer {
        groups: &[""],
        kind: "ReplicationController",
        columns: REPLICATION_CONTROLLER_COLUMNS,
        cells: replication_controller_cells,
    },
    Printer {
        groups: &[""],
        kind: "Service",
        columns: SERVICE_COLUMNS,
        cells: service_cells,
    },
    Printer {
        groups: &[""],
        kind: "Endpoints",
        columns: ENDPOINTS_COLUMNS,
        cells: endpoints_cells,
    },
    Printer {
        groups: &[""],
        kind: "Node",
        columns: NODE_COLUMNS,
        cells: node_cells,
    },
    Printer {
        groups: &["", "events.k8s.io"],
        kind: "Event",
        columns: EVENT_COLUMNS,
        cells: event_cells,
    },
    Printer {
        groups: &[""],
        kind: "Namespace",
        columns: NAMESPACE_COLUMNS,
        cells: namespace_cells,
    },
    Printer {
        groups: &[""],
        kind: "Secret",
        columns: SECRET_COLUMNS,
        cells: secret_cells,
    },
    Printer {
        groups: &[""],
        kind: "ServiceAccount",
        columns: SERVICE_ACCOUNT_COLUMNS,
        cells: name_and_age,
    },
    Printer {
        groups: &[""],
        kind: "PersistentVolume",
        columns: PERSISTENT_VOLUME_COLUMNS,
        cells: persistent_volume_cells,
    },
    Printer {
        groups: &[""],
        kind: "PersistentVolumeClaim",
        columns: PERSISTENT_VOLUME_CLAIM_COLUMNS,
        cells: persistent_volume_claim_cells,
    },
    Printer {
        groups: &[""],
        kind: "ComponentStatus",
        columns: COMPONENT_STATUS_COLUMNS,
        cells: component_status_cells,
    },
    Printer {
        groups: &[""],
        kind: "ConfigMap",
        columns: CONFIG_MAP_COLUMNS,
        cells: config_map_cells,
    },
    Printer {
        groups: &[""],
        kind: "ResourceQuota",
        columns: RESOURCE_QUOTA_COLUMNS,
        cells: resource_quota_cells,
    },
];

/// The columns of PodTemplate (`kubectl get`).
const POD_TEMPLATE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Containers",
        "string",
        "Names of each container in the template.",
    ),
    col(
        "Images",
        "string",
        "Images referenced by each container in the template.",
    ),
    col("Pod Labels", "string", "The labels for the pod template."),
];

/// The columns of ReplicationController (`kubectl get`).
const REPLICATION_CONTROLLER_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
    ),
    col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
    ),
    col(
        "Ready",
        "integer",
        "The number of ready replicas for this replication controller.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// The columns of Service (`kubectl get`).
const SERVICE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
    ),
    col(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
    ),
    col(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
    ),
    col(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
    ),
    AGE,
    wide(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
    ),
];

/// The columns of Endpoints (`kubectl get`).
const ENDPOINTS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Endpoints",
        "string",
        "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
    ),
    AGE,
];

/// The columns of Node (`kubectl get`).
const NODE_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the node"),
    col("Roles", "string", "The roles of the node"),
    AGE,
    col("Version", "string", "Kubelet Version reported by the node."),
    wide(
        "Internal-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
    ),
    wide(
        "External-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
    ),
    wide(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    wide(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    wide(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    ),
];

/// The columns of Event (`kubectl get`).
const EVENT_COLUMNS: &[Column] = &[
    col(
        "Last Seen",
        "string",
        "The time at which the most recent occurrence of this event was recorded.",
    ),
    col(
        "Type",
        "string",
        "Type of this event (Normal, Warning), new types could be added in the future",
    ),
    col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col("Object", "string", "The object that this event is about."),
    wide(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
    ),
    wide(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
    ),
    col(
        "Message",
        "string",
        "A human-readable description of the status of this operation.",
    ),
    wide(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    wide(
        "Count",
        "string",
        "The number of times this event has occurred.",
    ),
    Column {
        name: "Name",
        type_: "string",
        format: "name",
        description: NAME_DOC,
        priority: 1,
    },
];

/// The columns of Namespace (`kubectl get`).
const NAMESPACE_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the namespace"),
    AGE,
];

/// The columns of Secret (`kubectl get`).
const SECRET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    ),
    col(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    AGE,
];

/// The columns of ServiceAccount (`kubectl get`).
const SERVICE_ACCOUNT_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns of PersistentVolume (`kubectl get`).
const PERSISTENT_VOLUME_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Capacity",
        "string",
        "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
    ),
    col(
        "Access Modes",
        "string",
        "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes",
    ),
    col(
        "Reclaim Policy",
        "string",
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming",
    ),
    col(
        "Status",
        "string",
        "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase",
    ),
    col(
        "Claim",
        "string",
        "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
    ),
    col("StorageClass", "string", "StorageClass of the pv"),
    col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pv",
    ),
    col(
        "Reason",
        "string",
        "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
    ),
];

/// The columns of PersistentVolumeClaim (`kubectl get`).
const PERSISTENT_VOLUME_CLAIM_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Status",
        "string",
        "phase represents the current phase of PersistentVolumeClaim.",
    ),
    col(
        "Volume",
        "string",
        "volumeName is the binding reference to the PersistentVolume backing this claim.",
    ),
    col(
        "Capacity",
        "string",
        "capacity represents the actual resources of the underlying volume.",
    ),
    col(
        "Access Modes",
        "string",
        "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
    ),
    col("StorageClass", "string", "StorageClass of the pvc"),
    col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pvc",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
    ),
];

/// The columns of ComponentStatus (`kubectl get`).
const COMPONENT_STATUS_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "Status of the component conditions"),
    col("Message", "string", "Message of the component conditions"),
    col("Error", "string", "Error of the component conditions"),
];

/// The columns of ConfigMap (`kubectl get`).
const CONFIG_MAP_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    AGE,
];

/// The columns of ResourceQuota (`kubectl get`).
const RESOURCE_QUOTA_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Request",
        "string",
        "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    col(
        "Limit",
        "string",
        "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
    ),
    AGE,
];

/// A row of just the name and age (service accounts and several kinds elsewhere).
pub(super) fn name_and_age(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), p.age()]
}

/// `value`, or "<none>" when empty.
fn or_none(value: &str) -> String {
    if value.is_empty() { NONE } else { value }.to_owned()
}

/// A count as a cell.
fn count(n: usize) -> Value {
    i64::try_from(n).unwrap_or(i64::MAX).into()
}

/// The row of a pod template.
fn pod_template_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = container_cells(array_at(p.object, &["template", "spec", "containers"]));
    vec![
        p.name(),
        names.into(),
        images.into(),
        format_labels(p.at(&["template", "metadata", "labels"])).into(),
    ]
}

/// The row of a replication controller.
fn replication_controller_cells(p: &Printing<'_>) -> Vec<Value> {
    let (names, images) = container_cells(array_at(
        p.object,
        &["spec", "template", "spec", "containers"],
    ));
    vec![
        p.name(),
        p.int(&["spec", "replicas"]).into(),
        p.int(&["status", "replicas"]).into(),
        p.int(&["status", "readyReplicas"]).into(),
        p.age(),
        names.into(),
        images.into(),
        format_labels(p.at(&["spec", "selector"])).into(),
    ]
}

/// The External-IP column of a service (upstream's `getServiceExternalIP` for wide output).
fn service_external_ip(service: &Value) -> String {
    let external_ips: Vec<&str> = array_at(service, &["spec", "externalIPs"])
        .iter()
        .map(|ip| ip.as_str().unwrap_or(""))
        .collect();
    match str_at(service, &["spec", "type"]) {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => NONE.to_owned(),
        "LoadBalancer" => {
            let balancer =
                load_balancer_addresses(array_at(service, &["status", "loadBalancer", "ingress"]));
            if !external_ips.is_empty() {
                let mut all: Vec<&str> = if balancer.is_empty() {
                    Vec::new()
                } else {
                    balancer.split(',').collect()
                };
                all.extend(external_ips);
                all.join(",")
            } else if !balancer.is_empty() {
                balancer
            } else {
                "<pending>".to_owned()
            }
        }
        "ExternalName" => str_at(service, &["spec", "externalName"]).to_owned(),
        _ => UNKNOWN.to_owned(),
    }
}

/// The row of a service.
fn service_cells(p: &Printing<'_>) -> Vec<Value> {
    let cluster_ip = array_at(p.object, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .unwrap_or(NONE);
    let ports = array_at(p.object, &["spec", "ports"])
        .iter()
        .map(|port| {
            let number = int_at(port, &["port"]);
            let protocol = str_at(port, &["protocol"]);
            match int_at(port, &["nodePort"]) {
                node_port if node_port > 0 => format!("{number}:{node_port}/{protocol}"),
                _ => format!("{number}/{protocol}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    vec![
        p.name(),
        p.str(&["spec", "type"]).into(),
        cluster_ip.into(),
        service_external_ip(p.object).into(),
        or_none(&ports).into(),
        p.age(),
        format_labels(p.at(&["spec", "selector"])).into(),
    ]
}

/// `net.JoinHostPort`: IPv6 addresses in brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Upstream's `formatEndpoints` for all ports: at most three `ip:port` (or `ip` for subsets
/// without ports), then "+ N more...".
fn format_endpoints(endpoints: &Value) -> String {
    const MAX: usize = 3;
    let subsets = array_at(endpoints, &["subsets"]);
    if subsets.is_empty() {
        return NONE.to_owned();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut total = 0;
    for subset in subsets {
        let addresses = array_at(subset, &["addresses"]);
        let ports = array_at(subset, &["ports"]);
        if ports.is_empty() {
            total += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(address, &["ip"]).to_owned());
            }
            continue;
        }
        for port in ports {
            total += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(
                    str_at(address, &["ip"]),
                    int_at(port, &["port"]),
                ));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", total.saturating_sub(MAX))
    } else {
        joined
    }
}

/// The row of an Endpoints object.
fn endpoints_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), format_endpoints(p.object).into(), p.age()]
}

/// The prefix of node-role labels.
const NODE_ROLE_PREFIX: &str = "node-role.kubernetes.io/";

/// Upstream's `findNodeRoles`: `node-role.kubernetes.io/<role>` labels and the value of a
/// `kubernetes.io/role` label, sorted and deduplicated.
fn node_roles(node: &Value) -> String {
    let roles: BTreeSet<&str> = string_map_at(node, &["metadata", "labels"])
        .into_iter()
        .filter_map(|(key, value)| match key.strip_prefix(NODE_ROLE_PREFIX) {
            Some(role) => (!role.is_empty()).then_some(role),
            None => (key == "kubernetes.io/role" && !value.is_empty()).then_some(value),
        })
        .collect();
    if roles.is_empty() {
        return NONE.to_owned();
    }
    roles.into_iter().collect::<Vec<_>>().join(",")
}

/// The first address of `type_`, or "<none>".
fn node_address(node: &Value, type_: &str) -> String {
    array_at(node, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == type_)
        .map_or_else(|| NONE.to_owned(), |a| str_at(a, &["address"]).to_owned())
}

/// The row of a node.
fn node_cells(p: &Printing<'_>) -> Vec<Value> {
    // Upstream keys conditions by type, so the last Ready condition counts.
    let ready = array_at(p.object, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if str_at(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if format::bool_at(p.object, &["spec", "unschedulable"]) {
        status.push("SchedulingDisabled");
    }
    let info = |field: &str| {
        let value = p.str(&["status", "nodeInfo", field]);
        if value.is_empty() { UNKNOWN } else { value }.to_owned()
    };
    let mut kernel = info("kernelVersion");
    let architecture = p.str(&["status", "nodeInfo", "architecture"]);
    if !architecture.is_empty() {
        kernel = format!("{kernel} ({architecture})");
    }
    vec![
        p.name(),
        status.join(",").into(),
        node_roles(p.object).into(),
        p.age(),
        p.str(&["status", "nodeInfo", "kubeletVersion"]).into(),
        node_address(p.object, "InternalIP").into(),
        node_address(p.object, "ExternalIP").into(),
        info("osImage").into(),
        kernel.into(),
        info("containerRuntimeVersion").into(),
    ]
}

/// The fields of an event, named as in the internal type, read from either API.
struct EventFields<'a> {
    /// `firstTimestamp`.
    first: &'a Value,
    /// `lastTimestamp`.
    last: &'a Value,
    /// `count`.
    count: i64,
    /// `involvedObject`.
    involved: &'a Value,
    /// `source`.
    source: &'a Value,
    /// `reportingController`.
    reporting_controller: &'a str,
    /// `message`.
    message: &'a str,
}

impl<'a> EventFields<'a> {
    /// Reads a core `v1` event or an `events.k8s.io/v1` one (whose conversion maps `regarding`,
    /// `note` and the `deprecated*` fields onto the core names).
    fn of(group: &str, event: &'a Value) -> Self {
        if group == "events.k8s.io" {
            Self {
                first: at(event, &["deprecatedFirstTimestamp"]),
                last: at(event, &["deprecatedLastTimestamp"]),
                count: int_at(event, &["deprecatedCount"]),
                involved: at(event, &["regarding"]),
                source: at(event, &["deprecatedSource"]),
                reporting_controller: str_at(event, &["reportingController"]),
                message: str_at(event, &["note"]),
            }
        } else {
            Self {
                first: at(event, &["firstTimestamp"]),
                last: at(event, &["lastTimestamp"]),
                count: int_at(event, &["count"]),
                involved: at(event, &["involvedObject"]),
                source: at(event, &["source"]),
                reporting_controller: str_at(event, &["reportingComponent"]),
                message: str_at(event, &["message"]),
            }
        }
    }
}

/// `a`, or `b` when `a` is empty.
fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// The row of an event.
fn event_cells(p: &Printing<'_>) -> Vec<Value> {
    let event = EventFields::of(p.group, p.object);
    let first_seen = if format::timestamp(event.first).is_some() {
        format::since(p.now, event.first)
    } else {
        p.since(&["eventTime"])
    };
    let mut last_seen = if format::timestamp(event.last).is_some() {
        format::since(p.now, event.last)
    } else {
        first_seen.clone()
    };
    let series = p.at(&["series"]);
    let mut count = event.count;
    if !series.is_null() {
        last_seen = format::since(p.now, at(series, &["lastObservedTime"]));
        count = int_at(series, &["count"]);
    } else if count == 0 {
        // Singleton events of the new API have no count.
        count = 1;
    }
    let kind = str_at(event.involved, &["kind"]).to_lowercase();
    let involved_name = str_at(event.involved, &["name"]);
    let target = if involved_name.is_empty() {
        kind
    } else {
        format!("{kind}/{involved_name}")
    };
    let component = first_non_empty(
        str_at(event.source, &["component"]),
        event.reporting_controller,
    );
    let host = first_non_empty(
        str_at(event.source, &["host"]),
        p.str(&["reportingInstance"]),
    );
    let source = if host.is_empty() {
        component.to_owned()
    } else {
        format!("{component}, {host}")
    };
    vec![
        last_seen.into(),
        p.str(&["type"]).into(),
        p.str(&["reason"]).into(),
        target.into(),
        str_at(event.involved, &["fieldPath"]).into(),
        source.into(),
        event.message.trim().into(),
        first_seen.into(),
        count.into(),
        p.name(),
    ]
}

/// The row of a namespace.
fn namespace_cells(p: &Printing<'_>) -> Vec<Value> {
    vec![p.name(), p.str(&["status", "phase"]).into(), p.age()]
}

/// The row of a secret.
fn secret_cells(p: &Printing<'_>) -> Vec<Value> {
    // `stringData` is merged into `data` on the way to the internal type.
    let keys: BTreeSet<&str> = ["data", "stringData"]
        .iter()
        .flat_map(|field| string_map_at(p.object, &[field]))
        .map(|(key, _)| key)
        .collect();
    vec![
        p.name(),
        p.str(&["type"]).into(),
        count(keys.len()),
        p.age(),
    ]
}

/// Upstream's `GetAccessModesAsString`: the modes present, in a fixed order.
fn access_modes(modes: &[Value]) -> String {
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m.as_str() == Some(mode)))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The legacy annotation that overrides a volume's or claim's storage class.
const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// The storage class annotation, when present (even empty).
fn beta_storage_class(object: &Value) -> Option<&str> {
    at(object, &["metadata", "annotations", BETA_STORAGE_CLASS]).as_str()
}

/// The phase, or "Terminating" for an object being deleted.
fn phase_or_terminating<'a>(p: &'a Printing<'_>) -> &'a str {
    if is_deleting(p.object) {
        "Terminating"
    } else {
        p.str(&["status", "phase"])
    }
}

/// A `*string` field, or "<unset>".
fn or_unset(value: &Value) -> String {
    value.as_str().unwrap_or(UNSET).to_owned()
}

/// The row of a persistent volume.
fn persistent_volume_cells(p: &Printing<'_>) -> Vec<Value> {
    let claim = p.at(&["spec", "claimRef"]);
    let claim = if claim.is_null() {
        String::new()
    } else {
        format!(
            "{}/{}",
            str_at(claim, &["namespace"]),
            str_at(claim, &["name"])
        )
    };
    let class = beta_storage_class(p.object).unwrap_or(p.str(&["spec", "storageClassName"]));
    vec![
        p.name(),
        quantity_string(p.at(&["spec", "capacity", "storage"]), ZERO).into(),
        access_modes(array_at(p.object, &["spec", "accessModes"])).into(),
        p.str(&["spec", "persistentVolumeReclaimPolicy"]).into(),
        phase_or_terminating(p).into(),
        claim.into(),
        class.into(),
        or_unset(p.at(&["spec", "volumeAttributesClassName"])).into(),
        p.str(&["status", "reason"]).into(),
        p.age(),
        or_unset(p.at(&["spec", "volumeMode"])).into(),
    ]
}

/// The row of a persistent volume claim.
fn persistent_volume_claim_cells(p: &Printing<'_>) -> Vec<Value> {
    let bound = !p.str(&["spec", "volumeName"]).is_empty();
    let (capacity, modes) = if bound {
        (
            quantity_string(p.at(&["status", "capacity", "storage"]), ZERO),
            access_modes(array_at(p.object, &["status", "accessModes"])),
        )
    } else {
        (String::new(), String::new())
    };
    let class = beta_storage_class(p.object)
        .or_else(|| p.at(&["spec", "storageClassName"]).as_str())
        .unwrap_or("");
    vec![
        p.name(),
        phase_or_terminating(p).into(),
        p.str(&["spec", "volumeName"]).into(),
        capacity.into(),
        modes.into(),
        class.into(),
        or_unset(p.at(&["spec", "volumeAttributesClassName"])).into(),
        p.age(),
        or_unset(p.at(&["spec", "volumeMode"])).into(),
    ]
}

/// The row of a component status.
fn component_status_cells(p: &Printing<'_>) -> Vec<Value> {
    let healthy = array_at(p.object, &["conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Healthy");
    let (status, message, error) = match healthy {
        Some(c) => (
            if str_at(c, &["status"]) == "True" {
                "Healthy"
            } else {
                "Unhealthy"
            },
            str_at(c, &["message"]),
            str_at(c, &["error"]),
        ),
        None => ("Unknown", "", ""),
    };
    vec![p.name(), status.into(), message.into(), error.into()]
}

/// The row of a config map.
fn config_map_cells(p: &Printing<'_>) -> Vec<Value> {
    let entries = format::len_at(p.object, &["data"]) + format::len_at(p.object, &["binaryData"]);
    vec![p.name(), entries.into(), p.age()]
}

/// The row of a resource quota.
fn resource_quota_cells(p: &Printing<'_>) -> Vec<Value> {
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    let hard = p.at(&["status", "hard"]);
    let mut resources: Vec<&String> = hard
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    resources.sort();
    for resource in resources {
        let used = quantity_string(p.at(&["status", "used", resource]), ZERO);
        let limit = quantity_string(at(hard, &[resource]), ZERO);
        let entry = format!("{resource}: {used}/{limit}");
        // Quota on `limits.*` goes to the Limit column, everything else to Request.
        if resource.starts_with("limits.") {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    vec![
        p.name(),
        requests.join(", ").into(),
        limits.join(", ").into(),
        p.age(),
    ]
}
