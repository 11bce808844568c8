//! Upstream's etcd key layout: `<etcd-prefix>/<resource-prefix>/[<namespace>/]<name>`.
//!
//! Built-in resources are stored under their plural name without their group, with a handful
//! of historical overrides (`DefaultStorageFactory.ResourcePrefix` in kube-apiserver); custom
//! resources and the aggregator's and apiextensions' own types carry their group.

use super::StorageError;

/// kube-apiserver's default `--etcd-prefix`.
pub const DEFAULT_ETCD_PREFIX: &str = "/registry";

/// The resource prefix of a built-in resource: its plural name, or upstream's override.
pub fn builtin_resource_prefix(resource: &str) -> &str {
    match resource {
        "replicationcontrollers" => "controllers",
        "endpoints" => "services/endpoints",
        "services" => "services/specs",
        "nodes" => "minions",
        "ingresses" => "ingress",
        other => other,
    }
}

/// The resource prefix of a custom resource (and of resources served by the apiextensions and
/// aggregator servers): `<group>/<plural>`.
pub fn group_resource_prefix(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{group}/{resource}")
    }
}

/// Where one resource's objects live: `<etcd-prefix>/<resource-prefix>/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLayout {
    /// The resource's key prefix, always ending in `/`.
    root: String,
    namespaced: bool,
}

impl KeyLayout {
    /// The layout for a resource stored under `resource_prefix` below `etcd_prefix`.
    pub fn new(etcd_prefix: &str, resource_prefix: &str, namespaced: bool) -> Self {
        let etcd_prefix = etcd_prefix.trim_end_matches('/');
        let resource_prefix = resource_prefix.trim_matches('/');
        Self {
            root: format!("{etcd_prefix}/{resource_prefix}/"),
            namespaced,
        }
    }

    /// Whether objects of this resource live in namespaces.
    pub fn namespaced(&self) -> bool {
        self.namespaced
    }

    /// The prefix every key of this resource starts with (ends in `/`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The prefix of a list: the whole resource, or one namespace of it (ends in `/`).
    pub fn list_prefix(&self, namespace: Option<&str>) -> Result<String, StorageError> {
        match namespace.filter(|ns| !ns.is_empty()) {
            Some(ns) if self.namespaced => {
                check_segment(ns)?;
                Ok(format!("{}{ns}/", self.root))
            }
            _ => Ok(self.root.clone()),
        }
    }

    /// The key of one object. Namespaced resources need a namespace; names and namespaces must
    /// be single path segments that are not `.` or `..` (upstream's `PrepareKey` and
    /// `IsValidPathSegmentName`).
    pub fn object_key(&self, namespace: Option<&str>, name: &str) -> Result<String, StorageError> {
        check_segment(name)?;
        match (self.namespaced, namespace.filter(|ns| !ns.is_empty())) {
            (true, Some(ns)) => {
                check_segment(ns)?;
                Ok(format!("{}{ns}/{name}", self.root))
            }
            (true, None) => Err(StorageError::InvalidKey(format!(
                "namespace is required to build the key of {name:?}"
            ))),
            (false, _) => Ok(format!("{}{name}", self.root)),
        }
    }
}

fn check_segment(segment: &str) -> Result<(), StorageError> {
    if segment.is_empty() {
        return Err(StorageError::InvalidKey(format!("empty key: {segment:?}")));
    }
    if segment == "." || segment == ".." || segment.contains('/') || segment.contains('%') {
        return Err(StorageError::InvalidKey(format!(
            "invalid key: {segment:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_as_upstream() {
        assert_eq!(builtin_resource_prefix("services"), "services/specs");
        assert_eq!(builtin_resource_prefix("endpoints"), "services/endpoints");
        assert_eq!(builtin_resource_prefix("nodes"), "minions");
        assert_eq!(
            builtin_resource_prefix("replicationcontrollers"),
            "controllers"
        );
        assert_eq!(builtin_resource_prefix("ingresses"), "ingress");
        assert_eq!(builtin_resource_prefix("deployments"), "deployments");
        assert_eq!(
            group_resource_prefix("example.com", "widgets"),
            "example.com/widgets"
        );
    }

    #[test]
    fn keys() {
        let pods = KeyLayout::new(DEFAULT_ETCD_PREFIX, "pods", true);
        assert_eq!(
            pods.object_key(Some("default"), "web").unwrap(),
            "/registry/pods/default/web"
        );
        assert_eq!(pods.list_prefix(None).unwrap(), "/registry/pods/");
        assert_eq!(pods.list_prefix(Some("ns")).unwrap(), "/registry/pods/ns/");
        let nodes = KeyLayout::new("/registry/", builtin_resource_prefix("nodes"), false);
        assert_eq!(
            nodes.object_key(None, "n1").unwrap(),
            "/registry/minions/n1"
        );
    }

    #[test]
    fn bad_segments_are_refused() {
        let pods = KeyLayout::new(DEFAULT_ETCD_PREFIX, "pods", true);
        for name in ["", ".", "..", "a/b", "a%2F"] {
            assert!(
                matches!(
                    pods.object_key(Some("default"), name),
                    Err(StorageError::InvalidKey(_))
                ),
                "{name:?}"
            );
        }
        assert!(pods.object_key(Some(".."), "x").is_err());
        assert!(pods.object_key(None, "x").is_err());
    }
}
