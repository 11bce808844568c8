//! The ownership graph (upstream's `graph.go` and `GraphBuilder.processGraphChanges`): one node
//! per object uid the monitors have seen, plus "virtual" nodes for owners referenced but not
//! observed yet. Processing a change updates the graph and says what the workers must look at
//! ([`Effect`]); it never talks to the API server, so it is plain, testable logic.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

/// The finalizer asking the collector to orphan the dependents (`metav1.FinalizerOrphanDependents`).
pub(super) const FINALIZER_ORPHAN: &str = "orphan";
/// The finalizer asking the collector to delete the dependents first
/// (`metav1.FinalizerDeleteDependents`).
pub(super) const FINALIZER_FOREGROUND: &str = "foregroundDeletion";
/// How many absent owners are remembered (upstream's `NewReferenceCache(500)`).
const ABSENT_OWNER_CACHE_SIZE: usize = 500;

/// Which object a node stands for: an owner reference's coordinates plus a namespace
/// (upstream's `objectReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Identity {
    /// `apiVersion` of the object (as observed, or as referenced for virtual nodes).
    pub(super) api_version: String,
    /// Its kind.
    pub(super) kind: String,
    /// Its name.
    pub(super) name: String,
    /// Its uid.
    pub(super) uid: String,
    /// Its namespace; empty for cluster-scoped objects.
    pub(super) namespace: String,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}/{}, namespace: {}, name: {}, uid: {}]",
            self.api_version, self.kind, self.namespace, self.name, self.uid
        )
    }
}

impl Identity {
    /// The identity an owner reference names, in `namespace`.
    pub(super) fn of_reference(reference: &OwnerReference, namespace: &str) -> Identity {
        Identity {
            api_version: reference.api_version.clone(),
            kind: reference.kind.clone(),
            name: reference.name.clone(),
            uid: reference.uid.clone(),
            namespace: namespace.to_string(),
        }
    }

    /// The identity of an observed object of `api_version`/`kind`.
    pub(super) fn of_object(api_version: &str, kind: &str, meta: &ObjectMeta) -> Identity {
        Identity {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            namespace: meta.namespace.clone().unwrap_or_default(),
        }
    }

    /// Whether `reference` has these coordinates (uid, name, kind, apiVersion).
    fn matches(&self, reference: &OwnerReference) -> bool {
        reference.uid == self.uid
            && reference.name == self.name
            && reference.kind == self.kind
            && reference.api_version == self.api_version
    }
}

/// Upstream's `referenceLessThan`: kind, apiVersion, namespace, name, uid.
fn reference_less_than(a: &Identity, b: &Identity) -> bool {
    (&a.kind, &a.api_version, &a.namespace, &a.name, &a.uid)
        < (&b.kind, &b.api_version, &b.namespace, &b.name, &b.uid)
}

/// One object in the graph.
#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// Which object.
    pub(super) identity: Identity,
    /// The uids of the nodes whose owner references name this one.
    pub(super) dependents: BTreeSet<String>,
    /// Deleted in the foreground: it has a deletionTimestamp and the `foregroundDeletion`
    /// finalizer.
    pub(super) deleting_dependents: bool,
    /// It has a deletionTimestamp.
    pub(super) being_deleted: bool,
    /// Only referenced as an owner, not observed by a monitor yet.
    pub(super) virtual_node: bool,
    /// Its owner references, as last observed.
    pub(super) owners: Vec<OwnerReference>,
}

/// A change the monitors (or the workers) report.
// Each change is built once and moved through the channel once: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(super) enum GraphEvent {
    /// An object was added or updated; `old` is its previous state, when known.
    Upsert {
        /// `apiVersion` the monitor watches.
        api_version: String,
        /// Kind the monitor watches.
        kind: String,
        /// The object's metadata now.
        object: ObjectMeta,
        /// Its metadata before, when the monitor had it.
        old: Option<ObjectMeta>,
    },
    /// An object was deleted.
    Delete {
        /// `apiVersion` the monitor watches.
        api_version: String,
        /// Kind the monitor watches.
        kind: String,
        /// Its last metadata.
        object: ObjectMeta,
    },
    /// A worker found this identity absent at the API server.
    VirtualDelete(Identity),
    /// Nothing: whoever sent it learns that everything sent before is in the graph.
    Barrier,
}

/// What processing a change asks of the workers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Effect {
    /// Add this uid to the attemptToDelete queue.
    AttemptToDelete(String),
    /// Add this uid to the attemptToDelete queue after its backoff.
    AttemptToDeleteRateLimited(String),
    /// Add this uid to the attemptToOrphan queue.
    AttemptToOrphan(String),
    /// Record `OwnerRefInvalidNamespace` on `dependent`.
    InvalidNamespaceOwnerRef {
        /// The object whose owner reference is wrong.
        dependent: Identity,
        /// The event message, in upstream's words.
        message: String,
    },
}

/// Owners verified absent, so that their dependents need not look them up again (upstream's
/// `ReferenceCache`; oldest forgotten first).
#[derive(Debug, Default)]
pub(super) struct AbsentOwnerCache {
    set: HashSet<Identity>,
    order: VecDeque<Identity>,
}

impl AbsentOwnerCache {
    /// Remembers `identity` as absent.
    pub(super) fn add(&mut self, identity: Identity) {
        if self.set.insert(identity.clone()) {
            self.order.push_back(identity);
            while self.order.len() > ABSENT_OWNER_CACHE_SIZE {
                if let Some(oldest) = self.order.pop_front() {
                    self.set.remove(&oldest);
                }
            }
        }
    }

    /// Whether `identity` is known absent.
    pub(super) fn has(&self, identity: &Identity) -> bool {
        self.set.contains(identity)
    }
}

/// The ownership graph, keyed by uid.
#[derive(Debug, Default)]
pub(super) struct Graph {
    /// uid → node.
    pub(super) nodes: HashMap<String, Node>,
    /// Owners verified absent.
    pub(super) absent_owners: AbsentOwnerCache,
}

fn has_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| x == finalizer))
}

/// Whether the object's deletion started with `finalizer` in this change (upstream's
/// `deletionStartsWithFinalizer`).
fn deletion_starts_with_finalizer(
    old: Option<&ObjectMeta>,
    new: &ObjectMeta,
    finalizer: &str,
) -> bool {
    if new.deletion_timestamp.is_none() || !has_finalizer(new, finalizer) {
        return false;
    }
    match old {
        None => true,
        Some(old) => old.deletion_timestamp.is_none() || !has_finalizer(old, finalizer),
    }
}

fn blocks(reference: &OwnerReference) -> bool {
    reference.block_owner_deletion == Some(true)
}

impl Graph {
    /// Whether `uid` names a node that is waiting for its dependents' deletion.
    pub(super) fn is_deleting_dependents(&self, uid: &str) -> bool {
        self.nodes.get(uid).is_some_and(|n| n.deleting_dependents)
    }

    /// The dependents of `uid` whose reference to it has blockOwnerDeletion=true.
    pub(super) fn blocking_dependents(&self, uid: &str) -> Vec<&Node> {
        let Some(node) = self.nodes.get(uid) else {
            return Vec::new();
        };
        node.dependents
            .iter()
            .filter_map(|d| self.nodes.get(d))
            .filter(|dep| dep.owners.iter().any(|o| o.uid == uid && blocks(o)))
            .collect()
    }

    /// Applies one change; what the workers must do about it.
    pub(super) fn process(&mut self, event: GraphEvent) -> Vec<Effect> {
        let mut effects = Vec::new();
        match event {
            GraphEvent::Upsert {
                api_version,
                kind,
                object,
                old,
            } => {
                let identity = Identity::of_object(&api_version, &kind, &object);
                self.observe(&identity, &mut effects);
                self.upsert(identity, &object, old.as_ref(), &mut effects);
            }
            GraphEvent::Delete {
                api_version,
                kind,
                object,
            } => {
                let identity = Identity::of_object(&api_version, &kind, &object);
                self.observe(&identity, &mut effects);
                self.delete(identity, false, &mut effects);
            }
            GraphEvent::VirtualDelete(identity) => self.delete(identity, true, &mut effects),
            GraphEvent::Barrier => {}
        }
        effects
    }

    /// A monitor saw `observed`: a virtual node of its uid becomes observed, taking the
    /// observed identity; dependents that referenced it with other coordinates are checked.
    fn observe(&mut self, observed: &Identity, effects: &mut Vec<Effect>) {
        let Some(existing) = self.nodes.get(&observed.uid) else {
            return;
        };
        if !existing.virtual_node {
            return;
        }
        if existing.identity != *observed {
            let dependents: Vec<String> = existing.dependents.iter().cloned().collect();
            let (_, invalid) = self.partition_dependents(&dependents, observed);
            for dep in invalid {
                let dep_namespace = self
                    .nodes
                    .get(&dep)
                    .map(|n| n.identity.namespace.clone())
                    .unwrap_or_default();
                if !observed.namespace.is_empty() && dep_namespace != observed.namespace {
                    tracing::debug!(item = %dep, owner = %observed, "item references an owner but does not match namespaces");
                    if let Some(effect) = self.invalid_namespace_owner_ref(&dep, &observed.uid) {
                        effects.push(effect);
                    }
                }
                effects.push(Effect::AttemptToDelete(dep));
            }
            tracing::debug!(observed = %observed, "replacing virtual item with observed item");
        }
        if let Some(existing) = self.nodes.get_mut(&observed.uid) {
            existing.identity = observed.clone();
            existing.virtual_node = false;
        }
    }

    fn upsert(
        &mut self,
        identity: Identity,
        object: &ObjectMeta,
        old: Option<&ObjectMeta>,
        effects: &mut Vec<Effect>,
    ) {
        let uid = identity.uid.clone();
        let owners = object.owner_references.clone().unwrap_or_default();
        let being_deleted = object.deletion_timestamp.is_some();
        match self.nodes.get_mut(&uid) {
            None => {
                self.nodes.insert(
                    uid.clone(),
                    Node {
                        identity,
                        dependents: BTreeSet::new(),
                        deleting_dependents: being_deleted
                            && has_finalizer(object, FINALIZER_FOREGROUND),
                        being_deleted,
                        virtual_node: false,
                        owners: owners.clone(),
                    },
                );
                self.add_dependent_to_owners(&uid, &owners, effects);
                // An owner already deleting its dependents enqueued the ones it had; one that
                // joins later (its watch was behind the owner's) must not wait for the owner to
                // go (upstream relies on its informers' order here).
                if owners.iter().any(|o| self.is_deleting_dependents(&o.uid)) {
                    effects.push(Effect::AttemptToDelete(uid.clone()));
                }
            }
            Some(existing) => {
                let (added, removed, changed) = references_diffs(&existing.owners, &owners);
                if being_deleted {
                    existing.being_deleted = true;
                }
                if !added.is_empty() || !removed.is_empty() || !changed.is_empty() {
                    existing.owners = owners;
                    self.add_unblocked_owners_to_delete_queue(&removed, &changed, effects);
                    self.add_dependent_to_owners(&uid, &added, effects);
                    self.remove_dependent_from_owners(&uid, &removed);
                }
            }
        }
        self.process_transitions(old, object, &uid, effects);
    }

    fn delete(&mut self, deleted: Identity, virtual_event: bool, effects: &mut Vec<Effect>) {
        let uid = deleted.uid.clone();
        let Some(existing) = self.nodes.get(&uid) else {
            tracing::debug!(item = %deleted, "item doesn't exist in the graph, this shouldn't happen");
            return;
        };
        let mut remove = true;
        if virtual_event {
            let dependents: Vec<String> = existing.dependents.iter().cloned().collect();
            if existing.virtual_node {
                // A virtual node may have been created with one dependent's coordinates while
                // other dependents name the uid differently: only the matching ones learn that
                // the owner is absent; the node stays for the others.
                let (matching, nonmatching) = self.partition_dependents(&dependents, &deleted);
                if !nonmatching.is_empty() {
                    remove = false;
                    if !matching.is_empty() {
                        self.absent_owners.add(deleted.clone());
                        effects.extend(matching.into_iter().map(Effect::AttemptToDelete));
                    }
                    let current = self.nodes.get(&uid).map(|n| n.identity.clone());
                    if current.as_ref() == Some(&deleted)
                        && let Some(replacement) =
                            self.alternate_owner_identity(&nonmatching, &deleted)
                        && let Some(node) = self.nodes.get_mut(&uid)
                    {
                        node.identity = replacement;
                        effects.push(Effect::AttemptToDeleteRateLimited(uid.clone()));
                    }
                }
            } else if existing.identity != deleted {
                // The real object exists with other coordinates: only dependents naming these
                // coordinates are affected.
                remove = false;
                let (matching, _) = self.partition_dependents(&dependents, &deleted);
                if !matching.is_empty() {
                    self.absent_owners.add(deleted.clone());
                    effects.extend(matching.into_iter().map(Effect::AttemptToDelete));
                }
            }
        }
        if remove && let Some(node) = self.nodes.remove(&uid) {
            self.remove_dependent_from_owners(&uid, &node.owners);
            if !node.dependents.is_empty() {
                self.absent_owners.add(deleted);
            }
            effects.extend(node.dependents.iter().cloned().map(Effect::AttemptToDelete));
            for owner in &node.owners {
                if self.is_deleting_dependents(&owner.uid) {
                    effects.push(Effect::AttemptToDelete(owner.uid.clone()));
                }
            }
        }
    }

    /// Links `dependent` to each of `owners`, creating virtual nodes for owners not seen yet
    /// (upstream's `addDependentToOwners`).
    fn add_dependent_to_owners(
        &mut self,
        dependent: &str,
        owners: &[OwnerReference],
        effects: &mut Vec<Effect>,
    ) {
        let Some(dep_identity) = self.nodes.get(dependent).map(|n| n.identity.clone()) else {
            return;
        };
        let mut potentially_invalid = false;
        for owner in owners {
            let found = self.nodes.contains_key(&owner.uid);
            let owner_node = self.nodes.entry(owner.uid.clone()).or_insert_with(|| Node {
                identity: Identity::of_reference(owner, &dep_identity.namespace),
                virtual_node: true,
                ..Node::default()
            });
            owner_node.dependents.insert(dependent.to_string());
            if !found {
                // The worker asks the API server; a virtual delete removes it if absent.
                effects.push(Effect::AttemptToDelete(owner.uid.clone()));
                continue;
            }
            if potentially_invalid {
                continue;
            }
            let owner_identity = owner_node.identity.clone();
            let owner_observed = !owner_node.virtual_node;
            let owner_namespaced = !owner_identity.namespace.is_empty();
            if owner_namespaced && owner_identity.namespace != dep_identity.namespace {
                if owner_observed {
                    tracing::debug!(item = %dep_identity, owner = %owner_identity, "item references an owner but does not match namespaces");
                    if let Some(effect) = self.invalid_namespace_owner_ref(dependent, &owner.uid) {
                        effects.push(effect);
                    }
                }
                potentially_invalid = true;
            } else if !owner_identity.matches(owner) {
                if owner_observed {
                    tracing::debug!(item = %dep_identity, owner = %owner_identity, "item references an owner with coordinates that do not match the observed identity");
                }
                potentially_invalid = true;
            } else if !owner_namespaced
                && owner_identity.namespace != dep_identity.namespace
                && !owner_observed
            {
                // A virtual cluster-scoped owner of a namespaced dependent may be a missing
                // namespaced owner wrongly referenced: verify.
                potentially_invalid = true;
            }
        }
        if potentially_invalid {
            effects.push(Effect::AttemptToDelete(dependent.to_string()));
        }
    }

    fn remove_dependent_from_owners(&mut self, dependent: &str, owners: &[OwnerReference]) {
        for owner in owners {
            if let Some(node) = self.nodes.get_mut(&owner.uid) {
                node.dependents.remove(dependent);
            }
        }
    }

    /// Owners whose blocking reference was removed or unblocked may now finish their
    /// foreground deletion.
    fn add_unblocked_owners_to_delete_queue(
        &self,
        removed: &[OwnerReference],
        changed: &[(OwnerReference, OwnerReference)],
        effects: &mut Vec<Effect>,
    ) {
        for reference in removed {
            if blocks(reference) && self.nodes.contains_key(&reference.uid) {
                effects.push(Effect::AttemptToDelete(reference.uid.clone()));
            }
        }
        for (old, new) in changed {
            if blocks(old) && !blocks(new) && self.nodes.contains_key(&new.uid) {
                effects.push(Effect::AttemptToDelete(new.uid.clone()));
            }
        }
    }

    fn process_transitions(
        &mut self,
        old: Option<&ObjectMeta>,
        new: &ObjectMeta,
        uid: &str,
        effects: &mut Vec<Effect>,
    ) {
        if deletion_starts_with_finalizer(old, new, FINALIZER_ORPHAN) {
            effects.push(Effect::AttemptToOrphan(uid.to_string()));
            return;
        }
        if deletion_starts_with_finalizer(old, new, FINALIZER_FOREGROUND)
            && let Some(node) = self.nodes.get_mut(uid)
        {
            node.deleting_dependents = true;
            effects.extend(node.dependents.iter().cloned().map(Effect::AttemptToDelete));
            effects.push(Effect::AttemptToDelete(uid.to_string()));
        }
    }

    /// The dependents whose references match `owner`'s coordinates, and those that name its
    /// uid otherwise (or sit in another namespace than a namespaced owner).
    fn partition_dependents(
        &self,
        dependents: &[String],
        owner: &Identity,
    ) -> (Vec<String>, Vec<String>) {
        let owner_namespaced = !owner.namespace.is_empty();
        let mut matching = Vec::new();
        let mut nonmatching = Vec::new();
        for uid in dependents {
            let Some(dep) = self.nodes.get(uid) else {
                continue;
            };
            let mut found_match = false;
            let mut found_mismatch = false;
            if owner_namespaced && owner.namespace != dep.identity.namespace {
                found_mismatch = true;
            } else {
                for reference in dep.owners.iter().filter(|r| r.uid == owner.uid) {
                    if owner.matches(reference) {
                        found_match = true;
                    } else {
                        found_mismatch = true;
                    }
                }
            }
            if found_match {
                matching.push(uid.clone());
            }
            if found_mismatch {
                nonmatching.push(uid.clone());
            }
        }
        (matching, nonmatching)
    }

    /// Another identity the dependents use for the absent owner's uid, to verify next
    /// (upstream's `getAlternateOwnerIdentity`: the first after `absent` in order, else the
    /// first).
    fn alternate_owner_identity(
        &self,
        dependents: &[String],
        absent: &Identity,
    ) -> Option<Identity> {
        let absent_cluster_scoped = absent.namespace.is_empty();
        let mut seen: HashSet<Identity> = HashSet::from([absent.clone()]);
        let mut first: Option<Identity> = None;
        let mut first_following: Option<Identity> = None;
        for dep in dependents.iter().filter_map(|d| self.nodes.get(d)) {
            for reference in dep.owners.iter().filter(|r| r.uid == absent.uid) {
                if absent.matches(reference)
                    && (absent_cluster_scoped || absent.namespace == dep.identity.namespace)
                {
                    continue;
                }
                let mut candidate = Identity::of_reference(reference, &dep.identity.namespace);
                if absent_cluster_scoped
                    && candidate.api_version == absent.api_version
                    && candidate.kind == absent.kind
                {
                    candidate.namespace.clear();
                }
                if !seen.insert(candidate.clone()) {
                    continue;
                }
                if first
                    .as_ref()
                    .is_none_or(|f| reference_less_than(&candidate, f))
                {
                    first = Some(candidate.clone());
                }
                if reference_less_than(absent, &candidate)
                    && first_following
                        .as_ref()
                        .is_none_or(|f| reference_less_than(&candidate, f))
                {
                    first_following = Some(candidate);
                }
            }
        }
        first_following.or(first)
    }

    /// Upstream's `reportInvalidNamespaceOwnerRef`: the event for `dependent`'s reference to
    /// `owner_uid`.
    fn invalid_namespace_owner_ref(&self, dependent: &str, owner_uid: &str) -> Option<Effect> {
        let dep = self.nodes.get(dependent)?;
        let reference = dep.owners.iter().find(|r| r.uid == owner_uid)?;
        let invalid = Identity::of_reference(reference, &dep.identity.namespace);
        Some(Effect::InvalidNamespaceOwnerRef {
            dependent: dep.identity.clone(),
            message: format!(
                "ownerRef {invalid} does not exist in namespace {:?}",
                dep.identity.namespace
            ),
        })
    }
}

/// The references added, removed and changed (same uid, other content) between `old` and
/// `new` (upstream's `referencesDiffs`).
#[allow(clippy::type_complexity)]
fn references_diffs(
    old: &[OwnerReference],
    new: &[OwnerReference],
) -> (
    Vec<OwnerReference>,
    Vec<OwnerReference>,
    Vec<(OwnerReference, OwnerReference)>,
) {
    let mut old_by_uid: HashMap<&str, &OwnerReference> =
        old.iter().map(|r| (r.uid.as_str(), r)).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for reference in new {
        match old_by_uid.remove(reference.uid.as_str()) {
            Some(before) if before != reference => {
                changed.push((before.clone(), reference.clone()))
            }
            Some(_) => {}
            None => added.push(reference.clone()),
        }
    }
    let removed = old_by_uid.into_values().cloned().collect();
    (added, removed, changed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn reference(name: &str, uid: &str, block: bool) -> OwnerReference {
        OwnerReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: name.into(),
            uid: uid.into(),
            block_owner_deletion: block.then_some(true),
            controller: None,
        }
    }

    fn meta(name: &str, uid: &str, namespace: &str, owners: Vec<OwnerReference>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            uid: Some(uid.into()),
            namespace: (!namespace.is_empty()).then(|| namespace.into()),
            owner_references: (!owners.is_empty()).then_some(owners),
            ..ObjectMeta::default()
        }
    }

    fn upsert(object: ObjectMeta, old: Option<ObjectMeta>) -> GraphEvent {
        GraphEvent::Upsert {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            object,
            old,
        }
    }

    #[test]
    fn virtual_owner_is_created_checked_and_observed() {
        let mut graph = Graph::default();
        let effects = graph.process(upsert(
            meta("b", "uid-b", "ns", vec![reference("a", "uid-a", false)]),
            None,
        ));
        assert_eq!(effects, vec![Effect::AttemptToDelete("uid-a".into())]);
        assert!(graph.nodes["uid-a"].virtual_node);
        assert_eq!(graph.nodes["uid-a"].identity.namespace, "ns");
        assert!(graph.nodes["uid-a"].dependents.contains("uid-b"));

        let effects = graph.process(upsert(meta("a", "uid-a", "ns", vec![]), None));
        assert!(effects.is_empty());
        assert!(!graph.nodes["uid-a"].virtual_node);
    }

    #[test]
    fn deleting_an_owner_enqueues_its_dependents() {
        let mut graph = Graph::default();
        graph.process(upsert(meta("a", "uid-a", "ns", vec![]), None));
        graph.process(upsert(
            meta("b", "uid-b", "ns", vec![reference("a", "uid-a", false)]),
            None,
        ));
        let effects = graph.process(GraphEvent::Delete {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            object: meta("a", "uid-a", "ns", vec![]),
        });
        assert_eq!(effects, vec![Effect::AttemptToDelete("uid-b".into())]);
        assert!(!graph.nodes.contains_key("uid-a"));
        assert!(graph.absent_owners.has(&Identity {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "a".into(),
            uid: "uid-a".into(),
            namespace: "ns".into(),
        }));
    }

    #[test]
    fn foreground_and_orphan_transitions() {
        let mut graph = Graph::default();
        graph.process(upsert(meta("a", "uid-a", "ns", vec![]), None));
        graph.process(upsert(
            meta("b", "uid-b", "ns", vec![reference("a", "uid-a", true)]),
            None,
        ));
        let mut deleting = meta("a", "uid-a", "ns", vec![]);
        deleting.deletion_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH));
        deleting.finalizers = Some(vec![FINALIZER_FOREGROUND.into()]);
        let effects = graph.process(upsert(
            deleting.clone(),
            Some(meta("a", "uid-a", "ns", vec![])),
        ));
        assert_eq!(
            effects,
            vec![
                Effect::AttemptToDelete("uid-b".into()),
                Effect::AttemptToDelete("uid-a".into())
            ]
        );
        assert!(graph.nodes["uid-a"].deleting_dependents);
        assert_eq!(graph.blocking_dependents("uid-a").len(), 1);
        // The same state again is no new transition.
        assert!(
            graph
                .process(upsert(deleting.clone(), Some(deleting)))
                .is_empty()
        );

        // The dependent's blocking reference removed: the owner is looked at again.
        let effects = graph.process(upsert(meta("b", "uid-b", "ns", vec![]), None));
        assert_eq!(effects, vec![Effect::AttemptToDelete("uid-a".into())]);
        assert!(graph.blocking_dependents("uid-a").is_empty());

        let mut orphaning = meta("c", "uid-c", "ns", vec![]);
        orphaning.deletion_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH));
        orphaning.finalizers = Some(vec![FINALIZER_ORPHAN.into()]);
        let effects = graph.process(upsert(orphaning, None));
        assert_eq!(effects, vec![Effect::AttemptToOrphan("uid-c".into())]);
    }

    #[test]
    fn owner_in_another_namespace_is_reported() {
        let mut graph = Graph::default();
        graph.process(upsert(meta("a", "uid-a", "ns-a", vec![]), None));
        let effects = graph.process(upsert(
            meta("b", "uid-b", "ns-b", vec![reference("a", "uid-a", false)]),
            None,
        ));
        assert_eq!(effects.len(), 2, "{effects:?}");
        match &effects[0] {
            Effect::InvalidNamespaceOwnerRef { dependent, message } => {
                assert_eq!(dependent.name, "b");
                assert_eq!(
                    message,
                    "ownerRef [v1/ConfigMap, namespace: ns-b, name: a, uid: uid-a] does not exist in namespace \"ns-b\""
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(effects[1], Effect::AttemptToDelete("uid-b".into()));
    }

    #[test]
    fn virtual_delete_of_a_virtual_owner_removes_it() {
        let mut graph = Graph::default();
        graph.process(upsert(
            meta("b", "uid-b", "ns", vec![reference("a", "uid-a", false)]),
            None,
        ));
        let identity = graph.nodes["uid-a"].identity.clone();
        let effects = graph.process(GraphEvent::VirtualDelete(identity));
        assert_eq!(effects, vec![Effect::AttemptToDelete("uid-b".into())]);
        assert!(!graph.nodes.contains_key("uid-a"));
        assert!(graph.nodes["uid-b"].owners.len() == 1);
    }

    #[test]
    fn references_diffs_sorts_changes() {
        let a = reference("a", "1", false);
        let b = reference("b", "2", false);
        let b_blocking = reference("b", "2", true);
        let c = reference("c", "3", false);
        let (added, removed, changed) =
            references_diffs(&[a.clone(), b.clone()], &[b_blocking.clone(), c.clone()]);
        assert_eq!(added, vec![c]);
        assert_eq!(removed, vec![a]);
        assert_eq!(changed, vec![(b, b_blocking)]);
    }
}
