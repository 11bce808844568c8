//! Custom resources in a real `ironkube server`: a CustomResourceDefinition is named,
//! established and served (discovery, kubectl get with its printer columns, status and scale
//! subresources); deleting it removes its objects first; namespace deletion and the garbage
//! collector cover custom resources. Driven with kubectl and kube-rs.
//! Run with: `cargo test -p ironkube --test custom_resources`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use cluster::Cluster;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::json;

/// A namespaced `Widget` definition with status and scale subresources and printer columns.
const WIDGETS: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.ironkube.dev
spec:
  group: test.ironkube.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              replicas: {type: integer}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"#;

/// Applies `yaml` with kubectl.
fn apply(cluster: &Cluster, name: &str, yaml: &str) {
    let path = cluster.dir().join(name);
    std::fs::write(&path, yaml).unwrap();
    cluster.kubectl_ok(&["apply", "-f", path.to_str().unwrap()]);
}

/// Creates the Widget definition and waits until it is established.
fn define_widgets(cluster: &Cluster) {
    apply(cluster, "widgets-crd.yaml", WIDGETS);
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.test.ironkube.dev",
        "--timeout=30s",
    ]);
}

fn widget(name: &str, replicas: i64, color: &str) -> String {
    format!(
        "apiVersion: test.ironkube.dev/v1\nkind: Widget\nmetadata: {{name: {name}}}\n\
         spec: {{replicas: {replicas}, color: {color}}}\nstatus: {{replicas: 99}}\n"
    )
}

#[test]
fn definitions_are_named_established_and_served() {
    let cluster = Cluster::start();
    define_widgets(&cluster);
    let conditions = cluster.kubectl_ok(&[
        "get",
        "crd",
        "widgets.test.ironkube.dev",
        "-o",
        "jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason} {end}|{.status.storedVersions}",
    ]);
    assert_eq!(
        conditions,
        "NamesAccepted=True/NoConflicts Established=True/InitialNamesAccepted |[\"v1\"]"
    );

    // Discovery: kubectl finds the resource by its short name.
    let resources = cluster.kubectl_ok(&["api-resources", "--api-group=test.ironkube.dev"]);
    assert!(
        resources.contains("widgets") && resources.contains("wdg") && resources.contains("Widget"),
        "{resources}"
    );

    apply(&cluster, "w1.yaml", &widget("w1", 2, "blue"));
    // A create drops the status (the status subresource owns it).
    let status = cluster.kubectl_ok(&["get", "wdg", "w1", "-o", "jsonpath={.status}"]);
    assert_eq!(status, "");
    // The printer columns.
    let table = cluster.kubectl_ok(&["get", "widgets"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "REPLICAS", "COLOR"], "{table}");
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row, ["w1", "2", "blue"], "{table}");

    // Status and scale subresources.
    cluster.kubectl_ok(&[
        "patch",
        "widget",
        "w1",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"replicas":2},"spec":{"color":"ignored"}}"#,
    ]);
    cluster.kubectl_ok(&["scale", "widget", "w1", "--replicas=5"]);
    let fields = cluster.kubectl_ok(&[
        "get",
        "widget",
        "w1",
        "-o",
        "jsonpath={.spec.replicas} {.spec.color} {.status.replicas} {.metadata.generation}",
    ]);
    assert_eq!(fields, "5 blue 2 2");

    // A second definition asking for a kind the group has already given out is not accepted.
    apply(
        &cluster,
        "gadgets-crd.yaml",
        &WIDGETS
            .replace("widgets.test", "gadgets.test")
            .replace("plural: widgets", "plural: gadgets")
            .replace("singular: widget", "singular: gadget")
            .replace("shortNames: [wdg]", "shortNames: [gdg]"),
    );
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=NamesAccepted=False",
        "crd/gadgets.test.ironkube.dev",
        "--timeout=30s",
    ]);
    let refused = cluster.kubectl_ok(&[
        "get",
        "crd",
        "gadgets.test.ironkube.dev",
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"NamesAccepted\")].reason}: {.status.conditions[?(@.type==\"NamesAccepted\")].message}",
    ]);
    // Kind and list kind both conflict; upstream reports the last check's.
    assert_eq!(
        refused,
        "ListKindConflict: \"WidgetList\" is already in use"
    );
    let missing = cluster.kubectl(&["get", "gadgets"]);
    assert!(!missing.status.success());

    // Deleting the definition deletes its objects first; one held by a finalizer keeps it.
    cluster.kubectl_ok(&[
        "patch",
        "widget",
        "w1",
        "--type=merge",
        "-p",
        r#"{"metadata":{"finalizers":["test.ironkube.dev/hold"]}}"#,
    ]);
    apply(&cluster, "w2.yaml", &widget("w2", 1, "red"));
    cluster.kubectl_ok(&["delete", "crd", "widgets.test.ironkube.dev", "--wait=false"]);
    cluster.kubectl_ok(&["wait", "--for=delete", "widget/w2", "--timeout=30s"]);
    let terminating = cluster.kubectl_ok(&[
        "get",
        "crd",
        "widgets.test.ironkube.dev",
        "-o",
        "jsonpath={.metadata.finalizers} {.status.conditions[?(@.type==\"Terminating\")].reason}",
    ]);
    assert_eq!(
        terminating,
        "[\"customresourcecleanup.apiextensions.k8s.io\"] InstanceDeletionInProgress"
    );
    let held = cluster.kubectl_ok(&[
        "get",
        "widget",
        "w1",
        "-o",
        "jsonpath={.metadata.deletionTimestamp}",
    ]);
    assert!(!held.is_empty(), "w1 is marked for deletion");
    // No new objects while the definition is terminating.
    let path = cluster.dir().join("w3.yaml");
    std::fs::write(&path, widget("w3", 1, "green")).unwrap();
    let refused = cluster.kubectl(&["create", "-f", path.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("create not allowed while custom resource definition is terminating"),
        "{refused:?}"
    );
    cluster.kubectl_ok(&[
        "patch",
        "widget",
        "w1",
        "--type=merge",
        "-p",
        r#"{"metadata":{"finalizers":null}}"#,
    ]);
    cluster.kubectl_ok(&[
        "wait",
        "--for=delete",
        "crd/widgets.test.ironkube.dev",
        "--timeout=30s",
    ]);
    let gone = cluster.kubectl(&["get", "--raw", "/apis/test.ironkube.dev/v1/widgets"]);
    assert!(!gone.status.success());
    // The conflicting definition now gets its names.
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=Established",
        "crd/gadgets.test.ironkube.dev",
        "--timeout=30s",
    ]);
    cluster.kubectl_ok(&["get", "gadgets"]);
}

#[tokio::test]
async fn namespaces_and_the_garbage_collector_cover_custom_resources() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    define_widgets(&cluster);
    let resource =
        ApiResource::from_gvk(&GroupVersionKind::gvk("test.ironkube.dev", "v1", "Widget"));
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
    let create = |name: &str, owner: Option<serde_json::Value>| {
        let mut object = json!({
            "apiVersion": "test.ironkube.dev/v1",
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": {"replicas": 1},
        });
        if let Some(owner) = owner {
            object["metadata"]["ownerReferences"] = json!([owner]);
        }
        serde_json::from_value::<DynamicObject>(object).unwrap()
    };

    // A ConfigMap owned by a Widget goes with it.
    let owner = widgets
        .create(&PostParams::default(), &create("owner", None))
        .await
        .unwrap();
    let owner_uid = owner.metadata.uid.clone().unwrap();
    cluster.kubectl_ok(&["create", "configmap", "owned-by-widget"]);
    cluster.kubectl_ok(&[
        "patch",
        "configmap",
        "owned-by-widget",
        "--type=merge",
        "-p",
        &json!({"metadata": {"ownerReferences": [{
            "apiVersion": "test.ironkube.dev/v1", "kind": "Widget",
            "name": "owner", "uid": owner_uid}]}})
        .to_string(),
    ]);
    // The collector has to know the dependent before the owner goes.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    cluster.kubectl_ok(&["delete", "widget", "owner"]);
    cluster.kubectl_ok(&[
        "wait",
        "--for=delete",
        "configmap/owned-by-widget",
        "--timeout=60s",
    ]);

    // A Widget owned by a ConfigMap goes with it.
    cluster.kubectl_ok(&["create", "configmap", "widget-owner"]);
    let map_uid = cluster.kubectl_ok(&[
        "get",
        "configmap",
        "widget-owner",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    widgets
        .create(
            &PostParams::default(),
            &create(
                "dependent",
                Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
                            "name": "widget-owner", "uid": map_uid})),
            ),
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    cluster.kubectl_ok(&["delete", "configmap", "widget-owner"]);
    cluster.kubectl_ok(&["wait", "--for=delete", "widget/dependent", "--timeout=60s"]);

    // Deleting a namespace deletes its Widgets.
    cluster.kubectl_ok(&["create", "namespace", "widgets"]);
    let in_namespace: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "widgets", &resource);
    for i in 0..5 {
        in_namespace
            .create(&PostParams::default(), &create(&format!("w{i}"), None))
            .await
            .unwrap();
    }
    cluster.kubectl_ok(&["delete", "namespace", "widgets", "--timeout=60s"]);
    let left = cluster.kubectl_ok(&["get", "widgets", "-A", "-o", "name"]);
    assert_eq!(left, "");
}
