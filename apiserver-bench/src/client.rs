//! The load generator's HTTPS client: one TLS connection per [`Connection`] (rustls, the admin's
//! client certificate), HTTP/2 as client-go speaks it, or HTTP/1.1 keep-alive.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::ServerName;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::BenchError;

/// The media type every request asks for and sends (the one both servers speak).
const JSON: &str = "application/json";

/// The HTTP version the client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    /// HTTP/2 (ALPN `h2`), as client-go and kubectl talk to an API server.
    Http2,
    /// HTTP/1.1 with keep-alive (ALPN `http/1.1`).
    Http1,
}

impl Protocol {
    /// The name used in the report.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Http2 => "HTTP/2",
            Self::Http1 => "HTTP/1.1",
        }
    }
}

/// Where a server listens and how to reach it; cheap to clone.
#[derive(Clone)]
pub(crate) struct Endpoint {
    addr: SocketAddr,
    protocol: Protocol,
    connector: TlsConnector,
    /// `https://127.0.0.1:<port>`, the authority HTTP/2 requests carry.
    base: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("addr", &self.addr)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint on 127.0.0.1:`port` trusting `ca` and presenting `cert`/`key`.
    pub(crate) fn new(
        port: u16,
        protocol: Protocol,
        ca: &Path,
        cert: &Path,
        key: &Path,
    ) -> Result<Self, BenchError> {
        let mut config = ironkube_apiserver_harness::client_tls_config(ca, cert, key)?;
        config.alpn_protocols = vec![match protocol {
            Protocol::Http2 => b"h2".to_vec(),
            Protocol::Http1 => b"http/1.1".to_vec(),
        }];
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        Ok(Self {
            addr,
            protocol,
            connector: TlsConnector::from(Arc::new(config)),
            base: format!("https://{addr}"),
        })
    }

    /// The protocol requests go over.
    pub(crate) fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Opens a new TLS connection and starts HTTP on it (its driver runs as a task until the
    /// connection is dropped or closed).
    pub(crate) async fn connect(&self) -> Result<Connection, BenchError> {
        let what = || format!("connecting to {}", self.addr);
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| BenchError::io(what(), e))?;
        tcp.set_nodelay(true)
            .map_err(|e| BenchError::io("setting TCP_NODELAY", e))?;
        let server_name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
        let tls = self
            .connector
            .connect(server_name, tcp)
            .await
            .map_err(|e| BenchError::io(format!("TLS handshake with {}", self.addr), e))?;
        let negotiated = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let io = TokioIo::new(tls);
        let sender = match self.protocol {
            Protocol::Http2 => {
                if negotiated.as_deref() != Some(b"h2") {
                    return Err(BenchError::unexpected(
                        what(),
                        "the server did not agree to HTTP/2 (ALPN h2); try --protocol http1",
                    ));
                }
                let (sender, connection) = http2::Builder::new(TokioExecutor::new())
                    .handshake(io)
                    .await
                    .map_err(|e| BenchError::http(what(), e))?;
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "HTTP/2 connection ended");
                    }
                });
                Sender::H2(sender)
            }
            Protocol::Http1 => {
                let (sender, connection) = http1::handshake(io)
                    .await
                    .map_err(|e| BenchError::http(what(), e))?;
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "HTTP/1.1 connection ended");
                    }
                });
                Sender::H1(sender)
            }
        };
        Ok(Connection {
            sender,
            base: self.base.clone(),
            host: HeaderValue::from_str(&self.addr.to_string())
                .map_err(|e| BenchError::unexpected("the Host header", e.to_string()))?,
        })
    }
}

/// The request half of one HTTP connection.
#[derive(Debug)]
enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// One HTTP connection to a server. HTTP/1.1 carries one request at a time; HTTP/2 is cloned
/// ([`Connection::share`]) to carry several streams.
#[derive(Debug)]
pub(crate) struct Connection {
    sender: Sender,
    base: String,
    host: HeaderValue,
}

/// A whole response: status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The status code.
    pub(crate) status: StatusCode,
    /// The body.
    pub(crate) body: Bytes,
}

impl Answer {
    /// The start of the body as text, for error messages.
    pub(crate) fn body_start(&self) -> String {
        let end = self.body.len().min(300);
        String::from_utf8_lossy(self.body.get(..end).unwrap_or_default()).into_owned()
    }

    /// Fails unless the status is `expected`.
    pub(crate) fn expect(self, what: &str, expected: StatusCode) -> Result<Self, BenchError> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(BenchError::Status {
                what: what.into(),
                status: self.status.as_u16(),
                body: self.body_start(),
            })
        }
    }
}

impl Connection {
    /// Another handle on the same HTTP/2 connection (a new stream per request); `None` for
    /// HTTP/1.1, which cannot share.
    pub(crate) fn share(&self) -> Option<Connection> {
        match &self.sender {
            Sender::H2(sender) => Some(Connection {
                sender: Sender::H2(sender.clone()),
                base: self.base.clone(),
                host: self.host.clone(),
            }),
            Sender::H1(_) => None,
        }
    }

    /// Sends a request for `path` (with its query) and returns the response head with the body
    /// still streaming (for watches).
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>, BenchError> {
        let what = || format!("{method} {path}");
        // HTTP/2 needs the scheme and authority (the :scheme and :authority pseudo-headers);
        // HTTP/1.1 sends the path and a Host header.
        let uri = match self.sender {
            Sender::H2(_) => format!("{}{path}", self.base),
            Sender::H1(_) => path.to_string(),
        };
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(ACCEPT, JSON);
        if matches!(self.sender, Sender::H1(_)) {
            builder = builder.header(HOST, self.host.clone());
        }
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, JSON);
        }
        let request = builder
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| BenchError::unexpected(what(), e.to_string()))?;
        let response = match &mut self.sender {
            Sender::H1(sender) => {
                sender
                    .ready()
                    .await
                    .map_err(|e| BenchError::http(what(), e))?;
                sender.send_request(request).await
            }
            Sender::H2(sender) => {
                sender
                    .ready()
                    .await
                    .map_err(|e| BenchError::http(what(), e))?;
                sender.send_request(request).await
            }
        };
        response.map_err(|e| BenchError::http(what(), e))
    }

    /// Sends a request and reads the whole response.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Answer, BenchError> {
        let what = format!("{method} {path}");
        let response = self.send(method, path, body).await?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| BenchError::http(what, e))?
            .to_bytes();
        Ok(Answer { status, body })
    }
}
