//! Per-kind behaviour of the generic handler (upstream's `RESTCreateStrategy`,
//! `RESTUpdateStrategy`, `RESTDeleteStrategy` and the store options of each registry under
//! `k8s.io/kubernetes/pkg/registry`): which kinds track `metadata.generation`, what a create
//! does to `status`, whether PUT may create, whether deletes are graceful, what a delete returns
//! and the default garbage-collection policy.
//!
//! Everything here is a small decision over JSON; the handler (`rest`) applies it in upstream's
//! order. Kind-specific validation and defaulting live in `validation::kinds` and `defaults`.

use serde_json::{Value, json};

use crate::registry::ResourceInfo;

/// How an update changes `metadata.generation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Generation {
    /// The kind does not track generation (it stays unset).
    Untracked,
    /// 1 on create, +1 when anything but `metadata` and `status` changes (upstream compares
    /// `Spec`; for kinds without a spec, such as webhook configurations, the fields that are
    /// their spec).
    Spec,
    /// 1 on create, +1 when anything but `metadata` changes (custom resources; with a `status`
    /// subresource a main-resource write cannot change status, so it counts only there).
    NonMetadata,
    /// As [`Generation::Spec`], and also when annotations change (Deployments: a rollback
    /// annotation is a spec change).
    SpecOrAnnotations,
}

/// What a delete without an explicit propagation policy does to dependents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GcPolicy {
    /// Background deletion of dependents (the default for most kinds).
    DeleteDependents,
    /// Dependents are orphaned (core/v1 ReplicationControllers and batch/v1 Jobs and CronJobs,
    /// for backwards compatibility).
    OrphanDependents,
    /// Garbage collection does not apply (Events).
    Unsupported,
}

/// The per-kind decisions for one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Strategy {
    /// How `metadata.generation` moves.
    pub(crate) generation: Generation,
    /// Whether the resource has a `status` subresource: then writes to the main resource keep
    /// the stored status, and writes to `/status` keep everything else.
    pub(crate) status_subresource: bool,
    /// Whether a PUT of a missing object creates it.
    pub(crate) allow_create_on_update: bool,
    /// Whether a PUT without `metadata.resourceVersion` overwrites unconditionally.
    pub(crate) allow_unconditional_update: bool,
    /// Whether a completed delete answers with the deleted object rather than a Status.
    pub(crate) return_deleted_object: bool,
    /// Whether deletes are graceful (pods: the kubelet finishes them).
    pub(crate) graceful: bool,
    /// The default garbage-collection policy.
    pub(crate) gc_policy: GcPolicy,
}

impl Strategy {
    /// The strategy of a built-in resource, as requested at `info`'s group and version.
    pub(crate) fn of(info: &ResourceInfo) -> Self {
        let (group, resource) = (info.group, info.resource);
        let generation = match (group, resource) {
            _ if info.custom.is_some() => Generation::NonMetadata,
            ("apps", "deployments") => Generation::SpecOrAnnotations,
            ("", "pods" | "podtemplates" | "replicationcontrollers")
            | ("apps", "daemonsets" | "statefulsets" | "replicasets")
            | ("batch", "jobs" | "cronjobs")
            | ("autoscaling", "horizontalpodautoscalers")
            | ("policy", "poddisruptionbudgets")
            | ("networking.k8s.io", "ingresses" | "ingressclasses" | "networkpolicies")
            | ("discovery.k8s.io", "endpointslices")
            | ("scheduling.k8s.io", "priorityclasses")
            | ("flowcontrol.apiserver.k8s.io", "flowschemas" | "prioritylevelconfigurations")
            | ("resource.k8s.io", "resourceslices" | "deviceclasses" | "devicetaintrules")
            | ("apiextensions.k8s.io", "customresourcedefinitions") => Generation::Spec,
            ("admissionregistration.k8s.io", _) => Generation::Spec,
            _ => Generation::Untracked,
        };
        let allow_create_on_update = matches!(
            (group, resource),
            ("", "endpoints" | "events" | "limitranges" | "services")
                | ("events.k8s.io", "events")
                | ("node.k8s.io", "runtimeclasses")
                | ("rbac.authorization.k8s.io", _)
                | ("coordination.k8s.io", "leases" | "leasecandidates")
        );
        let allow_unconditional_update = !matches!(
            (group, resource),
            (
                "certificates.k8s.io",
                "podcertificaterequests" | "clustertrustbundles"
            ) | ("node.k8s.io", "runtimeclasses")
                | ("storagemigration.k8s.io", _)
                | ("policy", "poddisruptionbudgets")
                | ("internal.apiserver.k8s.io", "storageversions")
                | (
                    "storage.k8s.io",
                    "csidrivers" | "csistoragecapacities" | "volumeattachments" | "csinodes"
                )
                | ("coordination.k8s.io", "leases" | "leasecandidates")
                | ("admissionregistration.k8s.io", _)
        );
        let return_deleted_object = matches!(
            (group, resource),
            (
                "",
                "resourcequotas"
                    | "persistentvolumes"
                    | "serviceaccounts"
                    | "persistentvolumeclaims"
                    | "namespaces"
                    | "pods"
                    | "services"
                    | "podtemplates"
            ) | (
                "resource.k8s.io",
                "resourceclaimtemplates" | "resourceslices" | "resourceclaims" | "deviceclasses"
            ) | (
                "storage.k8s.io",
                "csidrivers"
                    | "storageclasses"
                    | "volumeattachments"
                    | "csinodes"
                    | "volumeattributesclasses"
            ) | ("apiextensions.k8s.io", "customresourcedefinitions")
        );
        let gc_policy = match (group, info.version, resource) {
            ("", _, "events") | ("events.k8s.io", _, "events") => GcPolicy::Unsupported,
            ("", "v1", "replicationcontrollers") | ("batch", "v1", "jobs" | "cronjobs") => {
                GcPolicy::OrphanDependents
            }
            _ => GcPolicy::DeleteDependents,
        };
        Self {
            generation,
            status_subresource: info.subresource("status").is_some(),
            allow_create_on_update,
            allow_unconditional_update,
            return_deleted_object,
            graceful: group.is_empty() && resource == "pods",
            gc_policy,
        }
    }
}

/// `metadata` of an object, created when missing.
fn metadata_mut(object: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let map = object.as_object_mut()?;
    map.entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// The object without `metadata`, `status`, `kind` and `apiVersion`: what generation tracks.
fn spec_part(object: &Value) -> Vec<(&String, &Value)> {
    object
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "metadata" | "status" | "kind" | "apiVersion")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a create does before validation (upstream's `PrepareForCreate`): generation 1 for kinds
/// that track it; `status` reset for kinds with a status subresource, except where upstream
/// keeps or initialises it.
pub(crate) fn prepare_for_create(info: &ResourceInfo, strategy: &Strategy, object: &mut Value) {
    if strategy.generation != Generation::Untracked {
        if let Some(meta) = metadata_mut(object) {
            meta.insert("generation".into(), json!(1));
        }
    } else if let Some(meta) = metadata_mut(object) {
        meta.remove("generation");
    }
    match (info.group, info.resource) {
        // Upstream's job strategy generates the selector (in its `Validate`, after the uid is
        // set) unless `manualSelector` is true.
        ("batch", "jobs") if object.pointer("/spec/manualSelector") != Some(&json!(true)) => {
            generate_job_selector(object);
        }
        // Nodes may be created with their status (the kubelet registers so), but not with the
        // dynamic kubelet configuration that is gone.
        ("", "nodes") => {
            if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("configSource");
            }
            if let Some(status) = object.get_mut("status").and_then(Value::as_object_mut) {
                status.remove("config");
            }
        }
        ("", "pods") => {
            let qos = pod_qos_class(object);
            object["status"] = json!({ "phase": "Pending", "qosClass": qos });
        }
        ("", "namespaces") => {
            object["status"] = json!({ "phase": "Active" });
            let finalizers = object
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            // Upstream always adds the `kubernetes` finalizer the namespace controller removes.
            let mut finalizers = finalizers;
            if !finalizers.iter().any(|f| f == "kubernetes") {
                finalizers.push(json!("kubernetes"));
            }
            object["spec"] = json!({ "finalizers": finalizers });
            set_namespace_name_label(object);
        }
        ("", "services") => {
            normalize_cluster_ips(object, None);
            if let Some(map) = object.as_object_mut() {
                map.insert("status".into(), json!({ "loadBalancer": {} }));
            }
        }
        ("", "persistentvolumeclaims") => {
            object["status"] = json!({ "phase": "Pending" });
            prepare_claim_data_sources(object, None);
        }
        ("", "persistentvolumes") => {
            object["status"] = json!({ "phase": "Pending" });
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            object["status"] = json!({});
            record_stored_version(object);
        }
        // Upstream's custom resource strategy drops the status a create brings.
        _ if strategy.status_subresource && info.custom.is_some() => {
            if let Some(map) = object.as_object_mut() {
                map.remove("status");
            }
        }
        _ if strategy.status_subresource => {
            if let Some(map) = object.as_object_mut() {
                map.insert("status".into(), json!({}));
            }
        }
        _ => {}
    }
}

/// Upstream's CustomResourceDefinition strategies: the storage version joins
/// `status.storedVersions` (on create, and on updates of the definition or its status).
pub(crate) fn record_stored_version(crd: &mut Value) {
    let storage_version = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .and_then(|versions| {
            versions
                .iter()
                .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        })
        .and_then(|v| v.get("name"))
        .or_else(|| crd.pointer("/spec/version"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(storage_version) = storage_version else {
        return;
    };
    if !crd.get("status").is_some_and(Value::is_object) {
        crd["status"] = json!({});
    }
    let stored = &mut crd["status"]["storedVersions"];
    if !stored.is_array() {
        *stored = json!([]);
    }
    if let Some(stored) = stored.as_array_mut()
        && !stored.iter().any(|v| v == storage_version.as_str())
    {
        stored.push(json!(storage_version));
    }
}

/// Upstream's service `dropTypeDependentFields`: a Service whose new type no longer needs a
/// ClusterIP, NodePorts or an external traffic policy loses those its client did not change;
/// only a LoadBalancer keeps its load-balancer status. An ExternalName Service shows no
/// `internalTrafficPolicy` (upstream drops it on every read).
fn drop_type_dependent_fields(new: &mut Value, old: &Value) {
    let type_of = |s: &Value| {
        s.pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_owned()
    };
    let needs_cluster_ip = |s: &Value| {
        type_of(s) != "ExternalName"
            && s.pointer("/spec/clusterIP").and_then(Value::as_str) != Some("None")
    };
    let needs_node_port = |s: &Value| matches!(type_of(s).as_str(), "NodePort" | "LoadBalancer");
    let same = |field: &str| new.pointer(field) == old.pointer(field);
    let (old_type, new_type) = (type_of(old), type_of(new));
    let Some(spec) = new.get("spec").cloned() else {
        return;
    };
    let mut spec = spec;
    if needs_cluster_ip(old) && !needs_cluster_ip(new) {
        if same("/spec/clusterIP") && same("/spec/clusterIPs") {
            remove_field(&mut spec, "clusterIP");
            remove_field(&mut spec, "clusterIPs");
        }
        if same("/spec/ipFamilies") {
            remove_field(&mut spec, "ipFamilies");
        }
        if same("/spec/ipFamilyPolicy") {
            remove_field(&mut spec, "ipFamilyPolicy");
        }
    }
    let node_ports = |s: &Value| -> Vec<Value> {
        s.pointer("/spec/ports")
            .and_then(Value::as_array)
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| p.get("nodePort").cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .unwrap_or_default()
    };
    if needs_node_port(old)
        && !needs_node_port(new)
        && node_ports(old) == node_ports(new)
        && let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut)
    {
        for port in ports {
            remove_field(port, "nodePort");
        }
    }
    if old_type == "LoadBalancer" && new_type != "LoadBalancer" {
        if same("/spec/allocateLoadBalancerNodePorts") {
            remove_field(&mut spec, "allocateLoadBalancerNodePorts");
        }
        if same("/spec/healthCheckNodePort") {
            remove_field(&mut spec, "healthCheckNodePort");
        }
        if same("/spec/loadBalancerClass") {
            remove_field(&mut spec, "loadBalancerClass");
        }
    }
    let externally_accessible = |t: &str| matches!(t, "NodePort" | "LoadBalancer");
    if externally_accessible(&old_type)
        && !externally_accessible(&new_type)
        && same("/spec/externalTrafficPolicy")
    {
        remove_field(&mut spec, "externalTrafficPolicy");
    }
    if new_type == "ExternalName" {
        remove_field(&mut spec, "internalTrafficPolicy");
    }
    new["spec"] = spec;
    if new_type != "LoadBalancer" && new.get("status").is_some_and(Value::is_object) {
        new["status"]["loadBalancer"] = json!({});
    }
}

/// Removes `key` from an object (nothing for other values).
fn remove_field(object: &mut Value, key: &str) {
    if let Some(map) = object.as_object_mut() {
        map.remove(key);
    }
}

/// Upstream's `normalizeClusterIPs`: a client that sets only the singular `clusterIP` gets the
/// plural `clusterIPs` to match (on create; on update when it changed only the singular).
fn normalize_cluster_ips(service: &mut Value, old: Option<&Value>) {
    let ip = service
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let ips_empty = service
        .pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let Some(spec) = service.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match old {
        None => {
            if !ip.is_empty() && ips_empty {
                spec.insert("clusterIPs".into(), json!([ip]));
            }
        }
        Some(old) => {
            let old_ip = old
                .pointer("/spec/clusterIP")
                .and_then(Value::as_str)
                .unwrap_or("");
            let same_ips = old.pointer("/spec/clusterIPs") == spec.get("clusterIPs");
            if old_ip != ip && same_ips {
                if ip.is_empty() {
                    spec.remove("clusterIPs");
                } else {
                    spec.insert("clusterIPs".into(), json!([ip]));
                }
            }
        }
    }
}

/// A claim's data sources as upstream's claim strategy prepares them: a cross-namespace
/// `dataSourceRef` dropped (its feature is off); a legacy `dataSource` that is neither a claim
/// nor a volume snapshot dropped when there is no `dataSourceRef` and `old` had none; then
/// whichever of the two is missing copied from the other (`NormalizeDataSources`).
fn prepare_claim_data_sources(claim: &mut Value, old: Option<&Value>) {
    let present = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
    let old_ref_namespaced = old
        .and_then(|o| o.pointer("/spec/dataSourceRef/namespace"))
        .and_then(Value::as_str)
        .is_some_and(|ns| !ns.is_empty());
    let old_had_source = present(old.and_then(|o| o.pointer("/spec/dataSource")));
    let Some(spec) = claim.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let ref_namespaced = spec
        .get("dataSourceRef")
        .and_then(|r| r.get("namespace"))
        .and_then(Value::as_str)
        .is_some_and(|ns| !ns.is_empty());
    if ref_namespaced && !old_ref_namespaced {
        spec.remove("dataSourceRef");
    }
    if !old_had_source && !present(spec.get("dataSourceRef")) {
        let source = spec.get("dataSource");
        let field = |name: &str| {
            source
                .and_then(|s| s.get(name))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let claim_or_snapshot = present(source)
            && matches!(
                (field("kind"), field("apiGroup")),
                ("PersistentVolumeClaim", "") | ("VolumeSnapshot", "snapshot.storage.k8s.io")
            );
        if !claim_or_snapshot {
            spec.remove("dataSource");
        }
    }
    let source = spec.get("dataSource").filter(|v| !v.is_null()).cloned();
    let reference = spec.get("dataSourceRef").filter(|v| !v.is_null()).cloned();
    let copy = |from: &Value| {
        let mut to = serde_json::Map::new();
        for name in ["apiGroup", "kind", "name"] {
            if let Some(value) = from.get(name).filter(|v| !v.is_null()) {
                to.insert(name.into(), value.clone());
            }
        }
        Value::Object(to)
    };
    match (source, reference) {
        (Some(source), None) => {
            spec.insert("dataSourceRef".into(), copy(&source));
        }
        (None, Some(reference))
            if reference
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty) =>
        {
            spec.insert("dataSource".into(), copy(&reference));
        }
        _ => {}
    }
}

/// Upstream labels every namespace with its own name (`kubernetes.io/metadata.name`).
fn set_namespace_name_label(object: &mut Value) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(meta) = metadata_mut(object) {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert("kubernetes.io/metadata.name".into(), Value::String(name));
        }
    }
}

/// What an update of the main resource does before validation (upstream's
/// `PrepareForUpdate` and `BeforeUpdate`): status and immutable system metadata come from the
/// stored object; generation moves per the strategy.
pub(crate) fn prepare_for_update(
    info: &ResourceInfo,
    strategy: &Strategy,
    new: &mut Value,
    old: &Value,
) {
    if strategy.status_subresource
        && let Some(map) = new.as_object_mut()
    {
        match old.get("status") {
            Some(status) => {
                map.insert("status".into(), status.clone());
            }
            None => {
                map.remove("status");
            }
        }
    }
    if (info.group, info.resource) == ("apiextensions.k8s.io", "customresourcedefinitions") {
        record_stored_version(new);
    }
    if info.group.is_empty() && info.resource == "services" {
        drop_type_dependent_fields(new, old);
    }
    if info.group.is_empty() && info.resource == "namespaces" {
        // Only `/finalize` changes a namespace's finalizers.
        if let Some(spec) = old.get("spec") {
            new["spec"] = spec.clone();
        }
        set_namespace_name_label(new);
    }
    if info.group.is_empty() && info.resource == "services" {
        normalize_cluster_ips(new, Some(old));
    }
    if info.group == "certificates.k8s.io" && info.resource == "certificatesigningrequests" {
        // The request is immutable; approval and status have their own subresources.
        match old.get("spec") {
            Some(spec) => new["spec"] = spec.clone(),
            None => {
                if let Some(map) = new.as_object_mut() {
                    map.remove("spec");
                }
            }
        }
    }
    if info.group.is_empty() && info.resource == "persistentvolumeclaims" {
        prepare_claim_data_sources(new, Some(old));
    }
    if info.group.is_empty()
        && info.resource == "nodes"
        && old.pointer("/spec/configSource").is_none_or(Value::is_null)
        && let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.remove("configSource");
    }
    keep_system_metadata(new, old);
    let old_generation = old.pointer("/metadata/generation").cloned();
    let mut generation = old_generation.as_ref().and_then(Value::as_i64).unwrap_or(0);
    let spec_changed = spec_part(new) != spec_part(old);
    let bump = match strategy.generation {
        Generation::Untracked => false,
        Generation::Spec => spec_changed,
        Generation::NonMetadata => {
            fn non_metadata(v: &Value) -> Option<Vec<(&String, &Value)>> {
                v.as_object()
                    .map(|m| m.iter().filter(|(k, _)| k.as_str() != "metadata").collect())
            }
            non_metadata(new) != non_metadata(old)
        }
        Generation::SpecOrAnnotations => {
            spec_changed
                || new.pointer("/metadata/annotations") != old.pointer("/metadata/annotations")
        }
    };
    if bump {
        generation += 1;
    }
    if let Some(meta) = metadata_mut(new) {
        match (old_generation, bump) {
            (None, false) => {
                meta.remove("generation");
            }
            _ => {
                meta.insert("generation".into(), json!(generation));
            }
        }
    }
}

/// Upstream's `generateSelector` for Jobs: the template gets the job-name and controller-uid
/// labels (new and legacy keys) where it has none, and the selector matches the uid label.
fn generate_job_selector(job: &mut Value) {
    let name = job.pointer("/metadata/name").cloned().unwrap_or(json!(""));
    let uid = job.pointer("/metadata/uid").cloned().unwrap_or(json!(""));
    let Some(spec) = job.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let template = spec.entry("template").or_insert_with(|| json!({}));
    if let Some(template) = template.as_object_mut() {
        let meta = template.entry("metadata").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            let labels = meta.entry("labels").or_insert_with(|| json!({}));
            if labels.is_null() {
                *labels = json!({});
            }
            if let Some(labels) = labels.as_object_mut() {
                for (key, value) in [
                    ("job-name", &name),
                    ("batch.kubernetes.io/job-name", &name),
                    ("controller-uid", &uid),
                    ("batch.kubernetes.io/controller-uid", &uid),
                ] {
                    labels.entry(key).or_insert_with(|| value.clone());
                }
            }
        }
    }
    let selector = spec.entry("selector").or_insert_with(|| json!({}));
    if selector.is_null() {
        *selector = json!({});
    }
    if let Some(selector) = selector.as_object_mut() {
        let match_labels = selector.entry("matchLabels").or_insert_with(|| json!({}));
        if match_labels.is_null() {
            *match_labels = json!({});
        }
        if let Some(match_labels) = match_labels.as_object_mut() {
            match_labels
                .entry("batch.kubernetes.io/controller-uid")
                .or_insert(uid);
        }
    }
}

/// Upstream's CSR `PrepareForCreate`: the requester is who sends the request (whatever the
/// client wrote in `spec.username`, `uid`, `groups` and `extra`), and nothing is approved yet.
pub(crate) fn record_requester(object: &mut Value, user: Option<&crate::server::UserInfo>) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["username", "uid", "groups", "extra"] {
        spec.remove(field);
    }
    if let Some(user) = user {
        spec.insert("username".into(), json!(user.name));
        spec.insert("groups".into(), json!(user.groups));
        if !user.extra.is_empty() {
            spec.insert("extra".into(), json!(user.extra));
        }
    }
    if let Some(map) = object.as_object_mut() {
        map.insert("status".into(), json!({}));
    }
}

/// What an update of a certificate signing request's `/approval` does (upstream's
/// `csrApprovalStrategy`): only `status.conditions` come from the client; a condition without
/// times gets `lastUpdateTime` now and the `lastTransitionTime` of the same type and status
/// before, or now.
pub(crate) fn prepare_for_approval_update(new: &mut Value, old: &Value) {
    keep_update_metadata(new, old);
    let conditions = new
        .pointer("/status/conditions")
        .cloned()
        .unwrap_or(Value::Null);
    let old_conditions: Vec<Value> = old
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(map) = new.as_object_mut() else {
        return;
    };
    match old.get("spec") {
        Some(spec) => map.insert("spec".into(), spec.clone()),
        None => map.remove("spec"),
    };
    let mut status = old
        .get("status")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let now = crate::rest::now_rfc3339();
    let mut conditions = conditions;
    if let Some(list) = conditions.as_array_mut() {
        for condition in list.iter_mut() {
            let Some(fields) = condition.as_object_mut() else {
                continue;
            };
            let unset = |v: Option<&Value>| v.is_none_or(|t| t.is_null() || t == "");
            if unset(fields.get("lastUpdateTime")) {
                fields.insert("lastUpdateTime".into(), json!(now));
            }
            if unset(fields.get("lastTransitionTime")) {
                let same = old_conditions.iter().find(|c| {
                    c.get("type") == fields.get("type")
                        && c.get("status") == fields.get("status")
                        && !unset(c.get("lastTransitionTime"))
                });
                let time = same
                    .and_then(|c| c.get("lastTransitionTime").cloned())
                    .unwrap_or_else(|| json!(now));
                fields.insert("lastTransitionTime".into(), time);
            }
        }
    }
    if conditions.is_null() {
        status.remove("conditions");
    } else {
        status.insert("conditions".into(), conditions);
    }
    map.insert("status".into(), Value::Object(status));
}

/// What an update of a namespace's `/finalize` does (upstream's `namespaceFinalizeStrategy`):
/// the client's object with the stored status.
pub(crate) fn prepare_for_finalize_update(new: &mut Value, old: &Value) {
    keep_update_metadata(new, old);
    if let Some(map) = new.as_object_mut() {
        match old.get("status") {
            Some(status) => {
                map.insert("status".into(), status.clone());
            }
            None => {
                map.remove("status");
            }
        }
    }
}

/// Metadata no update may change (upstream's `BeforeUpdate` and `ValidateObjectMetaUpdate`
/// keep them), and the generation, which a status write never moves.
const STATUS_SYSTEM_METADATA: [&str; 7] = [
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// What an update of `/status` does (upstream's status strategies and
/// `ResetObjectMetaForStatus`): everything but `status` comes from the stored object, except
/// `metadata.managedFields` and the resourceVersion precondition the client sent. Kinds whose
/// status strategy resets only `spec` and a few metadata fields
/// ([`crate::managedfields::status_resets_only_spec`]) keep the client's other metadata: the
/// deployment controller writes its revision annotation through `/status`, kubelets node
/// annotations.
pub(crate) fn prepare_for_status_update(info: &ResourceInfo, new: &mut Value, old: &Value) {
    if let Some(reset) = crate::managedfields::status_resets_only_spec(info.group, info.kind) {
        // The client's object, with the stored spec and the fields listed.
        match old.get("spec") {
            Some(spec) => new["spec"] = spec.clone(),
            None => {
                if let Some(map) = new.as_object_mut() {
                    map.remove("spec");
                }
            }
        }
        let old_meta = old.get("metadata").and_then(Value::as_object);
        if let Some(meta) = metadata_mut(new) {
            for field in STATUS_SYSTEM_METADATA.iter().chain(reset.iter()) {
                match old_meta.and_then(|m| m.get(*field)) {
                    Some(value) => {
                        meta.insert((*field).to_string(), value.clone());
                    }
                    None => {
                        meta.remove(*field);
                    }
                }
            }
        }
        return;
    }
    let status = new.get("status").cloned();
    let resource_version = new.pointer("/metadata/resourceVersion").cloned();
    let mut merged = old.clone();
    if let Some(map) = merged.as_object_mut() {
        match status {
            Some(status) => {
                map.insert("status".into(), status);
            }
            None => {
                map.remove("status");
            }
        }
    }
    if let Some(meta) = metadata_mut(&mut merged) {
        match resource_version {
            Some(rv) => {
                meta.insert("resourceVersion".into(), rv);
            }
            None => {
                meta.remove("resourceVersion");
            }
        }
    }
    *new = merged;
}

/// Upstream's `BeforeUpdate` system-field rules: uid (when the client sent none), creation
/// timestamp, deletion timestamp and grace period come from the stored object.
/// Upstream's `BeforeUpdate` for the subresources whose strategy keeps the client's
/// metadata (`finalize`, `approval`): the stored uid when none is sent, the creation and
/// deletion times and the generation.
fn keep_update_metadata(new: &mut Value, old: &Value) {
    keep_system_metadata(new, old);
    let generation = old.pointer("/metadata/generation").cloned();
    if let Some(meta) = metadata_mut(new) {
        match generation {
            Some(generation) => meta.insert("generation".into(), generation),
            None => meta.remove("generation"),
        };
    }
}

fn keep_system_metadata(new: &mut Value, old: &Value) {
    let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let Some(meta) = metadata_mut(new) else {
        return;
    };
    if meta
        .get("uid")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
        && let Some(uid) = old_meta.get("uid")
    {
        meta.insert("uid".into(), uid.clone());
    }
    for field in [
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        match old_meta.get(field) {
            Some(value) if !value.is_null() => {
                meta.insert(field.into(), value.clone());
            }
            _ if field == "creationTimestamp" => {}
            _ => {
                // An update can never set a deletion timestamp either.
                meta.remove(field);
            }
        }
    }
}

/// A pod's QoS class (upstream's `qos.GetPodQOS`, over the containers' and init containers'
/// cpu and memory requests and limits).
pub(crate) fn pod_qos_class(pod: &Value) -> &'static str {
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|field| pod.pointer(&format!("/spec/{field}"))?.as_array())
        .flatten();
    let mut any = false;
    let mut guaranteed = true;
    for container in containers {
        let requests = container.pointer("/resources/requests");
        let limits = container.pointer("/resources/limits");
        for resource in ["cpu", "memory"] {
            let request = requests
                .and_then(|r| r.get(resource))
                .filter(|q| !is_zero(q));
            let limit = limits.and_then(|l| l.get(resource)).filter(|q| !is_zero(q));
            if request.is_some() || limit.is_some() {
                any = true;
            }
            match (request, limit) {
                // A limit alone defaults the request to it.
                (None, Some(_)) => {}
                (Some(request), Some(limit)) if quantity_eq(request, limit) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn is_zero(quantity: &Value) -> bool {
    match quantity {
        Value::String(s) => s.trim_start_matches('0').is_empty() || s == "0",
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

fn quantity_eq(a: &Value, b: &Value) -> bool {
    a.to_string().trim_matches('"') == b.to_string().trim_matches('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn info(group: &str, version: &str, resource: &str) -> ResourceInfo {
        Registry::builtin()
            .get(group, version, resource)
            .cloned()
            .unwrap()
    }

    #[test]
    fn claims_get_upstreams_data_sources() {
        let claims = info("", "v1", "persistentvolumeclaims");
        let strategy = Strategy::of(&claims);
        let create = |spec: Value| {
            let mut claim = json!({"metadata": {"name": "c"}, "spec": spec});
            prepare_for_create(&claims, &strategy, &mut claim);
            claim["spec"].clone()
        };
        // A legacy data source is mirrored into dataSourceRef...
        assert_eq!(
            create(json!({"dataSource": {"kind": "PersistentVolumeClaim", "name": "a"}})),
            json!({"dataSource": {"kind": "PersistentVolumeClaim", "name": "a"},
                   "dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "a"}})
        );
        // ... unless it is neither a claim nor a snapshot: dropped.
        assert_eq!(
            create(json!({"dataSource": {"kind": "Foo", "apiGroup": "x.io", "name": "a"}})),
            json!({})
        );
        // A dataSourceRef is mirrored back; a cross-namespace one is dropped.
        assert_eq!(
            create(json!({"dataSourceRef": {"kind": "Foo", "apiGroup": "x.io", "name": "a"}})),
            json!({"dataSource": {"kind": "Foo", "apiGroup": "x.io", "name": "a"},
                   "dataSourceRef": {"kind": "Foo", "apiGroup": "x.io", "name": "a"}})
        );
        assert_eq!(
            create(json!({"dataSourceRef": {"kind": "Foo", "name": "a", "namespace": "n"}})),
            json!({})
        );
        // Nodes lose the dynamic kubelet configuration on create.
        let nodes = info("", "v1", "nodes");
        let mut node = json!({"metadata": {"name": "n"},
                              "spec": {"configSource": {"configMap": {}}, "podCIDR": "10.0.0.0/24"},
                              "status": {"config": {}, "capacity": {"pods": "110"}}});
        prepare_for_create(&nodes, &Strategy::of(&nodes), &mut node);
        assert_eq!(node["spec"], json!({"podCIDR": "10.0.0.0/24"}));
        assert_eq!(node["status"], json!({"capacity": {"pods": "110"}}));
    }

    #[test]
    fn policies_follow_upstreams_registries() {
        let pods = Strategy::of(&info("", "v1", "pods"));
        assert_eq!(pods.generation, Generation::Spec);
        assert!(pods.graceful && pods.return_deleted_object && pods.status_subresource);
        let cm = Strategy::of(&info("", "v1", "configmaps"));
        assert_eq!(cm.generation, Generation::Untracked);
        assert!(!cm.return_deleted_object && !cm.allow_create_on_update);
        let rc = Strategy::of(&info("", "v1", "replicationcontrollers"));
        assert_eq!(rc.gc_policy, GcPolicy::OrphanDependents);
        let deploy = Strategy::of(&info("apps", "v1", "deployments"));
        assert_eq!(deploy.generation, Generation::SpecOrAnnotations);
        assert_eq!(deploy.gc_policy, GcPolicy::DeleteDependents);
        let lease = Strategy::of(&info("coordination.k8s.io", "v1", "leases"));
        assert!(lease.allow_create_on_update && !lease.allow_unconditional_update);
    }

    #[test]
    fn generation_moves_only_on_spec_changes() {
        let info = info("apps", "v1", "deployments");
        let strategy = Strategy::of(&info);
        let mut created =
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}, "status": {"x": 1}});
        prepare_for_create(&info, &strategy, &mut created);
        assert_eq!(created["metadata"]["generation"], 1);
        assert_eq!(created["status"], json!({}));
        let mut same = created.clone();
        same["status"] = json!({"replicas": 3});
        prepare_for_update(&info, &strategy, &mut same, &created);
        assert_eq!(same["metadata"]["generation"], 1);
        assert_eq!(
            same["status"],
            json!({}),
            "status comes from the stored object"
        );
        let mut changed = created.clone();
        changed["spec"]["replicas"] = json!(2);
        prepare_for_update(&info, &strategy, &mut changed, &created);
        assert_eq!(changed["metadata"]["generation"], 2);
    }

    #[test]
    fn status_updates_keep_everything_but_status() {
        // ValidatingAdmissionPolicy's status strategy resets the metadata.
        let policies = info(
            "admissionregistration.k8s.io",
            "v1",
            "validatingadmissionpolicies",
        );
        let old = json!({"metadata": {"name": "p", "labels": {"a": "b"}, "resourceVersion": "5"}, "spec": {"x": 1}, "status": {"phase": "Pending"}});
        let mut new = json!({"metadata": {"name": "p", "resourceVersion": "5"}, "spec": {"x": 2}, "status": {"phase": "Running"}});
        prepare_for_status_update(&policies, &mut new, &old);
        assert_eq!(new["spec"]["x"], 1);
        assert_eq!(new["metadata"]["labels"]["a"], "b");
        assert_eq!(new["status"]["phase"], "Running");
    }

    #[test]
    fn deployment_status_updates_keep_annotations_but_not_labels() {
        // The deployment controller writes its revision annotation through /status.
        let deployments = info("apps", "v1", "deployments");
        let old = json!({"metadata": {"name": "d", "uid": "u", "generation": 3, "labels": {"a": "b"}, "resourceVersion": "5"},
                         "spec": {"replicas": 1}, "status": {}});
        let mut new = json!({"metadata": {"name": "d", "uid": "other", "generation": 9, "labels": {"a": "c"},
                                          "annotations": {"deployment.kubernetes.io/revision": "1"}, "resourceVersion": "5"},
                             "spec": {"replicas": 7}, "status": {"replicas": 1}});
        prepare_for_status_update(&deployments, &mut new, &old);
        assert_eq!(
            new["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "1"
        );
        assert_eq!(new["metadata"]["labels"]["a"], "b");
        assert_eq!(new["metadata"]["uid"], "u");
        assert_eq!(new["metadata"]["generation"], 3);
        assert_eq!(new["spec"]["replicas"], 1);
        assert_eq!(new["status"]["replicas"], 1);
        // Pods keep their owners.
        let pods = info("", "v1", "pods");
        let old = json!({"metadata": {"name": "p", "ownerReferences": [{"uid": "x"}]}, "spec": {}});
        let mut new = json!({"metadata": {"name": "p", "annotations": {"k": "v"}}, "spec": {}, "status": {"phase": "Running"}});
        prepare_for_status_update(&pods, &mut new, &old);
        assert_eq!(new["metadata"]["ownerReferences"][0]["uid"], "x");
        assert_eq!(new["metadata"]["annotations"]["k"], "v");
    }

    #[test]
    fn qos_classes() {
        let best = json!({"spec": {"containers": [{"name": "a"}]}});
        assert_eq!(pod_qos_class(&best), "BestEffort");
        let guaranteed = json!({"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        assert_eq!(pod_qos_class(&guaranteed), "Guaranteed");
        let burstable = json!({"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}}]}});
        assert_eq!(pod_qos_class(&burstable), "Burstable");
    }
}
