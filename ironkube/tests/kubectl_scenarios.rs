//! The kubectl scenario suite: what a person does with kubectl, run with kubectl 1.33 and 1.37
//! (`scripts/kubectl-versions.sh` finds or installs them), each against a fresh
//! `ironkube server`, asserting what kubectl prints as upstream kube-apiserver v1.37 makes it
//! print (exact lines where they are stable; AGE and generated values are wildcards).
//!
//! Every step runs even when an earlier one failed, and the test fails at the end with the list
//! of failed steps, each with the command, what upstream prints and what kubectl printed. Steps
//! build on each other (the objects of `create -f` are read by the `get` steps), so objects the
//! later steps need are created from manifests (JSON request bodies), and the imperative
//! `kubectl create <kind>` commands (protobuf bodies) create objects of their own.
//!
//! Run with: `cargo test -p ironkube --test kubectl_scenarios -- --nocapture`.
//!
//! The expectations are upstream's: `IRONKUBE_SCENARIOS_KUBECONFIG=<kubeconfig of a fresh
//! kube-apiserver v1.37 on etcd> cargo test -p ironkube --test kubectl_scenarios -- --ignored
//! --nocapture` runs the same steps (all but the restart) against that cluster, with the
//! kubectl in `IRONKUBE_SCENARIOS_KUBECTL` (default: the newest found). It needs a cluster
//! without controllers (a kube-apiserver and etcd alone), whose admin certificate has
//! `CN=ironkube-admin, O=system:masters`, as `ironkube server` writes it.

// Helpers outside `#[test]` functions assert too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::steps::{Steps, all, check, same_lines, same_table, same_text};
use support::{Kubectl, Ran, Server, free_port, kubectl_binaries, kubectl_minor};

/// `kubectl api-resources` against kube-apiserver v1.37.2 with its default API groups (the same
/// from kubectl 1.33 and 1.37).
const API_RESOURCES: &str = include_str!("support/api-resources.txt");

/// `kubectl api-versions` against kube-apiserver v1.37.2 with its default API groups.
const API_VERSIONS: &str = include_str!("support/api-versions.txt");

/// The namespace of the one-document manifest.
const NAMESPACE_YAML: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: demo
  labels:
    purpose: scenarios
";

/// The multi-document manifest: a second namespace, three ConfigMaps over both, and a Pod with
/// its ServiceAccount (upstream's ServiceAccount admission refuses a Pod whose account does not
/// exist, and a cluster without controllers has no `default` account).
const MULTI_YAML: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: other
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-b
  namespace: demo
  labels:
    app: scenario
    tier: back
data:
  order: "1"
  colour: blue
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-a
  namespace: demo
  labels:
    app: scenario
    tier: front
data:
  order: "2"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-c
  namespace: other
  labels:
    app: scenario
    tier: front
data:
  order: "3"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web-sa
  namespace: demo
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: demo
  labels:
    app: scenario
spec:
  serviceAccountName: web-sa
  automountServiceAccountToken: false
  containers:
  - name: nginx
    image: nginx:1.27
"#;

/// `cm-b` replaced whole: new data, no `colour`, no annotations.
const REPLACE_YAML: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-b
  namespace: demo
  labels:
    app: scenario
    tier: back
data:
  order: "9"
"#;

/// `cm-b` at a resourceVersion long gone: replacing it conflicts.
const STALE_YAML: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-b
  namespace: demo
  resourceVersion: "1"
data:
  order: "0"
"#;

/// The ConfigMap the `get -w` step watches change and go.
const WATCHED_YAML: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: watched
  namespace: demo
  labels:
    app: watch
data:
  a: "1"
"#;

/// The ConfigMap `wait --for=delete` waits on.
const DOOMED_YAML: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: doomed
  namespace: demo
data:
  a: "1"
"#;

/// How many ConfigMaps the `--chunk-size=2` step lists.
const CHUNKED: usize = 7;

/// `CHUNKED` ConfigMaps labelled `set=chunk`, one document each.
fn chunk_yaml() -> String {
    (0..CHUNKED)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chunk-{i}\n  namespace: demo\n  labels:\n    set: chunk\ndata:\n  i: \"{i}\"\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The output without the `kube-root-ca.crt` ConfigMap that a full control plane publishes in
/// every namespace (upstream's kube-controller-manager does; a lone kube-apiserver does not).
fn without_root_ca(text: &str) -> String {
    text.lines()
        .filter(|l| !l.contains("kube-root-ca.crt"))
        .map(|l| format!("{l}\n"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One kubectl against one cluster.

/// A kubectl, the cluster it talks to, and the directory with the manifests.
struct Scenario {
    /// The kubectl.
    kubectl: Kubectl,
    /// Its minor version (33, 37): some messages differ between versions.
    minor: u32,
}

impl Scenario {
    /// Writes the manifests into kubectl's working directory.
    fn new(bin: &Path, minor: u32, kubeconfig: &Path, work: &Path) -> Scenario {
        std::fs::create_dir_all(work).unwrap();
        for (name, text) in [
            ("ns.yaml", NAMESPACE_YAML.to_string()),
            ("multi.yaml", MULTI_YAML.to_string()),
            ("chunk.yaml", chunk_yaml()),
            ("replace.yaml", REPLACE_YAML.to_string()),
            ("stale.yaml", STALE_YAML.to_string()),
            ("watched.yaml", WATCHED_YAML.to_string()),
            ("doomed.yaml", DOOMED_YAML.to_string()),
        ] {
            std::fs::write(work.join(name), text).unwrap();
        }
        Scenario {
            kubectl: Kubectl {
                bin: bin.to_path_buf(),
                kubeconfig: kubeconfig.to_path_buf(),
                cwd: work.to_path_buf(),
            },
            minor,
        }
    }

    /// The command line, for messages.
    fn shown(args: &[&str]) -> String {
        format!("$ kubectl {}", args.join(" "))
    }

    /// Runs kubectl; its standard output if it succeeded.
    fn ok(&self, args: &[&str]) -> Result<String, String> {
        let ran = self.kubectl.run(args);
        if ran.status.success() {
            Ok(ran.stdout)
        } else {
            Err(format!(
                "{}\nfailed ({}), upstream succeeds:\n{}{}",
                Self::shown(args),
                ran.status,
                ran.stdout,
                ran.stderr
            ))
        }
    }

    /// Runs kubectl that upstream makes fail; what it printed when it did.
    fn fails(&self, args: &[&str]) -> Result<Ran, String> {
        let ran = self.kubectl.run(args);
        if ran.status.success() {
            Err(format!(
                "{}\nsucceeded, upstream fails; printed:\n{}{}",
                Self::shown(args),
                ran.stdout,
                ran.stderr
            ))
        } else {
            Ok(ran)
        }
    }

    /// Runs kubectl and compares its output as a table.
    fn table(&self, args: &[&str], want: &str) -> Result<(), String> {
        same_table(&Self::shown(args), &self.ok(args)?, want)
    }

    /// Runs kubectl and compares its output line by line (glob patterns).
    fn lines(&self, args: &[&str], want: &str) -> Result<(), String> {
        same_lines(&Self::shown(args), &self.ok(args)?, want)
    }

    /// Runs kubectl and compares its output exactly.
    fn text(&self, args: &[&str], want: &str) -> Result<(), String> {
        same_text(&Self::shown(args), &self.ok(args)?, want)
    }

    /// Runs kubectl that upstream makes fail and compares its standard error exactly.
    fn error(&self, args: &[&str], want: &str) -> Result<(), String> {
        let ran = self.fails(args)?;
        same_text(&Self::shown(args), &ran.stderr, want)
    }

    /// Runs kubectl and parses its JSON output.
    fn json(&self, args: &[&str]) -> Result<Value, String> {
        let out = self.ok(args)?;
        serde_json::from_str(&out)
            .map_err(|e| format!("{}\nnot JSON ({e}):\n{out}", Self::shown(args)))
    }

    /// What `kubectl delete` prints for one deleted object: kubectl 1.37 names the namespace.
    fn deleted(&self, resource: &str, name: &str, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.minor >= 37 => {
                format!("{resource} \"{name}\" deleted from {ns} namespace\n")
            }
            _ => format!("{resource} \"{name}\" deleted\n"),
        }
    }

    /// The API server's URL from the kubeconfig.
    fn server_url(&self) -> Result<String, String> {
        self.ok(&[
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.clusters[0].cluster.server}",
        ])
    }

    /// The SHA-256 of the admin's client certificate (DER), as upstream names the credential.
    fn client_cert_sha256(&self) -> Result<String, String> {
        let data = self.ok(&[
            "config",
            "view",
            "--raw",
            "--flatten",
            "--minify",
            "-o",
            "jsonpath={.users[0].user.client-certificate-data}",
        ])?;
        let output = Command::new("bash")
            .args([
                "-c",
                "printf %s \"$CERT\" | base64 -d | openssl x509 -outform der | sha256sum",
            ])
            .env("CERT", data)
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout);
        let hex = text.split_whitespace().next().unwrap_or("").to_string();
        check(output.status.success() && hex.len() == 64, || {
            format!(
                "fingerprinting the client certificate failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
        Ok(hex)
    }

    /// Every step but the restart, in order.
    fn run_all(&self, steps: &mut Steps) {
        steps.run("version", || self.version());
        steps.run("api-versions", || {
            self.text(&["api-versions"], API_VERSIONS)
        });
        steps.run("api-resources", || {
            self.text(&["api-resources"], API_RESOURCES)
        });
        steps.run("cluster-info", || self.cluster_info());
        steps.run("auth whoami", || self.whoami());

        steps.run("create -f (one document)", || {
            self.text(&["create", "-f", "ns.yaml"], "namespace/demo created\n")
        });
        steps.run("create -f (multi-document)", || {
            self.text(
                &["create", "-f", "multi.yaml"],
                "namespace/other created\nconfigmap/cm-b created\nconfigmap/cm-a created\n\
                 configmap/cm-c created\nserviceaccount/web-sa created\npod/web created\n",
            )
        });
        steps.run("create -f (object exists)", || {
            self.error(
                &["create", "-f", "ns.yaml"],
                "Error from server (AlreadyExists): error when creating \"ns.yaml\": namespaces \"demo\" already exists\n",
            )
        });

        steps.run("get pods (table)", || {
            self.table(
                &["get", "pods", "-n", "demo"],
                "
NAME   READY   STATUS    RESTARTS   AGE
web    0/1     Pending   0          *",
            )
        });
        steps.run("get configmaps (table)", || {
            let args = ["get", "configmaps", "-n", "demo"];
            let out = without_root_ca(&self.ok(&args)?);
            same_table(
                &Self::shown(&args),
                &out,
                "
NAME   DATA   AGE
cm-a   1      *
cm-b   2      *",
            )
        });
        steps.run("get namespaces (table)", || {
            self.table(
                &["get", "ns", "demo", "other", "default"],
                "
NAME      STATUS   AGE
demo      Active   *
other     Active   *
default   Active   *",
            )
        });
        steps.run("get -o wide", || {
            self.table(
                &["get", "pods", "-n", "demo", "-o", "wide"],
                "
NAME   READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES
web    0/1     Pending   0          *     <none>   <none>   <none>           <none>",
            )
        });
        steps.run("get -o yaml", || {
            self.lines(
                &["get", "cm", "cm-b", "-n", "demo", "-o", "yaml"],
                r#"apiVersion: v1
data:
  colour: blue
  order: "1"
kind: ConfigMap
metadata:
  creationTimestamp: "20*Z"
  labels:
    app: scenario
    tier: back
  name: cm-b
  namespace: demo
  resourceVersion: "*"
  uid: *-*-*-*-*"#,
            )
        });
        steps.run("get -o json (one object)", || self.get_json_object());
        steps.run("get -o json (list)", || self.get_json_list());
        steps.run("get -o name", || {
            self.text(
                &[
                    "get",
                    "cm,pods",
                    "-n",
                    "demo",
                    "-l",
                    "app=scenario",
                    "-o",
                    "name",
                ],
                "configmap/cm-a\nconfigmap/cm-b\npod/web\n",
            )
        });
        steps.run("get -o jsonpath", || {
            self.text(
                &[
                    "get",
                    "cm",
                    "-n",
                    "demo",
                    "-l",
                    "app=scenario",
                    "-o",
                    "jsonpath={.items[*].metadata.name}",
                ],
                "cm-a cm-b",
            )?;
            self.text(
                &[
                    "get",
                    "cm",
                    "-A",
                    "-l",
                    "app=scenario",
                    "-o",
                    r#"jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.data.order}{"\n"}{end}"#,
                ],
                "demo/cm-a=2\ndemo/cm-b=1\nother/cm-c=3\n",
            )
        });
        steps.run("get -o custom-columns", || {
            self.text(
                &[
                    "get",
                    "cm",
                    "-n",
                    "demo",
                    "-l",
                    "app=scenario",
                    "-o",
                    "custom-columns=NAME:.metadata.name,ORDER:.data.order,COLOUR:.data.colour",
                ],
                "NAME   ORDER   COLOUR\ncm-a   2       <none>\ncm-b   1       blue\n",
            )
        });
        steps.run("get -A", || {
            self.table(
                &["get", "cm", "-A", "-l", "app=scenario"],
                "
NAMESPACE   NAME   DATA   AGE
demo        cm-a   1      *
demo        cm-b   2      *
other       cm-c   1      *",
            )
        });
        steps.run("get -l", || {
            self.text(
                &["get", "cm", "-A", "-l", "tier=front", "-o", "name"],
                "configmap/cm-a\nconfigmap/cm-c\n",
            )?;
            self.text(
                &[
                    "get",
                    "cm",
                    "-A",
                    "-l",
                    "app=scenario,tier notin (front)",
                    "-o",
                    "name",
                ],
                "configmap/cm-b\n",
            )?;
            let args = ["get", "cm", "-n", "demo", "-l", "app=nothing"];
            let ran = self.kubectl.run(&args);
            same_text(
                &Self::shown(&args),
                &format!("{}{}", ran.stdout, ran.stderr),
                "No resources found in demo namespace.\n",
            )
        });
        steps.run("get --field-selector (metadata.name)", || {
            self.text(
                &[
                    "get",
                    "cm",
                    "-n",
                    "demo",
                    "--field-selector",
                    "metadata.name=cm-b",
                    "-o",
                    "name",
                ],
                "configmap/cm-b\n",
            )
        });
        steps.run("get --field-selector (pod fields)", || {
            all([
                self.text(
                    &[
                        "get",
                        "pods",
                        "-A",
                        "--field-selector",
                        "status.phase=Pending",
                        "-o",
                        "name",
                    ],
                    "pod/web\n",
                ),
                self.text(
                    &[
                        "get",
                        "pods",
                        "-A",
                        "--field-selector",
                        "spec.nodeName=",
                        "-o",
                        "name",
                    ],
                    "pod/web\n",
                ),
                self.text(
                    &[
                        "get",
                        "pods",
                        "-A",
                        "--field-selector",
                        "status.phase=Running",
                        "-o",
                        "name",
                    ],
                    "",
                ),
            ])
        });
        steps.run("get --field-selector (unsupported field)", || {
            self.error(
                &["get", "cm", "-n", "demo", "--field-selector", "data.x=1"],
                "Error from server (BadRequest): Unable to find \"/v1, Resource=configmaps\" that match label selector \"\", field selector \"data.x=1\": \"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"\n",
            )
        });
        steps.run("get (missing object)", || {
            self.error(
                &["get", "cm", "nope", "-n", "demo"],
                "Error from server (NotFound): configmaps \"nope\" not found\n",
            )
        });
        steps.run("get --chunk-size=2 (7 objects, -o name)", || self.chunked());
        steps.run("get --chunk-size=2 (7 objects, table)", || {
            self.chunked_table()
        });
        steps.run("get --show-labels", || {
            self.table(
                &["get", "cm", "-A", "-l", "app=scenario", "--show-labels"],
                "
NAMESPACE   NAME   DATA   AGE   LABELS
demo        cm-a   1      *     app=scenario,tier=front
demo        cm-b   2      *     app=scenario,tier=back
other       cm-c   1      *     app=scenario,tier=front",
            )
        });
        steps.run("get --sort-by (table)", || {
            self.table(
                &[
                    "get",
                    "cm",
                    "-A",
                    "-l",
                    "app=scenario",
                    "--sort-by=.data.order",
                ],
                "
NAMESPACE   NAME   DATA   AGE
demo        cm-b   2      *
demo        cm-a   1      *
other       cm-c   1      *",
            )
        });
        steps.run("get --sort-by (-o name)", || {
            self.text(
                &[
                    "get",
                    "cm",
                    "-A",
                    "-l",
                    "app=scenario",
                    "--sort-by={.metadata.labels.tier}",
                    "-o",
                    "name",
                ],
                "configmap/cm-b\nconfigmap/cm-a\nconfigmap/cm-c\n",
            )
        });
        steps.run("get -w (change and deletion)", || self.watch());

        steps.run("describe pod", || {
            self.lines(
                &["describe", "pod", "web", "-n", "demo"],
                "Name:             web
Namespace:        demo
Priority:         0
Service Account:  web-sa
Node:             <none>
Labels:           app=scenario
Annotations:      <none>
Status:           Pending
IP:
IPs:              <none>
Containers:
  nginx:
    Image:        nginx:1.27
    Port:         <none>
    Host Port:    <none>
    Environment:  <none>
    Mounts:       <none>
Volumes:          <none>
QoS Class:        BestEffort
Node-Selectors:   <none>
Tolerations:      node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                  node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:           <none>",
            )
        });
        steps.run("describe namespace", || {
            self.lines(
                &["describe", "namespace", "demo"],
                "Name:         demo
Labels:       kubernetes.io/metadata.name=demo
              purpose=scenarios
Annotations:  <none>
Status:       Active

No resource quota.

No LimitRange resource.",
            )
        });

        steps.run("label", || self.label());
        steps.run("annotate", || self.annotate());
        steps.run("replace", || {
            self.text(
                &["replace", "-f", "replace.yaml"],
                "configmap/cm-b replaced\n",
            )?;
            self.text(
                &[
                    "get",
                    "cm",
                    "cm-b",
                    "-n",
                    "demo",
                    "-o",
                    "jsonpath={.data} {.metadata.annotations}",
                ],
                "{\"order\":\"9\"} ",
            )
        });
        steps.run("replace (stale resourceVersion)", || {
            self.error(
                &["replace", "-f", "stale.yaml"],
                "Error from server (Conflict): error when replacing \"stale.yaml\": Operation cannot be fulfilled on configmaps \"cm-b\": the object has been modified; please apply your changes to the latest version and try again\n",
            )
        });

        steps.run("create namespace", || {
            self.text(
                &["create", "namespace", "scratch"],
                "namespace/scratch created\n",
            )?;
            self.table(
                &["get", "ns", "scratch"],
                "
NAME      STATUS   AGE
scratch   Active   *",
            )
        });
        steps.run("create configmap", || {
            self.text(
                &[
                    "create",
                    "configmap",
                    "settings",
                    "-n",
                    "demo",
                    "--from-literal=mode=fast",
                    "--from-literal=level=3",
                ],
                "configmap/settings created\n",
            )?;
            self.text(
                &[
                    "get",
                    "cm",
                    "settings",
                    "-n",
                    "demo",
                    "-o",
                    "jsonpath={.data}",
                ],
                "{\"level\":\"3\",\"mode\":\"fast\"}",
            )
        });
        steps.run("create secret generic", || {
            self.text(
                &[
                    "create",
                    "secret",
                    "generic",
                    "creds",
                    "-n",
                    "demo",
                    "--from-literal=password=s3cr3t",
                ],
                "secret/creds created\n",
            )?;
            self.table(
                &["get", "secret", "creds", "-n", "demo"],
                "
NAME    TYPE     DATA   AGE
creds   Opaque   1      *",
            )?;
            self.text(
                &[
                    "get",
                    "secret",
                    "creds",
                    "-n",
                    "demo",
                    "-o",
                    "jsonpath={.data.password}",
                ],
                "czNjcjN0",
            )
        });
        steps.run("create deployment", || {
            self.text(
                &[
                    "create",
                    "deployment",
                    "web-deploy",
                    "-n",
                    "demo",
                    "--image=nginx:1.27",
                    "--replicas=2",
                ],
                "deployment.apps/web-deploy created\n",
            )?;
            self.table(
                &["get", "deploy", "web-deploy", "-n", "demo", "-o", "wide"],
                "
NAME         READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR
web-deploy   0/2     0            0           *     nginx        nginx:1.27   app=web-deploy",
            )
        });
        steps.run("create serviceaccount", || {
            self.text(
                &["create", "serviceaccount", "robot", "-n", "demo"],
                "serviceaccount/robot created\n",
            )?;
            self.table(
                &["get", "sa", "robot", "-n", "demo"],
                "
NAME    AGE
robot   *",
            )
        });

        steps.run("wait --for=delete", || self.wait_for_delete());
        steps.run("delete (by name)", || {
            self.text(
                &["delete", "cm", "cm-a", "-n", "demo"],
                &self.deleted("configmap", "cm-a", Some("demo")),
            )?;
            self.error(
                &["get", "cm", "cm-a", "-n", "demo"],
                "Error from server (NotFound): configmaps \"cm-a\" not found\n",
            )
        });
        steps.run("delete (unscheduled pod: at once)", || {
            self.text(
                &["delete", "pod", "web", "-n", "demo", "--timeout=20s"],
                &self.deleted("pod", "web", Some("demo")),
            )
        });
        steps.run("delete -l", || {
            let want: String = (0..CHUNKED)
                .map(|i| self.deleted("configmap", &format!("chunk-{i}"), Some("demo")))
                .collect();
            self.text(&["delete", "cm", "-n", "demo", "-l", "set=chunk"], &want)?;
            self.text(
                &["get", "cm", "-n", "demo", "-l", "set=chunk", "-o", "name"],
                "",
            )
        });
        steps.run("delete --all", || {
            let args = ["delete", "cm", "--all", "-n", "other"];
            same_text(
                &Self::shown(&args),
                &without_root_ca(&self.ok(&args)?),
                &self.deleted("configmap", "cm-c", Some("other")),
            )?;
            let args = ["get", "cm", "-n", "other", "-l", "app=scenario"];
            let ran = self.kubectl.run(&args);
            same_text(
                &Self::shown(&args),
                &format!("{}{}", ran.stdout, ran.stderr),
                "No resources found in other namespace.\n",
            )
        });
        steps.run("delete namespace --wait=false", || {
            self.text(
                &["delete", "namespace", "other", "--wait=false"],
                &self.deleted("namespace", "other", None),
            )?;
            // No namespace controller: the namespace stays Terminating (upstream's without
            // kube-controller-manager does too).
            self.lines(
                &[
                    "get",
                    "ns",
                    "other",
                    "-o",
                    "jsonpath={.status.phase} {.metadata.deletionTimestamp}",
                ],
                "Terminating 20*Z",
            )
        });
    }

    /// `kubectl version`: the client's and the server's.
    fn version(&self) -> Result<(), String> {
        let args = ["version"];
        let ran = self.kubectl.run(&args);
        check(ran.status.success(), || {
            format!(
                "{}\nfailed: {}{}",
                Self::shown(&args),
                ran.stdout,
                ran.stderr
            )
        })?;
        same_lines(
            &Self::shown(&args),
            &ran.stdout,
            &format!(
                "Client Version: v1.{}.*\nKustomize Version: v5.*\nServer Version: v1.37.*",
                self.minor
            ),
        )?;
        // kubectl warns about a skew of more than one minor version.
        let warning = if self.minor + 1 < 37 {
            format!(
                "WARNING: version difference between client (1.{}) and server (1.37) exceeds the supported minor version skew of +/-1\n",
                self.minor
            )
        } else {
            String::new()
        };
        same_text(
            &format!("{} (stderr)", Self::shown(&args)),
            &ran.stderr,
            &warning,
        )?;
        let version = self.json(&["version", "-o", "json"])?;
        let server = &version["serverVersion"];
        check(
            server["major"] == "1"
                && server["minor"] == "37"
                && server["platform"] == "linux/amd64",
            || format!("serverVersion not 1.37 on linux/amd64: {server}"),
        )
    }

    /// `kubectl cluster-info` names the server.
    fn cluster_info(&self) -> Result<(), String> {
        let url = self.server_url()?;
        self.text(
            &["cluster-info"],
            &format!(
                "Kubernetes control plane is running at {url}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
            ),
        )
    }

    /// `kubectl auth whoami`: the admin certificate's user, groups and credential id.
    fn whoami(&self) -> Result<(), String> {
        let sha = self.client_cert_sha256()?;
        self.text(
            &["auth", "whoami"],
            &format!(
                "ATTRIBUTE                                           VALUE\n\
                 Username                                            ironkube-admin\n\
                 Groups                                              [system:masters system:authenticated]\n\
                 Extra: authentication.kubernetes.io/credential-id   [X509SHA256={sha}]\n"
            ),
        )
    }

    /// `get -o json` of one object: the object as stored, without managedFields.
    fn get_json_object(&self) -> Result<(), String> {
        let args = ["get", "cm", "cm-b", "-n", "demo", "-o", "json"];
        let got = self.json(&args)?;
        let meta = &got["metadata"];
        let mut keys: Vec<&str> = meta
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        let uid = meta["uid"].as_str().unwrap_or("");
        let rv = meta["resourceVersion"].as_str().unwrap_or("");
        let created = meta["creationTimestamp"].as_str().unwrap_or("");
        check(
            got["apiVersion"] == "v1"
                && got["kind"] == "ConfigMap"
                && got["data"] == json!({"colour": "blue", "order": "1"})
                && meta["name"] == "cm-b"
                && meta["namespace"] == "demo"
                && meta["labels"] == json!({"app": "scenario", "tier": "back"})
                && keys
                    == [
                        "creationTimestamp",
                        "labels",
                        "name",
                        "namespace",
                        "resourceVersion",
                        "uid",
                    ]
                && uid.len() == 36
                && uid.split('-').count() == 5
                && !rv.is_empty()
                && rv.bytes().all(|b| b.is_ascii_digit())
                && created.len() == 20
                && created.ends_with('Z'),
            || {
                format!(
                    "{}\nnot the object upstream prints (apiVersion v1, kind ConfigMap, data, metadata with exactly creationTimestamp (RFC 3339, Z), labels, name, namespace, resourceVersion (decimal), uid (UUID)):\n{got:#}",
                    Self::shown(&args)
                )
            },
        )
    }

    /// `get -o json` of a list: a `v1 List` with the items, each with its apiVersion and kind.
    fn get_json_list(&self) -> Result<(), String> {
        let args = [
            "get",
            "cm",
            "-n",
            "demo",
            "-l",
            "app=scenario",
            "-o",
            "json",
        ];
        let got = self.json(&args)?;
        let items = got["items"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = items
            .iter()
            .filter_map(|i| i["metadata"]["name"].as_str())
            .collect();
        check(
            got["apiVersion"] == "v1"
                && got["kind"] == "List"
                && got["metadata"] == json!({"resourceVersion": ""})
                && names == ["cm-a", "cm-b"]
                && items
                    .iter()
                    .all(|i| i["apiVersion"] == "v1" && i["kind"] == "ConfigMap"),
            || {
                format!(
                    "{}\nnot the list upstream prints (apiVersion v1, kind List, metadata {{resourceVersion: \"\"}}, items cm-a, cm-b each with apiVersion v1 and kind ConfigMap):\n{got:#}",
                    Self::shown(&args)
                )
            },
        )
    }

    /// `--chunk-size=2` over seven objects: four pages, all objects.
    fn chunked(&self) -> Result<(), String> {
        let want: String = (0..CHUNKED)
            .map(|i| format!("configmap/chunk-{i} created\n"))
            .collect();
        self.text(&["create", "-f", "chunk.yaml"], &want)?;

        let args = [
            "get",
            "cm",
            "-n",
            "demo",
            "-l",
            "set=chunk",
            "--chunk-size=2",
            "-o",
            "name",
            "-v=6",
        ];
        let ran = self.kubectl.run(&args);
        let want: String = (0..CHUNKED)
            .map(|i| format!("configmap/chunk-{i}\n"))
            .collect();
        check(ran.status.success(), || {
            format!("{}\nfailed: {}", Self::shown(&args), ran.stderr)
        })?;
        same_text(&Self::shown(&args), &ran.stdout, &want)?;
        // The requests kubectl logged at -v=6: one per page of two.
        let pages: Vec<&str> = ran
            .stderr
            .lines()
            .filter(|l| {
                l.contains("verb=\"GET\"") && l.contains("/configmaps?") && l.contains("limit=2")
            })
            .collect();
        let continued = pages.iter().filter(|l| l.contains("continue=")).count();
        check(
            pages.len() == CHUNKED.div_ceil(2) && continued == pages.len() - 1,
            || {
                format!(
                    "{}\nexpected {} list requests with limit=2, all but the first with continue=; kubectl logged:\n{}",
                    Self::shown(&args),
                    CHUNKED.div_ceil(2),
                    pages.join("\n")
                )
            },
        )
    }

    /// `--chunk-size=2` printing a table: one header over the rows of every page.
    fn chunked_table(&self) -> Result<(), String> {
        let rows: String = (0..CHUNKED)
            .map(|i| format!("\nchunk-{i}   1   *"))
            .collect();
        self.table(
            &[
                "get",
                "cm",
                "-n",
                "demo",
                "-l",
                "set=chunk",
                "--chunk-size=2",
            ],
            &format!("NAME   DATA   AGE{rows}"),
        )
    }

    /// `get -w`: two watchers (a table with events, and names) see a change and a deletion.
    fn watch(&self) -> Result<(), String> {
        self.text(
            &["create", "-f", "watched.yaml"],
            "configmap/watched created\n",
        )?;
        let table_args = [
            "get",
            "cm",
            "-n",
            "demo",
            "-l",
            "app=watch",
            "-w",
            "--output-watch-events",
        ];
        let names_args = [
            "get",
            "cm",
            "-n",
            "demo",
            "-l",
            "app=watch",
            "-w",
            "-o",
            "name",
        ];
        let mut table = self.kubectl.spawn(&table_args);
        let mut names = self.kubectl.spawn(&names_args);
        let wait = Duration::from_secs(15);
        // The change comes after the initial list has been printed, so it is a watch event.
        let listed = table.wait_for_lines(2, wait) & names.wait_for_lines(1, wait);
        self.text(
            &[
                "patch",
                "cm",
                "watched",
                "-n",
                "demo",
                "--type=merge",
                "-p",
                r#"{"data":{"b":"2"}}"#,
            ],
            "configmap/watched patched\n",
        )?;
        let changed = table.wait_for_lines(3, wait) & names.wait_for_lines(2, wait);
        self.text(
            &["delete", "cm", "watched", "-n", "demo"],
            &self.deleted("configmap", "watched", Some("demo")),
        )?;
        let gone = table.wait_for_lines(4, wait) & names.wait_for_lines(3, wait);
        let (table_lines, table_err) = table.stop();
        let (name_lines, names_err) = names.stop();
        let note = if listed && changed && gone {
            String::new()
        } else {
            format!(
                " (waited {}s per event; listed: {listed}, change seen: {changed}, deletion seen: {gone})",
                wait.as_secs()
            )
        };
        all([
            same_table(
                &format!("{}{note}\nstderr: {table_err}", Self::shown(&table_args)),
                &table_lines.join("\n"),
                "
EVENT      NAME      DATA   AGE
ADDED      watched   1      *
MODIFIED   watched   2      *
DELETED    watched   2      *",
            ),
            same_text(
                &format!("{}{note}\nstderr: {names_err}", Self::shown(&names_args)),
                &name_lines.join("\n"),
                "configmap/watched\nconfigmap/watched\nconfigmap/watched",
            ),
        ])
    }

    /// `wait --for=delete` returns when the object goes.
    fn wait_for_delete(&self) -> Result<(), String> {
        self.text(
            &["create", "-f", "doomed.yaml"],
            "configmap/doomed created\n",
        )?;
        let args = [
            "wait",
            "--for=delete",
            "cm/doomed",
            "-n",
            "demo",
            "--timeout=30s",
            "-v=6",
        ];
        let mut waiter = self.kubectl.spawn(&args);
        // Delete only once kubectl watches: found gone at its first look, the object would not
        // be waited for at all.
        let watching = waiter.wait_for_stderr("watch=true", Duration::from_secs(15));
        if !watching {
            let (lines, stderr) = waiter.stop();
            return Err(format!(
                "{}
never started watching within 15 s:
{}
{stderr}",
                Self::shown(&args),
                lines.join("\n")
            ));
        }
        self.text(
            &["delete", "cm", "doomed", "-n", "demo", "--wait=false"],
            &self.deleted("configmap", "doomed", Some("demo")),
        )?;
        let status = waiter.wait_exit(Duration::from_secs(15));
        let (lines, stderr) = waiter.stop();
        check(status.is_some_and(|s| s.success()), || {
            format!(
                "{}\ndid not succeed within 15 s of the deletion ({status:?}):\n{}\n{stderr}",
                Self::shown(&args),
                lines.join("\n")
            )
        })?;
        same_text(
            &Self::shown(&args),
            &lines.join("\n"),
            "configmap/doomed condition met",
        )
    }

    /// `label`: add, refuse to overwrite, overwrite, remove, and by selector.
    fn label(&self) -> Result<(), String> {
        self.text(
            &["label", "cm", "cm-a", "-n", "demo", "colour=red"],
            "configmap/cm-a labeled\n",
        )?;
        self.error(
            &["label", "cm", "cm-a", "-n", "demo", "tier=back"],
            "error: 'tier' already has a value (front), and --overwrite is false\n",
        )?;
        self.text(
            &[
                "label",
                "cm",
                "cm-a",
                "-n",
                "demo",
                "tier=back",
                "--overwrite",
            ],
            "configmap/cm-a labeled\n",
        )?;
        self.text(
            &["label", "cm", "cm-a", "-n", "demo", "colour-"],
            "configmap/cm-a unlabeled\n",
        )?;
        self.text(
            &[
                "get",
                "cm",
                "cm-a",
                "-n",
                "demo",
                "-o",
                "jsonpath={.metadata.labels}",
            ],
            r#"{"app":"scenario","tier":"back"}"#,
        )?;
        self.text(
            &[
                "label",
                "cm",
                "-n",
                "demo",
                "-l",
                "app=scenario",
                "reviewed=yes",
            ],
            "configmap/cm-a labeled\nconfigmap/cm-b labeled\n",
        )?;
        self.text(
            &[
                "get",
                "cm",
                "-n",
                "demo",
                "-l",
                "reviewed=yes",
                "-o",
                "name",
            ],
            "configmap/cm-a\nconfigmap/cm-b\n",
        )
    }

    /// `annotate`: add and remove.
    fn annotate(&self) -> Result<(), String> {
        self.text(
            &["annotate", "cm", "cm-b", "-n", "demo", "note=hello"],
            "configmap/cm-b annotated\n",
        )?;
        self.text(
            &[
                "get",
                "cm",
                "cm-b",
                "-n",
                "demo",
                "-o",
                "jsonpath={.metadata.annotations}",
            ],
            r#"{"note":"hello"}"#,
        )?;
        self.text(
            &[
                "annotate",
                "cm",
                "cm-b",
                "-n",
                "demo",
                "note=bye",
                "--overwrite",
            ],
            "configmap/cm-b annotated\n",
        )?;
        self.text(
            &[
                "get",
                "cm",
                "cm-b",
                "-n",
                "demo",
                "-o",
                "jsonpath={.metadata.annotations.note}",
            ],
            "bye",
        )
    }

    /// A snapshot of the objects and their identities: kind, namespace, name, uid and
    /// resourceVersion of every ConfigMap and Namespace (and the other kinds the steps made).
    fn snapshot(&self) -> Result<String, String> {
        self.ok(&[
            "get",
            "cm,ns,sa,secrets,deploy",
            "-A",
            "-o",
            r#"jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} uid={.metadata.uid} rv={.metadata.resourceVersion}{"\n"}{end}"#,
        ])
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// Runs every step with the kubectl of minor version `minor` against a fresh `ironkube server`,
/// then restarts the server on the same data directory and checks that nothing changed.
fn scenarios_against_ironkube(minor: u32) {
    let bins = kubectl_binaries();
    let Some(bin) = bins.iter().find(|b| kubectl_minor(b) == Some(minor)) else {
        panic!("no kubectl 1.{minor} among {bins:?} (scripts/kubectl-versions.sh installs it)");
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Some(Server::start(&data, port));
    let scenario = Scenario::new(
        bin,
        minor,
        &data.join("admin.kubeconfig"),
        &dir.path().join("work"),
    );
    let mut steps = Steps::new(&format!("kubectl 1.{minor}"), "scenario");
    scenario.run_all(&mut steps);

    steps.run("restart keeps every object and its resourceVersion", || {
        let before = scenario.snapshot()?;
        // The manifests' objects at least (the other steps' are there when those passed).
        check(
            [
                "ConfigMap demo/cm-b ",
                "Namespace /demo ",
                "ServiceAccount demo/web-sa ",
            ]
            .iter()
            .all(|object| before.contains(object)),
            || format!("the manifests' objects are missing before the restart:\n{before}"),
        )?;
        let status = server.take().expect("server running").terminate();
        check(status.success(), || {
            format!("the server exited with {status} on SIGTERM")
        })?;
        server = Some(Server::start(&data, port));
        let after = scenario.snapshot()?;
        same_text(
            "every object after the restart (\"upstream prints\": as before the restart)",
            &after,
            &before,
        )
    });
    steps.run("writes after the restart", || {
        scenario.text(
            &["create", "-f", "watched.yaml"],
            "configmap/watched created\n",
        )?;
        scenario.text(
            &[
                "get",
                "cm",
                "watched",
                "-n",
                "demo",
                "-o",
                "jsonpath={.data.a}",
            ],
            "1",
        )
    });
    steps.finish();
}

#[test]
fn kubectl_1_33_scenarios() {
    scenarios_against_ironkube(33);
}

#[test]
fn kubectl_1_37_scenarios() {
    scenarios_against_ironkube(37);
}

/// The same steps against another cluster, to check the expectations against upstream's
/// kube-apiserver (see the module documentation).
#[test]
#[ignore = "needs IRONKUBE_SCENARIOS_KUBECONFIG: a fresh upstream kube-apiserver"]
fn scenarios_against_the_cluster_in_env() {
    let kubeconfig = PathBuf::from(
        std::env::var("IRONKUBE_SCENARIOS_KUBECONFIG")
            .expect("IRONKUBE_SCENARIOS_KUBECONFIG names the cluster's kubeconfig"),
    );
    let bin = match std::env::var("IRONKUBE_SCENARIOS_KUBECTL") {
        Ok(bin) => PathBuf::from(bin),
        Err(_) => kubectl_binaries()
            .into_iter()
            .max_by_key(|b| kubectl_minor(b))
            .expect("a kubectl"),
    };
    let minor = kubectl_minor(&bin).expect("kubectl's version");
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::new(&bin, minor, &kubeconfig, dir.path());
    let mut steps = Steps::new(&format!("kubectl 1.{minor} (cluster from env)"), "scenario");
    scenario.run_all(&mut steps);
    steps.finish();
}
