//! The Deployment controller (upstream's `pkg/controller/deployment`): one ReplicaSet per pod
//! template (`<name>-<pod-template-hash>`), rolled out with RollingUpdate (maxSurge and
//! maxUnavailable) or Recreate, scaled proportionally mid-rollout, paused and resumed, old
//! ReplicaSets pruned beyond `revisionHistoryLimit`, and upstream's status and conditions
//! (`Available`, `Progressing` with its deadline).

mod podhash;
mod util;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::core::v1::{ObjectReference, Pod};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{EventType, Recorder};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Resource as _, ResourceExt as _};
use serde_json::json;

use crate::Context;
use crate::controller_utils::{
    Change, Selector, cached_watch, claim, controller_of, new_controller_ref, publish,
    refers_to_kind, run_queue,
};
use crate::reconcile::{ReconcileError, error_policy};
use util::{
    DESIRED_REPLICAS, HASH_LABEL, REVISION, by_creation, by_revision, by_size_newer, by_size_older,
    compute_hash, condition, equal_ignore_hash, int_annotation, is_rolling_update, max_revision,
    max_surge, max_unavailable, new_condition, progress_deadline, proportion, remove_condition,
    replicas, rs_replicas, set_condition, set_new_rs_annotations, set_replicas_annotations,
};

const NAME: &str = "deployment-controller";
/// Upstream's reasons for the Progressing and Available conditions.
const REPLICA_SET_UPDATED: &str = "ReplicaSetUpdated";
const FAILED_RS_CREATE: &str = "ReplicaSetCreateError";
const NEW_REPLICA_SET: &str = "NewReplicaSetCreated";
const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
const TIMED_OUT: &str = "ProgressDeadlineExceeded";
const PAUSED: &str = "DeploymentPaused";
const RESUMED: &str = "DeploymentResumed";

struct State {
    ctx: Arc<Context>,
    deployments: Store<Deployment>,
    sets: Store<ReplicaSet>,
    pods: Store<Pod>,
    recorder: Recorder,
}

/// The Deployment that controls `rs`, by its controller reference.
fn owner_of(rs: &ReplicaSet) -> Option<ObjectRef<Deployment>> {
    let owner = controller_of(rs).filter(|r| refers_to_kind::<Deployment>(r))?;
    Some(ObjectRef::new(&owner.name).within(rs.metadata.namespace.as_deref().unwrap_or("")))
}

/// The Deployment controller.
pub(crate) async fn run(ctx: Context) {
    let client = ctx.client.clone();
    let (deployments, deployment_triggers) = cached_watch(
        &ctx,
        Api::<Deployment>::all(client.clone()),
        watcher::Config::default(),
        |_store: &Store<Deployment>, change| match change {
            Change::Applied { new, .. } => vec![ObjectRef::from_obj(new)],
            Change::Deleted(_) => Vec::new(),
        },
    );
    let (sets, set_triggers) = cached_watch(
        &ctx,
        Api::<ReplicaSet>::all(client.clone()),
        watcher::Config::default(),
        {
            let deployments = deployments.clone();
            move |_store: &Store<ReplicaSet>, change| match change {
                Change::Applied { old, new } => {
                    let mut triggers: Vec<ObjectRef<Deployment>> =
                        owner_of(new).into_iter().collect();
                    if let Some(previous) = old.as_deref().and_then(owner_of)
                        && !triggers.contains(&previous)
                    {
                        triggers.push(previous);
                    }
                    if controller_of(new).is_none() {
                        // An orphan: Deployments whose selector matches may adopt it.
                        triggers.extend(
                            deployments
                                .state()
                                .iter()
                                .filter(|d| d.metadata.namespace == new.metadata.namespace)
                                .filter(|d| {
                                    Selector::parse(Some(&d.spec.selector))
                                        .is_ok_and(|s| !s.is_empty() && s.matches(new.labels()))
                                })
                                .map(|d| ObjectRef::from_obj(d.as_ref())),
                        );
                    }
                    triggers
                }
                Change::Deleted(gone) => owner_of(gone).into_iter().collect(),
            }
        },
    );
    // Pods going away matter to Recreate, which waits for the old ones.
    let (pods, pod_triggers) = cached_watch(
        &ctx,
        Api::<Pod>::all(client.clone()),
        watcher::Config::default(),
        {
            let sets = sets.clone();
            move |_store: &Store<Pod>, change| match change {
                Change::Deleted(pod) => controller_of(pod)
                    .filter(|r| refers_to_kind::<ReplicaSet>(r))
                    .and_then(|r| {
                        sets.get(
                            &ObjectRef::new(&r.name)
                                .within(pod.metadata.namespace.as_deref().unwrap_or("")),
                        )
                    })
                    .and_then(|rs| owner_of(&rs))
                    .into_iter()
                    .collect(),
                Change::Applied { .. } => Vec::new(),
            }
        },
    );
    let concurrency = ctx.options.concurrent_deployment_syncs;
    let state = Arc::new(State {
        recorder: ctx.recorder(NAME),
        ctx: Arc::new(ctx),
        deployments: deployments.clone(),
        sets,
        pods,
    });
    let policy = error_policy::<Deployment>(NAME);
    run_queue(
        deployments,
        futures::stream::select(
            deployment_triggers,
            futures::stream::select(set_triggers, pod_triggers),
        ),
        reconcile,
        move |obj, err, state: Arc<State>| policy(obj, err, state.ctx.clone()),
        state,
        concurrency,
    )
    .await;
}

/// One sync of one Deployment: its ReplicaSets (claimed), the Deployment being edited in
/// place as upstream does, and the APIs.
struct Sync<'a> {
    state: &'a State,
    d: Deployment,
    reference: ObjectReference,
    sets: Api<ReplicaSet>,
    deployments: Api<Deployment>,
    /// When the Progressing condition needs a look again (its deadline).
    requeue: Option<Duration>,
}

async fn reconcile(d: Arc<Deployment>, state: Arc<State>) -> Result<Action, ReconcileError> {
    let not_ready = |err: kube::runtime::reflector::store::WriterDropped| {
        ReconcileError::Other(err.to_string())
    };
    crate::shared_informer::wait_synced(&state.sets)
        .await
        .map_err(not_ready)?;
    crate::shared_informer::wait_synced(&state.pods)
        .await
        .map_err(not_ready)?;
    state
        .ctx
        .metrics
        .inc("ironkube_controller_syncs_total", NAME);
    let d = state
        .deployments
        .get(&ObjectRef::from_obj(d.as_ref()))
        .unwrap_or(d);
    let namespace = d.namespace().unwrap_or_default();
    let mut sync = Sync {
        state: &state,
        reference: d.object_ref(&()),
        d: (*d).clone(),
        sets: Api::namespaced(state.ctx.client.clone(), &namespace),
        deployments: Api::namespaced(state.ctx.client.clone(), &namespace),
        requeue: None,
    };
    let selector = match Selector::parse(Some(&d.spec.selector)) {
        Ok(s) => s,
        Err(err) => {
            tracing::warn!(controller = NAME, deployment = %d.name_any(), %err, "invalid selector");
            return Ok(Action::await_change());
        }
    };
    if selector.is_empty() {
        sync.event(
            EventType::Warning,
            "SelectingAll",
            "This deployment is selecting all pods. A non-empty selector is required.".into(),
        )
        .await;
        let status = sync.d.status.clone().unwrap_or_default();
        if status.observed_generation.unwrap_or(0) < d.metadata.generation.unwrap_or(0) {
            let mut status = status;
            status.observed_generation = d.metadata.generation;
            sync.write_status(status).await?;
        }
        return Ok(Action::await_change());
    }
    let uid = d.metadata.uid.clone();
    let candidates = state.sets.state_filter(|rs| {
        rs.metadata.namespace.as_deref() == Some(namespace.as_str())
            && controller_of(rs).is_none_or(|r| Some(&r.uid) == uid.as_ref())
    });
    let claimed = claim(&sync.sets, d.as_ref(), &selector, candidates).await?;
    let sets: Vec<ReplicaSet> = claimed.iter().map(|rs| (**rs).clone()).collect();
    if d.metadata.deletion_timestamp.is_some() {
        sync.sync_status_only(sets).await?;
        return Ok(Action::await_change());
    }
    sync.check_paused_conditions().await?;
    let paused = d.spec.paused.unwrap_or(false);
    tracing::debug!(
        deployment = %d.name_any(),
        resource_version = ?d.metadata.resource_version,
        sets = ?sets
            .iter()
            .map(|rs| format!("{}={}", rs.name_any(), rs_replicas(rs)))
            .collect::<Vec<_>>(),
        "syncing"
    );
    if paused || sync.is_scaling_event(&sets) {
        sync.sync(sets).await?;
    } else if is_rolling_update(&d) {
        sync.rollout_rolling(sets).await?;
    } else {
        sync.rollout_recreate(sets).await?;
    }
    Ok(match sync.requeue {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

impl Sync<'_> {
    async fn event(&self, type_: EventType, reason: &str, note: String) {
        publish(&self.state.recorder, &self.reference, type_, reason, note).await;
    }

    fn status(&self) -> DeploymentStatus {
        self.d.status.clone().unwrap_or_default()
    }

    /// Writes `status` (optimistically, on the copy this sync holds) and keeps the result.
    async fn write_status(&mut self, status: DeploymentStatus) -> Result<(), ReconcileError> {
        let mut updated = self.d.clone();
        updated.status = Some(status);
        match self
            .deployments
            .replace_status(&self.d.name_any(), &PostParams::default(), &updated)
            .await
        {
            Ok(written) => {
                self.d = written;
                Ok(())
            }
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Sets the Deployment's revision annotation (`SetDeploymentRevision`).
    async fn set_revision(&mut self, revision: &str) -> Result<(), ReconcileError> {
        let current = self.d.annotations().get(REVISION).map(String::as_str);
        if current == Some(revision) {
            return Ok(());
        }
        let patch = json!({"metadata": {
            "annotations": {REVISION: revision},
            "resourceVersion": self.d.metadata.resource_version,
        }});
        let patched = self
            .deployments
            .patch(
                &self.d.name_any(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await?;
        // Keep the status this sync computed so far.
        let status = self.d.status.take();
        self.d = patched;
        self.d.status = status;
        Ok(())
    }

    /// `checkPausedConditions`.
    async fn check_paused_conditions(&mut self) -> Result<(), ReconcileError> {
        if progress_deadline(&self.d).is_none() {
            return Ok(());
        }
        let status = self.status();
        let reason = condition(&status, "Progressing").and_then(|c| c.reason.clone());
        if reason.as_deref() == Some(TIMED_OUT) {
            return Ok(());
        }
        let paused_cond = reason.as_deref() == Some(PAUSED);
        let paused = self.d.spec.paused.unwrap_or(false);
        let mut status = status;
        if paused && !paused_cond {
            set_condition(
                &mut status,
                new_condition(
                    "Progressing",
                    "Unknown",
                    PAUSED,
                    "Deployment is paused".into(),
                ),
            );
        } else if !paused && paused_cond {
            set_condition(
                &mut status,
                new_condition(
                    "Progressing",
                    "Unknown",
                    RESUMED,
                    "Deployment is resumed".into(),
                ),
            );
        } else {
            return Ok(());
        }
        self.write_status(status).await
    }

    /// Splits into the new ReplicaSet (made when `create`) and the old ones, and brings
    /// revisions up to date (`getAllReplicaSetsAndSyncRevision`).
    async fn new_and_old(
        &mut self,
        mut sets: Vec<ReplicaSet>,
        create: bool,
    ) -> Result<(Option<ReplicaSet>, Vec<ReplicaSet>), ReconcileError> {
        sets.sort_by(by_creation);
        let new_index = sets.iter().position(|rs| {
            rs.spec
                .template
                .as_ref()
                .is_some_and(|t| equal_ignore_hash(t, &self.d.spec.template))
        });
        let existing = new_index.map(|i| sets.remove(i));
        let old = sets;
        let new_revision = max_revision(&old) + 1;
        if let Some(mut rs) = existing {
            let annotations_changed = set_new_rs_annotations(&self.d, &mut rs, new_revision, true);
            let min_ready_changed = rs.spec.min_ready_seconds != self.d.spec.min_ready_seconds;
            if annotations_changed || min_ready_changed {
                rs.spec.min_ready_seconds = self.d.spec.min_ready_seconds;
                let updated = self
                    .sets
                    .replace(&rs.name_any(), &PostParams::default(), &rs)
                    .await?;
                return Ok((Some(updated), old));
            }
            let revision = rs.annotations().get(REVISION).cloned().unwrap_or_default();
            self.set_revision(&revision).await?;
            let mut status = self.status();
            if progress_deadline(&self.d).is_some() && condition(&status, "Progressing").is_none() {
                set_condition(
                    &mut status,
                    new_condition(
                        "Progressing",
                        "True",
                        FOUND_NEW_RS,
                        format!("Found new replica set {:?}", rs.name_any()),
                    ),
                );
                self.write_status(status).await?;
            }
            return Ok((Some(rs), old));
        }
        if !create {
            return Ok((None, old));
        }
        let collision_count = self.status().collision_count;
        let hash = compute_hash(&self.d.spec.template, collision_count);
        let mut template = self.d.spec.template.clone();
        template
            .metadata
            .get_or_insert_with(Default::default)
            .labels
            .get_or_insert_with(Default::default)
            .insert(HASH_LABEL.into(), hash.clone());
        let mut selector = self.d.spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(Default::default)
            .insert(HASH_LABEL.into(), hash.clone());
        let name = rs_name(&self.d.name_any(), &hash);
        let mut rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: self.d.namespace(),
                owner_references: Some(vec![new_controller_ref(&self.d)]),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                ..ObjectMeta::default()
            },
            spec: ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: self.d.spec.min_ready_seconds,
                selector,
                template: Some(template),
            },
            status: None,
        };
        let count = new_rs_new_replicas(&self.d, old.iter().chain(std::iter::once(&rs)), &rs);
        rs.spec.replicas = Some(count);
        set_new_rs_annotations(&self.d, &mut rs, new_revision, false);
        let created = match self.sets.create(&PostParams::default(), &rs).await {
            Ok(created) => {
                if count > 0 {
                    self.event(
                        EventType::Normal,
                        "ScalingReplicaSet",
                        format!("Scaled up replica set {name} from 0 to {count}"),
                    )
                    .await;
                }
                created
            }
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let found = self
                    .state
                    .sets
                    .get(&ObjectRef::new(&name).within(&self.d.namespace().unwrap_or_default()));
                let ours = found.as_ref().is_some_and(|rs| {
                    controller_of(rs.as_ref()).map(|r| &r.uid) == self.d.metadata.uid.as_ref()
                        && rs
                            .spec
                            .template
                            .as_ref()
                            .is_some_and(|t| equal_ignore_hash(t, &self.d.spec.template))
                });
                if let (true, Some(found)) = (ours, found.as_ref()) {
                    // Made by an earlier sync whose result the cache has just seen.
                    return Ok((Some((**found).clone()), old));
                }
                if found.is_some() {
                    // A hash collision: the next try hashes with a higher count.
                    let mut status = self.status();
                    status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                    self.write_status(status).await?;
                }
                return Err(ReconcileError::Kube(kube::Error::Api(s)));
            }
            Err(err) => {
                let msg = format!("Failed to create new replica set {name:?}: {err}");
                if progress_deadline(&self.d).is_some() {
                    let mut status = self.status();
                    set_condition(
                        &mut status,
                        new_condition("Progressing", "False", FAILED_RS_CREATE, msg.clone()),
                    );
                    let _ = self.write_status(status).await;
                }
                self.event(EventType::Warning, FAILED_RS_CREATE, msg).await;
                return Err(err.into());
            }
        };
        self.set_revision(&new_revision.to_string()).await?;
        if progress_deadline(&self.d).is_some() {
            let mut status = self.status();
            set_condition(
                &mut status,
                new_condition(
                    "Progressing",
                    "True",
                    NEW_REPLICA_SET,
                    format!("Created new replica set {name:?}"),
                ),
            );
            self.write_status(status).await?;
        }
        Ok((Some(created), old))
    }

    /// `isScalingEvent`: an active ReplicaSet's desired-replicas annotation is not
    /// `spec.replicas`.
    fn is_scaling_event(&self, sets: &[ReplicaSet]) -> bool {
        let desired = replicas(&self.d);
        sets.iter()
            .filter(|rs| rs_replicas(rs) > 0)
            .filter_map(|rs| int_annotation(rs, DESIRED_REPLICAS))
            .any(|n| n != desired)
    }

    /// Scales `rs` to `scale` and refreshes its replica annotations (`scaleReplicaSet`);
    /// whether the size changed.
    async fn scale_rs(
        &self,
        rs: &mut ReplicaSet,
        scale: i32,
        force: bool,
    ) -> Result<bool, ReconcileError> {
        let old_scale = rs_replicas(rs);
        if !force && old_scale == scale {
            return Ok(false);
        }
        let desired = replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let mut copy = rs.clone();
        let annotations_changed = set_replicas_annotations(&mut copy, desired, max);
        if old_scale == scale && !annotations_changed {
            return Ok(false);
        }
        copy.spec.replicas = Some(scale);
        tracing::debug!(
            deployment = %self.d.name_any(),
            replica_set = %rs.name_any(),
            from = old_scale,
            to = scale,
            resource_version = ?rs.metadata.resource_version,
            "scaling replica set"
        );
        let updated = self
            .sets
            .replace(&rs.name_any(), &PostParams::default(), &copy)
            .await?;
        *rs = updated;
        if old_scale != scale {
            let op = if old_scale < scale { "up" } else { "down" };
            self.event(
                EventType::Normal,
                "ScalingReplicaSet",
                format!(
                    "Scaled {op} replica set {} from {old_scale} to {scale}",
                    rs.name_any()
                ),
            )
            .await;
            return Ok(true);
        }
        Ok(false)
    }

    /// `syncStatusOnly`.
    async fn sync_status_only(&mut self, sets: Vec<ReplicaSet>) -> Result<(), ReconcileError> {
        let (new, old) = self.new_and_old(sets, false).await?;
        let status = calculate_status(&self.d, new.as_ref(), &old);
        self.write_if_changed(status).await
    }

    /// `sync`: scaling (proportionally) and, while paused, pruning history.
    async fn sync(&mut self, sets: Vec<ReplicaSet>) -> Result<(), ReconcileError> {
        let (mut new, mut old) = self.new_and_old(sets, false).await?;
        self.scale(&mut new, &mut old).await?;
        if self.d.spec.paused.unwrap_or(false) {
            self.cleanup(&old).await?;
        }
        let status = calculate_status(&self.d, new.as_ref(), &old);
        self.write_if_changed(status).await
    }

    async fn write_if_changed(&mut self, status: DeploymentStatus) -> Result<(), ReconcileError> {
        if same_status(&self.status(), &status) {
            return Ok(());
        }
        self.write_status(status).await
    }

    /// `scale`.
    async fn scale(
        &self,
        new: &mut Option<ReplicaSet>,
        old: &mut [ReplicaSet],
    ) -> Result<(), ReconcileError> {
        let desired = replicas(&self.d);
        // One active (or only the latest): it gets all.
        let active = old.iter().filter(|rs| rs_replicas(rs) > 0).count()
            + usize::from(new.as_ref().is_some_and(|rs| rs_replicas(rs) > 0));
        if active <= 1 && (new.is_some() || !old.is_empty()) {
            let target: &mut ReplicaSet =
                if let Some(rs) = new.as_mut().filter(|rs| rs_replicas(rs) > 0) {
                    rs
                } else if let Some(rs) = old.iter_mut().find(|rs| rs_replicas(rs) > 0) {
                    rs
                } else if let Some(rs) = new.as_mut() {
                    rs
                } else {
                    // The newest old one.
                    match old.iter_mut().max_by(|a, b| by_creation(a, b)) {
                        Some(rs) => rs,
                        None => return Ok(()),
                    }
                };
            if rs_replicas(target) != desired {
                self.scale_rs(target, desired, false).await?;
            }
            return Ok(());
        }
        if let Some(rs) = new.as_ref()
            && is_saturated(&self.d, rs)
        {
            for rs in old.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
                self.scale_rs(rs, 0, false).await?;
            }
            return Ok(());
        }
        if !is_rolling_update(&self.d) {
            return Ok(());
        }
        let mut all: Vec<&mut ReplicaSet> = old
            .iter_mut()
            .chain(new.iter_mut())
            .filter(|rs| rs_replicas(rs) > 0)
            .collect();
        let total: i32 = all.iter().map(|rs| rs_replicas(rs)).sum();
        let allowed = if desired > 0 {
            desired + max_surge(&self.d)
        } else {
            0
        };
        let to_add = allowed - total;
        match to_add.cmp(&0) {
            std::cmp::Ordering::Greater => all.sort_by(|a, b| by_size_newer(a, b)),
            std::cmp::Ordering::Less => all.sort_by(|a, b| by_size_older(a, b)),
            std::cmp::Ordering::Equal => {}
        }
        let mut added = 0;
        let mut sizes = Vec::with_capacity(all.len());
        for rs in &all {
            if to_add != 0 {
                let p = proportion(rs, &self.d, to_add, added);
                sizes.push(rs_replicas(rs) + p);
                added += p;
            } else {
                sizes.push(rs_replicas(rs));
            }
        }
        for (i, rs) in all.into_iter().enumerate() {
            let mut size = sizes[i];
            if i == 0 && to_add != 0 {
                size = (size + to_add - added).max(0);
            }
            self.scale_rs(rs, size, true).await?;
        }
        Ok(())
    }

    /// `cleanupDeployment`: deletes the oldest unused ReplicaSets beyond the history limit.
    async fn cleanup(&self, old: &[ReplicaSet]) -> Result<(), ReconcileError> {
        let Some(limit) = self
            .d
            .spec
            .revision_history_limit
            .filter(|l| *l != i32::MAX)
        else {
            return Ok(());
        };
        let mut alive: Vec<&ReplicaSet> = old
            .iter()
            .filter(|rs| rs.metadata.deletion_timestamp.is_none())
            .collect();
        let diff = i32::try_from(alive.len()).unwrap_or(i32::MAX) - limit;
        if diff <= 0 {
            return Ok(());
        }
        alive.sort_by(|a, b| by_revision(a, b));
        for rs in alive.into_iter().take(usize::try_from(diff).unwrap_or(0)) {
            let status = rs.status.clone().unwrap_or_default();
            if status.replicas != 0
                || rs_replicas(rs) != 0
                || rs.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0)
            {
                continue;
            }
            match self
                .sets
                .delete(&rs.name_any(), &DeleteParams::default())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// `rolloutRolling`.
    async fn rollout_rolling(&mut self, sets: Vec<ReplicaSet>) -> Result<(), ReconcileError> {
        let (new, mut old) = self.new_and_old(sets, true).await?;
        let Some(mut new) = new else {
            return Ok(());
        };
        if self.reconcile_new_rs(&mut new, &old).await? {
            return self.sync_rollout_status(Some(&new), &old).await;
        }
        if self.reconcile_old_rss(&new, &mut old).await? {
            return self.sync_rollout_status(Some(&new), &old).await;
        }
        if deployment_complete(&self.d, &self.status()) {
            self.cleanup(&old).await?;
        }
        self.sync_rollout_status(Some(&new), &old).await
    }

    /// `reconcileNewReplicaSet`.
    async fn reconcile_new_rs(
        &self,
        new: &mut ReplicaSet,
        old: &[ReplicaSet],
    ) -> Result<bool, ReconcileError> {
        let desired = replicas(&self.d);
        let current = rs_replicas(new);
        if current == desired {
            return Ok(false);
        }
        if current > desired {
            return self.scale_rs(new, desired, false).await;
        }
        let count = new_rs_new_replicas(&self.d, old.iter().chain(std::iter::once(&*new)), new);
        self.scale_rs(new, count, false).await
    }

    /// `reconcileOldReplicaSets`.
    async fn reconcile_old_rss(
        &self,
        new: &ReplicaSet,
        old: &mut [ReplicaSet],
    ) -> Result<bool, ReconcileError> {
        let old_count: i32 = old.iter().map(rs_replicas).sum();
        if old_count == 0 {
            return Ok(false);
        }
        let all_count = old_count + rs_replicas(new);
        let min_available = replicas(&self.d) - max_unavailable(&self.d);
        let new_unavailable = rs_replicas(new) - available(new);
        let max_scaled_down = all_count - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return Ok(false);
        }
        // Unhealthy replicas of old ReplicaSets go first, oldest ReplicaSet first.
        old.sort_by(by_creation);
        let mut cleaned = 0;
        for rs in old.iter_mut() {
            if cleaned >= max_scaled_down {
                break;
            }
            let size = rs_replicas(rs);
            // Its status may still count pods a scale-down just took away (available above
            // the size): nothing unhealthy to clean then, never a scale-up (upstream refuses a
            // negative clean-up with an error).
            if size == 0 || size <= available(rs) {
                continue;
            }
            let down = (max_scaled_down - cleaned).min(size - available(rs));
            self.scale_rs(rs, size - down, false).await?;
            cleaned += down;
        }
        // Then available ones, as far as minAvailable allows.
        let available_count: i32 = old.iter().map(available).sum::<i32>() + available(new);
        let mut scaled_down = 0;
        if available_count > min_available {
            let total = available_count - min_available;
            for rs in old.iter_mut() {
                if scaled_down >= total {
                    break;
                }
                let size = rs_replicas(rs);
                if size == 0 {
                    continue;
                }
                let down = size.min(total - scaled_down);
                self.scale_rs(rs, size - down, false).await?;
                scaled_down += down;
            }
        }
        Ok(cleaned + scaled_down > 0)
    }

    /// `rolloutRecreate`: old ReplicaSets to 0, wait for their pods to go, then the new one.
    async fn rollout_recreate(&mut self, sets: Vec<ReplicaSet>) -> Result<(), ReconcileError> {
        let uids: HashSet<String> = sets
            .iter()
            .filter_map(|rs| rs.metadata.uid.clone())
            .collect();
        let (new, mut old) = self.new_and_old(sets.clone(), false).await?;
        let mut scaled = false;
        for rs in old.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
            scaled |= self.scale_rs(rs, 0, false).await?;
        }
        if scaled {
            return self.sync_rollout_status(new.as_ref(), &old).await;
        }
        let new_uid = new.as_ref().and_then(|rs| rs.metadata.uid.clone());
        let old_actual: i32 = old
            .iter()
            .map(|rs| rs.status.as_ref().map(|s| s.replicas).unwrap_or(0))
            .sum();
        let old_pods_running = old_actual > 0
            || !self
                .state
                .pods
                .state_filter(|pod| {
                    controller_of(pod)
                        .is_some_and(|r| uids.contains(&r.uid) && Some(&r.uid) != new_uid.as_ref())
                        && !matches!(
                            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
                            Some("Failed" | "Succeeded")
                        )
                })
                .is_empty();
        if old_pods_running {
            return self.sync_rollout_status(new.as_ref(), &old).await;
        }
        let (new, old) = match new {
            Some(new) => (Some(new), old),
            None => self.new_and_old(sets, true).await?,
        };
        let Some(mut new) = new else {
            return Ok(());
        };
        let desired = replicas(&self.d);
        self.scale_rs(&mut new, desired, false).await?;
        if deployment_complete(&self.d, &self.status()) {
            self.cleanup(&old).await?;
        }
        self.sync_rollout_status(Some(&new), &old).await
    }

    /// `syncRolloutStatus`: the status with the Progressing condition, and a requeue at the
    /// progress deadline.
    async fn sync_rollout_status(
        &mut self,
        new: Option<&ReplicaSet>,
        old: &[ReplicaSet],
    ) -> Result<(), ReconcileError> {
        let mut status = calculate_status(&self.d, new, old);
        let deadline = progress_deadline(&self.d);
        if deadline.is_none() {
            remove_condition(&mut status, "Progressing");
        }
        let current = self.status();
        let current_cond = condition(&current, "Progressing").cloned();
        let complete_before = status.replicas == status.updated_replicas
            && current_cond.as_ref().and_then(|c| c.reason.as_deref()) == Some(NEW_RS_AVAILABLE);
        if deadline.is_some() && !complete_before {
            let subject = match new {
                Some(rs) => format!("ReplicaSet {:?}", rs.name_any()),
                None => format!("Deployment {:?}", self.d.name_any()),
            };
            if deployment_complete(&self.d, &status) {
                set_condition(
                    &mut status,
                    new_condition(
                        "Progressing",
                        "True",
                        NEW_RS_AVAILABLE,
                        format!("{subject} has successfully progressed."),
                    ),
                );
            } else if deployment_progressing(&current, &status) {
                let mut cond = new_condition(
                    "Progressing",
                    "True",
                    REPLICA_SET_UPDATED,
                    format!("{subject} is progressing."),
                );
                if let Some(c) = &current_cond {
                    if c.status.as_deref() == Some("True") {
                        cond.last_transition_time = c.last_transition_time.clone();
                    }
                    remove_condition(&mut status, "Progressing");
                }
                set_condition(&mut status, cond);
            } else if timed_out(&self.d, &status) {
                set_condition(
                    &mut status,
                    new_condition(
                        "Progressing",
                        "False",
                        TIMED_OUT,
                        format!("{subject} has timed out progressing."),
                    ),
                );
            }
        }
        // ReplicaFailure from the ReplicaSets (the new one first).
        let failure = new
            .into_iter()
            .chain(old.iter())
            .flat_map(|rs| rs.status.iter().flat_map(|s| s.conditions.iter().flatten()))
            .find(|c| c.type_.as_deref() == Some("ReplicaFailure"))
            .cloned();
        match failure {
            Some(c) => set_condition(
                &mut status,
                k8s_openapi::api::apps::v1::DeploymentCondition {
                    type_: c.type_,
                    status: c.status,
                    reason: c.reason,
                    message: c.message,
                    last_update_time: c.last_transition_time.clone(),
                    last_transition_time: c.last_transition_time,
                },
            ),
            None => remove_condition(&mut status, "ReplicaFailure"),
        }
        if same_status(&current, &status) {
            self.requeue = requeue_stuck(&self.d, &status);
            return Ok(());
        }
        self.write_status(status).await?;
        // The deadline still runs after a write that made no progress.
        self.requeue = requeue_stuck(&self.d, &self.status());
        Ok(())
    }
}

/// `requeueStuckDeployment`: when a rollout that has not finished reaches its deadline.
fn requeue_stuck(d: &Deployment, status: &DeploymentStatus) -> Option<Duration> {
    let deadline = progress_deadline(d)?;
    let cond = condition(status, "Progressing")?;
    if deployment_complete(d, status) || cond.reason.as_deref() == Some(TIMED_OUT) {
        return None;
    }
    let from = cond.last_update_time.as_ref()?.0;
    let at = from + Duration::from_secs(u64::try_from(deadline).unwrap_or(0));
    let now = Timestamp::now();
    if at <= now {
        return Some(Duration::from_millis(100));
    }
    Some(now.duration_until(at).unsigned_abs() + Duration::from_secs(1))
}

fn available(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
}

/// `<deployment>-<hash>`, the name cut to fit 253 characters (`generateReplicaSetName`).
fn rs_name(deployment: &str, hash: &str) -> String {
    let max = 253 - 1 - hash.len();
    let base = if deployment.len() > max {
        &deployment[..max]
    } else {
        deployment
    };
    format!("{base}-{hash}")
}

/// `NewRSNewReplicas`: how big the new ReplicaSet may be now.
fn new_rs_new_replicas<'a>(
    d: &Deployment,
    all: impl Iterator<Item = &'a ReplicaSet>,
    new: &ReplicaSet,
) -> i32 {
    if !is_rolling_update(d) {
        return replicas(d);
    }
    let current: i32 = all.map(rs_replicas).sum();
    let max_total = replicas(d) + max_surge(d);
    if current >= max_total {
        return rs_replicas(new);
    }
    let up = (max_total - current).min(replicas(d) - rs_replicas(new));
    rs_replicas(new) + up
}

/// `IsSaturated`.
fn is_saturated(d: &Deployment, rs: &ReplicaSet) -> bool {
    let desired = replicas(d);
    rs_replicas(rs) == desired
        && int_annotation(rs, DESIRED_REPLICAS) == Some(desired)
        && available(rs) == desired
}

/// `DeploymentComplete`.
fn deployment_complete(d: &Deployment, status: &DeploymentStatus) -> bool {
    let desired = replicas(d);
    status.updated_replicas.unwrap_or(0) == desired
        && status.replicas.unwrap_or(0) == desired
        && status.available_replicas.unwrap_or(0) == desired
        && status.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// `DeploymentProgressing`.
fn deployment_progressing(old: &DeploymentStatus, new: &DeploymentStatus) -> bool {
    let n = |v: Option<i32>| v.unwrap_or(0);
    let old_old = n(old.replicas) - n(old.updated_replicas);
    let new_old = n(new.replicas) - n(new.updated_replicas);
    n(new.updated_replicas) > n(old.updated_replicas)
        || new_old < old_old
        || n(new.ready_replicas) > n(old.ready_replicas)
        || n(new.available_replicas) > n(old.available_replicas)
}

/// `DeploymentTimedOut`.
fn timed_out(d: &Deployment, status: &DeploymentStatus) -> bool {
    let Some(deadline) = progress_deadline(d) else {
        return false;
    };
    let Some(cond) = condition(status, "Progressing") else {
        return false;
    };
    match cond.reason.as_deref() {
        Some(NEW_RS_AVAILABLE) => false,
        Some(TIMED_OUT) => true,
        _ => cond.last_update_time.as_ref().is_some_and(|t| {
            t.0 + Duration::from_secs(u64::try_from(deadline).unwrap_or(0)) < Timestamp::now()
        }),
    }
}

/// `calculateStatus`.
fn calculate_status(
    d: &Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
) -> DeploymentStatus {
    let all: Vec<&ReplicaSet> = old.iter().chain(new).collect();
    let actual = |rs: &&ReplicaSet| rs.status.as_ref().map(|s| s.replicas).unwrap_or(0);
    let ready = |rs: &&ReplicaSet| {
        rs.status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0)
    };
    let available_count: i32 = all.iter().map(|rs| available(rs)).sum();
    let total: i32 = all.iter().map(|rs| rs_replicas(rs)).sum();
    let mut terminating = Some(0);
    for rs in &all {
        let status = rs.status.clone().unwrap_or_default();
        match (
            status.observed_generation.unwrap_or(0),
            status.terminating_replicas,
        ) {
            (0, None) => {}
            (_, None) => {
                terminating = None;
                break;
            }
            (_, Some(n)) => terminating = terminating.map(|t| t + n),
        }
    }
    let current = d.status.clone().unwrap_or_default();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: Some(all.iter().map(actual).sum()),
        updated_replicas: Some(new.iter().map(actual).sum()),
        ready_replicas: Some(all.iter().map(ready).sum()),
        available_replicas: Some(available_count),
        unavailable_replicas: Some((total - available_count).max(0)),
        terminating_replicas: terminating,
        collision_count: current.collision_count,
        conditions: current.conditions.clone(),
    };
    if available_count >= replicas(d) - max_unavailable(d) {
        set_condition(
            &mut status,
            new_condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
            ),
        );
    } else {
        set_condition(
            &mut status,
            new_condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
            ),
        );
    }
    status
}

/// Equal as upstream's `reflect.DeepEqual` of statuses would be after a round trip (zeros
/// and empty lists may come back omitted).
fn same_status(a: &DeploymentStatus, b: &DeploymentStatus) -> bool {
    let norm = |s: &DeploymentStatus| {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        if let Some(fields) = v.as_object_mut() {
            fields.retain(|_, v| !(v.is_null() || *v == json!(0) || *v == json!([])));
        }
        v
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use util::MAX_REPLICAS;

    fn rs(name: &str, replicas: i32, max_replicas: i32) -> ReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": {MAX_REPLICAS: max_replicas.to_string()}},
            "spec": {"replicas": replicas, "selector": {}}
        }))
        .unwrap()
    }

    #[test]
    fn proportions_follow_the_max_replicas_annotation() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "d"},
            "spec": {"replicas": 20, "selector": {}, "template": {},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}}
        }))
        .unwrap();
        // Was 10 + 3 = 13 (8 old, 5 new); now 20 + 3 = 23: 10 more.
        let old = rs("old", 8, 13);
        let new = rs("new", 5, 13);
        let to_add = 23 - 13;
        let p_old = proportion(&old, &d, to_add, 0);
        let p_new = proportion(&new, &d, to_add, p_old);
        assert_eq!(p_old, 6); // round(8 * 23 / 13) - 8
        assert_eq!(p_new, 4);
    }

    #[test]
    fn names_fit_and_new_replicas_respect_surge() {
        assert_eq!(rs_name("web", "abc"), "web-abc");
        assert_eq!(rs_name(&"x".repeat(300), "abcde").len(), 253);
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "d"},
            "spec": {"replicas": 4, "selector": {}, "template": {},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}}
        }))
        .unwrap();
        let old = rs("old", 4, 5);
        let new = rs("new", 0, 5);
        assert_eq!(new_rs_new_replicas(&d, [&old, &new].into_iter(), &new), 1);
    }
}
