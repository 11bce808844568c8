//! Object metadata validation as upstream runs it for built-in resources.
//!
//! - [`validate_object_meta`] and [`validate_object_meta_update`] are upstream's generic
//!   `ValidateObjectMeta` / `ValidateObjectMetaUpdate` (`k8s.io/apimachinery/pkg/api/validation`)
//!   over JSON objects, with the name rule ([`NameRule`]) a resource's strategy uses;
//! - [`validate_create`] and [`validate_update`] are the metadata part of what a create or an
//!   update of a built-in resource goes through in upstream: the strategy's own calls (which
//!   for most kinds are `k8s.io/kubernetes`' core wrappers that also check finalizer names,
//!   and which for some kinds run twice on update), and `rest.ValidateCreate` /
//!   `rest.ValidateUpdate`'s generic checks, in upstream's order, with repeated messages
//!   dropped where upstream drops them;
//! - [`path_segment_name_errors`] and [`name_parameter_error`] check names that come in a URL.
//!
//! Field paths, bad values and messages are upstream's (checked against upstream's own
//! functions by the golden test, `testdata/validation.json`).

mod kinds;
mod names;
mod objectmeta;
mod resources;
mod timestamp;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::gocompat;
use serde_json::Value;

#[cfg(test)]
use objectmeta::ObjectMeta;

/// How a resource's names are validated: the name function upstream's strategy for the
/// resource passes to `ValidateObjectMeta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// A lowercase RFC 1123 subdomain (`NameIsDNSSubdomain`): most kinds.
    DnsSubdomain,
    /// A lowercase RFC 1123 label (`NameIsDNSLabel`): namespaces, services (DNS-1123 since
    /// `RelaxedServiceNameValidation` went GA) and stateful sets.
    DnsLabel,
    /// A path segment whether or not it is a generate-name prefix (`ValidateRBACName`): the
    /// RBAC kinds.
    PathSegment,
    /// `rest.validatePathSegment`: a path segment, or for a generate-name prefix just no `/`
    /// or `%`. This is what the generic create and update paths check for every kind, and all
    /// that is checked for kinds whose strategy does not validate metadata (pod disruption
    /// budgets, core/v1 events).
    GenericPathSegment,
    /// The canonical form of an IP address (`ValidateIPAddressName`): IP addresses.
    IpAddress,
    /// Anything (`ValidateCertificateRequestName`): certificate signing requests.
    Any,
    /// `ValidateClusterTrustBundleName(spec.signerName)`: with a signer, the name must start
    /// with the signer name (`/` written as `:`) and `:`, the rest a DNS subdomain; without,
    /// a DNS subdomain without `:`.
    ClusterTrustBundle,
    /// A DNS subdomain that must equal `spec.names.plural + "." + spec.group`.
    CustomResourceDefinition,
    /// A path segment that must equal `spec.version + "." + spec.group`.
    ApiService,
    /// `ValidateObjectMetaWithOpts` with `validate.LongName` (a DNS subdomain): generate-name
    /// is not checked, and declarative validation reports name errors last. Replication
    /// controllers and device classes.
    LongName,
    /// Upstream does not validate the metadata (reviews, bindings, component statuses).
    NotValidated,
}

#[cfg(test)]
/// The rule for a built-in resource (group `""` = core, plural resource name). Unknown
/// resources get the rule of custom resources, a DNS subdomain.
pub(crate) fn name_rule(group: &str, resource: &str) -> NameRule {
    resources::profile(group, resource).rule
}

fn spec_str<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The problems with `name` (or with a generate-name prefix, when `prefix`) under `rule`,
/// reading the spec fields some rules depend on from `object`.
fn name_errors(rule: NameRule, object: &Value, name: &str, prefix: bool) -> Vec<String> {
    match rule {
        NameRule::DnsSubdomain => names::name_is_dns_subdomain(name, prefix),
        NameRule::DnsLabel => names::name_is_dns_label(name, prefix),
        NameRule::PathSegment => names::path_segment_name(name),
        NameRule::GenericPathSegment if prefix => names::path_segment_prefix(name),
        NameRule::GenericPathSegment => names::path_segment_name(name),
        NameRule::IpAddress => names::ip_address_name(name),
        NameRule::Any | NameRule::NotValidated => Vec::new(),
        NameRule::LongName => names::long_name(name),
        NameRule::ClusterTrustBundle => {
            let signer = spec_str(object, "/spec/signerName");
            if signer.is_empty() {
                if name.contains(':') {
                    return vec![
                        "ClusterTrustBundle without signer name must not have \":\" in its name"
                            .to_string(),
                    ];
                }
                return names::name_is_dns_subdomain(name, prefix);
            }
            let required = format!("{}:", signer.replace('/', ":"));
            match name.strip_prefix(&required) {
                Some(rest) => names::name_is_dns_subdomain(rest, prefix),
                None => vec![format!(
                    "ClusterTrustBundle for signerName {signer} must be named with prefix {required}"
                )],
            }
        }
        NameRule::CustomResourceDefinition => {
            let mut errors = names::name_is_dns_subdomain(name, prefix);
            let required = format!(
                "{}.{}",
                spec_str(object, "/spec/names/plural"),
                spec_str(object, "/spec/group")
            );
            if name != required {
                errors.push("must be spec.names.plural+\".\"+spec.group".to_string());
            }
            errors
        }
        NameRule::ApiService => {
            let failures = names::path_segment_name(name);
            if !failures.is_empty() {
                return failures;
            }
            let required = format!(
                "{}.{}",
                spec_str(object, "/spec/version"),
                spec_str(object, "/spec/group")
            );
            if name == required {
                Vec::new()
            } else {
                vec![format!(
                    "must be `spec.version+\".\"+spec.group`: {}",
                    gocompat::quote(&required)
                )]
            }
        }
    }
}

#[cfg(test)]
/// Upstream's generic `ValidateObjectMeta` for a create, with `rule` as the name function
/// ([`NameRule::LongName`]: `ValidateObjectMetaWithOpts`, name errors where upstream's
/// hand-written code puts them; [`NameRule::NotValidated`]: nothing). Wrongly typed metadata
/// fields come first, as type errors. The core wrappers' finalizer check and the generic
/// path's second pass are not included: [`validate_create`] adds them per resource.
pub(crate) fn validate_object_meta(
    object: &Value,
    namespaced: bool,
    rule: NameRule,
) -> Vec<FieldError> {
    if rule == NameRule::NotValidated {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let meta = ObjectMeta::read(object, &mut errors);
    let name_fn = |name: &str, prefix: bool| name_errors(rule, object, name, prefix);
    if rule == NameRule::LongName {
        let checked = objectmeta::validate_create_with_opts(&meta, namespaced, &name_fn);
        errors.extend(checked.handwritten_order());
    } else {
        errors.extend(objectmeta::validate_create(&meta, namespaced, &name_fn));
    }
    errors
}

#[cfg(test)]
/// Upstream's generic `ValidateObjectMetaUpdate` (new vs old). Wrongly typed fields of the new
/// object come first, as type errors.
pub(crate) fn validate_object_meta_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let new_meta = ObjectMeta::read(new, &mut errors);
    let old_meta = ObjectMeta::read(old, &mut Vec::new());
    errors.extend(objectmeta::validate_update(&new_meta, &old_meta));
    errors
}

#[cfg(test)]
/// Upstream's `content.IsPathSegmentName` on a name that appears in a URL: `may not be '.'`,
/// `may not be '..'`, `may not contain '/'`, `may not contain '%'`. Empty when the name is
/// usable.
pub(crate) fn path_segment_name_errors(name: &str) -> Vec<String> {
    names::path_segment_name(name)
}

/// The 400 BadRequest message upstream's store gives for the name of a get, update or delete
/// by name (`NamespaceKeyFunc` / `NoNamespaceKeyFunc`): `Name parameter required.` or
/// `Name parameter invalid: "a/b": may not contain '/'` (problems joined by `;`). `None` when
/// the name is usable.
pub(crate) fn name_parameter_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("Name parameter required.".to_string());
    }
    let problems = names::path_segment_name(name);
    (!problems.is_empty()).then(|| {
        format!(
            "Name parameter invalid: {}: {}",
            gocompat::quote(name),
            problems.join(";")
        )
    })
}

/// The metadata errors upstream returns for creating `object` as a `group`/`resource` (the
/// strategy's checks, then `rest.ValidateCreate`'s generic pass when the strategy found
/// nothing), assuming the rest of the object is valid: upstream runs the generic pass only
/// when the strategy's whole validation (spec included) found nothing, and puts a strategy's
/// spec errors between its metadata errors and any kind-specific or declarative ones.
///
/// Expects what upstream's `BeforeCreate` has done: the name generated from `generateName`,
/// the namespace taken from the request (and cleared for cluster-scoped kinds).
pub(crate) fn validate_create(
    group: &str,
    resource: &str,
    namespaced: bool,
    object: &Value,
) -> Vec<FieldError> {
    resources::create_errors(group, resource, namespaced, object)
}

/// The metadata errors upstream returns for updating `old` to `new` as a `group`/`resource`:
/// `rest.ValidateUpdate`'s generic pass (create and update checks), then the strategy's
/// checks, in upstream's order, with repeated messages dropped where upstream drops them
/// (all of them for `k8s.io/kubernetes` kinds, whose declarative validation filters the list
/// through `ToAggregate`; within each strategy call for CRDs, API services and custom
/// resources).
///
/// Expects what upstream's `BeforeUpdate` has done: the namespace taken from the request (and
/// cleared for cluster-scoped kinds); generation, UID, creation and deletion timestamps and
/// grace period carried over from `old` where upstream carries them.
pub(crate) fn validate_update(
    group: &str,
    resource: &str,
    namespaced: bool,
    new: &Value,
    old: &Value,
) -> Vec<FieldError> {
    resources::update_errors(group, resource, namespaced, new, old)
}

/// Upstream's kind-specific validation of a new object (after defaulting); metadata excluded.
pub(crate) fn validate_kind_create(
    group: &str,
    version: &str,
    kind: &str,
    object: &Value,
) -> Vec<FieldError> {
    kinds::create(group, version, kind, object)
}

/// Upstream's kind-specific validation of an update (new vs old, both defaulted); metadata
/// excluded.
pub(crate) fn validate_kind_update(
    group: &str,
    version: &str,
    kind: &str,
    new: &Value,
    old: &Value,
) -> Vec<FieldError> {
    kinds::update(group, version, kind, new, old)
}
