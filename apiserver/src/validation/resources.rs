//! What upstream's strategy for each built-in resource does with metadata, and the create and
//! update pipelines (`rest.ValidateCreate`, `rest.ValidateUpdate`) around it.
//!
//! Each strategy validates metadata in its own way (read from
//! `k8s.io/kubernetes/pkg/apis/*/validation` and `pkg/registry/*/*/strategy.go`, v1.37):
//! with the generic apimachinery function or with the core wrapper that also checks finalizer
//! names, with some name rule, and on update with `ValidateObjectMetaUpdate`, with the create
//! check again on the new object, both (in either order) or neither. The generic pipeline adds
//! its own pass: on create only when the strategy found nothing, on update always and first.

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::Value;

use super::objectmeta::{self, ObjectMeta};
use super::{NameRule, name_errors};

/// Whose `ValidateObjectMeta` a strategy calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wrapper {
    /// None: the strategy does not validate metadata.
    None,
    /// `k8s.io/apimachinery/pkg/api/validation` (no finalizer name check).
    Generic,
    /// `k8s.io/kubernetes/pkg/apis/core/validation`: also `validateKubeFinalizerName` on every
    /// finalizer, after the generic checks, on create and on update.
    Kubernetes,
}

/// One metadata check a strategy runs on update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The create check (`ValidateObjectMeta`) on the new object.
    Create,
    /// `ValidateObjectMetaUpdate`.
    Update,
}

/// A check a strategy adds to metadata on create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Extra {
    /// Nothing.
    None,
    /// Cron job names are at most 52 characters (the controller appends 11).
    CronJobNameLength,
    /// Admission configuration names may not end in `.static.k8s.io` (reserved for
    /// manifest-based configuration, `ManifestBasedAdmissionControlConfig`, on in v1.37).
    StaticSuffix,
}

/// Where upstream drops repeated errors (those with the same message).
///
/// Declarative validation's filtering of hand-written errors round-trips the list through
/// `ToAggregate`, which keeps only the first of equal messages: every `k8s.io/kubernetes`
/// strategy does this to its whole list, and `ValidateObjectMetaDeclaratively` (used by the
/// apiextensions and aggregator strategies) to the errors of each of its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dedup {
    /// The whole list, at the end.
    All,
    /// The errors of each of the strategy's metadata calls.
    PerCall,
}

/// What a strategy does with metadata.
#[derive(Clone, Copy, Debug)]
pub(super) struct Profile {
    /// The name rule.
    pub(super) rule: NameRule,
    /// Whose `ValidateObjectMeta` is called.
    wrapper: Wrapper,
    /// The checks run on update, in order.
    update: &'static [Step],
    /// A kind-specific check on create.
    extra: Extra,
    /// Where repeated errors are dropped.
    dedup: Dedup,
}

/// Update steps, named by their order.
const UPDATE: &[Step] = &[Step::Update];
const UPDATE_CREATE: &[Step] = &[Step::Update, Step::Create];
const CREATE_UPDATE: &[Step] = &[Step::Create, Step::Update];
const CREATE: &[Step] = &[Step::Create];
const CREATE_CREATE: &[Step] = &[Step::Create, Step::Create];

/// A `k8s.io/kubernetes` strategy using the core wrappers.
const fn kube(rule: NameRule, update: &'static [Step]) -> Profile {
    Profile {
        rule,
        wrapper: Wrapper::Kubernetes,
        update,
        extra: Extra::None,
        dedup: Dedup::All,
    }
}

/// A `k8s.io/kubernetes` strategy using the generic functions.
const fn generic(rule: NameRule, update: &'static [Step]) -> Profile {
    Profile {
        rule,
        wrapper: Wrapper::Generic,
        update,
        extra: Extra::None,
        dedup: Dedup::All,
    }
}

/// A strategy outside `k8s.io/kubernetes` (apiextensions, aggregator, custom resources): the
/// generic checks through `ValidateObjectMetaDeclaratively`.
const fn declaratively(rule: NameRule, update: &'static [Step]) -> Profile {
    Profile {
        dedup: Dedup::PerCall,
        ..generic(rule, update)
    }
}

/// A strategy that does not validate metadata: only the generic pipeline's path-segment pass.
const UNCHECKED: Profile = Profile {
    rule: NameRule::GenericPathSegment,
    wrapper: Wrapper::None,
    update: &[],
    extra: Extra::None,
    dedup: Dedup::All,
};

/// Resources served by handlers of their own that do not validate metadata.
const NOT_VALIDATED: Profile = Profile {
    rule: NameRule::NotValidated,
    wrapper: Wrapper::None,
    update: &[],
    extra: Extra::None,
    dedup: Dedup::All,
};

/// The profile of a built-in resource; unknown resources get custom resources' (generic
/// DNS-subdomain check on create, generic update check).
pub(super) fn profile(group: &str, resource: &str) -> Profile {
    builtin_profile(group, resource)
        .unwrap_or_else(|| declaratively(NameRule::DnsSubdomain, UPDATE))
}

/// The profile of a built-in resource, `None` for resources this table does not know.
pub(super) fn builtin_profile(group: &str, resource: &str) -> Option<Profile> {
    use NameRule::*;
    Some(match (group, resource) {
        ("", "configmaps" | "endpoints" | "secrets" | "serviceaccounts")
        | ("", "persistentvolumeclaims")
        | ("apps", "controllerrevisions")
        | ("networking.k8s.io", "ingresses" | "ingressclasses")
        | ("storage.k8s.io", "volumeattributesclasses") => kube(DnsSubdomain, UPDATE_CREATE),
        ("", "pods" | "podtemplates" | "resourcequotas")
        | ("apps", "daemonsets" | "deployments" | "replicasets")
        | ("autoscaling", "horizontalpodautoscalers")
        | ("batch", "jobs")
        | ("certificates.k8s.io", "podcertificaterequests")
        | ("events.k8s.io", "events")
        | ("networking.k8s.io", "networkpolicies" | "servicecidrs")
        | ("storage.k8s.io", "csidrivers")
        | ("scheduling.k8s.io", "priorityclasses")
        | ("resource.k8s.io", "devicetaintrules" | "resourceslices") => kube(DnsSubdomain, UPDATE),
        ("batch", "cronjobs") => Profile {
            extra: Extra::CronJobNameLength,
            ..kube(DnsSubdomain, UPDATE)
        },
        ("", "nodes")
        | ("storage.k8s.io", "csistoragecapacities" | "storageclasses")
        | ("resource.k8s.io", "resourceclaims" | "resourceclaimtemplates")
        | ("storagemigration.k8s.io", "storageversionmigrations") => {
            kube(DnsSubdomain, CREATE_UPDATE)
        }
        ("", "limitranges")
        | ("storage.k8s.io", "csinodes" | "volumeattachments")
        | ("discovery.k8s.io", "endpointslices")
        | ("flowcontrol.apiserver.k8s.io", "flowschemas" | "prioritylevelconfigurations") => {
            kube(DnsSubdomain, CREATE)
        }
        ("", "persistentvolumes") => kube(DnsSubdomain, CREATE_CREATE),
        ("", "namespaces") => kube(DnsLabel, CREATE_UPDATE),
        ("", "services") | ("apps", "statefulsets") => kube(DnsLabel, UPDATE),
        ("", "replicationcontrollers") => kube(LongName, UPDATE),
        ("resource.k8s.io", "deviceclasses") => kube(LongName, CREATE_UPDATE),
        ("rbac.authorization.k8s.io", _) => kube(PathSegment, CREATE_UPDATE),
        ("certificates.k8s.io", "certificatesigningrequests") => kube(Any, CREATE_UPDATE),
        ("certificates.k8s.io", "clustertrustbundles") => kube(ClusterTrustBundle, CREATE_UPDATE),
        ("networking.k8s.io", "ipaddresses") => kube(IpAddress, CREATE_UPDATE),
        ("admissionregistration.k8s.io", _) => Profile {
            extra: Extra::StaticSuffix,
            ..generic(DnsSubdomain, CREATE)
        },
        ("coordination.k8s.io", "leases") => generic(DnsSubdomain, UPDATE),
        ("node.k8s.io", "runtimeclasses") => generic(DnsSubdomain, CREATE_UPDATE),
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            declaratively(CustomResourceDefinition, UPDATE)
        }
        ("apiregistration.k8s.io", "apiservices") => declaratively(ApiService, UPDATE_CREATE),
        // Core/v1 events get only the legacy checks; pod disruption budgets none at all.
        ("", "events") | ("policy", "poddisruptionbudgets") => UNCHECKED,
        ("", "bindings" | "componentstatuses")
        | ("authentication.k8s.io" | "authorization.k8s.io", _) => NOT_VALIDATED,
        _ => return None,
    })
}

/// Keeps the first of errors with equal messages, as `ErrorList.ToAggregate` does.
fn dedup(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = std::collections::HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert(e.to_string()))
        .collect()
}

/// `dedup` for the errors of one strategy call when the profile drops repeats per call.
fn per_call(profile: &Profile, errors: Vec<FieldError>) -> Vec<FieldError> {
    if profile.dedup == Dedup::PerCall {
        dedup(errors)
    } else {
        errors
    }
}

/// `dedup` for the whole list when the profile drops repeats from it.
fn whole(profile: &Profile, errors: Vec<FieldError>) -> Vec<FieldError> {
    if profile.dedup == Dedup::All {
        dedup(errors)
    } else {
        errors
    }
}

/// Upstream's `StaticConfigSuffix`.
const STATIC_CONFIG_SUFFIX: &str = ".static.k8s.io";

/// The kind-specific create check's error, if any.
fn extra_errors(extra: Extra, meta: &ObjectMeta<'_>) -> Option<FieldError> {
    let path = FieldPath::new("metadata").child("name");
    match extra {
        Extra::None => None,
        // 63 (a DNS-1035 label) minus the 11 characters of `-<timestamp>`.
        Extra::CronJobNameLength => (meta.name.len() > 52).then(|| {
            FieldError::invalid(path, meta.name, "must be no more than 52 characters")
        }),
        Extra::StaticSuffix => meta.name.ends_with(STATIC_CONFIG_SUFFIX).then(|| {
            FieldError::invalid(
                path,
                meta.name,
                format!(
                    "names ending with \"{STATIC_CONFIG_SUFFIX}\" are reserved for static manifest-based configurations and cannot be managed via the API"
                ),
            )
        }),
    }
}

/// The strategy's create check of `meta` (without the long-name errors, which are returned
/// apart because declarative validation reports them last).
fn strategy_create(
    profile: &Profile,
    object: &Value,
    meta: &ObjectMeta<'_>,
    namespaced: bool,
) -> (Vec<FieldError>, Vec<FieldError>) {
    let rule = profile.rule;
    let name_fn = |name: &str, prefix: bool| name_errors(rule, object, name, prefix);
    let (mut errors, names) = if rule == NameRule::LongName {
        let mut checked = objectmeta::validate_create_with_opts(meta, namespaced, &name_fn);
        let names = std::mem::take(&mut checked.names);
        (checked.without_names(), names)
    } else {
        (
            objectmeta::validate_create(meta, namespaced, &name_fn),
            Vec::new(),
        )
    };
    if profile.wrapper == Wrapper::Kubernetes {
        errors.extend(objectmeta::validate_kube_finalizers(meta));
    }
    (errors, names)
}

/// `rest.validatePathSegment`, the name check of the generic pipeline pass.
fn generic_path_segment(name: &str, prefix: bool) -> Vec<String> {
    name_errors(NameRule::GenericPathSegment, &Value::Null, name, prefix)
}

/// See [`super::validate_create`].
pub(super) fn create_errors(
    group: &str,
    resource: &str,
    namespaced: bool,
    object: &Value,
) -> Vec<FieldError> {
    let profile = profile(group, resource);
    if profile.rule == NameRule::NotValidated {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let meta = ObjectMeta::read(object, &mut errors);
    if profile.wrapper != Wrapper::None {
        let (checked, long_names) = strategy_create(&profile, object, &meta, namespaced);
        errors.extend(per_call(&profile, checked));
        errors.extend(extra_errors(profile.extra, &meta));
        // Declarative validation (beta, enforced) replaces the hand-written long-name errors
        // with its own, appended after everything else.
        errors.extend(long_names);
    }
    if errors.is_empty() {
        errors = objectmeta::validate_create(&meta, namespaced, &generic_path_segment);
    }
    whole(&profile, errors)
}

/// See [`super::validate_update`].
pub(super) fn update_errors(
    group: &str,
    resource: &str,
    namespaced: bool,
    new: &Value,
    old: &Value,
) -> Vec<FieldError> {
    let profile = profile(group, resource);
    if profile.rule == NameRule::NotValidated {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let new_meta = ObjectMeta::read(new, &mut errors);
    let old_meta = ObjectMeta::read(old, &mut Vec::new());
    errors.extend(objectmeta::validate_create(
        &new_meta,
        namespaced,
        &generic_path_segment,
    ));
    errors.extend(objectmeta::validate_update(&new_meta, &old_meta));
    if profile.wrapper == Wrapper::None {
        return whole(&profile, errors);
    }
    let mut long_names = Vec::new();
    for step in profile.update {
        match step {
            Step::Create => {
                let (checked, names) = strategy_create(&profile, new, &new_meta, namespaced);
                let at = errors.len();
                errors.extend(per_call(&profile, checked));
                // Hand-written long-name errors stay where they are unless declarative
                // validation (which skips an unchanged name) reports its own.
                long_names.push((at, names));
            }
            Step::Update => {
                let mut checked = objectmeta::validate_update(&new_meta, &old_meta);
                if profile.wrapper == Wrapper::Kubernetes {
                    checked.extend(objectmeta::validate_kube_finalizers(&new_meta));
                }
                errors.extend(per_call(&profile, checked));
            }
        }
    }
    if profile.rule == NameRule::LongName {
        let declarative = if new_meta.name != old_meta.name && !new_meta.name.is_empty() {
            names_as_errors(&new_meta)
        } else {
            Vec::new()
        };
        if declarative.is_empty() {
            // Put the hand-written errors back where the create check produced them (the
            // name check comes first in the create check's output).
            for (at, names) in long_names.into_iter().rev() {
                errors.splice(at..at, names);
            }
        } else {
            errors.extend(declarative);
        }
    }
    whole(&profile, errors)
}

/// The long-name check of `meta.name` as declarative validation reports it.
fn names_as_errors(meta: &ObjectMeta<'_>) -> Vec<FieldError> {
    let path = FieldPath::new("metadata").child("name");
    name_errors(NameRule::LongName, &Value::Null, meta.name, false)
        .into_iter()
        .map(|msg| FieldError::invalid(&path, meta.name, msg))
        .collect()
}
