//! Creates and updates (POST, PUT, and the update half of PATCH), in upstream's order
//! (`handlers/create.go`, `update.go` and the generic registry's `Store`): decode ([`super::body`]),
//! system metadata, managedFields, the strategy's prepare step, validation, admission, then
//! storage inside the optimistic-concurrency loop. PATCH is [`super::patch`]; deletes are
//! [`super::delete`].

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use ironkube_apimachinery::{FieldError, Status};
use ironkube_storage::object::{Object, Preconditions, StorageError};
use serde_json::{Value, json};

use super::admission::{Operation, namespace_lifecycle};
use super::body::decode_object;
use super::encode;
use super::negotiation::{Endpoint, negotiate_output};
use super::read::shape;
use super::{Ctx, Query, Reply, now_rfc3339, services};
use crate::registry::ResourceInfo;
use crate::server::AppState;
use crate::strategy::{self, Strategy};
use crate::{managedfields, validation};

/// How many times a create with `generateName` retries a name that is taken (upstream's
/// `createWithGenerateNameRetry`).
const GENERATE_NAME_ATTEMPTS: usize = 8;

/// The characters of generated name suffixes (upstream's `utilrand.String`: no vowels, no
/// confusable digits).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Why a write could not go on, inside the storage retry loops.
pub(super) enum WriteError {
    /// Answer with this Status.
    Status(Box<Status>),
    /// The store failed.
    Storage(StorageError),
    /// The update removed the last finalizer of an object being deleted: delete it now.
    DeleteNow(Box<Value>),
    /// A graceful deletion is already under way.
    AlreadyDeleting,
    /// The updated Service needs a ClusterIP: allocate one for it (outside the store's update
    /// loop, as the reservation is a write of its own) and update again.
    NeedsClusterIp(Box<Value>),
}

impl From<StorageError> for WriteError {
    fn from(err: StorageError) -> Self {
        Self::Storage(err)
    }
}

impl From<Box<Status>> for WriteError {
    fn from(status: Box<Status>) -> Self {
        Self::Status(status)
    }
}

impl From<Status> for WriteError {
    fn from(status: Status) -> Self {
        Self::Status(Box::new(status))
    }
}

impl Ctx {
    pub(super) fn write_status(&self, err: WriteError, verb: &str, name: &str) -> Box<Status> {
        match err {
            WriteError::Status(status) => status,
            WriteError::Storage(err) => Box::new(err.status(&self.group_resource(), name, verb)),
            WriteError::DeleteNow(_) | WriteError::AlreadyDeleting => Box::new(
                Status::internal_error("unexpected deletion state outside a delete"),
            ),
            WriteError::NeedsClusterIp(_) => {
                Box::new(Status::internal_error("a ClusterIP was not allocated"))
            }
        }
    }

    /// The Status of field errors on an object of this kind.
    fn invalid(&self, name: &str, errors: &[FieldError]) -> Box<Status> {
        Box::new(Status::invalid(
            self.info.group,
            self.info.kind,
            name,
            errors,
        ))
    }
}

pub(super) fn meta<'a>(object: &'a Value, field: &str) -> Option<&'a Value> {
    object.get("metadata")?.get(field)
}

pub(super) fn meta_str<'a>(object: &'a Value, field: &str) -> &'a str {
    meta(object, field).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn meta_mut(object: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    match object.get_mut("metadata").and_then(Value::as_object_mut) {
        Some(map) => map,
        None => unreachable!("metadata was just made an object"),
    }
}

/// Upstream's `WipeObjectMetaSystemFields`.
fn wipe_system_fields(object: &mut Value) {
    let meta = meta_mut(object);
    for field in [
        "creationTimestamp",
        "uid",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ] {
        meta.remove(field);
    }
}

/// Upstream's `FillObjectMetaSystemFields`: a new uid and the creation time.
fn fill_system_fields(object: &mut Value) {
    let meta = meta_mut(object);
    meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
    meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
}

/// Upstream's `EnsureObjectNamespaceMatchesRequestNamespace`.
pub(super) fn ensure_namespace(ctx: &Ctx, object: &mut Value) -> Result<(), Box<Status>> {
    let requested = if ctx.info.namespaced {
        ctx.ns().unwrap_or("")
    } else {
        ""
    };
    let actual = meta_str(object, "namespace").to_string();
    if actual == requested {
        return Ok(());
    }
    if actual.is_empty() || requested.is_empty() {
        let meta = meta_mut(object);
        if requested.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace".into(), json!(requested));
        }
        return Ok(());
    }
    Err(Box::new(Status::bad_request(
        "the namespace of the provided object does not match the namespace sent on the request",
    )))
}

/// A name from a `generateName` prefix (upstream's `SimpleNameGenerator`: at most 58
/// characters of prefix and five random characters).
pub(super) fn generate_name(prefix: &str) -> String {
    let prefix: String = prefix.chars().take(58).collect();
    let suffix: String = (0..5)
        .map(|_| NAME_ALPHABET[fastrand::usize(..NAME_ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// Validation of a new object (upstream's `BeforeCreate` validation step).
fn validate_create(ctx: &Ctx, object: &Value) -> Result<(), Box<Status>> {
    let mut errors = validation::validate_create(
        ctx.info.group,
        ctx.info.resource,
        ctx.info.namespaced,
        object,
    );
    errors.extend(validation::validate_kind_create(
        ctx.info.group,
        ctx.info.version,
        ctx.info.kind,
        object,
    ));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ctx.invalid(meta_str(object, "name"), &errors))
    }
}

/// Validation of an update (upstream's `BeforeUpdate` validation step).
fn validate_update(ctx: &Ctx, new: &Value, old: &Value) -> Result<(), Box<Status>> {
    let mut errors = validation::validate_update(
        ctx.info.group,
        ctx.info.resource,
        ctx.info.namespaced,
        new,
        old,
    );
    // Status updates keep the stored spec; their own checks (status validation) come later.
    if ctx.subresource != "status" {
        errors.extend(validation::validate_kind_update(
            ctx.info.group,
            ctx.info.version,
            ctx.info.kind,
            new,
            old,
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ctx.invalid(meta_str(new, "name"), &errors))
    }
}

/// Everything a create does before storage: system fields, name generation, the strategy and
/// validation. Returns the object at the served version, ready to store.
fn prepare_create(ctx: &Ctx, mut object: Value) -> Result<Value, Box<Status>> {
    fill_system_fields(&mut object);
    if ctx.info.group.is_empty() && ctx.info.resource == "namespaces" {
        meta_mut(&mut object).remove("namespace");
    }
    strategy::prepare_for_create(&ctx.info, &ctx.strategy, &mut object);
    validate_create(ctx, &object)?;
    Ok(object)
}

/// The response to a write: the object at the served version, in the negotiated form.
pub(super) fn respond(ctx: &Ctx, code: StatusCode, object: &Object) -> Reply {
    let output = negotiate_output(&ctx.headers, Endpoint::Write)?;
    let cached = (!ctx.converts()).then(|| object.json());
    let value = ctx.to_served(object)?;
    Ok(encode::object_response(
        code,
        output,
        &shape(ctx),
        &value,
        cached,
    ))
}

/// Records the write in `metadata.managedFields` (upstream's handlers call the field manager
/// on the decoded, defaulted object, before admission); `manager` overrides the request's.
fn record_managed_fields(ctx: &Ctx, old: Option<&Value>, new: &mut Value, manager: Option<&str>) {
    // An apply's entries were made by the apply itself.
    if super::patch::is_apply(ctx) {
        return;
    }
    let manager = manager.map(str::to_owned).unwrap_or_else(|| {
        let user_agent = ctx
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        managedfields::manager_of(ctx.query.get("fieldManager"), user_agent)
    });
    let subresource = (!ctx.subresource.is_empty()).then_some(ctx.subresource.as_str());
    let (group, version, kind) = (ctx.info.group, ctx.info.version, ctx.info.kind);
    let now = now_rfc3339();
    managedfields::record_update(group, version, kind, old, new, &manager, subresource, &now);
}

/// `POST` to a collection.
pub(super) async fn create(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    let mut object = decode_object(&ctx, body, "CreateOptions").await?;
    wipe_system_fields(&mut object);
    ensure_namespace(&ctx, &mut object)?;
    if ctx.info.custom.as_ref().is_some_and(|c| c.terminating) {
        // Upstream's admission for a definition being deleted.
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(Box::new(Status::forbidden(
            ctx.info.group,
            ctx.info.resource,
            name,
            "create not allowed while custom resource definition is terminating",
        )));
    }
    record_managed_fields(&ctx, None, &mut object, None);
    let object = create_prepared(&ctx, object).await?;
    respond(&ctx, StatusCode::CREATED, &object)
}

/// Creates a decoded object: names, admission, preparation and storage, retrying generated
/// names that are taken.
async fn create_prepared(ctx: &Ctx, mut object: Value) -> Result<Object, Box<Status>> {
    let _service_writes = if is_services(ctx) {
        Some(ctx.state.service_writes.lock().await)
    } else {
        None
    };
    if ctx.info.group.is_empty() && ctx.info.resource == "pods" {
        super::admission::admit_pod(ctx, &mut object).await?;
    }
    if ctx.info.group == "certificates.k8s.io" && ctx.info.resource == "certificatesigningrequests"
    {
        strategy::record_requester(&mut object, ctx.user.as_ref());
    }
    let generate = meta_str(&object, "generateName").to_string();
    let generated = meta_str(&object, "name").is_empty() && !generate.is_empty();
    let attempts = if generated { GENERATE_NAME_ATTEMPTS } else { 1 };
    let mut last_error = None;
    for _ in 0..attempts {
        let mut candidate = object.clone();
        if generated {
            meta_mut(&mut candidate).insert("name".into(), json!(generate_name(&generate)));
        }
        let name = meta_str(&candidate, "name").to_string();
        let prepared = prepare_create(ctx, candidate)?;
        namespace_lifecycle(ctx, Operation::Create, &name).await?;
        let mut prepared = prepared;
        let reserved = if is_services(ctx) {
            Some(services::allocate(ctx, &mut prepared).await?)
        } else {
            None
        };
        let stored = match ctx.to_stored(prepared) {
            Ok(stored) => stored,
            Err(status) => {
                if let Some(reserved) = &reserved {
                    services::release(&ctx.state, reserved).await;
                }
                return Err(status);
            }
        };
        let result = if ctx.dry_run {
            dry_run_create(ctx, &name, stored).await
        } else {
            ctx.storage.store().create(ctx.ns(), &name, stored).await
        };
        if result.is_err()
            && let Some(reserved) = &reserved
        {
            services::release(&ctx.state, reserved).await;
        }
        match result {
            Ok(created) => return Ok(created),
            Err(StorageError::KeyExists { .. }) => {
                // Upstream's `CheckGeneratedNameError`: a generated name that is taken asks the
                // client to try again.
                let mut status = if generated {
                    Status::generate_name_conflict(ctx.info.group, ctx.info.resource, &name, 1)
                } else {
                    Status::already_exists(ctx.info.group, ctx.info.resource, &name)
                };
                if let Ok(existing) = ctx.storage.store().get(ctx.ns(), &name, None).await
                    && meta(existing.value(), "deletionTimestamp").is_some_and(|t| !t.is_null())
                {
                    status.message = format!("object is being deleted: {}", status.message);
                }
                last_error = Some(Box::new(status));
            }
            Err(err) => return Err(Box::new(err.status(&ctx.group_resource(), &name, "create"))),
        }
    }
    Err(last_error.unwrap_or_else(|| Box::new(Status::internal_error("create failed"))))
}

/// Whether the request is about Services (whose writes allocate addresses and ports).
fn is_services(ctx: &Ctx) -> bool {
    ctx.info.group.is_empty() && ctx.info.resource == "services"
}

/// The NodePorts in use, for updates of Services (`None` for other resources).
async fn service_node_ports(ctx: &Ctx) -> Result<Option<HashSet<i64>>, Box<Status>> {
    if is_services(ctx) {
        Ok(Some(services::used_node_ports(ctx).await?))
    } else {
        Ok(None)
    }
}

/// A dry-run create (upstream's dry-run storage): the name must be free; the object is what
/// would have been stored, without a resourceVersion.
async fn dry_run_create(ctx: &Ctx, name: &str, object: Value) -> Result<Object, StorageError> {
    match ctx.storage.store().get(ctx.ns(), name, None).await {
        Ok(_) => Err(StorageError::KeyExists {
            key: ctx.storage.store().key(ctx.ns(), name)?,
        }),
        Err(StorageError::NotFound { .. }) => Ok(Object::new(object)),
        Err(err) => Err(err),
    }
}

/// A dry-run update: the update runs once on the current object and its result is answered,
/// not stored (upstream's dry-run `GuaranteedUpdate`).
async fn dry_run_update<F>(
    ctx: &Ctx,
    allow_create: bool,
    mut make_new: F,
) -> Result<Updated, Box<Status>>
where
    F: FnMut(Option<&Value>) -> Result<Value, Box<Status>>,
{
    let current = match ctx.storage.store().get(ctx.ns(), &ctx.name, None).await {
        Ok(object) => Some(object.into_value()),
        Err(StorageError::NotFound { .. }) if allow_create => None,
        Err(err) => return Err(Box::new(ctx.storage_status(&err, "update"))),
    };
    let served = match &current {
        Some(old) => Some(ctx.to_served(&Object::new(old.clone()))?),
        None => None,
    };
    let created = current.is_none();
    let new = make_new(served.as_ref())?;
    let node_ports = service_node_ports(ctx).await?;
    let result = match update_object(
        ctx,
        current.clone(),
        new.clone(),
        allow_create,
        node_ports.as_ref(),
        None,
    ) {
        // What a real update would allocate, without reserving it.
        Err(WriteError::NeedsClusterIp(mut service)) => {
            services::allocate_cluster_ip(ctx, &mut service).await?;
            update_object(
                ctx,
                current,
                new,
                allow_create,
                node_ports.as_ref(),
                Some(&service),
            )
        }
        other => other,
    };
    match result {
        Ok(object) => Ok(Updated::Stored {
            object: Object::new(object),
            created,
        }),
        Err(WriteError::DeleteNow(new)) => Ok(Updated::Deleted(new)),
        Err(err) => {
            Err(ctx.write_status(err, if created { "create" } else { "update" }, &ctx.name))
        }
    }
}

/// An object created by the server itself (bootstrap): the same path as a POST.
pub(crate) struct CreateRequest {
    /// The namespace (for namespaced kinds).
    pub(crate) namespace: Option<String>,
    /// The object at `info`'s version.
    pub(crate) object: Value,
}

/// Creates an object as a POST would, without HTTP (the server's own objects).
pub(crate) async fn create_object(
    state: &Arc<AppState>,
    info: &ResourceInfo,
    request: CreateRequest,
) -> Result<Object, Box<Status>> {
    let Some(storage) = state.resources.get(info) else {
        return Err(Box::new(Status::internal_error("resource is not stored")));
    };
    let ctx = Ctx {
        state: state.clone(),
        info: info.clone(),
        storage,
        strategy: Strategy::of(info),
        namespace: request.namespace,
        name: String::new(),
        subresource: String::new(),
        query: Query::default(),
        headers: Default::default(),
        pretty: false,
        dry_run: false,
        warnings: Arc::default(),
        user: None,
    };
    let mut object = request.object;
    object["apiVersion"] = json!(ctx.api_version());
    object["kind"] = json!(info.kind);
    crate::defaults::apply(ctx.info.group, ctx.info.version, ctx.info.kind, &mut object);
    ensure_namespace(&ctx, &mut object)?;
    // The server's own objects are written by its loopback client (`kube-apiserver/...`).
    record_managed_fields(&ctx, None, &mut object, Some("kube-apiserver"));
    create_prepared(&ctx, object).await
}

/// What an update does to the stored object, given the client's new object; shared by PUT
/// and PATCH. `old` is at the storage version; the result too.
fn update_object(
    ctx: &Ctx,
    old: Option<Value>,
    mut new: Value,
    allow_create: bool,
    node_ports: Option<&HashSet<i64>>,
    cluster_ip: Option<&Value>,
) -> Result<Value, WriteError> {
    let Some(old) = old else {
        if !allow_create {
            return Err(Status::not_found(ctx.info.group, ctx.info.resource, &ctx.name).into());
        }
        // Create through update: as a create, after the preconditions.
        wipe_system_fields(&mut new);
        record_managed_fields(ctx, None, &mut new, None);
        let prepared = prepare_create(ctx, new)?;
        return Ok(ctx.to_stored(prepared)?);
    };
    let old = ctx.to_served(&Object::new(old))?;
    record_managed_fields(ctx, Some(&old), &mut new, None);
    let old_rv = meta_str(&old, "resourceVersion").to_string();
    let new_rv = meta_str(&new, "resourceVersion").to_string();
    if new_rv.is_empty() || new_rv == "0" {
        if !ctx.strategy.allow_unconditional_update {
            let errors = [FieldError::invalid(
                "metadata.resourceVersion",
                0i64,
                "must be specified for an update",
            )];
            return Err(
                Status::invalid(ctx.info.group, ctx.info.resource, &ctx.name, &errors).into(),
            );
        }
        meta_mut(&mut new).insert("resourceVersion".into(), json!(old_rv));
    } else if new_rv != old_rv {
        return Err(Status::conflict(
            ctx.info.group,
            ctx.info.resource,
            &ctx.name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
        .into());
    }
    if ctx.subresource == "finalize" {
        // Upstream's finalize strategy: everything from the client but the status.
        strategy::prepare_for_finalize_update(&mut new, &old);
    } else if ctx.subresource == "approval" {
        strategy::prepare_for_approval_update(&mut new, &old);
    } else if ctx.subresource == "status" {
        let managed_fields = meta_mut(&mut new).remove("managedFields");
        strategy::prepare_for_status_update(&ctx.info, &mut new, &old);
        let meta = meta_mut(&mut new);
        meta.remove("managedFields");
        if let Some(managed_fields) = managed_fields {
            meta.insert("managedFields".into(), managed_fields);
        }
    } else {
        strategy::prepare_for_update(&ctx.info, &ctx.strategy, &mut new, &old);
        if let Some(used) = node_ports {
            services::keep_allocated(&mut new, &old);
            if services::lacks_cluster_ip(&new) {
                match cluster_ip {
                    Some(allocated) => services::take_cluster_ip(&mut new, allocated),
                    None => return Err(WriteError::NeedsClusterIp(Box::new(new))),
                }
            }
            if services::needs_node_ports(&new)
                && let Err(errors) = services::assign_node_ports(&mut new, Some(&old), used)
            {
                return Err(ctx.invalid(&ctx.name, &errors).into());
            }
        }
    }
    validate_update(ctx, &new, &old)?;
    let finalizers_left = meta(&new, "finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    // A namespace also waits for its `spec.finalizers` (upstream's namespace
    // `ShouldDeleteDuringUpdate`); it goes when the controller deletes it again.
    let finalizers_left = finalizers_left
        || (ctx.info.group.is_empty()
            && ctx.info.resource == "namespaces"
            && new
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty()));
    let deleting = meta(&old, "deletionTimestamp").is_some_and(|t| !t.is_null());
    let grace = meta(&old, "deletionGracePeriodSeconds").and_then(Value::as_i64);
    if !finalizers_left && deleting && grace.unwrap_or(0) == 0 {
        return Err(WriteError::DeleteNow(Box::new(new)));
    }
    Ok(ctx.to_stored(new)?)
}

/// Runs an update (PUT or PATCH) through the optimistic-concurrency loop. `make_new` turns the
/// current object (served version) into the client's new object.
pub(super) async fn run_update<F>(ctx: &Ctx, allow_create: bool, make_new: F) -> Reply
where
    F: FnMut(Option<&Value>) -> Result<Value, Box<Status>>,
{
    match update_stored(ctx, allow_create, make_new).await? {
        Updated::Stored { object, created } => {
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            respond(ctx, code, &object)
        }
        Updated::Deleted(new) => {
            let output = negotiate_output(&ctx.headers, Endpoint::Write)?;
            Ok(encode::object_response(
                StatusCode::OK,
                output,
                &shape(ctx),
                &new,
                None,
            ))
        }
    }
}

/// How an update ended.
pub(super) enum Updated {
    /// Stored (or created, through PUT).
    Stored {
        /// The object as stored.
        object: Object,
        /// Whether the update created it.
        created: bool,
    },
    /// The update removed the last finalizer of an object being deleted, which is now gone;
    /// upstream answers with the object the client sent.
    Deleted(Box<Value>),
}

/// Runs an update through the optimistic-concurrency loop and storage.
pub(super) async fn update_stored<F>(
    ctx: &Ctx,
    allow_create: bool,
    mut make_new: F,
) -> Result<Updated, Box<Status>>
where
    F: FnMut(Option<&Value>) -> Result<Value, Box<Status>>,
{
    let _service_writes = if is_services(ctx) {
        Some(ctx.state.service_writes.lock().await)
    } else {
        None
    };
    namespace_lifecycle(ctx, Operation::Update, &ctx.name).await?;
    if allow_create
        && matches!(
            ctx.storage.store().get(ctx.ns(), &ctx.name, None).await,
            Err(StorageError::NotFound { .. })
        )
    {
        namespace_lifecycle(ctx, Operation::Create, &ctx.name).await?;
    }
    if ctx.dry_run {
        return dry_run_update(ctx, allow_create, make_new).await;
    }
    let node_ports = service_node_ports(ctx).await?;
    let cached = ctx.storage.cache.cached(ctx.ns(), &ctx.name);
    let mut created = false;
    // A Service that comes to need a ClusterIP gets one reserved between two attempts.
    let mut cluster_ip: Option<(Value, services::Reserved)> = None;
    let mut old_service: Option<Value> = None;
    let result = loop {
        let result = ctx
            .storage
            .store()
            .guaranteed_update(
                ctx.ns(),
                &ctx.name,
                allow_create,
                &Preconditions::default(),
                cached.as_ref(),
                |old: Option<Value>| {
                    let result = (|| {
                        let served_old = match &old {
                            Some(old) => Some(ctx.to_served(&Object::new(old.clone()))?),
                            None => None,
                        };
                        let new = make_new(served_old.as_ref())?;
                        created = old.is_none();
                        if node_ports.is_some() {
                            old_service.clone_from(&served_old);
                        }
                        update_object(
                            ctx,
                            old,
                            new,
                            allow_create,
                            node_ports.as_ref(),
                            cluster_ip.as_ref().map(|(service, _)| service),
                        )
                    })();
                    std::future::ready(result)
                },
            )
            .await;
        match result {
            Err(WriteError::NeedsClusterIp(mut service)) if cluster_ip.is_none() => {
                let reserved = services::allocate_cluster_ip(ctx, &mut service).await?;
                cluster_ip = Some((*service, reserved));
            }
            other => break other,
        }
    };
    match (&result, &cluster_ip) {
        (Ok(stored), _) if node_ports.is_some() => {
            if let (Some(old), Ok(new)) = (&old_service, ctx.to_served(stored)) {
                services::release_dropped(&ctx.state, old, &new).await;
            }
        }
        (Err(_), Some((_, reserved))) => services::release(&ctx.state, reserved).await,
        _ => {}
    }
    match result {
        Ok(object) => Ok(Updated::Stored { object, created }),
        Err(WriteError::DeleteNow(new)) => {
            let deleted = ctx
                .storage
                .store()
                .delete(
                    ctx.ns(),
                    &ctx.name,
                    &Preconditions::default(),
                    None,
                    |_: &Value| Ok::<(), StorageError>(()),
                )
                .await;
            match deleted {
                Ok(_) | Err(StorageError::NotFound { .. }) => Ok(Updated::Deleted(new)),
                Err(err) => Err(Box::new(ctx.storage_status(&err, "delete"))),
            }
        }
        Err(err) => {
            Err(ctx.write_status(err, if created { "create" } else { "update" }, &ctx.name))
        }
    }
}

/// Upstream's `checkName`: the object's name and namespace must match the URL.
fn check_name(ctx: &Ctx, object: &mut Value) -> Result<(), Box<Status>> {
    let name = meta_str(object, "name").to_string();
    if name != ctx.name {
        return Err(Box::new(Status::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            ctx.name
        ))));
    }
    if let Some(namespace) = ctx.ns() {
        let object_namespace = meta_str(object, "namespace");
        if !object_namespace.is_empty() && object_namespace != namespace {
            return Err(Box::new(Status::bad_request(format!(
                "the namespace of the object ({object_namespace}) does not match the namespace on the request ({namespace})"
            ))));
        }
    }
    ensure_namespace(ctx, object)
}

/// `PUT` of an object (or its `status`).
pub(super) async fn update(ctx: Ctx, body: Body) -> Reply {
    negotiate_output(&ctx.headers, Endpoint::Write)?;
    let mut object = decode_object(&ctx, body, "UpdateOptions").await?;
    check_name(&ctx, &mut object)?;
    let allow_create = ctx.strategy.allow_create_on_update && ctx.subresource.is_empty();
    run_update(&ctx, allow_create, |_| Ok(object.clone())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_have_five_safe_characters() {
        let name = generate_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name[4..].bytes().all(|b| NAME_ALPHABET.contains(&b)));
        assert_eq!(generate_name(&"x".repeat(80)).len(), 63);
    }
}
