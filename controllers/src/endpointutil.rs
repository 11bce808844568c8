//! What the endpoints and EndpointSlice controllers share (upstream's
//! `k8s.io/endpointslice/util`): which pods a Service selects, which of them are endpoints,
//! readiness, port resolution by name, and the `last-change-trigger-time` bookkeeping.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use k8s_openapi::api::core::v1::{Pod, Service, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt as _;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;

/// The annotation with the time of the change that caused the latest write.
pub(crate) const LAST_CHANGE_TRIGGER_TIME: &str =
    "endpoints.kubernetes.io/last-change-trigger-time";
/// The label marking headless services' endpoints.
pub(crate) const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// Whether `selector` (a Service's, every pair must match) selects `labels`.
pub(crate) fn selects(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The services of `services` whose selector selects `pod`.
pub(crate) fn services_selecting(services: &Store<Service>, pod: &Pod) -> Vec<ObjectRef<Service>> {
    let namespace = pod.namespace();
    services
        .state()
        .iter()
        .filter(|svc| svc.namespace() == namespace)
        .filter(|svc| {
            svc.spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| selects(sel, pod.labels()))
        })
        .map(|svc| ObjectRef::from_obj(&**svc))
        .collect()
}

/// A pod's namespace and name.
type PodKey = (String, String);

/// Remembers which services each pod was last mapped to, so that a pod whose labels changed
/// also wakes the services that selected it before (kube-rs hands mappers only the new object).
#[derive(Default)]
pub(crate) struct PodServiceIndex {
    last: Mutex<HashMap<PodKey, Vec<ObjectRef<Service>>>>,
}

impl PodServiceIndex {
    /// The reconcile requests a pod event makes: the services selecting the pod now and
    /// before (for the endpoints and endpointslice controllers).
    pub(crate) fn pod_triggers(
        services: Store<Service>,
    ) -> impl FnMut(&watcher::Event<Pod>) -> Vec<ObjectRef<Service>> + Send + 'static {
        let index = PodServiceIndex::default();
        move |event| {
            crate::informer::touched(event)
                .map(|pod| {
                    index.services_for(&services, pod, matches!(event, watcher::Event::Delete(_)))
                })
                .unwrap_or_default()
        }
    }

    /// The services to sync for a change of `pod`: those selecting it now and before.
    pub(crate) fn services_for(
        &self,
        services: &Store<Service>,
        pod: &Pod,
        deleted: bool,
    ) -> Vec<ObjectRef<Service>> {
        let now = services_selecting(services, pod);
        let key = (pod.namespace().unwrap_or_default(), pod.name_any());
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let before = if deleted {
            last.remove(&key).unwrap_or_default()
        } else {
            last.insert(key, now.clone()).unwrap_or_default()
        };
        let mut all = now;
        for svc in before {
            if !all.contains(&svc) {
                all.push(svc);
            }
        }
        all
    }
}

/// Whether the pod's Ready condition is True.
pub(crate) fn is_pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Whether the pod is Succeeded or Failed.
pub(crate) fn is_pod_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// Upstream's `ShouldPodBeInEndpoints`: not terminal, has an IP, and not terminating unless
/// terminating pods are wanted.
pub(crate) fn should_pod_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    if is_pod_terminal(pod) {
        return false;
    }
    let status = pod.status.as_ref();
    let has_ip = status
        .and_then(|s| s.pod_ip.as_deref())
        .is_some_and(|ip| !ip.is_empty())
        || status
            .and_then(|s| s.pod_ips.as_ref())
            .is_some_and(|ips| !ips.is_empty());
    if !has_ip {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

/// Upstream's `ShouldSetHostname`: the pod names the service as its subdomain.
pub(crate) fn should_set_hostname(pod: &Pod, svc: &Service) -> bool {
    let spec = pod.spec.as_ref();
    let hostname = spec.and_then(|s| s.hostname.as_deref()).unwrap_or("");
    let subdomain = spec.and_then(|s| s.subdomain.as_deref()).unwrap_or("");
    !hostname.is_empty() && subdomain == svc.name_any() && svc.namespace() == pod.namespace()
}

/// The pod's IPs (`status.podIPs`, else `status.podIP`).
pub(crate) fn pod_ips(pod: &Pod) -> Vec<String> {
    let status = pod.status.as_ref();
    let ips: Vec<String> = status
        .and_then(|s| s.pod_ips.as_ref())
        .map(|ips| ips.iter().map(|ip| ip.ip.clone()).collect())
        .unwrap_or_default();
    if !ips.is_empty() {
        return ips;
    }
    status
        .and_then(|s| s.pod_ip.clone())
        .filter(|ip| !ip.is_empty())
        .into_iter()
        .collect()
}

/// Whether `ip` is an IPv6 address (parsed leniently, as upstream's `ParseIPSloppy`).
pub(crate) fn is_ipv6(ip: &str) -> bool {
    ip.contains(':')
}

/// The address in canonical form.
pub(crate) fn canonical_ip(ip: &str) -> String {
    ip.parse::<std::net::IpAddr>()
        .map(|parsed| parsed.to_string())
        .unwrap_or_else(|_| ip.to_string())
}

/// Upstream's `FindPort`: the pod's port a service port targets (a named `targetPort` looked up
/// among the containers' and sidecars' ports with the same protocol), or `None`.
pub(crate) fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    match &port.target_port {
        Some(IntOrString::String(name)) => {
            let spec = pod.spec.as_ref()?;
            let sidecars = spec
                .init_containers
                .iter()
                .flatten()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            spec.containers
                .iter()
                .chain(sidecars)
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| {
                    p.name.as_deref() == Some(name.as_str())
                        && p.protocol.as_deref().unwrap_or("TCP") == protocol
                })
                .map(|p| p.container_port)
        }
        Some(IntOrString::Int(number)) => Some(*number),
        None => Some(port.port),
    }
}

/// Whether the service has a cluster IP (is not headless).
pub(crate) fn is_service_ip_set(svc: &Service) -> bool {
    svc.spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .is_some_and(|ip| !ip.is_empty() && ip != "None")
}

/// The pod's trigger time: when its Ready condition last changed.
fn pod_trigger_time(pod: &Pod) -> Option<Timestamp> {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0)
}

/// Upstream's `TriggerTimeTracker`: the earliest change (a pod's readiness, the service's
/// creation) not yet reflected in a sync of the service.
#[derive(Default)]
pub(crate) struct TriggerTimeTracker {
    states: Mutex<HashMap<(String, String), TriggerState>>,
}

#[derive(Clone, Default)]
struct TriggerState {
    service: Option<Timestamp>,
    pods: HashMap<String, Timestamp>,
}

/// What one sync computed: the time to write, and what the tracker knew before.
pub(crate) struct Trigger {
    /// The `last-change-trigger-time` to write (`None`: nothing new).
    pub(crate) time: Option<Timestamp>,
    key: (String, String),
    previous: Option<TriggerState>,
}

impl TriggerTimeTracker {
    /// The trigger time of this sync, remembering the state it saw.
    pub(crate) fn compute(&self, svc: &Service, pods: &[&Pod]) -> Trigger {
        let key = (svc.namespace().unwrap_or_default(), svc.name_any());
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let previous = states.get(&key).cloned();
        let state = states.entry(key.clone()).or_default();
        let mut earliest: Option<Timestamp> = None;
        let mut consider = |t: Timestamp| {
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        };
        let mut seen = HashMap::new();
        for pod in pods {
            if let Some(t) = pod_trigger_time(pod) {
                let name = pod.name_any();
                if state.pods.get(&name) != Some(&t) {
                    consider(t);
                }
                seen.insert(name, t);
            }
        }
        let created = svc.metadata.creation_timestamp.as_ref().map(|t| t.0);
        if let Some(t) = created
            && (previous.is_none() || state.service != Some(t))
        {
            consider(t);
        }
        state.pods = seen;
        state.service = created;
        Trigger {
            time: earliest,
            key,
            previous,
        }
    }

    /// The sync that computed `trigger` did not write: the changes it saw stay pending, so
    /// the retry still reports them (upstream forgets them, and a retry after a conflict
    /// writes no trigger time at all).
    pub(crate) fn undo(&self, trigger: Trigger) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        match trigger.previous {
            Some(previous) => {
                states.insert(trigger.key, previous);
            }
            None => {
                states.remove(&trigger.key);
            }
        }
    }

    /// Forgets a deleted service.
    pub(crate) fn delete(&self, namespace: &str, name: &str) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states.remove(&(namespace.to_string(), name.to_string()));
    }
}

/// A trigger time as upstream writes it (RFC 3339 with nanoseconds, UTC).
pub(crate) fn format_trigger_time(t: Timestamp) -> String {
    t.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn named_target_ports_resolve_with_the_protocol() {
        let p = pod(json!({"metadata": {"name": "a"}, "spec": {"containers": [
            {"name": "c", "ports": [{"name": "http", "containerPort": 8080}, {"name": "dns", "containerPort": 53, "protocol": "UDP"}]}
        ], "initContainers": [
            {"name": "side", "restartPolicy": "Always", "ports": [{"name": "metrics", "containerPort": 9090}]}
        ]}}));
        let port = |v: serde_json::Value| -> ServicePort { serde_json::from_value(v).unwrap() };
        assert_eq!(
            find_port(&p, &port(json!({"port": 80, "targetPort": "http"}))),
            Some(8080)
        );
        assert_eq!(
            find_port(&p, &port(json!({"port": 53, "targetPort": "dns"}))),
            None
        );
        assert_eq!(
            find_port(
                &p,
                &port(json!({"port": 53, "targetPort": "dns", "protocol": "UDP"}))
            ),
            Some(53)
        );
        assert_eq!(
            find_port(&p, &port(json!({"port": 1, "targetPort": "metrics"}))),
            Some(9090)
        );
        assert_eq!(
            find_port(&p, &port(json!({"port": 80, "targetPort": 81}))),
            Some(81)
        );
    }

    #[test]
    fn terminal_and_ipless_pods_are_no_endpoints() {
        let running = pod(
            json!({"metadata": {"name": "a"}, "status": {"phase": "Running", "podIP": "10.0.0.1"}}),
        );
        assert!(should_pod_be_in_endpoints(&running, false));
        let failed = pod(
            json!({"metadata": {"name": "a"}, "status": {"phase": "Failed", "podIP": "10.0.0.1"}}),
        );
        assert!(!should_pod_be_in_endpoints(&failed, true));
        let pending = pod(json!({"metadata": {"name": "a"}, "status": {"phase": "Pending"}}));
        assert!(!should_pod_be_in_endpoints(&pending, true));
        let terminating = pod(
            json!({"metadata": {"name": "a", "deletionTimestamp": "2024-01-01T00:00:00Z"}, "status": {"phase": "Running", "podIP": "10.0.0.1"}}),
        );
        assert!(!should_pod_be_in_endpoints(&terminating, false));
        assert!(should_pod_be_in_endpoints(&terminating, true));
    }

    #[test]
    fn trigger_times_stay_pending_until_a_sync_writes() {
        let svc: Service = serde_json::from_value(json!({"metadata": {
            "name": "web", "namespace": "ns", "creationTimestamp": "2024-01-01T00:00:00Z"}}))
        .unwrap();
        let ready = |name: &str, at: &str| {
            pod(
                json!({"metadata": {"name": name, "namespace": "ns"}, "status": {"conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": at}]}}),
            )
        };
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let tracker = TriggerTimeTracker::default();
        let a = ready("a", "2024-01-01T00:01:00Z");
        // The first sync: the service's creation.
        let first = tracker.compute(&svc, &[&a]);
        assert_eq!(first.time, Some(at("2024-01-01T00:00:00Z")));
        // Nothing new since.
        assert_eq!(tracker.compute(&svc, &[&a]).time, None);
        // A pod turns ready; the write fails: the retry still reports it.
        let b = ready("b", "2024-01-01T00:02:00Z");
        let failed = tracker.compute(&svc, &[&a, &b]);
        assert_eq!(failed.time, Some(at("2024-01-01T00:02:00Z")));
        tracker.undo(failed);
        let retried = tracker.compute(&svc, &[&a, &b]);
        assert_eq!(retried.time, Some(at("2024-01-01T00:02:00Z")));
        assert_eq!(tracker.compute(&svc, &[&a, &b]).time, None);
        // A failed first sync leaves the service unknown.
        let other = TriggerTimeTracker::default();
        let failed = other.compute(&svc, &[]);
        other.undo(failed);
        assert_eq!(
            other.compute(&svc, &[]).time,
            Some(at("2024-01-01T00:00:00Z"))
        );
    }
}
