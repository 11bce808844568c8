//! Built-in admission that exists so far: upstream's `NamespaceLifecycle` plugin.
//!
//! - Creating, updating or deleting a namespaced object needs its namespace to exist (404
//!   `namespaces "x" not found`).
//! - Nothing new may be created in a namespace that is terminating (403 with the
//!   `NamespaceTerminating` cause).
//! - `default`, `kube-system` and `kube-public` may not be deleted.

use ironkube_apimachinery::Status;
use ironkube_apimachinery::status::StatusCause;
use ironkube_storage::object::StorageError;
use serde_json::{Value, json};

use super::Ctx;

/// How long after a namespace's deletion admission reads it from the store (upstream's
/// `forceLiveLookupTTL`).
const FORCE_LIVE_LOOKUP: std::time::Duration = std::time::Duration::from_secs(30);

/// Namespaces that can never be deleted.
const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// The operations the plugin looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Operation {
    /// create (POST, or PUT that creates).
    Create,
    /// update or patch.
    Update,
    /// delete.
    Delete,
}

/// Admits (or refuses) an operation on `name` in the request's namespace.
pub(super) async fn namespace_lifecycle(
    ctx: &Ctx,
    operation: Operation,
    name: &str,
) -> Result<(), Box<Status>> {
    let is_namespace = ctx.info.group.is_empty() && ctx.info.resource == "namespaces";
    if is_namespace {
        if operation == Operation::Delete && IMMORTAL_NAMESPACES.contains(&name) {
            return Err(Box::new(Status::forbidden(
                "",
                "namespaces",
                name,
                "this namespace may not be deleted",
            )));
        }
        if operation == Operation::Delete
            && let Ok(mut recent) = ctx.state.recently_deleted_namespaces.lock()
        {
            let now = tokio::time::Instant::now();
            recent.retain(|_, at| now.duration_since(*at) < FORCE_LIVE_LOOKUP);
            recent.insert(name.to_string(), now);
        }
        return Ok(());
    }
    let Some(namespace) = ctx.ns() else {
        return Ok(());
    };
    let phase = namespace_phase(ctx, namespace).await?;
    let Some(phase) = phase else {
        return Err(Box::new(Status::not_found("", "namespaces", namespace)));
    };
    if operation == Operation::Create && phase == "Terminating" {
        let mut status = Status::forbidden(
            ctx.info.group,
            ctx.info.resource,
            name,
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        if let Some(details) = status.details.as_mut() {
            details.causes.push(StatusCause {
                cause_type: Some(ironkube_apimachinery::status::CauseType::from_wire(
                    "NamespaceTerminating",
                )),
                message: format!("namespace {namespace} is being terminated"),
                field: "metadata.namespace".to_string(),
            });
        }
        return Err(Box::new(status));
    }
    Ok(())
}

/// The phase of a namespace (`None` when it does not exist): from the watch cache, or the
/// store when the cache has not seen it (yet).
async fn namespace_phase(ctx: &Ctx, namespace: &str) -> Result<Option<String>, Box<Status>> {
    let Some(namespaces) = ctx.state.namespaces() else {
        return Ok(Some("Active".to_string()));
    };
    let live = ctx
        .state
        .recently_deleted_namespaces
        .lock()
        .is_ok_and(|recent| {
            recent
                .get(namespace)
                .is_some_and(|at| at.elapsed() < FORCE_LIVE_LOOKUP)
        });
    let cached = if live {
        None
    } else {
        namespaces.cache.cached(None, namespace)
    };
    let object = match cached {
        Some(object) => object,
        None => match namespaces.store().get(None, namespace, None).await {
            Ok(object) => object,
            Err(StorageError::NotFound { .. }) => return Ok(None),
            Err(err) => {
                return Err(Box::new(err.status(
                    &ironkube_storage::object::GroupResource::new("", "namespaces"),
                    namespace,
                    "get",
                )));
            }
        },
    };
    Ok(Some(
        object
            .value()
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Active")
            .to_string(),
    ))
}

/// The `DefaultTolerationSeconds` plugin's tolerations: pods tolerate a node being not ready
/// or unreachable for five minutes unless they say otherwise.
const DEFAULT_TOLERATION_KEYS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// Upstream's mutating admission of a new pod that exists so far: `ServiceAccount` (the
/// account defaulted and required, its token mounted), `Priority` (the priority from the
/// pod's PriorityClass, or the global default, or 0) and `DefaultTolerationSeconds`.
pub(super) async fn admit_pod(ctx: &Ctx, pod: &mut Value) -> Result<(), Box<Status>> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    service_account(ctx, pod, &name).await?;
    let (class, priority, preemption) = pod_priority(ctx, pod, &name).await?;
    if let Some(given) = pod.pointer("/spec/priority").and_then(Value::as_i64)
        && given != priority
    {
        return Err(Box::new(Status::forbidden(
            "",
            "pods",
            &name,
            &format!(
                "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
            ),
        )));
    }
    if !pod.get("spec").is_some_and(Value::is_object) {
        pod["spec"] = json!({});
    }
    pod["spec"]["priority"] = json!(priority);
    if let Some(class) = class {
        pod["spec"]["priorityClassName"] = json!(class);
    }
    if let Some(preemption) = preemption {
        pod["spec"]["preemptionPolicy"] = json!(preemption);
    }
    let tolerations = pod["spec"]
        .as_object_mut()
        .map(|spec| spec.entry("tolerations").or_insert_with(|| json!([])));
    if let Some(Value::Array(tolerations)) = tolerations {
        for key in DEFAULT_TOLERATION_KEYS {
            let tolerated = tolerations.iter().any(|t| {
                let effect = t.get("effect").and_then(Value::as_str).unwrap_or("");
                let t_key = t.get("key").and_then(Value::as_str).unwrap_or("");
                (effect.is_empty() || effect == "NoExecute") && (t_key.is_empty() || t_key == key)
            });
            if !tolerated {
                tolerations.push(json!({
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }));
            }
        }
    }
    runtime_class(ctx, pod, &name).await
}

/// Whether two resource lists hold the same quantities (as `Semantic.DeepEqual` compares them).
fn same_quantities(a: &Value, b: &Value) -> bool {
    let canonical = |v: &Value| -> Option<std::collections::BTreeMap<String, String>> {
        v.as_object()?
            .iter()
            .map(|(k, q)| {
                let text = q.as_str()?;
                Some((
                    k.clone(),
                    ironkube_apimachinery::quantity::canonical(text).ok()?,
                ))
            })
            .collect()
    };
    match (canonical(a), canonical(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Upstream's `RuntimeClass` admission of a new pod: the class it names must exist; its pod
/// overhead becomes the pod's (a different one given is refused), its node selector joins the
/// pod's (a conflicting value is refused) and its tolerations are added; a pod without such a
/// class may not set an overhead.
async fn runtime_class(ctx: &Ctx, pod: &mut Value, name: &str) -> Result<(), Box<Status>> {
    let forbidden = |message: String| Box::new(Status::forbidden("", "pods", name, &message));
    let requested = pod
        .pointer("/spec/runtimeClassName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let class = match requested {
        None => None,
        Some(requested) => {
            let Some(info) = ctx
                .state
                .registry()
                .get("node.k8s.io", "v1", "runtimeclasses")
                .cloned()
            else {
                return Ok(());
            };
            let Some(classes) = ctx.state.resources.get(&info) else {
                return Ok(());
            };
            // The lister first, then the store (upstream asks the API when the lister misses).
            let found = match classes.cache.get(None, &requested, Some("0")).await {
                Ok(class) => Ok(class),
                Err(StorageError::NotFound { .. }) => {
                    classes.cache.get(None, &requested, None).await
                }
                Err(err) => Err(err),
            };
            match found {
                Ok(class) => Some(class.into_value()),
                Err(StorageError::NotFound { .. }) => {
                    return Err(forbidden(format!(
                        "pod rejected: RuntimeClass \"{requested}\" not found"
                    )));
                }
                Err(err) => {
                    return Err(Box::new(err.status(
                        &ironkube_storage::object::GroupResource::new(
                            "node.k8s.io",
                            "runtimeclasses",
                        ),
                        &requested,
                        "get",
                    )));
                }
            }
        }
    };
    let pod_overhead = pod
        .pointer("/spec/overhead")
        .filter(|o| o.as_object().is_some_and(|m| !m.is_empty()))
        .cloned();
    match class.as_ref().and_then(|c| c.pointer("/overhead/podFixed")) {
        Some(fixed) => {
            if let Some(given) = &pod_overhead
                && !same_quantities(given, fixed)
            {
                return Err(forbidden(
                    "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
                        .to_owned(),
                ));
            }
            pod["spec"]["overhead"] = fixed.clone();
        }
        None if pod_overhead.is_some() => {
            return Err(forbidden(
                "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
                    .to_owned(),
            ));
        }
        None => {}
    }
    let Some(scheduling) = class.as_ref().and_then(|c| c.get("scheduling")) else {
        return Ok(());
    };
    if let Some(selector) = scheduling.get("nodeSelector").and_then(Value::as_object) {
        let mut merged = pod
            .pointer("/spec/nodeSelector")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, class_value) in selector {
            if let Some(pod_value) = merged.get(key)
                && pod_value != class_value
            {
                return Err(forbidden(format!(
                    "conflict: runtimeClass.scheduling.nodeSelector[{key}] = {}; pod.spec.nodeSelector[{key}] = {}",
                    class_value.as_str().unwrap_or_default(),
                    pod_value.as_str().unwrap_or_default()
                )));
            }
            merged.insert(key.clone(), class_value.clone());
        }
        pod["spec"]["nodeSelector"] = Value::Object(merged);
    }
    if let Some(extra) = scheduling.get("tolerations").and_then(Value::as_array) {
        let tolerations = pod["spec"]
            .as_object_mut()
            .map(|spec| spec.entry("tolerations").or_insert_with(|| json!([])));
        if let Some(Value::Array(tolerations)) = tolerations {
            for toleration in extra {
                if !tolerations.contains(toleration) {
                    tolerations.push(toleration.clone());
                }
            }
        }
    }
    Ok(())
}

/// Where the `ServiceAccount` plugin mounts the token volume in every container.
const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Upstream's `ServiceAccount` admission of a new pod (mirror pods aside): the account
/// defaults to `default` and must exist (the default one is waited for briefly, as upstream
/// does in a new namespace); unless automounting is off (pod first, then account), a projected
/// `kube-api-access-xxxxx` volume (a bound token, `kube-root-ca.crt`, the namespace) is mounted
/// read-only in every init and app container that has nothing at the token path; the account's
/// image pull secrets apply when the pod names none.
async fn service_account(ctx: &Ctx, pod: &mut Value, name: &str) -> Result<(), Box<Status>> {
    if pod
        .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
        .is_some()
    {
        return Ok(());
    }
    let namespace = ctx.namespace.clone().unwrap_or_default();
    if !pod.get("spec").is_some_and(Value::is_object) {
        pod["spec"] = json!({});
    }
    let account_name = match pod
        .pointer("/spec/serviceAccountName")
        .and_then(Value::as_str)
    {
        Some(given) if !given.is_empty() => given.to_string(),
        _ => {
            pod["spec"]["serviceAccountName"] = json!("default");
            pod["spec"]["serviceAccount"] = json!("default");
            "default".to_string()
        }
    };
    let forbidden = |message: String| {
        Box::new(Status::forbidden(
            "",
            "pods",
            name,
            &format!("error looking up service account {namespace}/{account_name}: {message}"),
        ))
    };
    let Some(info) = ctx
        .state
        .registry()
        .get("", "v1", "serviceaccounts")
        .cloned()
    else {
        return Ok(());
    };
    let Some(accounts) = ctx.state.resources.get(&info) else {
        return Ok(());
    };
    // The cache first, then live reads: ten, 100-200 ms apart, for `default` (the controller
    // may not have made it yet in a new namespace), one for any other.
    let attempts = if account_name == "default" { 11 } else { 2 };
    let pause = std::time::Duration::from_millis(100 + fastrand::u64(..100));
    let mut account = None;
    for attempt in 0..attempts {
        if attempt > 1 {
            tokio::time::sleep(pause).await;
        }
        let revision = (attempt == 0).then_some("0");
        match accounts
            .cache
            .get(Some(&namespace), &account_name, revision)
            .await
        {
            Ok(found) => {
                account = Some(found.value().clone());
                break;
            }
            Err(StorageError::NotFound { .. }) => {}
            Err(err) => return Err(forbidden(err.to_string())),
        }
    }
    let Some(account) = account else {
        return Err(forbidden(format!(
            "serviceaccount \"{account_name}\" not found"
        )));
    };
    let automount = pod
        .pointer("/spec/automountServiceAccountToken")
        .and_then(Value::as_bool)
        .or_else(|| {
            account
                .get("automountServiceAccountToken")
                .and_then(Value::as_bool)
        })
        .unwrap_or(true);
    if automount {
        mount_token(pod);
    }
    let pull_secrets_given = pod
        .pointer("/spec/imagePullSecrets")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if !pull_secrets_given
        && let Some(secrets) = account.get("imagePullSecrets").and_then(Value::as_array)
        && !secrets.is_empty()
    {
        let names: Vec<Value> = secrets
            .iter()
            .map(|s| json!({"name": s.get("name").cloned().unwrap_or(json!(""))}))
            .collect();
        pod["spec"]["imagePullSecrets"] = Value::Array(names);
    }
    Ok(())
}

/// The token volume and its mounts (upstream's `mountServiceAccountToken`).
fn mount_token(pod: &mut Value) {
    let existing = pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .and_then(|volumes| {
            volumes
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str))
                .find(|n| n.starts_with("kube-api-access-"))
                .map(str::to_string)
        });
    let volume_name = existing
        .clone()
        .unwrap_or_else(|| super::write::generate_name("kube-api-access-"));
    let mount = json!({"name": volume_name, "readOnly": true, "mountPath": TOKEN_MOUNT_PATH});
    let mut needs_volume = false;
    for list in ["initContainers", "containers"] {
        let Some(containers) = pod["spec"].get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            let mounted = container
                .get("volumeMounts")
                .and_then(Value::as_array)
                .is_some_and(|mounts| {
                    mounts.iter().any(|m| {
                        m.get("mountPath").and_then(Value::as_str) == Some(TOKEN_MOUNT_PATH)
                    })
                });
            if mounted {
                continue;
            }
            needs_volume = true;
            if let Some(object) = container.as_object_mut() {
                let mounts = object.entry("volumeMounts").or_insert_with(|| json!([]));
                if let Some(mounts) = mounts.as_array_mut() {
                    mounts.push(mount.clone());
                }
            }
        }
    }
    if existing.is_none() && needs_volume {
        let volume = json!({
            "name": volume_name,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
                ],
            },
        });
        if let Some(spec) = pod["spec"].as_object_mut() {
            let volumes = spec.entry("volumes").or_insert_with(|| json!([]));
            if let Some(volumes) = volumes.as_array_mut() {
                volumes.push(volume);
            }
        }
    }
}

/// The class name (when the default applies), priority and preemption policy of a pod.
async fn pod_priority(
    ctx: &Ctx,
    pod: &Value,
    name: &str,
) -> Result<(Option<String>, i64, Option<String>), Box<Status>> {
    let Some(info) = ctx
        .state
        .registry()
        .get("scheduling.k8s.io", "v1", "priorityclasses")
        .cloned()
    else {
        return Ok((None, 0, None));
    };
    let Some(classes) = ctx.state.resources.get(&info) else {
        return Ok((None, 0, None));
    };
    let class_of = |class: &Value| {
        (
            class.get("value").and_then(Value::as_i64).unwrap_or(0),
            class
                .get("preemptionPolicy")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    let requested = pod
        .pointer("/spec/priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if requested.is_empty() {
        // From memory as it is, as upstream's informer-backed lister reads: a consistent
        // read would wait for the cache to catch up with every write in flight.
        let options = ironkube_storage::object::ListOptions {
            resource_version: "0".to_string(),
            ..Default::default()
        };
        let list = classes.cache.list(None, &options).await.map_err(|err| {
            Box::new(err.status(
                &ironkube_storage::object::GroupResource::new(
                    "scheduling.k8s.io",
                    "priorityclasses",
                ),
                "",
                "list",
            ))
        })?;
        // The newest global default wins, as upstream's lister order does not decide.
        let default = list
            .items
            .iter()
            .filter(|c| c.value().get("globalDefault").and_then(Value::as_bool) == Some(true))
            .max_by_key(|c| c.resource_version());
        return Ok(match default {
            Some(class) => {
                let (value, preemption) = class_of(class.value());
                (Some(class.name().to_string()), value, preemption)
            }
            // Upstream's `getDefaultPriority` without a default class: 0, PreemptLowerPriority.
            None => (None, 0, Some("PreemptLowerPriority".to_string())),
        });
    }
    match classes.cache.get(None, requested, Some("0")).await {
        Ok(class) => {
            let (value, preemption) = class_of(class.value());
            Ok((None, value, preemption))
        }
        Err(StorageError::NotFound { .. }) => Err(Box::new(Status::forbidden(
            "",
            "pods",
            name,
            &format!("no PriorityClass with name {requested} was found"),
        ))),
        Err(err) => Err(Box::new(err.status(
            &ironkube_storage::object::GroupResource::new("scheduling.k8s.io", "priorityclasses"),
            requested,
            "get",
        ))),
    }
}
