//! kube-controller-manager's command line, under upstream's names and defaults
//! (`cmd/kube-controller-manager/app/options`): what `ironkube controller-manager` (or the
//! binary invoked as `kube-controller-manager`) accepts. Flags upstream has and ironkube does
//! not act on yet are accepted and named in the log, so an existing manifest starts; any other
//! flag is an error.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args};
use ironkube_apimachinery::goduration;

/// One controller upstream knows: its name, the alias `--controllers` also takes, whether `*`
/// leaves it off, and whether ironkube runs it.
#[derive(Debug, Clone, Copy)]
pub struct KnownController {
    /// The name (`deployment-controller`).
    pub name: &'static str,
    /// The short alias (`deployment`).
    pub alias: &'static str,
    /// Off unless named (`bootstrap-signer-controller`, `token-cleaner-controller`).
    pub disabled_by_default: bool,
    /// Whether ironkube has it.
    pub implemented: bool,
}

const fn known(name: &'static str, alias: &'static str, implemented: bool) -> KnownController {
    KnownController {
        name,
        alias,
        disabled_by_default: false,
        implemented,
    }
}

/// Every controller of kube-controller-manager v1.37 (`names/controller_names.go` and the
/// aliases of `app/*.go`).
pub const KNOWN_CONTROLLERS: &[KnownController] = &[
    known(
        "serviceaccount-token-controller",
        "serviceaccount-token",
        true,
    ),
    known("endpoints-controller", "endpoint", true),
    known("endpointslice-controller", "endpointslice", true),
    known(
        "endpointslice-mirroring-controller",
        "endpointslicemirroring",
        true,
    ),
    known(
        "replicationcontroller-controller",
        "replicationcontroller",
        true,
    ),
    known("pod-garbage-collector-controller", "podgc", true),
    known("resourcequota-controller", "resourcequota", false),
    known("namespace-controller", "namespace", true),
    known("serviceaccount-controller", "serviceaccount", true),
    known("garbage-collector-controller", "garbagecollector", true),
    known("daemonset-controller", "daemonset", false),
    known("job-controller", "job", true),
    known("deployment-controller", "deployment", true),
    known("replicaset-controller", "replicaset", true),
    known(
        "horizontal-pod-autoscaler-controller",
        "horizontalpodautoscaling",
        false,
    ),
    known("disruption-controller", "disruption", false),
    known("statefulset-controller", "statefulset", false),
    known("cronjob-controller", "cronjob", true),
    known(
        "certificatesigningrequest-signing-controller",
        "csrsigning",
        true,
    ),
    known(
        "certificatesigningrequest-approving-controller",
        "csrapproving",
        false,
    ),
    known(
        "certificatesigningrequest-cleaner-controller",
        "csrcleaner",
        false,
    ),
    known("ttl-controller", "ttl", false),
    KnownController {
        name: "bootstrap-signer-controller",
        alias: "bootstrapsigner",
        disabled_by_default: true,
        implemented: false,
    },
    KnownController {
        name: "token-cleaner-controller",
        alias: "tokencleaner",
        disabled_by_default: true,
        implemented: false,
    },
    known("node-ipam-controller", "nodeipam", false),
    known("node-lifecycle-controller", "nodelifecycle", true),
    known(
        "taint-eviction-controller",
        "taint-eviction-controller",
        true,
    ),
    known(
        "persistentvolume-binder-controller",
        "persistentvolume-binder",
        false,
    ),
    known(
        "persistentvolume-attach-detach-controller",
        "attachdetach",
        false,
    ),
    known(
        "persistentvolume-expander-controller",
        "persistentvolume-expander",
        false,
    ),
    known(
        "clusterrole-aggregation-controller",
        "clusterrole-aggregation",
        false,
    ),
    known(
        "persistentvolumeclaim-protection-controller",
        "pvc-protection",
        false,
    ),
    known(
        "persistentvolume-protection-controller",
        "pv-protection",
        false,
    ),
    known("ttl-after-finished-controller", "ttl-after-finished", true),
    known(
        "root-ca-certificate-publisher-controller",
        "root-ca-cert-publisher",
        true,
    ),
    known("ephemeral-volume-controller", "ephemeral-volume", false),
    known(
        "legacy-serviceaccount-token-cleaner-controller",
        "legacy-service-account-token-cleaner",
        false,
    ),
    known(
        "validatingadmissionpolicy-status-controller",
        "validatingadmissionpolicy-status-controller",
        false,
    ),
    known("service-cidr-controller", "service-cidr-controller", false),
];

/// Declares flags accepted for compatibility: each takes one value (`--flag=value` or
/// `--flag value`); boolean ones may be given bare, as Go's flag package allows.
macro_rules! accepted_flags {
    ($( $(#[$doc:meta])* $field:ident : $kind:ident ),* $(,)?) => {
        /// kube-controller-manager flags accepted and not acted on yet.
        #[derive(Debug, Clone, Default, Args)]
        pub struct AcceptedFlags {
            $(
                $(#[$doc])*
                #[arg(long, hide = true, num_args = accepted_flags!(@args $kind), default_missing_value = "true")]
                $field: Option<String>,
            )*
        }

        impl AcceptedFlags {
            /// The flags given, as `--name=value`.
            pub fn given(&self) -> Vec<String> {
                let mut out = Vec::new();
                $(
                    if let Some(value) = &self.$field {
                        out.push(format!("--{}={value}", stringify!($field).replace('_', "-")));
                    }
                )*
                out
            }
        }
    };
    (@args bool) => { 0..=1 };
    (@args value) => { 1 };
}

accepted_flags! {
    /// Node CIDR allocation (`--allocate-node-cidrs`); ironkube does not allocate pod CIDRs yet.
    allocate_node_cidrs: bool,
    /// The pod network (`--cluster-cidr`).
    cluster_cidr: value,
    /// The mask size of node CIDRs.
    node_cidr_mask_size: value,
    /// Per-controller service account credentials.
    use_service_account_credentials: bool,
    /// Delegated authentication.
    authentication_kubeconfig: value,
    /// Delegated authorization.
    authorization_kubeconfig: value,
    /// Paths served without authorization.
    authorization_always_allow_paths: value,
    /// The CA of front proxies.
    requestheader_client_ca_file: value,
    /// The CA of client certificates.
    client_ca_file: value,
    /// Log verbosity.
    v: value,
    /// Feature gates.
    feature_gates: value,
    /// Profiling endpoints.
    profiling: bool,
    /// Client QPS towards the API server.
    kube_api_qps: value,
    /// Client burst towards the API server.
    kube_api_burst: value,
    /// The client's content type.
    kube_api_content_type: value,
    /// The cloud provider.
    cloud_provider: value,
    /// Where serving certificates are written.
    cert_dir: value,
    /// Service CIDRs, for node IPAM.
    service_cluster_ip_range: value,
    /// The horizon of the attach-detach controller's reconciler.
    disable_attach_detach_reconcile_sync: bool,
    /// The root of persistent volume recycler pods.
    pv_recycler_pod_template_filepath_hostpath: value,
    /// Logging format.
    logging_format: value,
}

/// The flags of `ironkube controller-manager`, as kube-controller-manager's.
#[derive(Debug, Clone, Args)]
pub struct ControllerManagerOptions {
    /// The kubeconfig with the API server's address and credentials; in-cluster configuration
    /// when absent.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// The API server's address, overriding the kubeconfig's.
    #[arg(long)]
    pub master: Option<String>,
    /// Controllers to run: `*` is every controller on by default, `name` turns one on,
    /// `-name` one off.
    #[arg(long, value_delimiter = ',', default_value = "*")]
    pub controllers: Vec<String>,
    /// Take a leader lease before running the controllers.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true", default_value_t = true)]
    pub leader_elect: bool,
    /// How long a leader's lease lasts without renewal.
    #[arg(long, default_value = "15s", value_parser = goduration::parse_std)]
    pub leader_elect_lease_duration: Duration,
    /// How long the leader keeps trying to renew before it gives up.
    #[arg(long, default_value = "10s", value_parser = goduration::parse_std)]
    pub leader_elect_renew_deadline: Duration,
    /// The wait between acquisition and renewal attempts.
    #[arg(long, default_value = "2s", value_parser = goduration::parse_std)]
    pub leader_elect_retry_period: Duration,
    /// The lock kind; only `leases`, as upstream.
    #[arg(long, default_value = "leases")]
    pub leader_elect_resource_lock: String,
    /// The Lease's name.
    #[arg(long, default_value = "kube-controller-manager")]
    pub leader_elect_resource_name: String,
    /// The Lease's namespace.
    #[arg(long, default_value = "kube-system")]
    pub leader_elect_resource_namespace: String,
    /// Deployments synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_deployment_syncs: u16,
    /// ReplicaSets synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_replicaset_syncs: u16,
    /// ReplicationControllers synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_rc_syncs: u16,
    /// Namespaces deleted at once.
    #[arg(long, default_value_t = 10)]
    pub concurrent_namespace_syncs: u16,
    /// Garbage-collector workers.
    #[arg(long, default_value_t = 20)]
    pub concurrent_gc_syncs: u16,
    /// Service-account syncs at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_serviceaccount_token_syncs: u16,
    /// Jobs synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_job_syncs: u16,
    /// CronJobs synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_cron_job_syncs: u16,
    /// Services whose Endpoints are synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_endpoint_syncs: u16,
    /// Services whose EndpointSlices are synced at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_service_endpoint_syncs: u16,
    /// Endpoints mirrored at once.
    #[arg(long, default_value_t = 5)]
    pub mirroring_concurrent_service_endpoint_syncs: u16,
    /// Finished Jobs cleaned up at once.
    #[arg(long, default_value_t = 5)]
    pub concurrent_ttl_after_finished_syncs: u16,
    /// The most endpoints in one EndpointSlice.
    #[arg(long, default_value_t = 100)]
    pub max_endpoints_per_slice: u16,
    /// How long a node may go without a heartbeat before it is `Unknown`.
    #[arg(long, default_value = "50s", value_parser = goduration::parse_std)]
    pub node_monitor_grace_period: Duration,
    /// How often node health is checked.
    #[arg(long, default_value = "5s", value_parser = goduration::parse_std)]
    pub node_monitor_period: Duration,
    /// Nodes per second given NoExecute taints in a zone that is not partially disrupted.
    #[arg(long, default_value_t = 0.1)]
    pub node_eviction_rate: f32,
    /// Nodes per second given NoExecute taints in a partially disrupted large zone.
    #[arg(long, default_value_t = 0.01)]
    pub secondary_node_eviction_rate: f32,
    /// The zone size up to which a partially disrupted zone gets no new NoExecute taints.
    #[arg(long, default_value_t = 50)]
    pub large_cluster_size_threshold: i32,
    /// The share of not-Ready nodes (with more than two) that makes a zone partially disrupted.
    #[arg(long, default_value_t = 0.55)]
    pub unhealthy_zone_threshold: f32,
    /// How long a new node may take to report before it is `Unknown`.
    #[arg(long, default_value = "1m0s", value_parser = goduration::parse_std)]
    pub node_startup_grace_period: Duration,
    /// Terminated pods kept before the pod garbage collector deletes the oldest.
    #[arg(long, default_value_t = 12500)]
    pub terminated_pod_gc_threshold: i64,
    /// The address `/healthz` and `/metrics` are served at.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind_address: std::net::IpAddr,
    /// The HTTPS port of `/healthz` and `/metrics` (0: not served).
    #[arg(long, default_value_t = 10257)]
    pub secure_port: u16,
    /// The serving certificate; a self-signed one is made when absent.
    #[arg(long)]
    pub tls_cert_file: Option<PathBuf>,
    /// The serving key.
    #[arg(long)]
    pub tls_private_key_file: Option<PathBuf>,
    /// The key that signs service-account tokens (read at start; tokens are the API server's
    /// `TokenRequest` until the token controller exists).
    #[arg(long)]
    pub service_account_private_key_file: Option<PathBuf>,
    /// The cluster CA bundle published as `kube-root-ca.crt` in every namespace.
    #[arg(long)]
    pub root_ca_file: Option<PathBuf>,
    /// The CA certificate that signs certificate requests.
    #[arg(long)]
    pub cluster_signing_cert_file: Option<PathBuf>,
    /// The CA key that signs certificate requests.
    #[arg(long)]
    pub cluster_signing_key_file: Option<PathBuf>,
    /// The longest lifetime of a signed certificate.
    #[arg(long, default_value = "8760h0m0s", value_parser = goduration::parse_std)]
    pub cluster_signing_duration: Duration,
    /// The cluster's name.
    #[arg(long, default_value = "kubernetes")]
    pub cluster_name: String,
    /// Accepted for compatibility.
    #[command(flatten)]
    pub accepted: AcceptedFlags,
}

impl ControllerManagerOptions {
    /// Upstream's checks (`GenericControllerManagerConfigurationOptions.Validate` and the
    /// leader-election ones): every message, or nothing.
    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.leader_elect && self.leader_elect_resource_lock != "leases" {
            errors.push(r#"resourceLock value must be "leases""#.to_string());
        }
        for given in &self.controllers {
            if given == "*" {
                continue;
            }
            let name = given.strip_prefix('-').unwrap_or(given);
            if canonical_name(name).is_none() {
                errors.push(format!("{name:?} is not in the list of known controllers"));
            }
        }
        if self.leader_elect {
            let (lease, renew, retry) = (
                self.leader_elect_lease_duration,
                self.leader_elect_renew_deadline,
                self.leader_elect_retry_period,
            );
            // client-go's leaderelection.NewLeaderElector checks.
            if lease <= renew {
                errors.push("leaseDuration must be greater than renewDeadline".into());
            }
            if renew.as_secs_f64() <= 1.2 * retry.as_secs_f64() {
                errors.push("renewDeadline must be greater than retryPeriod*JitterFactor".into());
            }
        }
        if self.tls_cert_file.is_some() != self.tls_private_key_file.is_some() {
            errors.push("--tls-cert-file and --tls-private-key-file go together".into());
        }
        if self.cluster_signing_cert_file.is_some() != self.cluster_signing_key_file.is_some() {
            errors.push(
                "--cluster-signing-cert-file and --cluster-signing-key-file go together".into(),
            );
        }
        errors
    }

    /// Whether the controller `name` (canonical) runs, as upstream's `IsControllerEnabled`:
    /// an explicit name or `-name` decides; otherwise `*` turns on all but the ones off by
    /// default.
    pub fn is_enabled(&self, name: &str) -> bool {
        let mut star = false;
        for given in &self.controllers {
            let (off, bare) = match given.strip_prefix('-') {
                Some(bare) => (true, bare),
                None => (false, given.as_str()),
            };
            if bare == "*" && !off {
                star = true;
                continue;
            }
            if canonical_name(bare) == Some(name) {
                return !off;
            }
        }
        star && KNOWN_CONTROLLERS
            .iter()
            .any(|c| c.name == name && !c.disabled_by_default)
    }
}

/// The canonical name for a name or alias.
pub fn canonical_name(given: &str) -> Option<&'static str> {
    KNOWN_CONTROLLERS
        .iter()
        .find(|c| c.name == given || c.alias == given)
        .map(|c| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        options: ControllerManagerOptions,
    }

    fn parse(args: &[&str]) -> Result<ControllerManagerOptions, clap::Error> {
        Cli::try_parse_from(std::iter::once("kcm").chain(args.iter().copied()))
            .map(|cli| cli.options)
    }

    #[test]
    fn defaults_are_upstreams() {
        let options = parse(&[]).expect("parses");
        assert!(options.leader_elect);
        assert_eq!(options.leader_elect_lease_duration, Duration::from_secs(15));
        assert_eq!(options.leader_elect_renew_deadline, Duration::from_secs(10));
        assert_eq!(options.leader_elect_retry_period, Duration::from_secs(2));
        assert_eq!(options.node_monitor_grace_period, Duration::from_secs(50));
        assert_eq!(options.node_eviction_rate, 0.1);
        assert_eq!(options.secondary_node_eviction_rate, 0.01);
        assert_eq!(options.large_cluster_size_threshold, 50);
        assert_eq!(options.unhealthy_zone_threshold, 0.55);
        assert_eq!(options.secure_port, 10257);
        assert_eq!(options.concurrent_gc_syncs, 20);
        assert!(options.validate().is_empty());
        assert!(options.is_enabled("deployment-controller"));
        assert!(!options.is_enabled("bootstrap-signer-controller"));
    }

    #[test]
    fn controllers_take_star_names_aliases_and_minus() {
        let options = parse(&["--controllers=*,-deployment,bootstrapsigner"]).expect("parses");
        assert!(options.validate().is_empty());
        assert!(!options.is_enabled("deployment-controller"));
        assert!(options.is_enabled("bootstrap-signer-controller"));
        assert!(options.is_enabled("job-controller"));
        let only = parse(&["--controllers", "namespace-controller"]).expect("parses");
        assert!(only.is_enabled("namespace-controller"));
        assert!(!only.is_enabled("job-controller"));
        let unknown = parse(&["--controllers=*,-red-controller"]).expect("parses");
        assert_eq!(
            unknown.validate(),
            [r#""red-controller" is not in the list of known controllers"#]
        );
    }

    #[test]
    fn durations_bools_and_unknown_flags() {
        let options = parse(&[
            "--leader-elect=false",
            "--leader-elect-lease-duration=1m30s",
            "--allocate-node-cidrs",
            "--cluster-cidr=10.244.0.0/16",
        ])
        .expect("parses");
        assert!(!options.leader_elect);
        assert_eq!(options.leader_elect_lease_duration, Duration::from_secs(90));
        assert_eq!(
            options.accepted.given(),
            ["--allocate-node-cidrs=true", "--cluster-cidr=10.244.0.0/16"]
        );
        let bad = parse(&["--leader-elect-renew-deadline=ten"]).expect_err("refused");
        assert!(
            bad.to_string().contains(r#"time: invalid duration "ten""#),
            "{bad}"
        );
        let unknown = parse(&["--no-such-flag=1"]).expect_err("refused");
        assert!(unknown.to_string().contains("--no-such-flag"), "{unknown}");
        let short = parse(&[
            "--leader-elect-lease-duration=5s",
            "--leader-elect-renew-deadline=10s",
        ])
        .expect("parses");
        assert_eq!(
            short.validate(),
            ["leaseDuration must be greater than renewDeadline"]
        );
    }
}
