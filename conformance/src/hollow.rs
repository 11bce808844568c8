//! Hollow nodes: Node objects that look like healthy kubelets to the control plane and to the
//! conformance suite's start-up checks (registered with capacity, addresses and node info, their
//! Leases renewed and their `Ready` condition kept fresh), and do nothing else: pods bound to them
//! stay as the scheduler left them. Only with [`HollowNodes::mark_pods_running`] (for benchmarks)
//! are their pods' statuses faked.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

/// The kubelet version hollow nodes report (the suite's version).
pub const KUBELET_VERSION: &str = "v1.37.2";

/// How often a node's Lease is renewed (the kubelet's default: a quarter of its 40 s duration).
const LEASE_RENEW: Duration = Duration::from_secs(10);
/// The Lease duration the kubelet writes.
const LEASE_DURATION_SECONDS: i32 = 40;
/// How often the `Ready` condition's heartbeat is refreshed (the kubelet's
/// `nodeStatusReportFrequency` when nothing changes is 5 min; a minute keeps it plainly fresh).
const STATUS_REFRESH: Duration = Duration::from_secs(60);

/// A set of hollow nodes.
#[derive(Clone, Debug)]
pub struct HollowNodes {
    /// How many nodes.
    pub count: usize,
    /// Their names are `<prefix>-<i>`.
    pub prefix: String,
    /// Fake every bound pod's status as Running and Ready (benchmarks only: the suite must
    /// never see pods that do not run reported as running).
    pub mark_pods_running: bool,
}

/// Why hollow nodes stopped.
#[derive(Debug, thiserror::Error)]
pub enum HollowError {
    /// The API server refused a write the nodes cannot go on without.
    #[error("{what}: {source}")]
    Api {
        /// What was being done.
        what: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
}

impl HollowNodes {
    /// The name of node `i`.
    pub fn name(&self, i: usize) -> String {
        format!("{}-{i}", self.prefix)
    }

    /// Registers the nodes, then keeps them fresh until `shutdown` completes.
    pub async fn run(
        &self,
        client: Client,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), HollowError> {
        self.register(&client).await?;
        tracing::info!(count = self.count, prefix = %self.prefix, "hollow nodes registered");
        let mut lease_tick = tokio::time::interval(LEASE_RENEW);
        let mut status_tick = tokio::time::interval(STATUS_REFRESH);
        let mut pods_tick = tokio::time::interval(Duration::from_secs(1));
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                _ = lease_tick.tick() => {
                    for i in 0..self.count {
                        if let Err(err) = renew_lease(&client, &self.name(i)).await {
                            tracing::warn!(node = %self.name(i), %err, "renewing the lease failed");
                        }
                    }
                }
                _ = status_tick.tick() => {
                    for i in 0..self.count {
                        if let Err(err) = report_status(&client, &self.name(i)).await {
                            tracing::warn!(node = %self.name(i), %err, "reporting status failed");
                        }
                    }
                }
                _ = pods_tick.tick(), if self.mark_pods_running => {
                    if let Err(err) = self.mark_bound_pods_running(&client).await {
                        tracing::warn!(%err, "marking pods running failed");
                    }
                }
            }
        }
    }

    /// Creates the Nodes that do not exist yet (an existing one is taken over as it is).
    pub async fn register(&self, client: &Client) -> Result<(), HollowError> {
        let nodes: Api<Node> = Api::all(client.clone());
        for i in 0..self.count {
            let name = self.name(i);
            let node: Node = serde_json::from_value(node_object(&name, i))
                .map_err(|err| api_error(&name, kube::Error::SerdeError(err)))?;
            match nodes.create(&PostParams::default(), &node).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 409 => {}
                Err(err) => return Err(api_error(&format!("registering node {name}"), err)),
            }
            report_status(client, &name)
                .await
                .map_err(|err| api_error(&format!("reporting the status of {name}"), err))?;
            renew_lease(client, &name)
                .await
                .map_err(|err| api_error(&format!("creating the lease of {name}"), err))?;
        }
        Ok(())
    }

    /// Benchmarks only: every pod bound to one of these nodes and not yet running is reported
    /// Running and Ready.
    async fn mark_bound_pods_running(&self, client: &Client) -> Result<(), kube::Error> {
        let pods: Api<Pod> = Api::all(client.clone());
        let listed = pods
            .list(&ListParams::default().fields("status.phase=Pending"))
            .await?;
        for pod in listed {
            let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) else {
                continue;
            };
            if !node.starts_with(&format!("{}-", self.prefix)) {
                continue;
            }
            let (Some(namespace), Some(name)) = (
                pod.metadata.namespace.as_deref(),
                pod.metadata.name.as_deref(),
            ) else {
                continue;
            };
            let now = now();
            let status = json!({"status": {
                "phase": "Running",
                "podIP": "10.250.0.1",
                "startTime": now,
                "conditions": [
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                    {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                    {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                    {"type": "Ready", "status": "True", "lastTransitionTime": now},
                ],
            }});
            let namespaced: Api<Pod> = Api::namespaced(client.clone(), namespace);
            namespaced
                .patch_status(name, &PatchParams::default(), &Patch::Merge(status))
                .await?;
        }
        Ok(())
    }
}

fn api_error(what: &str, source: kube::Error) -> HollowError {
    HollowError::Api {
        what: what.to_owned(),
        source,
    }
}

/// The current time as `metav1.Time`.
fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The current time as `metav1.MicroTime`.
fn now_micro() -> String {
    let now = jiff::Timestamp::now();
    format!(
        "{}.{:06}Z",
        now.strftime("%Y-%m-%dT%H:%M:%S"),
        now.subsec_microsecond()
    )
}

/// A Node as a kubelet registers it (labels, capacity, addresses, node info).
fn node_object(name: &str, index: usize) -> Value {
    let resources = json!({
        "cpu": "4",
        "memory": "16Gi",
        "pods": "110",
        "ephemeral-storage": "100Gi",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
    });
    let address = format!("10.250.{}.{}", index / 250, index % 250 + 1);
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                "ironkube.dev/hollow": "true",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {},
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "addresses": [
                {"type": "InternalIP", "address": address},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("{index:032x}"),
                "systemUUID": format!("00000000-0000-0000-0000-{index:012x}"),
                "bootID": format!("00000000-0000-0000-0001-{index:012x}"),
                "kernelVersion": "6.1.0-hollow",
                "osImage": "ironkube hollow node",
                "containerRuntimeVersion": "hollow://0.0.0",
                "kubeletVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    })
}

/// The node's conditions: healthy, heartbeat now.
async fn report_status(client: &Client, name: &str) -> Result<(), kube::Error> {
    let now = now();
    let condition = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": type_,
            "status": status,
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        })
    };
    let nodes: Api<Node> = Api::all(client.clone());
    let current = nodes.get_status(name).await?;
    let previous = |type_: &str| {
        current
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == type_))
            .and_then(|c| c.last_transition_time.as_ref())
            .map(|t| t.0.to_string())
    };
    let mut conditions = vec![
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
        ),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
        condition(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
        ),
    ];
    // A condition whose status does not change keeps its transition time.
    for c in &mut conditions {
        if let Some(type_) = c["type"].as_str().map(str::to_owned)
            && let Some(at) = previous(&type_)
            && current
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|x| x.type_ == type_))
                .is_some_and(|x| Some(x.status.as_str()) == c["status"].as_str())
        {
            c["lastTransitionTime"] = json!(at);
        }
    }
    nodes
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Strategic(json!({"status": {"conditions": conditions}})),
        )
        .await?;
    Ok(())
}

/// Creates or renews the node's Lease in `kube-node-lease`.
async fn renew_lease(client: &Client, name: &str) -> Result<(), kube::Error> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let renew = json!({"spec": {
        "holderIdentity": name,
        "leaseDurationSeconds": LEASE_DURATION_SECONDS,
        "renewTime": now_micro(),
    }});
    match leases
        .patch(name, &PatchParams::default(), &Patch::Merge(&renew))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => {
            let nodes: Api<Node> = Api::all(client.clone());
            let node = nodes.get(name).await?;
            let mut lease = renew;
            lease["metadata"] = json!({
                "name": name,
                "ownerReferences": [{
                    "apiVersion": "v1",
                    "kind": "Node",
                    "name": name,
                    "uid": node.metadata.uid,
                }],
            });
            let lease: Lease = serde_json::from_value(lease).map_err(kube::Error::SerdeError)?;
            leases.create(&PostParams::default(), &lease).await?;
            Ok(())
        }
        Err(err) => Err(err),
    }
}
