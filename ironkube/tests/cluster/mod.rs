//! What the controller tests share: a real `ironkube server` (embedded store, controller
//! manager in-process) as a child process, a kube-rs client and kubectl on its admin
//! kubeconfig, waiting for a condition through watches, and a hollow kubelet that plays the
//! kubelet's part (pods do not run yet): it marks pods Running and Ready with a pod IP.
//!
//! Each test crate uses a part of this module, so what one does not use is not dead code.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, Patch, PatchParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Client, ResourceExt as _};
use serde_json::json;

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// `ironkube server` in a temporary directory; killed when dropped.
pub(crate) struct Cluster {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// The HTTPS port.
    pub(crate) port: u16,
    /// Extra flags the server was started with.
    flags: Vec<String>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // IRONKUBE_TEST_LOG_DIR keeps each server's log (the data directory goes away).
        if let Ok(dir) = std::env::var("IRONKUBE_TEST_LOG_DIR") {
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::copy(
                self.dir.path().join("server.log"),
                Path::new(&dir).join(format!("server-{}.log", self.port)),
            );
        }
    }
}

impl Cluster {
    /// A fresh cluster with the controller manager.
    pub(crate) fn start() -> Cluster {
        Cluster::start_with(&[])
    }

    /// A fresh cluster, `ironkube server` given `flags` too.
    pub(crate) fn start_with(flags: &[&str]) -> Cluster {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut cluster = Cluster {
            child: None,
            dir,
            port: free_port(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
        };
        cluster.spawn();
        cluster
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_ironkube"))
            .args(["server", "--data-dir"])
            .arg(self.dir.path())
            .args(["--secure-port", &self.port.to_string()])
            .args(&self.flags)
            .env(
                "RUST_LOG",
                std::env::var("IRONKUBE_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn ironkube server");
        self.child = Some(child);
        wait_ready(&self.dir.path().join("pki/ca.crt"), self.port);
    }

    /// The data directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The admin kubeconfig.
    pub(crate) fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("admin.kubeconfig")
    }

    /// The server's log so far (for assertion messages).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A kube-rs client with the admin credentials.
    pub(crate) async fn client(&self) -> Client {
        let kubeconfig =
            kube::config::Kubeconfig::read_from(self.kubeconfig()).expect("read kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("client configuration");
        Client::try_from(config).expect("client")
    }

    /// Runs kubectl 1.37 (or `IRONKUBE_KUBECTL`) with `args`; the output, whatever the exit.
    pub(crate) fn kubectl(&self, args: &[&str]) -> std::process::Output {
        Command::new(kubectl_binary())
            .env("KUBECONFIG", self.kubeconfig())
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// Runs kubectl and asserts it succeeded; its standard output.
    pub(crate) fn kubectl_ok(&self, args: &[&str]) -> String {
        let output = self.kubectl(args);
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Stops the server with SIGTERM (waiting for it) and starts it again on the same data.
    pub(crate) fn restart(&mut self) {
        if let Some(child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let mut child = child;
            let _ = child.wait();
        }
        self.spawn();
    }
}

/// kubectl 1.37 from the cache `scripts/setup.sh` fills, else `IRONKUBE_KUBECTL`, else `kubectl`.
pub(crate) fn kubectl_binary() -> PathBuf {
    if let Ok(path) = std::env::var("IRONKUBE_KUBECTL") {
        return PathBuf::from(path);
    }
    let cached = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cache/ironkube/kubectl/1.37/bin/kubectl");
    if cached.exists() {
        cached
    } else {
        PathBuf::from("kubectl")
    }
}

/// Polls `/readyz` (anonymously) until it says `ok`, for at most 30 s.
fn wait_ready(ca: &Path, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if ca.exists() {
            let ok = Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(ca)
                .arg(format!("https://127.0.0.1:{port}/readyz"))
                .output()
                .map(|o| o.stdout == b"ok")
                .unwrap_or(false);
            if ok {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the server never got ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One `ironkube controller-manager` process; killed when dropped.
pub(crate) struct Manager {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

impl Drop for Manager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Manager {
    /// `ironkube controller-manager` against `cluster` with `extra` flags; returns once its
    /// `/healthz` answers.
    pub(crate) fn start(cluster: &Cluster, extra: &[&str]) -> Manager {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_ironkube"))
            .arg("controller-manager")
            .arg(format!("--kubeconfig={}", cluster.kubeconfig().display()))
            .args(["--bind-address=127.0.0.1", &format!("--secure-port={port}")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the controller manager");
        let manager = Manager { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while manager.get("/healthz").as_deref() != Some("ok") {
            assert!(Instant::now() < deadline, "no /healthz on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        manager
    }

    /// A GET on the secure port (its certificate is self-signed).
    pub(crate) fn get(&self, path: &str) -> Option<String> {
        let output = Command::new("curl")
            .args(["-sSk", "--max-time", "2"])
            .arg(format!("https://127.0.0.1:{}{path}", self.port))
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// Waits (at most `timeout`) until `check` on the objects `api` lists (a watch keeps the view
/// current) returns `Some`; panics with `what` when it does not.
pub(crate) async fn wait_until<K, T>(
    api: &Api<K>,
    config: watcher::Config,
    timeout: Duration,
    what: &str,
    mut check: impl FnMut(&[K]) -> Option<T>,
) -> T
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let (reader, writer) = kube::runtime::reflector::store::<K>();
    // Every watcher event (also the initial list's end, when there are no objects) is a moment
    // to look at the store again.
    let mut stream =
        kube::runtime::reflector::reflector(writer, watcher(api.clone(), config)).boxed();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last = Vec::new();
    let mut listed = false;
    loop {
        match tokio::time::timeout_at(deadline, stream.try_next()).await {
            Ok(Ok(Some(
                watcher::Event::InitDone | watcher::Event::Apply(_) | watcher::Event::Delete(_),
            ))) => {
                listed = true;
            }
            Ok(_) => {}
            Err(_) => panic!("timed out waiting for {what}; last seen: {last:#?}"),
        }
        if !listed {
            continue;
        }
        let objects: Vec<K> = reader.state().iter().map(|o| (**o).clone()).collect();
        if let Some(found) = check(&objects) {
            return found;
        }
        last = objects;
    }
}

/// Creates the namespace `name`.
pub(crate) async fn namespace(client: &Client, name: &str) {
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &kube::api::PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": name}})).expect("a namespace"),
        )
        .await
        .expect("create the namespace");
}

/// The hollow kubelet: marks every pod in `namespace` (all namespaces when `None`) that is not
/// terminal Running and Ready, with a pod IP, as long as the returned task runs.
pub(crate) fn hollow_kubelet(
    client: Client,
    namespace: Option<&str>,
) -> tokio::task::JoinHandle<()> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    tokio::spawn(async move {
        let mut next_ip: u32 = 1;
        let mut events = watcher(api, watcher::Config::default())
            .applied_objects()
            .boxed();
        while let Ok(Some(pod)) = events.try_next().await {
            let phase = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default();
            if phase != "Pending" || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            next_ip += 1;
            let ip = format!("10.244.{}.{}", next_ip / 250, next_ip % 250 + 2);
            let pods: Api<Pod> =
                Api::namespaced(client.clone(), &pod.namespace().unwrap_or_default());
            let _ = mark_running(&pods, &pod.name_any(), &ip).await;
        }
    })
}

/// Patches one pod's status as a kubelet would once its containers run and are ready.
pub(crate) async fn mark_running(
    pods: &Api<Pod>,
    name: &str,
    ip: &str,
) -> Result<Pod, kube::Error> {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let now = format!(
        "{}Z",
        now.trim_end_matches('Z').split('.').next().unwrap_or("")
    );
    let conditions: Vec<_> = [
        "PodReadyToStartContainers",
        "Initialized",
        "ContainersReady",
        "PodScheduled",
        "Ready",
    ]
    .iter()
    .map(|t| json!({"type": t, "status": "True", "lastTransitionTime": now}))
    .collect();
    let status = json!({"status": {
        "phase": "Running",
        "conditions": conditions,
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "hostIP": "192.168.0.10",
        "startTime": now,
    }});
    pods.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
        .await
}

/// Patches one pod's status to a terminal phase (`Succeeded` or `Failed`) with an exit code.
pub(crate) async fn mark_terminated(
    pods: &Api<Pod>,
    name: &str,
    phase: &str,
    exit_code: i32,
) -> Result<Pod, kube::Error> {
    let pod = pods.get(name).await?;
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let now = format!(
        "{}Z",
        now.trim_end_matches('Z').split('.').next().unwrap_or("")
    );
    let statuses: Vec<_> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| {
            json!({
                "name": c.name,
                "image": c.image,
                "imageID": "",
                "ready": false,
                "restartCount": 0,
                "state": {"terminated": {
                    "exitCode": exit_code,
                    "reason": if exit_code == 0 { "Completed" } else { "Error" },
                    "startedAt": now,
                    "finishedAt": now,
                }},
            })
        })
        .collect();
    let status = json!({"status": {
        "phase": phase,
        "containerStatuses": statuses,
        "conditions": [
            {"type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "False", "reason": "PodCompleted", "lastTransitionTime": now},
        ],
    }});
    pods.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
        .await
}

/// Names of the pods `api` lists with `selector`.
pub(crate) async fn pod_names(api: &Api<Pod>, selector: &str) -> Vec<String> {
    api.list(&ListParams::default().labels(selector))
        .await
        .expect("list pods")
        .items
        .iter()
        .map(|p| p.name_any())
        .collect()
}
