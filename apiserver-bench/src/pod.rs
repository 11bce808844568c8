//! The pod every create sends: about 2 KiB of JSON shaped like a Deployment's pod with a
//! sidecar (labels, annotations, probes, resources, env, volumes, tolerations).

use bytes::Bytes;
use serde_json::json;

/// Stands for the pod's name in the rendered template.
const NAME_MARK: &str = "@@NAME@@";

/// The pod JSON, rendered once, with the name spliced in per request.
#[derive(Clone, Debug)]
pub(crate) struct PodTemplate {
    /// The JSON before the name.
    before: String,
    /// The JSON after the name.
    after: String,
}

impl PodTemplate {
    /// Renders the template.
    pub(crate) fn new() -> Self {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": NAME_MARK,
                "labels": {
                    "app.kubernetes.io/name": "checkout",
                    "app.kubernetes.io/instance": "checkout-prod",
                    "app.kubernetes.io/component": "api",
                    "app.kubernetes.io/part-of": "shop",
                    "pod-template-hash": "7d9f8c6b5d",
                    "tier": "backend"
                },
                "annotations": {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": "9090",
                    "kubectl.kubernetes.io/default-container": "checkout"
                }
            },
            "spec": {
                "automountServiceAccountToken": false,
                "terminationGracePeriodSeconds": 30,
                "restartPolicy": "Always",
                "dnsPolicy": "ClusterFirst",
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001},
                "containers": [
                    {
                        "name": "checkout",
                        "image": "registry.example.invalid/shop/checkout:v1.42.7",
                        "imagePullPolicy": "IfNotPresent",
                        "args": ["--listen=:8080", "--metrics=:9090", "--log-level=info"],
                        "ports": [
                            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                            {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}
                        ],
                        "env": [
                            {"name": "DATABASE_HOST", "value": "checkout-db.shop.svc.cluster.local"},
                            {"name": "DATABASE_PORT", "value": "5432"},
                            {"name": "CACHE_URL", "value": "redis://checkout-cache.shop.svc:6379/0"},
                            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}
                        ],
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"cpu": "1", "memory": "512Mi"}
                        },
                        "livenessProbe": {
                            "httpGet": {"path": "/healthz", "port": "http"},
                            "initialDelaySeconds": 10,
                            "periodSeconds": 10
                        },
                        "readinessProbe": {
                            "httpGet": {"path": "/ready", "port": "http"},
                            "periodSeconds": 5,
                            "failureThreshold": 3
                        },
                        "volumeMounts": [
                            {"name": "config", "mountPath": "/etc/checkout", "readOnly": true},
                            {"name": "tmp", "mountPath": "/tmp"}
                        ]
                    },
                    {
                        "name": "log-shipper",
                        "image": "registry.example.invalid/infra/log-shipper:2.3.1",
                        "args": ["--input=/var/log/app"],
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"cpu": "200m", "memory": "128Mi"}
                        },
                        "volumeMounts": [{"name": "tmp", "mountPath": "/var/log/app"}]
                    }
                ],
                "volumes": [
                    {"name": "config", "configMap": {"name": "checkout-config"}},
                    {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}
                ],
                "tolerations": [
                    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                ]
            }
        });
        let text = pod.to_string();
        let (before, after) = text
            .split_once(NAME_MARK)
            .map(|(b, a)| (b.to_string(), a.to_string()))
            .unwrap_or_default();
        Self { before, after }
    }

    /// The pod named `name` as a request body.
    pub(crate) fn render(&self, name: &str) -> Bytes {
        let mut body = String::with_capacity(self.before.len() + name.len() + self.after.len());
        body.push_str(&self.before);
        body.push_str(name);
        body.push_str(&self.after);
        Bytes::from(body)
    }
}

/// The name of the `index`-th pod a fill creates (zero-padded so names sort as they count).
pub(crate) fn fill_name(index: usize) -> String {
    format!("pod-{index:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_two_kib_pod_with_the_name() {
        let template = PodTemplate::new();
        let body = template.render("pod-00042");
        let pod: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(pod["metadata"]["name"], "pod-00042");
        assert_eq!(pod["kind"], "Pod");
        assert_eq!(pod["spec"]["containers"].as_array().unwrap().len(), 2);
        assert!(
            (1800..=2400).contains(&body.len()),
            "{} bytes is not about 2 KiB",
            body.len()
        );
        // The watch benchmark finds an event's resourceVersion by its key: the pod must not
        // carry one of its own.
        assert!(!String::from_utf8_lossy(&body).contains("resourceVersion"));
    }

    #[test]
    fn fill_names_sort_as_they_count() {
        assert_eq!(fill_name(7), "pod-00007");
        assert!(fill_name(999) < fill_name(1000));
    }
}
