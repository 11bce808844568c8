//! An in-process API server on a real store (embedded, or etcd started on a free port) and a
//! raw HTTPS client (hyper over rustls with the admin's client certificate), for tests that
//! assert exact status codes, headers and bodies.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use ironkube_apiserver::pki::{Pki, ServingNames};
use ironkube_apiserver::server::{ApiServer, ServerConfig};
use ironkube_storage::KvStore;
use ironkube_storage::testing::TestStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;
use tokio_rustls::TlsConnector;

/// Which store the server runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    /// The embedded store.
    Embedded,
    /// Debian's etcd, started for the test.
    Etcd,
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub pki: Pki,
    pub store: Arc<dyn KvStore>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    _backend: TestStore,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with the given in-flight limits (0: unlimited).
    pub async fn start_with(backend: Backend, tune: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let test_store = match backend {
            Backend::Embedded => TestStore::embedded().await,
            Backend::Etcd => TestStore::etcd().await,
        };
        let store = test_store.store();
        let pki = Pki::ensure(&dir.path().join("pki"), &ServingNames::default()).unwrap();
        let mut config = ServerConfig {
            client_ca: Some(pki.ca_cert.clone()),
            ..ServerConfig::new(
                "127.0.0.1:0".parse().unwrap(),
                pki.serving_cert.clone(),
                pki.serving_key.clone(),
            )
        };
        tune(&mut config);
        let server = ApiServer::bind(config, store.clone()).await.unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            pki,
            store,
            stop: Some(stop),
            served: Some(served),
            _backend: test_store,
            _dir: dir,
        }
    }

    /// Starts a server with upstream's default limits.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// The admin's client.
    pub fn admin(&self) -> Client {
        Client::new(
            self.addr,
            &self.pki.ca_cert,
            Some((&self.pki.admin_cert, &self.pki.admin_key)),
        )
    }

    /// A client with another certificate.
    pub fn client(&self, cert: &std::path::Path, key: &std::path::Path) -> Client {
        Client::new(self.addr, &self.pki.ca_cert, Some((cert, key)))
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.unwrap();
        }
    }
}

/// A response.
#[derive(Debug)]
pub struct Answer {
    pub code: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A raw HTTPS client: one connection per request.
#[derive(Clone)]
pub struct Client {
    addr: SocketAddr,
    tls: Arc<rustls::ClientConfig>,
}

impl Client {
    fn new(
        addr: SocketAddr,
        ca: &std::path::Path,
        identity: Option<(&std::path::Path, &std::path::Path)>,
    ) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
        let config = match identity {
            Some((cert, key)) => {
                let certs: Vec<_> = CertificateDer::pem_file_iter(cert)
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let key = PrivateKeyDer::from_pem_file(key).unwrap();
                builder.with_client_auth_cert(certs, key).unwrap()
            }
            None => builder.with_no_client_auth(),
        };
        Self {
            addr,
            tls: Arc::new(config),
        }
    }

    /// A TLS connection to the server, for writing requests by hand.
    pub async fn raw_connection(&self) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        TlsConnector::from(self.tls.clone())
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap()
    }

    async fn send_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> hyper::Response<Incoming> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let tls = TlsConnector::from(self.tls.clone())
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let (mut sender, conn) = http1::handshake(TokioIo::new(tls)).await.unwrap();
        tokio::spawn(conn);
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        let mut has_content_type = false;
        for (name, value) in headers {
            has_content_type |= name.eq_ignore_ascii_case("content-type");
            request = request.header(*name, *value);
        }
        if !body.is_empty() && !has_content_type {
            request = request.header("content-type", "application/json");
        }
        sender
            .send_request(request.body(Full::new(body)).unwrap())
            .await
            .unwrap()
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        let response = self.send_raw(method, path, headers, body.into()).await;
        let code = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            code,
            headers,
            body,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], Bytes::new()).await
    }

    /// POST a JSON value.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, &[], serde_json::to_vec(body).unwrap())
            .await
    }

    /// PUT a JSON value.
    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send("PUT", path, &[], serde_json::to_vec(body).unwrap())
            .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, &[], Bytes::new()).await
    }

    /// Starts a watch and returns its event lines as they come.
    pub async fn watch(&self, path: &str) -> Watch {
        let response = self.send_raw("GET", path, &[], Bytes::new()).await;
        assert_eq!(response.status().as_u16(), 200, "watch {path}");
        Watch {
            body: response.into_body(),
            buffer: Vec::new(),
        }
    }
}

/// The events of a watch.
pub struct Watch {
    body: Incoming,
    buffer: Vec<u8>,
}

impl Watch {
    /// The next event (within 10 s), or `None` when the stream ended.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return Some(serde_json::from_slice(&line).unwrap());
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .expect("no watch event within 10 s");
            match frame {
                None => return None,
                Some(frame) => {
                    if let Ok(data) = frame.unwrap().into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

/// Runs each test case against both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::support::Backend::Embedded).await;
                }
            )*
        }
        mod etcd {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::support::Backend::Etcd).await;
                }
            )*
        }
    };
}
