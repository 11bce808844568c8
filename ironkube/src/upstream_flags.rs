//! kube-apiserver flags that kubeadm and other installers pass and that ironkube accepts under
//! their upstream names without acting on them yet (each later issue takes some of them over).
//! They are accepted so that an existing manifest starts; each one given is named in the log.
//! A flag that is neither here nor implemented is still an error that names it.

use clap::Args;

/// Declares the accepted flags: each takes one value (`--flag=value` or `--flag value`);
/// boolean ones may be given bare (`--allow-privileged`), as Go's flag package allows.
macro_rules! accepted_flags {
    ($( $(#[$doc:meta])* $field:ident : $kind:ident ),* $(,)?) => {
        /// Flags accepted for compatibility and not acted on yet.
        #[derive(Debug, Default, Args)]
        pub(crate) struct AcceptedFlags {
            $(
                $(#[$doc])*
                #[arg(long, hide = true, num_args = accepted_flags!(@args $kind), default_missing_value = "true")]
                $field: Option<String>,
            )*
        }

        impl AcceptedFlags {
            /// The flags given, as `--name=value`.
            pub(crate) fn given(&self) -> Vec<String> {
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
    /// Authorization modes (`Node,RBAC`); until RBAC exists only `system:masters` is allowed.
    authorization_mode: value,
    /// A structured authorization configuration file.
    authorization_config: value,
    /// Admission plugins to enable.
    enable_admission_plugins: value,
    /// Admission plugins to disable.
    disable_admission_plugins: value,
    /// Bootstrap token authentication.
    enable_bootstrap_token_auth: bool,
    /// The service account token issuer.
    service_account_issuer: value,
    /// Keys verifying service account tokens.
    service_account_key_file: value,
    /// The key signing service account tokens.
    service_account_signing_key_file: value,
    /// The client certificate for kubelet connections.
    kubelet_client_certificate: value,
    /// The client key for kubelet connections.
    kubelet_client_key: value,
    /// Node address types, in preference order.
    kubelet_preferred_address_types: value,
    /// Privileged containers.
    allow_privileged: bool,
    /// The front proxy's CA.
    requestheader_client_ca_file: value,
    /// Names the front proxy's client certificate may have.
    requestheader_allowed_names: value,
    /// Headers carrying the user name.
    requestheader_username_headers: value,
    /// Headers carrying the groups.
    requestheader_group_headers: value,
    /// The prefix of headers carrying extra user information.
    requestheader_extra_headers_prefix: value,
    /// Headers carrying the user's uid.
    requestheader_uid_headers: value,
    /// The client certificate for aggregated API servers.
    proxy_client_cert_file: value,
    /// The client key for aggregated API servers.
    proxy_client_key_file: value,
    /// The audit policy.
    audit_policy_file: value,
    /// Where audit events are written.
    audit_log_path: value,
    /// Encryption at rest.
    encryption_provider_config: value,
    /// Anonymous requests.
    anonymous_auth: bool,
    /// Feature gates.
    feature_gates: value,
    /// Enabled and disabled API groups.
    runtime_config: value,
    /// How long Events live.
    event_ttl: value,
    /// The minimum watch timeout.
    min_request_timeout: value,
    /// The request timeout.
    request_timeout: value,
    /// API priority and fairness.
    enable_priority_and_fairness: bool,
    /// The NodePort range.
    service_node_port_range: value,
    /// Profiling handlers.
    profiling: bool,
    /// The storage backend (`etcd3`).
    storage_backend: value,
    /// The storage media type.
    storage_media_type: value,
    /// The watch cache.
    watch_cache: bool,
    /// How often the store is compacted.
    etcd_compaction_interval: value,
    /// Log verbosity (klog's `-v`).
    v: value,
    /// The OIDC issuer.
    oidc_issuer_url: value,
    /// The OIDC client id.
    oidc_client_id: value,
    /// Token authentication file.
    token_auth_file: value,
    /// Whether to keep logs of the cloud provider.
    cloud_provider: value,
    /// The endpoint reconciler.
    endpoint_reconciler_type: value,
    /// API audiences.
    api_audiences: value,
    /// TLS cipher suites.
    tls_cipher_suites: value,
    /// The minimum TLS version.
    tls_min_version: value,
}
