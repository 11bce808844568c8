//! The built-in resource registry: every group, version and resource kube-apiserver v1.37 serves
//! by default, and what discovery, the generic handler and storage need to know about each.
//!
//! A default kube-apiserver v1.37 serves only GA versions: `DefaultAPIResourceConfigSource`
//! disables every beta and alpha group version, and every feature gate that guards a resource of
//! a GA version (`ClusterTrustBundle`, `PodCertificateRequest`, `StorageVersionMigrator`) is on by
//! default. Group, version, kind, list kind, plural and scope come from k8s-openapi's
//! [`Resource`] and [`ListableResource`] traits; verbs, short names, categories and
//! subresources, which k8s-openapi does not carry, come from this module's own table, written
//! to match upstream's discovery documents (checked by `tests/upstream_discovery.rs`).

use std::collections::HashMap;

use ironkube_storage::object::{
    DEFAULT_ETCD_PREFIX, KeyLayout, builtin_resource_prefix, group_resource_prefix,
};
use k8s_openapi::{ClusterResourceScope, ListableResource, NamespaceResourceScope, Resource};

/// What a resource (or a subresource) can be asked to do, as discovery lists its verbs.
pub type Verbs = &'static [&'static str];

/// Every verb of a stored resource, in upstream's discovery order.
const ALL_VERBS: Verbs = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Namespaces: everything but deletecollection.
const NO_DELETECOLLECTION: Verbs = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
/// Reviews and bindings: create only.
const CREATE: Verbs = &["create"];
/// Component statuses: read only, no watch.
const GET_LIST: Verbs = &["get", "list"];
/// The verbs of the `status` and `scale` subresources.
const SUBRESOURCE_VERBS: Verbs = &["get", "patch", "update"];

/// One subresource of a resource, as discovery lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubresourceInfo {
    /// The subresource's path segment: `status` or `scale`.
    pub name: &'static str,
    /// The group of the object the subresource accepts and returns (`autoscaling` for `scale`,
    /// the resource's own group for `status`).
    pub group: &'static str,
    /// The version of that object (`v1` for `scale`, the resource's own version for `status`).
    pub version: &'static str,
    /// The kind of that object (`Scale` for `scale`, the resource's own kind for `status`).
    pub kind: &'static str,
    /// The subresource's verbs, in upstream's discovery order.
    pub verbs: Verbs,
    /// Whether discovery lists it (upstream serves `certificatesigningrequests/approval`
    /// without listing it).
    pub discoverable: bool,
}

/// Where and how upstream stores a resource's objects in etcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageInfo {
    /// The group whose storage holds the objects. It differs from the resource's group only for
    /// `events.k8s.io` events, which share the core group's `events` storage, as upstream.
    pub group: &'static str,
    /// The version objects are encoded at in storage: the group's preferred version, except
    /// where upstream keeps an older one for one release so that a downgrade can read the data
    /// (`clustertrustbundles`, `podcertificaterequests`, `storageversionmigrations` at
    /// `v1beta1`; `devicetaintrules` at `v1beta2`).
    pub version: &'static str,
    /// The key layout: `<etcd-prefix>/<plural or upstream's override>/`, or
    /// `<etcd-prefix>/<group>/<plural>/` for the apiextensions and aggregator resources.
    pub keys: KeyLayout,
}

/// Everything the API server knows about one built-in group/version/resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// The API group; empty for the core (legacy) group.
    pub group: &'static str,
    /// The version within the group, such as `v1` or `v2`.
    pub version: &'static str,
    /// The plural resource name, as in URLs: `pods`.
    pub resource: &'static str,
    /// The singular name: upstream's rule, the kind in lower case (`pod`).
    pub singular: String,
    /// The kind of the objects: `Pod`.
    pub kind: &'static str,
    /// The kind of a list of them (`PodList`); `None` for resources that cannot be listed
    /// (reviews, bindings).
    pub list_kind: Option<&'static str>,
    /// Whether objects live in namespaces (scope `Namespaced`) or not (scope `Cluster`).
    pub namespaced: bool,
    /// The resource's verbs, in upstream's discovery order.
    pub verbs: Verbs,
    /// Short names `kubectl` accepts for the resource (`po`).
    pub short_names: &'static [&'static str],
    /// Categories the resource belongs to (`all`, `api-extensions`).
    pub categories: &'static [&'static str],
    /// The `status`, `scale`, `finalize` and `approval` subresources, where upstream has them,
    /// in discovery order.
    ///
    /// Known missing, left to later issues: `pods/binding`, `pods/eviction`, `pods/exec`,
    /// `pods/log`, `pods/proxy`, `pods/attach`, `pods/portforward`, `pods/ephemeralcontainers`,
    /// `pods/resize`, `nodes/proxy`, `services/proxy` and `serviceaccounts/token`.
    pub subresources: Vec<SubresourceInfo>,
    /// Whether `version` is the group's preferred version (the first one discovery lists).
    pub preferred: bool,
    /// Where objects are stored; `None` for resources that are not stored (reviews, bindings,
    /// component statuses).
    pub storage: Option<StorageInfo>,
    /// What a CustomResourceDefinition says about a custom resource; `None` for built-ins.
    pub custom: Option<std::sync::Arc<crate::crd::CustomResource>>,
}

impl SubresourceInfo {
    /// The `status` subresource of a resource of `kind` at `group`/`version`.
    pub fn status(group: &'static str, version: &'static str, kind: &'static str) -> Self {
        Self {
            name: "status",
            group,
            version,
            kind,
            verbs: SUBRESOURCE_VERBS,
            discoverable: true,
        }
    }

    /// The `scale` subresource: `autoscaling/v1` `Scale`.
    pub fn scale() -> Self {
        Self {
            name: "scale",
            group: "autoscaling",
            version: "v1",
            kind: "Scale",
            verbs: SUBRESOURCE_VERBS,
            discoverable: true,
        }
    }
}

impl ResourceInfo {
    /// The subresource called `name`, if the resource has it.
    pub fn subresource(&self, name: &str) -> Option<&SubresourceInfo> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// Whether the resource supports `verb`.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }
}

/// One API group with the versions it serves, preferred first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupInfo {
    /// The group's name; empty for the core group (served under `/api`).
    pub name: &'static str,
    /// The group's versions in discovery order: the preferred version first.
    pub versions: Vec<&'static str>,
}

impl GroupInfo {
    /// The group's preferred version.
    pub fn preferred_version(&self) -> &'static str {
        self.versions.first().copied().unwrap_or_default()
    }
}

/// The built-in groups in upstream's discovery order (the core group first, then `/apis` in the
/// order of the aggregator's group priorities), each with its versions, preferred first.
const GROUPS: &[(&str, &[&str])] = &[
    ("", &["v1"]),
    ("apiregistration.k8s.io", &["v1"]),
    ("apps", &["v1"]),
    ("events.k8s.io", &["v1"]),
    ("authentication.k8s.io", &["v1"]),
    ("authorization.k8s.io", &["v1"]),
    ("autoscaling", &["v2", "v1"]),
    ("batch", &["v1"]),
    ("certificates.k8s.io", &["v1"]),
    ("networking.k8s.io", &["v1"]),
    ("policy", &["v1"]),
    ("rbac.authorization.k8s.io", &["v1"]),
    ("storage.k8s.io", &["v1"]),
    ("admissionregistration.k8s.io", &["v1"]),
    ("apiextensions.k8s.io", &["v1"]),
    ("scheduling.k8s.io", &["v1"]),
    ("coordination.k8s.io", &["v1"]),
    ("node.k8s.io", &["v1"]),
    ("discovery.k8s.io", &["v1"]),
    ("resource.k8s.io", &["v1"]),
    ("flowcontrol.apiserver.k8s.io", &["v1"]),
    ("storagemigration.k8s.io", &["v1"]),
];

/// Group-resources upstream stores at a version other than the group's preferred one
/// (`NewStorageFactoryConfigEffectiveVersion` in kube-apiserver: kept for one release so that a
/// downgrade can read what was written).
const STORAGE_VERSION_OVERRIDES: &[(&str, &str, &str)] = &[
    ("certificates.k8s.io", "clustertrustbundles", "v1beta1"),
    ("certificates.k8s.io", "podcertificaterequests", "v1beta1"),
    (
        "storagemigration.k8s.io",
        "storageversionmigrations",
        "v1beta1",
    ),
    ("resource.k8s.io", "devicetaintrules", "v1beta2"),
    // The apiextensions server encodes CRDs at v1beta1, the more compact serialization
    // (kubernetes/kubernetes#82292).
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        "v1beta1",
    ),
];

/// Resources that have no storage of their own: reviews are answered and forgotten, bindings
/// write to pods, component statuses are probed.
const NOT_STORED: &[(&str, &str)] = &[
    ("", "bindings"),
    ("", "componentstatuses"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authentication.k8s.io", "tokenreviews"),
    ("authorization.k8s.io", "localsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
];

/// Groups whose resources upstream stores under `<group>/<plural>` (the apiextensions and
/// aggregator servers use the generic storage factory, like custom resources).
const GROUP_PREFIXED: &[&str] = &["apiextensions.k8s.io", "apiregistration.k8s.io"];

/// Whether a k8s-openapi scope type is namespaced.
trait ScopeKind {
    const NAMESPACED: bool;
}

impl ScopeKind for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl ScopeKind for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// A subresource in the table, before it is tied to its resource.
#[derive(Clone, Copy)]
enum Sub {
    /// `status`: the resource's own kind.
    Status,
    /// `finalize` of namespaces: PUT only, the namespace controller's way to drop its
    /// `spec.finalizers` entry.
    Finalize,
    /// `scale`: `autoscaling/v1` `Scale`.
    Scale,
    /// `approval` of certificate signing requests: its `Approved`/`Denied` conditions.
    Approval,
}

/// One row of the table: what k8s-openapi knows, plus what it does not.
struct Row {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    list_kind: Option<&'static str>,
    namespaced: bool,
    verbs: Verbs,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [Sub],
}

/// A listable resource of k8s-openapi.
fn listed<T>(
    verbs: Verbs,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [Sub],
) -> Row
where
    T: ListableResource,
    T::Scope: ScopeKind,
{
    Row {
        list_kind: Some(T::LIST_KIND),
        ..unlisted::<T>(verbs, short_names, categories, subresources)
    }
}

/// A resource of k8s-openapi that has no list type (reviews, bindings).
fn unlisted<T>(
    verbs: Verbs,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [Sub],
) -> Row
where
    T: Resource,
    T::Scope: ScopeKind,
{
    Row {
        group: T::GROUP,
        version: T::VERSION,
        resource: T::URL_PATH_SEGMENT,
        kind: T::KIND,
        list_kind: None,
        namespaced: <T::Scope as ScopeKind>::NAMESPACED,
        verbs,
        short_names,
        categories,
        subresources,
    }
}

/// The table of built-in resources that kube-apiserver v1.37 serves by default.
fn rows() -> Vec<Row> {
    use Sub::{Approval, Finalize, Scale, Status};
    use k8s_openapi::api::{
        admissionregistration, apps, authentication, authorization, autoscaling, batch,
        certificates, coordination, core, discovery, events, flowcontrol, networking, node, policy,
        rbac, resource, scheduling, storage, storagemigration,
    };
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;

    const ALL: &[&str] = &["all"];
    const EXT: &[&str] = &["api-extensions"];
    vec![
        // core/v1
        unlisted::<core::v1::Binding>(CREATE, &[], &[], &[]),
        listed::<core::v1::ComponentStatus>(GET_LIST, &["cs"], &[], &[]),
        listed::<core::v1::ConfigMap>(ALL_VERBS, &["cm"], &[], &[]),
        listed::<core::v1::Endpoints>(ALL_VERBS, &["ep"], &[], &[]),
        listed::<core::v1::Event>(ALL_VERBS, &["ev"], &[], &[]),
        listed::<core::v1::LimitRange>(ALL_VERBS, &["limits"], &[], &[]),
        listed::<core::v1::Namespace>(NO_DELETECOLLECTION, &["ns"], &[], &[Finalize, Status]),
        listed::<core::v1::Node>(ALL_VERBS, &["no"], &[], &[Status]),
        listed::<core::v1::PersistentVolumeClaim>(ALL_VERBS, &["pvc"], &[], &[Status]),
        listed::<core::v1::PersistentVolume>(ALL_VERBS, &["pv"], &[], &[Status]),
        listed::<core::v1::Pod>(ALL_VERBS, &["po"], ALL, &[Status]),
        listed::<core::v1::PodTemplate>(ALL_VERBS, &[], &[], &[]),
        listed::<core::v1::ReplicationController>(ALL_VERBS, &["rc"], ALL, &[Scale, Status]),
        listed::<core::v1::ResourceQuota>(ALL_VERBS, &["quota"], &[], &[Status]),
        listed::<core::v1::Secret>(ALL_VERBS, &[], &[], &[]),
        listed::<core::v1::ServiceAccount>(ALL_VERBS, &["sa"], &[], &[]),
        listed::<core::v1::Service>(ALL_VERBS, &["svc"], ALL, &[Status]),
        // apiregistration.k8s.io/v1
        listed::<apiregistration::v1::APIService>(ALL_VERBS, &[], EXT, &[Status]),
        // apps/v1
        listed::<apps::v1::ControllerRevision>(ALL_VERBS, &[], &[], &[]),
        listed::<apps::v1::DaemonSet>(ALL_VERBS, &["ds"], ALL, &[Status]),
        listed::<apps::v1::Deployment>(ALL_VERBS, &["deploy"], ALL, &[Scale, Status]),
        listed::<apps::v1::ReplicaSet>(ALL_VERBS, &["rs"], ALL, &[Scale, Status]),
        listed::<apps::v1::StatefulSet>(ALL_VERBS, &["sts"], ALL, &[Scale, Status]),
        // events.k8s.io/v1
        listed::<events::v1::Event>(ALL_VERBS, &["ev"], &[], &[]),
        // authentication.k8s.io/v1
        unlisted::<authentication::v1::SelfSubjectReview>(CREATE, &[], &[], &[]),
        unlisted::<authentication::v1::TokenReview>(CREATE, &[], &[], &[]),
        // authorization.k8s.io/v1
        unlisted::<authorization::v1::LocalSubjectAccessReview>(CREATE, &[], &[], &[]),
        unlisted::<authorization::v1::SelfSubjectAccessReview>(CREATE, &[], &[], &[]),
        unlisted::<authorization::v1::SelfSubjectRulesReview>(CREATE, &[], &[], &[]),
        unlisted::<authorization::v1::SubjectAccessReview>(CREATE, &[], &[], &[]),
        // autoscaling/v2, autoscaling/v1
        listed::<autoscaling::v2::HorizontalPodAutoscaler>(ALL_VERBS, &["hpa"], ALL, &[Status]),
        listed::<autoscaling::v1::HorizontalPodAutoscaler>(ALL_VERBS, &["hpa"], ALL, &[Status]),
        // batch/v1
        listed::<batch::v1::CronJob>(ALL_VERBS, &["cj"], ALL, &[Status]),
        listed::<batch::v1::Job>(ALL_VERBS, &[], ALL, &[Status]),
        // certificates.k8s.io/v1
        listed::<certificates::v1::CertificateSigningRequest>(
            ALL_VERBS,
            &["csr"],
            &[],
            &[Approval, Status],
        ),
        listed::<certificates::v1::ClusterTrustBundle>(ALL_VERBS, &[], &[], &[]),
        listed::<certificates::v1::PodCertificateRequest>(ALL_VERBS, &[], &[], &[Status]),
        // networking.k8s.io/v1
        listed::<networking::v1::IngressClass>(ALL_VERBS, &[], &[], &[]),
        listed::<networking::v1::Ingress>(ALL_VERBS, &["ing"], &[], &[Status]),
        listed::<networking::v1::IPAddress>(ALL_VERBS, &["ip"], &[], &[]),
        listed::<networking::v1::NetworkPolicy>(ALL_VERBS, &["netpol"], &[], &[]),
        listed::<networking::v1::ServiceCIDR>(ALL_VERBS, &[], &[], &[Status]),
        // policy/v1
        listed::<policy::v1::PodDisruptionBudget>(ALL_VERBS, &["pdb"], &[], &[Status]),
        // rbac.authorization.k8s.io/v1
        listed::<rbac::v1::ClusterRoleBinding>(ALL_VERBS, &[], &[], &[]),
        listed::<rbac::v1::ClusterRole>(ALL_VERBS, &[], &[], &[]),
        listed::<rbac::v1::RoleBinding>(ALL_VERBS, &[], &[], &[]),
        listed::<rbac::v1::Role>(ALL_VERBS, &[], &[], &[]),
        // storage.k8s.io/v1
        listed::<storage::v1::CSIDriver>(ALL_VERBS, &[], &[], &[]),
        listed::<storage::v1::CSINode>(ALL_VERBS, &[], &[], &[Status]),
        listed::<storage::v1::CSIStorageCapacity>(ALL_VERBS, &[], &[], &[]),
        listed::<storage::v1::StorageClass>(ALL_VERBS, &["sc"], &[], &[]),
        listed::<storage::v1::VolumeAttachment>(ALL_VERBS, &[], &[], &[Status]),
        listed::<storage::v1::VolumeAttributesClass>(ALL_VERBS, &["vac"], &[], &[]),
        // admissionregistration.k8s.io/v1
        listed::<admissionregistration::v1::MutatingAdmissionPolicy>(ALL_VERBS, &[], EXT, &[]),
        listed::<admissionregistration::v1::MutatingAdmissionPolicyBinding>(
            ALL_VERBS,
            &[],
            EXT,
            &[],
        ),
        listed::<admissionregistration::v1::MutatingWebhookConfiguration>(ALL_VERBS, &[], EXT, &[]),
        listed::<admissionregistration::v1::ValidatingAdmissionPolicy>(
            ALL_VERBS,
            &[],
            EXT,
            &[Status],
        ),
        listed::<admissionregistration::v1::ValidatingAdmissionPolicyBinding>(
            ALL_VERBS,
            &[],
            EXT,
            &[],
        ),
        listed::<admissionregistration::v1::ValidatingWebhookConfiguration>(
            ALL_VERBS,
            &[],
            EXT,
            &[],
        ),
        // apiextensions.k8s.io/v1
        listed::<apiextensions::v1::CustomResourceDefinition>(
            ALL_VERBS,
            &["crd", "crds"],
            EXT,
            &[Status],
        ),
        // scheduling.k8s.io/v1
        listed::<scheduling::v1::PriorityClass>(ALL_VERBS, &["pc"], &[], &[]),
        // coordination.k8s.io/v1
        listed::<coordination::v1::Lease>(ALL_VERBS, &[], &[], &[]),
        // node.k8s.io/v1
        listed::<node::v1::RuntimeClass>(ALL_VERBS, &[], &[], &[]),
        // discovery.k8s.io/v1
        listed::<discovery::v1::EndpointSlice>(ALL_VERBS, &[], &[], &[]),
        // resource.k8s.io/v1
        listed::<resource::v1::DeviceClass>(ALL_VERBS, &[], &[], &[]),
        listed::<resource::v1::DeviceTaintRule>(ALL_VERBS, &[], &[], &[Status]),
        listed::<resource::v1::ResourceClaim>(ALL_VERBS, &[], &[], &[Status]),
        listed::<resource::v1::ResourceClaimTemplate>(ALL_VERBS, &[], &[], &[]),
        listed::<resource::v1::ResourceSlice>(ALL_VERBS, &[], &[], &[]),
        // flowcontrol.apiserver.k8s.io/v1
        listed::<flowcontrol::v1::FlowSchema>(ALL_VERBS, &[], &[], &[Status]),
        listed::<flowcontrol::v1::PriorityLevelConfiguration>(ALL_VERBS, &[], &[], &[Status]),
        // storagemigration.k8s.io/v1
        listed::<storagemigration::v1::StorageVersionMigration>(ALL_VERBS, &[], &[], &[Status]),
    ]
}

/// The registry of served resources: the built-ins, built once, and the custom resources of
/// the established CustomResourceDefinitions, rebuilt whenever one changes (a registry is only
/// read once built; the server swaps in a new one).
#[derive(Clone, Debug)]
pub struct Registry {
    /// Every resource, grouped as discovery lists them: groups in [`Registry::groups`] order,
    /// versions preferred first, resources sorted by name within a version.
    resources: Vec<ResourceInfo>,
    /// The served groups in discovery order.
    groups: Vec<GroupInfo>,
    /// group -> version -> resource -> index into `resources`.
    by_gvr: HashMap<&'static str, HashMap<&'static str, HashMap<&'static str, usize>>>,
    /// group -> kind -> indexes into `resources`, preferred version first.
    by_gk: HashMap<&'static str, HashMap<&'static str, Vec<usize>>>,
}

impl Registry {
    /// The built-in resources of kube-apiserver v1.37, stored under the default etcd prefix
    /// (`/registry`).
    pub fn builtin() -> Self {
        Self::builtin_with_etcd_prefix(DEFAULT_ETCD_PREFIX)
    }

    /// The built-in resources, stored under `etcd_prefix` (kube-apiserver's `--etcd-prefix`).
    pub fn builtin_with_etcd_prefix(etcd_prefix: &str) -> Self {
        let rows = rows();
        let groups: Vec<GroupInfo> = GROUPS
            .iter()
            .map(|&(name, versions)| GroupInfo {
                name,
                versions: versions.to_vec(),
            })
            .collect();
        let mut resources = Vec::with_capacity(rows.len());
        for group in &groups {
            for &version in &group.versions {
                let mut in_version: Vec<&Row> = rows
                    .iter()
                    .filter(|r| r.group == group.name && r.version == version)
                    .collect();
                in_version.sort_by_key(|r| r.resource);
                resources.extend(
                    in_version
                        .into_iter()
                        .map(|row| resource_info(row, group, etcd_prefix)),
                );
            }
        }
        debug_assert_eq!(resources.len(), rows.len(), "a row outside GROUPS");
        Self::indexed(resources, groups)
    }

    /// This registry's built-in resources with `custom` added: custom resources whose group,
    /// version and resource a built-in already has are left out (upstream does not serve
    /// them either). Custom groups come after the built-in ones, by name (upstream gives them
    /// all the same, lowest, priority); a custom group's versions are in Kubernetes version
    /// order (`v2`, `v1`, `v1beta1`, `v1alpha1`, then the rest by name).
    pub fn with_custom(&self, custom: Vec<ResourceInfo>) -> Self {
        let mut resources: Vec<ResourceInfo> = self
            .resources
            .iter()
            .filter(|r| r.custom.is_none())
            .cloned()
            .collect();
        let mut groups: Vec<GroupInfo> = self
            .groups
            .iter()
            .filter(|g| resources.iter().any(|r| r.group == g.name))
            .cloned()
            .collect();
        let builtin = |r: &ResourceInfo| {
            resources
                .iter()
                .any(|b| (b.group, b.version, b.resource) == (r.group, r.version, r.resource))
        };
        let mut custom: Vec<ResourceInfo> = custom.into_iter().filter(|r| !builtin(r)).collect();
        let mut custom_groups: Vec<&'static str> = custom.iter().map(|r| r.group).collect();
        custom_groups.sort_unstable();
        custom_groups.dedup();
        for name in custom_groups {
            let mut versions: Vec<&'static str> = custom
                .iter()
                .filter(|r| r.group == name)
                .map(|r| r.version)
                .collect();
            versions.sort_by(|a, b| crate::crd::compare_kube_versions(a, b));
            versions.dedup();
            if let Some(group) = groups.iter_mut().find(|g| g.name == name) {
                // A custom resource in a built-in group: a version the group lacks comes last.
                for v in versions {
                    if !group.versions.contains(&v) {
                        group.versions.push(v);
                    }
                }
            } else {
                groups.push(GroupInfo { name, versions });
            }
        }
        let mut ordered = Vec::with_capacity(resources.len() + custom.len());
        for group in &groups {
            for &version in &group.versions {
                let mut in_version: Vec<ResourceInfo> = Vec::new();
                let (matching, rest): (Vec<_>, Vec<_>) = resources
                    .into_iter()
                    .partition(|r| r.group == group.name && r.version == version);
                resources = rest;
                in_version.extend(matching);
                let (matching, rest): (Vec<_>, Vec<_>) = custom
                    .into_iter()
                    .partition(|r| r.group == group.name && r.version == version);
                custom = rest;
                in_version.extend(matching.into_iter().map(|mut r| {
                    r.preferred = group.preferred_version() == r.version;
                    r
                }));
                in_version.sort_by_key(|r| r.resource);
                ordered.extend(in_version);
            }
        }
        Self::indexed(ordered, groups)
    }

    /// A registry of `resources` (already in discovery order) and `groups`, with its indexes.
    fn indexed(resources: Vec<ResourceInfo>, groups: Vec<GroupInfo>) -> Self {
        let mut by_gvr: HashMap<_, HashMap<_, HashMap<_, _>>> = HashMap::new();
        let mut by_gk: HashMap<_, HashMap<_, Vec<_>>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            by_gvr
                .entry(r.group)
                .or_default()
                .entry(r.version)
                .or_default()
                .insert(r.resource, i);
            by_gk
                .entry(r.group)
                .or_default()
                .entry(r.kind)
                .or_default()
                .push(i);
        }
        // Preferred version first, as the group lists its versions.
        for kinds in by_gk.values_mut() {
            for indexes in kinds.values_mut() {
                indexes.sort_by_key(|&i| {
                    let r: &ResourceInfo = &resources[i];
                    groups
                        .iter()
                        .find(|g| g.name == r.group)
                        .and_then(|g| g.versions.iter().position(|v| *v == r.version))
                        .unwrap_or(usize::MAX)
                });
            }
        }
        Self {
            resources,
            groups,
            by_gvr,
            by_gk,
        }
    }

    /// Every resource, in discovery order: groups as [`Registry::groups`] lists them, versions
    /// preferred first, resources sorted by name within a version.
    pub fn resources(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// The resources of one group version, sorted by name (as discovery lists them).
    pub fn resources_of<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceInfo> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.group == group && r.version == version)
    }

    /// The resource `resource` of `group`/`version`.
    pub fn get(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceInfo> {
        let i = *self.by_gvr.get(group)?.get(version)?.get(resource)?;
        Some(&self.resources[i])
    }

    /// The resource serving `kind` of `group` at the group's preferred version that has it.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.versions_of_kind(group, kind).next()
    }

    /// Every served version of `kind` in `group`, preferred version first.
    pub fn versions_of_kind<'a>(
        &'a self,
        group: &str,
        kind: &str,
    ) -> impl Iterator<Item = &'a ResourceInfo> + 'a {
        let indexes = self
            .by_gk
            .get(group)
            .and_then(|kinds| kinds.get(kind))
            .map_or(&[][..], Vec::as_slice);
        indexes.iter().map(|&i| &self.resources[i])
    }

    /// The resource serving `kind` of `group` at exactly `version`.
    pub fn by_group_version_kind(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<&ResourceInfo> {
        self.versions_of_kind(group, kind)
            .find(|r| r.version == version)
    }

    /// The served groups in upstream's discovery order: the core group (`""`, served under
    /// `/api`) first, then the `/apis` groups; each with its versions, preferred first.
    pub fn groups(&self) -> &[GroupInfo] {
        &self.groups
    }

    /// The group called `name` (`""` for the core group).
    pub fn group(&self, name: &str) -> Option<&GroupInfo> {
        self.groups.iter().find(|g| g.name == name)
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

/// Completes a table row with what follows from upstream's rules.
fn resource_info(row: &Row, group: &GroupInfo, etcd_prefix: &str) -> ResourceInfo {
    let subresources = row
        .subresources
        .iter()
        .map(|sub| match sub {
            Sub::Status => SubresourceInfo::status(row.group, row.version, row.kind),
            Sub::Approval => SubresourceInfo {
                name: "approval",
                group: row.group,
                version: row.version,
                kind: row.kind,
                verbs: SUBRESOURCE_VERBS,
                discoverable: false,
            },
            Sub::Finalize => SubresourceInfo {
                name: "finalize",
                group: row.group,
                version: row.version,
                kind: row.kind,
                verbs: &["update"],
                discoverable: true,
            },
            Sub::Scale => SubresourceInfo::scale(),
        })
        .collect();
    ResourceInfo {
        group: row.group,
        version: row.version,
        resource: row.resource,
        singular: row.kind.to_ascii_lowercase(),
        kind: row.kind,
        list_kind: row.list_kind,
        namespaced: row.namespaced,
        verbs: row.verbs,
        short_names: row.short_names,
        categories: row.categories,
        subresources,
        preferred: group.preferred_version() == row.version,
        storage: storage_info(row, group, etcd_prefix),
        custom: None,
    }
}

/// Where upstream stores a resource, if it stores it at all.
fn storage_info(row: &Row, group: &GroupInfo, etcd_prefix: &str) -> Option<StorageInfo> {
    if NOT_STORED.contains(&(row.group, row.resource)) {
        return None;
    }
    if (row.group, row.resource) == ("events.k8s.io", "events") {
        // Cohabiting with core events (`AddCohabitatingResources` in kube-apiserver): the
        // first enabled of the two, the core group, owns the storage.
        return Some(StorageInfo {
            group: "",
            version: "v1",
            keys: KeyLayout::new(etcd_prefix, builtin_resource_prefix("events"), true),
        });
    }
    let version = STORAGE_VERSION_OVERRIDES
        .iter()
        .find(|(g, r, _)| (*g, *r) == (row.group, row.resource))
        .map_or(group.preferred_version(), |(_, _, v)| v);
    let resource_prefix = if GROUP_PREFIXED.contains(&row.group) {
        group_resource_prefix(row.group, row.resource)
    } else {
        builtin_resource_prefix(row.resource).to_string()
    };
    Some(StorageInfo {
        group: row.group,
        version,
        keys: KeyLayout::new(etcd_prefix, &resource_prefix, row.namespaced),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::builtin()
    }

    #[test]
    fn pods() {
        let reg = registry();
        let pods = reg.get("", "v1", "pods").unwrap();
        assert_eq!(pods.kind, "Pod");
        assert_eq!(pods.list_kind, Some("PodList"));
        assert_eq!(pods.singular, "pod");
        assert!(pods.namespaced);
        assert_eq!(pods.short_names, ["po"]);
        assert_eq!(pods.categories, ["all"]);
        assert!(pods.preferred);
        assert_eq!(pods.verbs, ALL_VERBS);
        assert!(pods.supports("deletecollection"));
        let status = pods.subresource("status").unwrap();
        assert_eq!(
            (status.group, status.version, status.kind),
            ("", "v1", "Pod")
        );
        assert_eq!(status.verbs, ["get", "patch", "update"]);
        assert_eq!(pods.subresources.len(), 1);
        let storage = pods.storage.as_ref().unwrap();
        assert_eq!((storage.group, storage.version), ("", "v1"));
        assert_eq!(storage.keys.root(), "/registry/pods/");
        assert!(storage.keys.namespaced());
        assert_eq!(reg.by_kind("", "Pod"), Some(pods));
    }

    #[test]
    fn deployments() {
        let reg = registry();
        let deploy = reg.get("apps", "v1", "deployments").unwrap();
        assert_eq!(deploy.kind, "Deployment");
        assert_eq!(deploy.short_names, ["deploy"]);
        assert_eq!(deploy.categories, ["all"]);
        let names: Vec<_> = deploy.subresources.iter().map(|s| s.name).collect();
        assert_eq!(names, ["scale", "status"]);
        let scale = deploy.subresource("scale").unwrap();
        assert_eq!(
            (scale.group, scale.version, scale.kind),
            ("autoscaling", "v1", "Scale")
        );
        assert_eq!(
            deploy.storage.as_ref().unwrap().keys.root(),
            "/registry/deployments/"
        );
    }

    #[test]
    fn nodes_are_cluster_scoped_minions() {
        let reg = registry();
        let nodes = reg.get("", "v1", "nodes").unwrap();
        assert!(!nodes.namespaced);
        assert_eq!(nodes.short_names, ["no"]);
        let keys = &nodes.storage.as_ref().unwrap().keys;
        assert_eq!(keys.root(), "/registry/minions/");
        assert!(!keys.namespaced());
    }

    #[test]
    fn key_prefix_overrides() {
        let reg = registry();
        let root = |g, v, r| {
            reg.get(g, v, r)
                .unwrap()
                .storage
                .as_ref()
                .unwrap()
                .keys
                .root()
                .to_string()
        };
        assert_eq!(root("", "v1", "services"), "/registry/services/specs/");
        assert_eq!(root("", "v1", "endpoints"), "/registry/services/endpoints/");
        assert_eq!(
            root("", "v1", "replicationcontrollers"),
            "/registry/controllers/"
        );
        assert_eq!(
            root("networking.k8s.io", "v1", "ingresses"),
            "/registry/ingress/"
        );
        assert_eq!(
            root("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "/registry/apiextensions.k8s.io/customresourcedefinitions/"
        );
        assert_eq!(
            root("apiregistration.k8s.io", "v1", "apiservices"),
            "/registry/apiregistration.k8s.io/apiservices/"
        );
        assert_eq!(root("events.k8s.io", "v1", "events"), "/registry/events/");
        let custom = Registry::builtin_with_etcd_prefix("/other/");
        let pods = custom.get("", "v1", "pods").unwrap();
        assert_eq!(pods.storage.as_ref().unwrap().keys.root(), "/other/pods/");
    }

    #[test]
    fn storage_versions() {
        let reg = registry();
        let version = |g, v, r| reg.get(g, v, r).unwrap().storage.as_ref().unwrap().version;
        assert_eq!(
            version("autoscaling", "v1", "horizontalpodautoscalers"),
            "v2"
        );
        assert_eq!(
            version("autoscaling", "v2", "horizontalpodautoscalers"),
            "v2"
        );
        assert_eq!(
            version("certificates.k8s.io", "v1", "clustertrustbundles"),
            "v1beta1"
        );
        assert_eq!(
            version("resource.k8s.io", "v1", "devicetaintrules"),
            "v1beta2"
        );
        assert_eq!(version("apps", "v1", "deployments"), "v1");
        assert_eq!(
            version("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "v1beta1"
        );
        let events = reg.get("events.k8s.io", "v1", "events").unwrap();
        assert_eq!(events.storage.as_ref().unwrap().group, "");
        assert!(
            reg.get("authorization.k8s.io", "v1", "subjectaccessreviews")
                .unwrap()
                .storage
                .is_none()
        );
        assert!(reg.get("", "v1", "bindings").unwrap().storage.is_none());
    }

    #[test]
    fn kinds_and_versions() {
        let reg = registry();
        let hpa: Vec<_> = reg
            .versions_of_kind("autoscaling", "HorizontalPodAutoscaler")
            .map(|r| (r.version, r.preferred))
            .collect();
        assert_eq!(hpa, [("v2", true), ("v1", false)]);
        assert_eq!(
            reg.by_group_version_kind("autoscaling", "v1", "HorizontalPodAutoscaler")
                .unwrap()
                .resource,
            "horizontalpodautoscalers"
        );
        assert_eq!(
            reg.by_kind("events.k8s.io", "Event").unwrap().group,
            "events.k8s.io"
        );
        assert!(reg.by_kind("apps", "Pod").is_none());
        let review = reg.by_kind("authentication.k8s.io", "TokenReview").unwrap();
        assert_eq!(review.list_kind, None);
        assert_eq!(review.verbs, ["create"]);
        let ns = reg.get("", "v1", "namespaces").unwrap();
        assert!(!ns.supports("deletecollection"));
    }

    #[test]
    fn groups_in_discovery_order() {
        let reg = &registry();
        let groups = reg.groups();
        assert_eq!(groups[0].name, "");
        assert_eq!(groups[1].name, "apiregistration.k8s.io");
        assert_eq!(reg.group("autoscaling").unwrap().versions, ["v2", "v1"]);
        for g in groups {
            for v in &g.versions {
                let names: Vec<_> = reg.resources_of(g.name, v).map(|r| r.resource).collect();
                assert!(!names.is_empty(), "{}/{v} has no resources", g.name);
                assert!(names.is_sorted(), "{}/{v}: {names:?}", g.name);
            }
        }
        // Every resource belongs to a listed group version, and nothing is listed twice.
        let total: usize = groups
            .iter()
            .flat_map(|g| {
                g.versions
                    .iter()
                    .map(move |v| reg.resources_of(g.name, v).count())
            })
            .sum();
        assert_eq!(total, reg.resources().len());
        assert_eq!(rows().len(), reg.resources().len());
    }
}
