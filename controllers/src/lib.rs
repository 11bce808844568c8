//! ironkube's controller manager (DESIGN §1): kube-controller-manager's controllers on the
//! kube-rs runtime. Every controller is watch-driven: reflectors keep caches of what it reads,
//! changes enqueue keys, and reconcilers work the queue (`kube::runtime::Controller`); none
//! polls. The controller manager reaches the API server only through its client, also when
//! `ironkube server` runs it in the same process.
//!
//! [`run`] validates the options, serves `/healthz` and `/metrics` on the secure port, takes the
//! leader Lease when `--leader-elect` is on, then starts the enabled controllers and runs
//! until shutdown or until leadership is lost (then it returns [`Error::LeadershipLost`], and
//! the process exits as kube-controller-manager's does).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub mod health;
pub mod leader;
pub mod options;

mod controller_utils;
mod cronjob;
mod csrsigning;
mod deployment;
mod endpoints;
mod endpointslice;
mod endpointslicemirroring;
mod endpointutil;
mod garbagecollector;
mod informer;
mod job;
mod namespace;
mod nodelifecycle;
mod podgc;
mod reconcile;
mod replicaset;
mod rootca;
mod serviceaccount;
mod serviceaccounttoken;
mod shared_informer;
mod tainteviction;
mod ttlafterfinished;

pub use options::ControllerManagerOptions;

use health::Metrics;
use leader::{ElectionTiming, LeaderElector};

/// Why the controller manager stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The flags are inconsistent (each of upstream's messages).
    #[error("invalid flags: {}", .0.join("; "))]
    Options(Vec<String>),
    /// The kubeconfig could not be read or used.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// A file named by a flag could not be read.
    #[error("reading {path}: {source}")]
    ReadFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The secure port could not be served.
    #[error("serving the secure port: {0}")]
    Serving(String),
    /// This instance lost the leader lease.
    #[error("leaderelection lost")]
    LeadershipLost,
}

/// What every controller gets.
#[derive(Clone)]
pub(crate) struct Context {
    /// The API client.
    pub(crate) client: kube::Client,
    /// The flags.
    pub(crate) options: Arc<ControllerManagerOptions>,
    /// Counters served at `/metrics`.
    pub(crate) metrics: Arc<Metrics>,
    /// The CA bundle published in every namespace (`--root-ca-file`, else the kubeconfig's).
    pub(crate) root_ca: Option<String>,
    /// The caches the controllers share (one watch per kind).
    pub(crate) informers: Arc<shared_informer::SharedInformers>,
}

impl Context {
    /// An event recorder reporting as `controller` (upstream's component names).
    pub(crate) fn recorder(&self, controller: &str) -> kube::runtime::events::Recorder {
        kube::runtime::events::Recorder::new(
            self.client.clone(),
            kube::runtime::events::Reporter {
                controller: controller.to_string(),
                instance: None,
            },
        )
    }
}

type ControllerFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How a controller starts: it runs until aborted.
type StartController = fn(Context) -> ControllerFuture;

/// The controllers ironkube runs, by upstream name.
const CONTROLLERS: &[(&str, StartController)] = &[
    ("namespace-controller", |ctx| Box::pin(namespace::run(ctx))),
    ("serviceaccount-controller", |ctx| {
        Box::pin(serviceaccount::run(ctx))
    }),
    ("serviceaccount-token-controller", |ctx| {
        Box::pin(serviceaccounttoken::run(ctx))
    }),
    ("certificatesigningrequest-signing-controller", |ctx| {
        Box::pin(csrsigning::run(ctx))
    }),
    ("root-ca-certificate-publisher-controller", |ctx| {
        Box::pin(rootca::run(ctx))
    }),
    ("endpoints-controller", |ctx| Box::pin(endpoints::run(ctx))),
    ("endpointslice-controller", |ctx| {
        Box::pin(endpointslice::run(ctx))
    }),
    ("endpointslice-mirroring-controller", |ctx| {
        Box::pin(endpointslicemirroring::run(ctx))
    }),
    ("node-lifecycle-controller", |ctx| {
        Box::pin(nodelifecycle::run(ctx))
    }),
    ("taint-eviction-controller", |ctx| {
        Box::pin(tainteviction::run(ctx))
    }),
    ("replicaset-controller", |ctx| {
        Box::pin(replicaset::run_replica_sets(ctx))
    }),
    ("replicationcontroller-controller", |ctx| {
        Box::pin(replicaset::run_replication_controllers(ctx))
    }),
    ("deployment-controller", |ctx| {
        Box::pin(deployment::run(ctx))
    }),
    ("job-controller", |ctx| Box::pin(job::run(ctx))),
    ("cronjob-controller", |ctx| Box::pin(cronjob::run(ctx))),
    ("ttl-after-finished-controller", |ctx| {
        Box::pin(ttlafterfinished::run(ctx))
    }),
    ("pod-garbage-collector-controller", |ctx| {
        Box::pin(podgc::run(ctx))
    }),
    ("garbage-collector-controller", |ctx| {
        Box::pin(garbagecollector::run(ctx))
    }),
];

/// Runs the controller manager until `shutdown` completes (then it releases its lease and
/// returns `Ok`) or until it stops leading.
pub async fn run(
    options: ControllerManagerOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let errors = options.validate();
    if !errors.is_empty() {
        return Err(Error::Options(errors));
    }
    let accepted = options.accepted.given();
    if !accepted.is_empty() {
        tracing::warn!(flags = %accepted.join(" "), "accepted kube-controller-manager flags that ironkube does not act on yet");
    }
    for name in &options.controllers {
        let bare = name.strip_prefix('-').unwrap_or(name);
        if let Some(known) = options::KNOWN_CONTROLLERS
            .iter()
            .find(|c| c.name == bare || c.alias == bare)
            && !known.implemented
        {
            tracing::warn!(
                controller = known.name,
                "named controller is not implemented by ironkube"
            );
        }
    }
    let (client, kubeconfig_ca) = client(&options).await?;
    let root_ca = match &options.root_ca_file {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|source| Error::ReadFile {
                path: path.clone(),
                source,
            })?,
        ),
        None => kubeconfig_ca,
    };
    let metrics = Arc::new(Metrics::default());
    if options.secure_port != 0 {
        let addr = std::net::SocketAddr::new(options.bind_address, options.secure_port);
        let (cert, key) = (
            options.tls_cert_file.clone(),
            options.tls_private_key_file.clone(),
        );
        let metrics = metrics.clone();
        tokio::spawn(async move {
            if let Err(err) = health::serve(addr, cert.as_deref(), key.as_deref(), metrics).await {
                tracing::error!(%err, "secure port stopped");
            }
        });
    }
    let options = Arc::new(options);
    let ctx = Context {
        client: client.clone(),
        options: options.clone(),
        metrics: metrics.clone(),
        root_ca,
        informers: Arc::default(),
    };
    tokio::pin!(shutdown);
    let elector = if options.leader_elect {
        let elector = LeaderElector::new(
            client,
            &options.leader_elect_resource_namespace,
            &options.leader_elect_resource_name,
            identity(),
            ElectionTiming {
                lease_duration: options.leader_elect_lease_duration,
                renew_deadline: options.leader_elect_renew_deadline,
                retry_period: options.leader_elect_retry_period,
            },
        );
        tracing::info!(
            identity = elector.identity(),
            "attempting to acquire leader lease"
        );
        tokio::select! {
            () = elector.acquire() => {}
            () = &mut shutdown => return Ok(()),
        }
        Some(elector)
    } else {
        None
    };
    metrics.leading.store(true, Ordering::Relaxed);
    let mut running = tokio::task::JoinSet::new();
    for (name, start) in CONTROLLERS {
        if options.is_enabled(name) {
            tracing::info!(controller = name, "starting controller");
            running.spawn(start(ctx.clone()));
        } else {
            tracing::info!(controller = name, "controller is disabled");
        }
    }
    let lost = async {
        match &elector {
            Some(elector) => elector.keep_renewing().await,
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        () = lost => Err(Error::LeadershipLost),
        () = &mut shutdown => Ok(()),
    };
    running.abort_all();
    metrics.leading.store(false, Ordering::Relaxed);
    if result.is_ok()
        && let Some(elector) = &elector
    {
        elector.release().await;
    }
    result
}

/// The client from `--kubeconfig` (and `--master`), else the in-cluster configuration; with
/// the kubeconfig's CA bundle, for `kube-root-ca.crt` when `--root-ca-file` is absent.
async fn client(
    options: &ControllerManagerOptions,
) -> Result<(kube::Client, Option<String>), Error> {
    let mut config = match &options.kubeconfig {
        Some(path) => {
            let kubeconfig = kube::config::Kubeconfig::read_from(path)
                .map_err(|err| Error::Kubeconfig(format!("{}: {err}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .map_err(|err| Error::Kubeconfig(err.to_string()))?
        }
        None => kube::Config::incluster().map_err(|err| Error::Kubeconfig(err.to_string()))?,
    };
    if let Some(master) = &options.master {
        config.cluster_url = master
            .parse()
            .map_err(|err| Error::Kubeconfig(format!("--master {master:?}: {err}")))?;
    }
    let ca = config.root_cert.as_ref().map(|certs| {
        certs
            .iter()
            .map(|der| pem_certificate(der))
            .collect::<String>()
    });
    let client =
        kube::Client::try_from(config).map_err(|err| Error::Kubeconfig(err.to_string()))?;
    Ok((client, ca))
}

/// A DER certificate as PEM.
fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// `<hostname>_<uuid>`, as kube-controller-manager names its lease holder.
fn identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{host}_{}", uuid::Uuid::new_v4())
}
