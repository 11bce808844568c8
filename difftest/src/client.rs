//! A minimal HTTPS client for the cases: HTTP/1.1 over rustls with the admin's client
//! certificate, a fresh connection per request (a server that closes a connection after an
//! error cannot then affect the next case).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::DiffError;

/// How long one request may take (watches in the cases end by `timeoutSeconds` well before).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a server listens and the TLS set-up to reach it.
#[derive(Clone)]
pub(crate) struct Endpoint {
    addr: SocketAddr,
    connector: TlsConnector,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// One request as sent.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    /// The method.
    pub(crate) method: Method,
    /// Path and query.
    pub(crate) path: String,
    /// Extra headers (Accept, Content-Type, …).
    pub(crate) headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub(crate) body: Bytes,
}

/// A whole response.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    /// The status code.
    pub(crate) status: u16,
    /// The Content-Type header (empty when absent).
    pub(crate) content_type: String,
    /// Every Warning header, in order.
    pub(crate) warnings: Vec<String>,
    /// The body.
    pub(crate) body: Bytes,
}

impl Endpoint {
    /// An endpoint on 127.0.0.1:`port` trusting `ca` and presenting `cert`/`key`.
    pub(crate) fn new(port: u16, ca: &Path, cert: &Path, key: &Path) -> Result<Self, DiffError> {
        let mut config = ironkube_apiserver_harness::client_tls_config(ca, cert, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            connector: TlsConnector::from(Arc::new(config)),
        })
    }

    /// Sends one request on a new connection and reads the whole response.
    pub(crate) async fn call(&self, request: &Outgoing) -> Result<Answer, DiffError> {
        let what = format!("{} {} on {}", request.method, request.path, self.addr);
        tokio::time::timeout(REQUEST_TIMEOUT, self.call_inner(request, &what))
            .await
            .map_err(|_| DiffError::http(&what, "timed out"))?
    }

    async fn call_inner(&self, request: &Outgoing, what: &str) -> Result<Answer, DiffError> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| DiffError::io(what, e))?;
        let server_name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
        let tls = self
            .connector
            .connect(server_name, tcp)
            .await
            .map_err(|e| DiffError::io(format!("TLS handshake for {what}"), e))?;
        let (mut sender, connection) = http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| DiffError::http(what, e))?;
        tokio::spawn(async move {
            // The connection ends with the request; its error is the request's.
            let _ = connection.await;
        });
        let host =
            HeaderValue::from_str(&self.addr.to_string()).map_err(|e| DiffError::http(what, e))?;
        let mut builder = Request::builder()
            .method(request.method.clone())
            .uri(request.path.as_str())
            .header(HOST, host);
        for (name, value) in &request.headers {
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| DiffError::http(what, e))?;
            let value = HeaderValue::from_str(value).map_err(|e| DiffError::http(what, e))?;
            builder = builder.header(name, value);
        }
        let outgoing = builder
            .body(Full::new(request.body.clone()))
            .map_err(|e| DiffError::http(what, e))?;
        let response = sender
            .send_request(outgoing)
            .await
            .map_err(|e| DiffError::http(what, e))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let content_type = headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let warnings = headers
            .get_all("warning")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| DiffError::http(what, e))?
            .to_bytes();
        Ok(Answer {
            status,
            content_type,
            warnings,
            body,
        })
    }
}
