//! The API server's HTTPS edge (DESIGN §2): the TLS listener, the identity each connection's
//! client certificate proves, the filter chain every request runs through, and the routes that
//! exist so far — health (`/healthz`, `/livez`, `/readyz`), `/version` and discovery.
//!
//! The request pipeline is a tower stack assembled in [`handler_chain`], in request order:
//! [`request_info`] (what the path asks for), [`authn`] (who asks: client certificates only;
//! anonymous requests are refused except on public paths), [`authz`] (only `system:masters`
//! until RBAC exists), then the [`routes`]. Every failure is an [`ApiError`], turned into a
//! `metav1.Status` response in one place ([`error`]).
//!
//! Resource requests (`/api/v1/namespaces/default/pods/web`) have no handler yet: they are
//! answered with upstream's generic 404 `NotFound` Status.

mod authn;
mod authz;
mod error;
mod health;
mod identity;
mod inflight;
mod request_info;
mod routes;
mod tls;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use ironkube_storage::KvStore;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::registry::Registry;
use crate::resources::{ResourceStorage, Resources};
use crate::service_cidr::ServiceCidr;

pub use error::ApiError;
pub(crate) use error::{page_not_found, status_response};
pub use identity::UserInfo;
pub use routes::{AGGREGATED_MEDIA_TYPE, GIT_VERSION};
pub use tls::TlsError;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for in-flight requests (upstream's `--shutdown-delay-duration` is 0
/// and its request timeout 60 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// What the HTTPS edge needs to start.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where to listen (`127.0.0.1:6443`; port 0 picks a free port).
    pub bind: SocketAddr,
    /// The address clients are told to reach the server at (`/api`'s
    /// `serverAddressByClientCIDRs`); the bind address when `None` (or `127.0.0.1` when the
    /// bind address is unspecified).
    pub advertise_address: Option<IpAddr>,
    /// The serving certificate chain (PEM).
    pub serving_cert: PathBuf,
    /// Its private key (PEM).
    pub serving_key: PathBuf,
    /// CA bundle that client certificates must chain to (PEM); `None`: no client certificates
    /// are asked for, so every request is anonymous.
    pub client_ca: Option<PathBuf>,
    /// Where objects live in the store (`--etcd-prefix`, `/registry`).
    pub etcd_prefix: String,
    /// `--service-cluster-ip-range`: where ClusterIPs come from; its first address is the
    /// `default/kubernetes` Service's.
    pub service_cidr: ServiceCidr,
    /// Read-only requests served at once before 429 (`--max-requests-inflight`; 0: no limit).
    pub max_requests_inflight: usize,
    /// Mutating requests served at once before 429 (`--max-mutating-requests-inflight`).
    pub max_mutating_requests_inflight: usize,
}

impl ServerConfig {
    /// A configuration with upstream's defaults for everything but where to listen and the
    /// serving certificate.
    pub fn new(bind: SocketAddr, serving_cert: PathBuf, serving_key: PathBuf) -> Self {
        Self {
            bind,
            advertise_address: None,
            serving_cert,
            serving_key,
            client_ca: None,
            etcd_prefix: ironkube_storage::object::DEFAULT_ETCD_PREFIX.to_string(),
            service_cidr: ServiceCidr::default(),
            max_requests_inflight: 400,
            max_mutating_requests_inflight: 200,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The listening socket could not be opened.
    #[error("listening on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What every request handler shares.
pub(crate) struct AppState {
    /// The served resources: built-ins and established custom resources (swapped whole when
    /// a CustomResourceDefinition changes; read it through [`AppState::registry`]).
    registry: std::sync::RwLock<Arc<Registry>>,
    /// Where objects live in the store (`--etcd-prefix`).
    pub(crate) etcd_prefix: String,
    /// `host:port` clients are told to use (`/api`).
    pub(crate) server_address: String,
    /// The store, checked by the `etcd` health check.
    pub(crate) store: Arc<dyn KvStore>,
    /// Set once shutdown began: `/readyz` then fails its `shutdown` check.
    pub(crate) shutting_down: AtomicBool,
    /// The storage of every stored resource.
    pub(crate) resources: Resources,
    /// Turns true when shutdown begins: watches end.
    pub(crate) shutdown: tokio::sync::watch::Sender<bool>,
    /// The max-in-flight filter's slots.
    pub(crate) inflight: inflight::Limits,
    /// Where ClusterIPs come from.
    pub(crate) service_cidr: ServiceCidr,
    /// Held by Service writes: NodePorts are allocated from the Services themselves, so their
    /// allocation and the write that records it happen one at a time.
    pub(crate) service_writes: tokio::sync::Mutex<()>,
    /// Namespaces deleted in the last 30 s, by when: admission looks them up in the store
    /// rather than the cache, which may not have seen them terminate yet (upstream's
    /// `forceLiveLookupCache`).
    pub(crate) recently_deleted_namespaces:
        std::sync::Mutex<std::collections::HashMap<String, tokio::time::Instant>>,
}

impl AppState {
    /// The state of a server over `store`.
    pub(crate) fn new(
        registry: Registry,
        server_address: String,
        store: Arc<dyn KvStore>,
        inflight: inflight::Limits,
        service_cidr: ServiceCidr,
    ) -> Self {
        let resources = Resources::start(store.clone(), &registry, Default::default());
        let etcd_prefix = registry
            .get("", "v1", "pods")
            .and_then(|info| info.storage.as_ref())
            .and_then(|storage| storage.keys.root().strip_suffix("/pods/"))
            .unwrap_or(ironkube_storage::object::DEFAULT_ETCD_PREFIX)
            .to_string();
        Self {
            registry: std::sync::RwLock::new(Arc::new(registry)),
            etcd_prefix,
            server_address,
            store,
            shutting_down: AtomicBool::new(false),
            resources,
            shutdown: tokio::sync::watch::channel(false).0,
            inflight,
            service_cidr,
            service_writes: tokio::sync::Mutex::new(()),
            recently_deleted_namespaces: std::sync::Mutex::default(),
        }
    }

    /// The served resources as they are now.
    pub(crate) fn registry(&self) -> Arc<Registry> {
        self.registry
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Serves `registry` from now on.
    pub(crate) fn set_registry(&self, registry: Registry) {
        *self
            .registry
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(registry);
    }

    /// The namespaces' storage.
    pub(crate) fn namespaces(&self) -> Option<Arc<ResourceStorage>> {
        let info = self.registry().get("", "v1", "namespaces")?.clone();
        self.resources.get(&info)
    }
}

/// A bound, not yet serving, API server.
pub struct ApiServer {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<AppState>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("server_address", &self.state.server_address)
            .finish_non_exhaustive()
    }
}

impl ApiServer {
    /// Loads the certificates and opens the listening socket.
    pub async fn bind(config: ServerConfig, store: Arc<dyn KvStore>) -> Result<Self, ServerError> {
        let tls = tls::server_config(
            &config.serving_cert,
            &config.serving_key,
            config.client_ca.as_deref(),
        )?;
        let listener =
            TcpListener::bind(config.bind)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.bind,
                    source,
                })?;
        let port = listener
            .local_addr()
            .map_err(|source| ServerError::Bind {
                addr: config.bind,
                source,
            })?
            .port();
        let host = match config.advertise_address {
            Some(ip) => ip,
            None if config.bind.ip().is_unspecified() => IpAddr::from([127, 0, 0, 1]),
            None => config.bind.ip(),
        };
        let state = Arc::new(AppState::new(
            Registry::builtin_with_etcd_prefix(&config.etcd_prefix),
            SocketAddr::new(host, port).to_string(),
            store,
            inflight::Limits::new(
                config.max_requests_inflight,
                config.max_mutating_requests_inflight,
            ),
            config.service_cidr,
        ));
        crate::bootstrap::ensure(&state, host, port, config.service_cidr).await;
        Ok(Self {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(tls)),
            state,
        })
    }

    /// The address the server listens on (with the port picked when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes; then stops accepting connections, fails `/readyz`,
    /// and waits (up to 60 s) for in-flight requests to finish before returning.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        crate::bootstrap::spawn_identity_lease(self.state.clone());
        crate::crd::controller::spawn(self.state.clone());
        let router = handler_chain(self.state.clone());
        let graceful = GracefulShutdown::new();
        let builder = auto::Builder::new(TokioExecutor::new());
        tokio::pin!(shutdown);
        loop {
            let (tcp, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %err, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // As Go's net/http: small writes (watch events) go out at once, not after the
            // peer's delayed ACK.
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%peer, error = %err, "setting TCP_NODELAY failed");
            }
            let acceptor = self.acceptor.clone();
            let router = router.clone();
            let builder = builder.clone();
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                let stream =
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    };
                let user = identity::from_connection(stream.get_ref().1);
                let service =
                    hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                        req.extensions_mut().insert(identity::Peer(user.clone()));
                        router.clone().oneshot(req)
                    });
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                if let Err(err) = watcher.watch(conn).await {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
            });
        }
        drop(self.listener);
        self.state.shutting_down.store(true, Ordering::SeqCst);
        self.state.shutdown.send_replace(true);
        tracing::info!("shutting down: waiting for in-flight requests");
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}");
        }
    }
}

/// The filter chain and routes, in request order: shutdown's retry-after, request info,
/// authentication, max in flight, authorization, handler.
fn handler_chain(state: Arc<AppState>) -> Router {
    routes::router(state.clone())
        .layer(axum::middleware::from_fn(authz::authorize))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            inflight::limit,
        ))
        .layer(axum::middleware::from_fn(authn::authenticate))
        .layer(axum::middleware::from_fn(request_info::with_request_info))
        .layer(axum::middleware::from_fn_with_state(
            state,
            retry_after_shutdown,
        ))
}

/// Once shutdown began, requests that reach the server (on connections it already had) are
/// answered as upstream answers them with `--shutdown-send-retry-after`: 429, `Retry-After: 5`,
/// the connection closed. A watch would otherwise start and end at once, which client-go takes
/// for a broken watch and re-lists; a 429 makes it retry the same watch against the next
/// server. Health checks are exempt, as upstream's.
async fn retry_after_shutdown(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    const EXEMPT: [&str; 4] = ["/readyz", "/livez", "/healthz", "/metrics"];
    let path = request.uri().path();
    if !state.shutting_down.load(Ordering::SeqCst) || EXEMPT.iter().any(|p| path.starts_with(p)) {
        return next.run(request).await;
    }
    (
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        [
            ("connection", "close"),
            ("retry-after", "5"),
            ("content-type", "text/plain; charset=utf-8"),
            ("x-content-type-options", "nosniff"),
        ],
        "The apiserver is shutting down, please try again later.\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests;
