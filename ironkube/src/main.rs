//! The `ironkube` binary (DESIGN §4).
//!
//! - `ironkube server` runs the control plane on this machine: it creates or resumes the
//!   cluster's certificates under `<data-dir>/pki`, writes `<data-dir>/admin.kubeconfig`,
//!   opens the embedded store at `<data-dir>/db` (or etcd with `--etcd-servers`) and serves the
//!   Kubernetes API over HTTPS until Ctrl-C or SIGTERM.
//! - `ironkube apiserver` is the API server alone with kube-apiserver's flags; invoked as
//!   `kube-apiserver` (a link named so), the binary behaves as `ironkube apiserver`.
//!
//! Run with: `cargo run -p ironkube -- server --data-dir /tmp/ik`.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use ironkube_apiserver::pki::{Pki, PkiError, ServingNames};
use ironkube_apiserver::server::{ApiServer, ServerConfig, ServerError};
use ironkube_apiserver::service_cidr::ServiceCidr;
use ironkube_controllers::ControllerManagerOptions;
use ironkube_storage::embedded::EmbeddedStore;
use ironkube_storage::etcd::{EtcdConfig, EtcdStore, EtcdTls};
use ironkube_storage::{KvError, KvStore};

mod upstream_flags;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "ironkube",
    version,
    about = "A Kubernetes control plane in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole control plane on this machine.
    Server(ServerArgs),
    /// Run the API server alone, with kube-apiserver's flags.
    Apiserver(Box<ApiserverArgs>),
    /// Run the controller manager, with kube-controller-manager's flags.
    ControllerManager(Box<ControllerManagerOptions>),
    /// Register hollow nodes and keep them looking healthy (no pods run on them).
    HollowNodes(HollowNodesArgs),
    /// Run the upstream conformance suite, sonobuoy-style, and read its results.
    #[command(subcommand)]
    Conformance(ConformanceCommand),
}

/// Flags of `ironkube hollow-nodes`.
#[derive(Debug, Args)]
struct HollowNodesArgs {
    /// How many nodes.
    #[arg(long, default_value_t = 3)]
    count: usize,
    /// The cluster's kubeconfig.
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Node names are `<prefix>-<i>`.
    #[arg(long, default_value = "hollow-node")]
    prefix: String,
    /// Benchmarks only: report every pod bound to these nodes as Running and Ready.
    #[arg(long)]
    mark_pods_running: bool,
}

/// `ironkube conformance …`.
#[derive(Debug, Subcommand)]
enum ConformanceCommand {
    /// Run the suite (sonobuoy's modes, focus and skip) and write a results folder.
    Run(Box<ConformanceRunArgs>),
    /// Print the summary of an earlier run's results folder again.
    Results {
        /// The results folder.
        dir: PathBuf,
    },
    /// Write the ledger of every conformance test from an earlier run's results folder.
    Ledger {
        /// The results folder.
        dir: PathBuf,
        /// Where to write it.
        #[arg(long, default_value = "conformance/STATUS.md")]
        out: PathBuf,
        /// Where e2e.test is (conformance/build.sh's output).
        #[arg(long)]
        suite_dir: Option<PathBuf>,
    },
}

/// Flags of `ironkube conformance run`.
#[derive(Debug, Args)]
struct ConformanceRunArgs {
    /// Sonobuoy's mode: its focus and skip.
    #[arg(long, value_enum, default_value = "non-disruptive-conformance")]
    mode: ironkube_conformance::run::Mode,
    /// `--ginkgo.focus` instead of the mode's.
    #[arg(long)]
    focus: Option<String>,
    /// `--ginkgo.skip` instead of the mode's.
    #[arg(long)]
    skip: Option<String>,
    /// The cluster (default: a fresh `ironkube server` with hollow nodes in a temporary data
    /// directory).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Ginkgo processes; above 1, serial tests run after the others.
    #[arg(long, default_value_t = 1)]
    parallel: usize,
    /// More e2e.test arguments, space separated (recorded in the results).
    #[arg(long, allow_hyphen_values = true)]
    extra_args: Option<String>,
    /// The results folder (default: conformance-results/<date-time>).
    #[arg(long)]
    results_dir: Option<PathBuf>,
    /// Where e2e.test and ginkgo are (default: conformance/build.sh's output in
    /// ~/.cache/ironkube/conformance/<version>).
    #[arg(long)]
    suite_dir: Option<PathBuf>,
    /// Hollow nodes of the fresh cluster.
    #[arg(long, default_value_t = 3)]
    hollow_nodes: usize,
    /// Also write the ledger of every conformance test here.
    #[arg(long)]
    ledger: Option<PathBuf>,
}

/// Flags of `ironkube server`.
#[derive(Debug, Args)]
struct ServerArgs {
    /// Where the cluster's certificates, kubeconfig and embedded store live
    /// (default: /var/lib/ironkube as root, else $HOME/.local/share/ironkube).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The HTTPS port.
    #[arg(long, default_value_t = 6443)]
    secure_port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind_address: IpAddr,
    #[command(flatten)]
    etcd: EtcdArgs,
    /// The range Service IPs are taken from; its first address is in the serving certificate.
    #[arg(long, default_value = "10.96.0.0/12")]
    service_cluster_ip_range: String,
    /// Do not run the controller manager in this process.
    #[arg(long)]
    disable_controller_manager: bool,
    /// A kube-controller-manager flag for the in-process controller manager, as `name=value`
    /// (k3s's `--kube-controller-manager-arg`); repeatable.
    #[arg(long = "kube-controller-manager-arg", value_name = "NAME=VALUE")]
    kube_controller_manager_args: Vec<String>,
}

/// etcd flags, as kube-apiserver's.
#[derive(Debug, Args)]
struct EtcdArgs {
    /// etcd client URLs, comma separated (`--etcd-servers`); the embedded store when absent
    /// (for `server`).
    #[arg(long, value_delimiter = ',')]
    etcd_servers: Vec<String>,
    /// CA bundle that signed etcd's serving certificate.
    #[arg(long)]
    etcd_cafile: Option<PathBuf>,
    /// Client certificate for etcd.
    #[arg(long)]
    etcd_certfile: Option<PathBuf>,
    /// Client key for etcd.
    #[arg(long)]
    etcd_keyfile: Option<PathBuf>,
}

/// The command line when the binary is invoked as `kube-apiserver`.
#[derive(Debug, Parser)]
#[command(
    name = "kube-apiserver",
    version,
    about = "The ironkube API server, with kube-apiserver's flags"
)]
struct KubeApiserverCli {
    #[command(flatten)]
    args: ApiserverArgs,
}

/// The command line when the binary is invoked as `kube-controller-manager`.
#[derive(Debug, Parser)]
#[command(
    name = "kube-controller-manager",
    version,
    about = "The ironkube controller manager, with kube-controller-manager's flags"
)]
struct KubeControllerManagerCli {
    #[command(flatten)]
    options: ControllerManagerOptions,
}

/// Flags of `ironkube apiserver`, under kube-apiserver's names.
#[derive(Debug, Args)]
struct ApiserverArgs {
    /// etcd client URLs, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    etcd_servers: Vec<String>,
    /// The prefix of every key in etcd (it must start with `/`).
    #[arg(long, default_value = "/registry", value_parser = parse_etcd_prefix)]
    etcd_prefix: String,
    /// CA bundle that signed etcd's serving certificate.
    #[arg(long)]
    etcd_cafile: Option<PathBuf>,
    /// Client certificate for etcd.
    #[arg(long)]
    etcd_certfile: Option<PathBuf>,
    /// Client key for etcd.
    #[arg(long)]
    etcd_keyfile: Option<PathBuf>,
    /// The HTTPS port.
    #[arg(long, default_value_t = 6443)]
    secure_port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    bind_address: IpAddr,
    /// The address clients are told to use (`/api`); the bind address when absent.
    #[arg(long)]
    advertise_address: Option<IpAddr>,
    /// The serving certificate chain (PEM).
    #[arg(long, required = true)]
    tls_cert_file: PathBuf,
    /// The serving key (PEM).
    #[arg(long, required = true)]
    tls_private_key_file: PathBuf,
    /// CA bundle client certificates are verified against; without it every request is
    /// anonymous.
    #[arg(long)]
    client_ca_file: Option<PathBuf>,
    /// The range Service IPs are taken from; its first address is the `kubernetes` Service's.
    #[arg(long, default_value = "10.96.0.0/12", value_parser = ServiceCidr::parse)]
    service_cluster_ip_range: ServiceCidr,
    /// The most non-mutating requests in flight before 429 (0: no limit).
    #[arg(long, default_value_t = 400)]
    max_requests_inflight: usize,
    /// The most mutating requests in flight before 429 (0: no limit).
    #[arg(long, default_value_t = 200)]
    max_mutating_requests_inflight: usize,
    #[command(flatten)]
    accepted: upstream_flags::AcceptedFlags,
}

/// Why the binary failed.
#[derive(Debug, thiserror::Error)]
enum MainError {
    /// The data directory could not be made.
    #[error("creating {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No data directory was given and there is no home directory.
    #[error("--data-dir is required when $HOME is not set")]
    NoHome,
    /// A flag value is wrong.
    #[error("{0}")]
    Flag(String),
    /// The certificates could not be made or read.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The store could not be opened.
    #[error("opening the store: {0}")]
    Store(#[from] KvError),
    /// The HTTPS edge could not start.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The controller manager stopped.
    #[error(transparent)]
    ControllerManager(#[from] ironkube_controllers::Error),
    /// The tokio runtime or a signal handler could not start.
    #[error("runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A conformance or hollow-node command failed.
    #[error("{0}")]
    Conformance(String),
}

fn main() -> ExitCode {
    let cli = parse_cli(std::env::args_os().collect());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let result = tokio::runtime::Runtime::new()
        .map_err(MainError::Runtime)
        .and_then(|runtime| {
            runtime.block_on(async {
                match cli.command {
                    Command::Server(args) => server(args).await,
                    Command::Apiserver(args) => apiserver(*args).await,
                    Command::ControllerManager(options) => {
                        ironkube_controllers::run(*options, shutdown_signal()).await?;
                        Ok(())
                    }
                    Command::HollowNodes(args) => hollow_nodes(args).await,
                    Command::Conformance(command) => conformance(command).await,
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Every variant's message already includes its cause.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line; invoked as `kube-apiserver`, the arguments are `apiserver`'s.
fn parse_cli(args: Vec<OsString>) -> Cli {
    let invoked_as = args
        .first()
        .and_then(|arg0| Path::new(arg0).file_name())
        .and_then(|name| name.to_str())
        .map(str::to_string);
    if invoked_as.as_deref() == Some("kube-apiserver") {
        Cli {
            command: Command::Apiserver(Box::new(KubeApiserverCli::parse_from(args).args)),
        }
    } else if invoked_as.as_deref() == Some("kube-controller-manager") {
        Cli {
            command: Command::ControllerManager(Box::new(
                KubeControllerManagerCli::parse_from(args).options,
            )),
        }
    } else {
        Cli::parse_from(args)
    }
}

/// `ironkube hollow-nodes`.
async fn hollow_nodes(args: HollowNodesArgs) -> Result<(), MainError> {
    let client = ironkube_conformance::run::client_for(&args.kubeconfig)
        .await
        .map_err(|err| MainError::Conformance(format!("{}: {err}", args.kubeconfig.display())))?;
    let nodes = ironkube_conformance::hollow::HollowNodes {
        count: args.count,
        prefix: args.prefix,
        mark_pods_running: args.mark_pods_running,
    };
    nodes
        .run(client, shutdown_signal())
        .await
        .map_err(|err| MainError::Conformance(err.to_string()))
}

/// The default directory of the built suite.
fn default_suite_dir() -> PathBuf {
    let cache = std::env::var_os("IRONKUBE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/ironkube")
        });
    cache
        .join("conformance")
        .join(ironkube_conformance::run::SUITE_VERSION)
}

/// `ironkube conformance …`.
async fn conformance(command: ConformanceCommand) -> Result<(), MainError> {
    use ironkube_conformance::{report, run};
    let failed = |err: &dyn std::fmt::Display| MainError::Conformance(err.to_string());
    match command {
        ConformanceCommand::Run(args) => {
            let results_dir = args.results_dir.unwrap_or_else(|| {
                PathBuf::from("conformance-results")
                    .join(jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string())
            });
            let options = run::RunOptions {
                mode: args.mode,
                focus: args.focus,
                skip: args.skip,
                kubeconfig: args.kubeconfig,
                parallel: args.parallel.max(1),
                extra_args: args
                    .extra_args
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                results_dir: results_dir.clone(),
                suite_dir: args.suite_dir.unwrap_or_else(default_suite_dir),
                hollow_nodes: args.hollow_nodes,
                ironkube_bin: std::env::current_exe().map_err(|err| failed(&err))?,
                ironkube_version: format!("ironkube {}", env!("CARGO_PKG_VERSION")),
                ledger: args.ledger,
            };
            let table = run::run(options).await.map_err(|err| failed(&err))?;
            println!("\n{table}\nresults: {}", results_dir.display());
            Ok(())
        }
        ConformanceCommand::Results { dir } => {
            let results = report::read_results(&dir).map_err(|err| failed(&err))?;
            if results.is_empty() {
                return Err(MainError::Conformance(format!(
                    "no test results (junit_*.xml) in {}",
                    dir.display()
                )));
            }
            print!("{}", report::summary(&results));
            Ok(())
        }
        ConformanceCommand::Ledger {
            dir,
            out,
            suite_dir,
        } => {
            let results = report::read_results(&dir).map_err(|err| failed(&err))?;
            let suite_dir = suite_dir.unwrap_or_else(default_suite_dir);
            let names = run::conformance_test_names(&suite_dir)
                .await
                .map_err(|err| failed(&err))?;
            // A run split over passes keeps one record per pass (`command*.txt`).
            let mut records: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|err| failed(&err))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("command") && n.ends_with(".txt"))
                })
                .collect();
            records.sort();
            let record: String = records
                .iter()
                .filter_map(|path| std::fs::read_to_string(path).ok())
                .collect::<Vec<_>>()
                .join("\n");
            let header = format!(
                "Regenerated from the run in {}:\n\n```\n{record}```",
                dir.display()
            );
            std::fs::write(&out, report::ledger(&names, &results, &header))
                .map_err(|err| failed(&err))?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}

/// `ironkube server`.
async fn server(args: ServerArgs) -> Result<(), MainError> {
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    create_private_dir(&data_dir)?;
    let service_cidr =
        ServiceCidr::parse(&args.service_cluster_ip_range).map_err(MainError::Flag)?;
    let mut ips = vec![service_cidr.first()];
    if !args.bind_address.is_unspecified() {
        ips.push(args.bind_address);
    }
    let pki = Pki::ensure(
        &data_dir.join("pki"),
        &ServingNames {
            ips,
            dns_names: Vec::new(),
        },
    )?;
    let host = if args.bind_address.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        args.bind_address
    };
    let kubeconfig = data_dir.join("admin.kubeconfig");
    let server_url = format!("https://{}", SocketAddr::new(host, args.secure_port));
    pki.write_admin_kubeconfig(&kubeconfig, &server_url)?;
    let store = if args.etcd.etcd_servers.is_empty() {
        Store::Embedded(EmbeddedStore::open(&data_dir.join("db")).await?)
    } else {
        Store::Etcd(
            connect_etcd(
                args.etcd.etcd_servers,
                args.etcd.etcd_cafile,
                args.etcd.etcd_certfile,
                args.etcd.etcd_keyfile,
            )
            .await?,
        )
    };
    let config = ServerConfig {
        client_ca: Some(pki.ca_cert.clone()),
        service_cidr,
        ..ServerConfig::new(
            SocketAddr::new(args.bind_address, args.secure_port),
            pki.serving_cert.clone(),
            pki.serving_key.clone(),
        )
    };
    let controller_manager = if args.disable_controller_manager {
        None
    } else {
        // The in-process controller manager reaches the API through the admin kubeconfig,
        // as a separate one would; it serves no port of its own.
        let mut argv = vec![
            "kube-controller-manager".to_string(),
            format!("--kubeconfig={}", kubeconfig.display()),
            "--secure-port=0".into(),
            format!("--root-ca-file={}", pki.ca_cert.display()),
        ];
        // The cluster CA signs approved certificate requests (as kubeadm sets it up), unless
        // the signing files are given.
        let signing_given = args
            .kube_controller_manager_args
            .iter()
            .any(|arg| arg.trim_start_matches('-').starts_with("cluster-signing-"));
        if !signing_given {
            argv.push(format!(
                "--cluster-signing-cert-file={}",
                pki.ca_cert.display()
            ));
            argv.push(format!(
                "--cluster-signing-key-file={}",
                pki.ca_key.display()
            ));
        }
        argv.extend(
            args.kube_controller_manager_args
                .iter()
                .map(|arg| format!("--{}", arg.trim_start_matches('-'))),
        );
        let options = KubeControllerManagerCli::try_parse_from(argv)
            .map_err(|err| MainError::Flag(err.to_string()))?
            .options;
        Some(options)
    };
    let (stop_controllers, controllers_stopped) = tokio::sync::oneshot::channel::<()>();
    let (controllers_done, controllers_finished) = tokio::sync::oneshot::channel::<()>();
    // Stopping: the controllers first (they release their lease through the API), then the
    // server.
    let before_stop = async move {
        let _ = stop_controllers.send(());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), controllers_finished).await;
    };
    let result = serve(config, &store, before_stop, || {
        println!(
            "ironkube is serving at {server_url}; to use it: export KUBECONFIG={}",
            kubeconfig.display()
        );
        if let Some(options) = controller_manager {
            tokio::spawn(async move {
                let stopped = async {
                    let _ = controllers_stopped.await;
                };
                if let Err(err) = ironkube_controllers::run(options, stopped).await {
                    tracing::error!(%err, "the controller manager stopped");
                }
                let _ = controllers_done.send(());
            });
        }
    })
    .await;
    store.close().await;
    result
}

/// `ironkube apiserver`.
async fn apiserver(args: ApiserverArgs) -> Result<(), MainError> {
    let accepted = args.accepted.given();
    if !accepted.is_empty() {
        tracing::warn!(
            flags = %accepted.join(" "),
            "accepted kube-apiserver flags that ironkube does not act on yet"
        );
    }
    tracing::info!(
        etcd_prefix = %args.etcd_prefix,
        service_ip = %args.service_cluster_ip_range,
        max_requests_inflight = args.max_requests_inflight,
        "starting the API server"
    );
    let store = Store::Etcd(
        connect_etcd(
            args.etcd_servers,
            args.etcd_cafile,
            args.etcd_certfile,
            args.etcd_keyfile,
        )
        .await?,
    );
    let config = ServerConfig {
        advertise_address: args.advertise_address,
        client_ca: args.client_ca_file,
        etcd_prefix: args.etcd_prefix,
        service_cidr: args.service_cluster_ip_range,
        max_requests_inflight: args.max_requests_inflight,
        max_mutating_requests_inflight: args.max_mutating_requests_inflight,
        ..ServerConfig::new(
            SocketAddr::new(args.bind_address, args.secure_port),
            args.tls_cert_file,
            args.tls_private_key_file,
        )
    };
    let result = serve(config, &store, async {}, || {}).await;
    store.close().await;
    result
}

/// Serves until Ctrl-C or SIGTERM; `ready` runs once the socket is bound, `before_stop` when
/// the signal came, before the server stops.
async fn serve(
    config: ServerConfig,
    store: &Store,
    before_stop: impl Future<Output = ()>,
    ready: impl FnOnce(),
) -> Result<(), MainError> {
    let server = ApiServer::bind(config, store.kv()).await?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(MainError::Runtime)?;
    if let Ok(addr) = server.local_addr() {
        tracing::info!(%addr, "serving HTTPS");
    }
    ready();
    server
        .serve(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
                _ = terminate.recv() => tracing::info!("terminated"),
            }
            before_stop.await;
        })
        .await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
                _ = terminate.recv() => tracing::info!("terminated"),
            }
        }
        Err(err) => {
            tracing::warn!(%err, "no SIGTERM handler; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The store the API server runs on.
enum Store {
    /// The embedded store in `<data-dir>/db`.
    Embedded(EmbeddedStore),
    /// etcd (boxed: the client is large).
    Etcd(Box<EtcdStore>),
}

impl Store {
    /// The store as the API server uses it.
    fn kv(&self) -> Arc<dyn KvStore> {
        match self {
            Store::Embedded(store) => Arc::new(store.clone()),
            Store::Etcd(store) => Arc::new(EtcdStore::clone(store)),
        }
    }

    /// Closes the embedded store (its file is released, writes are durable); an etcd
    /// connection closes when dropped.
    async fn close(&self) {
        if let Store::Embedded(store) = self {
            store.close().await;
        }
    }
}

/// Connects to etcd, with TLS when the three files are given.
async fn connect_etcd(
    endpoints: Vec<String>,
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<Box<EtcdStore>, MainError> {
    let mut config = EtcdConfig::new(endpoints);
    config.tls = match (ca, cert, key) {
        (Some(ca_file), Some(cert_file), Some(key_file)) => Some(EtcdTls {
            ca_file,
            cert_file,
            key_file,
        }),
        (None, None, None) => None,
        _ => {
            return Err(MainError::Flag(
                "--etcd-cafile, --etcd-certfile and --etcd-keyfile go together".into(),
            ));
        }
    };
    Ok(Box::new(EtcdStore::connect(config).await?))
}

/// `/var/lib/ironkube` as root, else `$HOME/.local/share/ironkube`.
fn default_data_dir() -> Result<PathBuf, MainError> {
    // Root's home is /root; the effective uid is not readable without libc, so ask the
    // kernel through /proc.
    let is_root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|uids| uids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false);
    if is_root {
        return Ok(PathBuf::from("/var/lib/ironkube"));
    }
    let home = std::env::var_os("HOME").ok_or(MainError::NoHome)?;
    Ok(PathBuf::from(home).join(".local/share/ironkube"))
}

/// Creates `dir` (and its parents) with mode 0700 when missing.
fn create_private_dir(dir: &Path) -> Result<(), MainError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| MainError::DataDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// Checks `--etcd-prefix`.
fn parse_etcd_prefix(prefix: &str) -> Result<String, String> {
    if prefix.starts_with('/') {
        Ok(prefix.to_string())
    } else {
        Err(format!("{prefix:?} must start with /"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoked_as_kube_apiserver_parses_apiserver_flags() {
        let args = [
            "/usr/local/bin/kube-apiserver",
            "--etcd-servers=http://127.0.0.1:2379",
            "--tls-cert-file=/c",
            "--tls-private-key-file=/k",
        ];
        let cli = parse_cli(args.iter().map(OsString::from).collect());
        let Command::Apiserver(args) = cli.command else {
            panic!("not apiserver: {cli:?}");
        };
        assert_eq!(args.etcd_servers, ["http://127.0.0.1:2379"]);
        assert_eq!(args.secure_port, 6443);
    }
}
