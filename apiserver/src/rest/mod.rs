//! The generic REST handler (DESIGN §2): one handler serves every built-in resource, driven by
//! the [`registry`](crate::registry) and the per-kind [`strategy`](crate::strategy).
//!
//! [`handle`] finds the resource a request addresses, checks the verb is one it supports, and
//! hands a [`Ctx`] to the verb's handler: [`read`] (get, list), [`watch`] and [`write`] (create,
//! update, patch, delete, deletecollection). Objects are JSON at the served version; when the
//! served version is not the storage version they are converted on the way in and out.

mod admission;
mod body;
mod deep;
mod delete;
mod encode;
pub(crate) mod negotiation;
mod options;
mod patch;
mod read;
mod scale;
mod services;
mod unstored;
mod watch;
mod write;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use ironkube_apimachinery::{RequestInfo, Status};
use ironkube_storage::object::{GroupResource, Object, StorageError};
use serde_json::Value;

use crate::conversion;
use crate::registry::ResourceInfo;
use crate::resources::ResourceStorage;
use crate::server::{AppState, status_response};
use crate::strategy::Strategy;

pub(crate) use encode::api_version;
pub(crate) use options::Query;
pub(crate) use write::{CreateRequest, create_object};

/// The largest request body upstream reads (`MaxRequestBodyBytes`, 3 MiB).
pub(crate) const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything a verb handler needs about one request.
pub(crate) struct Ctx {
    /// Shared server state.
    pub(crate) state: Arc<AppState>,
    /// The resource as requested (group, version, resource).
    pub(crate) info: ResourceInfo,
    /// Its storage.
    pub(crate) storage: Arc<ResourceStorage>,
    /// Its per-kind decisions.
    pub(crate) strategy: Strategy,
    /// The namespace from the path (`None`: cluster-scoped, or every namespace).
    pub(crate) namespace: Option<String>,
    /// The name from the path ("" for collections).
    pub(crate) name: String,
    /// The subresource ("" or `status`).
    pub(crate) subresource: String,
    /// The query.
    pub(crate) query: Query,
    /// The request headers.
    pub(crate) headers: HeaderMap,
    /// Indented JSON (`pretty=true`, or curl and wget, as upstream).
    pub(crate) pretty: bool,
    /// `dryRun=All`: the whole write path runs and nothing is stored.
    pub(crate) dry_run: bool,
    /// `Warning` headers for the response (unknown fields under `fieldValidation=Warn`, …).
    pub(crate) warnings: Arc<std::sync::Mutex<Vec<String>>>,
    /// Who asks (the authenticated user).
    pub(crate) user: Option<crate::server::UserInfo>,
}

impl Ctx {
    /// The resource for messages (`pods`, `deployments.apps`).
    pub(crate) fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.info.group, self.info.resource)
    }

    /// A storage error as the Status upstream answers with for this request.
    pub(crate) fn storage_status(&self, err: &StorageError, verb: &str) -> Status {
        err.status(&self.group_resource(), &self.name, verb)
    }

    /// Whether objects need converting between the served and the storage version.
    pub(crate) fn converts(&self) -> bool {
        match &self.info.storage {
            Some(storage) => {
                storage.group != self.info.group || storage.version != self.info.version
            }
            None => false,
        }
    }

    /// A stored object at the served version.
    pub(crate) fn to_served(&self, object: &Object) -> Result<Value, Box<Status>> {
        if !self.converts() {
            return Ok(object.value().clone());
        }
        conversion::convert(object.value().clone(), self.info.group, self.info.version)
            .map_err(|err| Box::new(Status::internal_error(&err.to_string())))
    }

    /// A served object at the storage version. Writes always go through conversion, even
    /// within one version: upstream's round trip through its internal version normalises some
    /// kinds (a Secret's `stringData` folds into `data`, …).
    pub(crate) fn to_stored(&self, object: Value) -> Result<Value, Box<Status>> {
        match &self.info.storage {
            Some(storage) => conversion::convert(object, storage.group, storage.version)
                .map(go_marshal_form)
                .map_err(|err| Box::new(Status::bad_request(err.to_string()))),
            None => Ok(object),
        }
    }

    /// The served `apiVersion`.
    pub(crate) fn api_version(&self) -> String {
        api_version(self.info.group, self.info.version)
    }

    /// Adds `Warning` header values to the response.
    pub(crate) fn warn(&self, values: Vec<String>) {
        if let Ok(mut warnings) = self.warnings.lock() {
            for value in values {
                // An update retried after a conflict finds the same problems again.
                if !warnings.contains(&value) {
                    warnings.push(value);
                }
            }
        }
    }

    /// The namespace as the storage layer takes it.
    pub(crate) fn ns(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

/// A handler's failure: the Status to answer with.
pub(crate) type Reply = Result<Response, Box<Status>>;

/// Serves a resource request.
pub(crate) async fn handle(state: Arc<AppState>, req: Request) -> Response {
    let Some(info) = req.extensions().get::<RequestInfo>().cloned() else {
        return status_response(&not_found());
    };
    match route(state, info, req).await {
        Ok(response) => response,
        Err(status) => {
            if status.code >= 500 {
                tracing::error!(message = %status.message, "request failed");
            }
            status_response(&status)
        }
    }
}

/// Upstream's generic 404 for paths nothing is served at.
fn not_found() -> Status {
    crate::server::ApiError::NotFound.status()
}

async fn route(state: Arc<AppState>, request: RequestInfo, req: Request) -> Reply {
    let Some(info) = state
        .registry()
        .get(&request.api_group, &request.api_version, &request.resource)
        .cloned()
    else {
        // A group version that is not served has no routes at all: Go's plain-text 404; a
        // served one answers for its unknown resources with a Status.
        let served = state
            .registry()
            .resources()
            .iter()
            .any(|r| r.group == request.api_group && r.version == request.api_version);
        if !served {
            return Ok(crate::server::page_not_found());
        }
        return Err(Box::new(not_found()));
    };
    // The path's shape must fit the resource's scope: `/namespaces/x/nodes` or
    // `/pods/name` (a namespaced object without its namespace) are not routes upstream has.
    let is_namespace_itself = info.group.is_empty() && info.resource == "namespaces";
    let namespace = if is_namespace_itself {
        None
    } else if info.namespaced {
        (!request.namespace.is_empty()).then(|| request.namespace.clone())
    } else {
        if !request.namespace.is_empty() {
            return Err(Box::new(not_found()));
        }
        None
    };
    if info.namespaced && namespace.is_none() && !request.name.is_empty() && !is_namespace_itself {
        let listing = matches!(request.verb.as_str(), "list" | "watch");
        if !listing {
            return Err(Box::new(not_found()));
        }
    }
    // A name from `fieldSelector=metadata.name=` is not a path name.
    let path_name = if request.parts.len() >= 2 {
        request.name.clone()
    } else {
        String::new()
    };
    let subresource = request.subresource.clone();
    let verbs = match subresource.as_str() {
        "" => info.verbs,
        "status" | "scale" | "finalize" | "approval" => match info.subresource(&subresource) {
            Some(sub) => sub.verbs,
            None => return Err(Box::new(not_found())),
        },
        _ => return Err(Box::new(not_found())),
    };
    let verb = request.verb.as_str();
    let allowed = match verb {
        "get" | "update" | "patch" | "delete" => verbs.contains(&verb) && !path_name.is_empty(),
        "list" | "watch" | "create" | "deletecollection" => verbs.contains(&verb),
        _ => false,
    };
    if !allowed {
        let action = match (verb, req.method()) {
            (_, &Method::POST) => "create",
            ("list" | "watch", _) => "list",
            ("get", _) => "get",
            ("update", _) => "update",
            ("patch", _) => "patch",
            ("delete", _) => "delete",
            ("deletecollection", _) => "deletecollection",
            _ => "",
        };
        // A method no route of the path takes (PUT or PATCH on a collection, POST on an
        // object) is upstream's router's 405; a verb the resource lacks is MethodNotSupported.
        let no_route = match verb {
            "update" | "patch" => path_name.is_empty(),
            "create" => !path_name.is_empty(),
            _ => false,
        } || (req.method() == Method::POST && !path_name.is_empty());
        if no_route {
            return Err(Box::new(Status::router_method_not_allowed()));
        }
        if action.is_empty() {
            return Err(Box::new(Status::method_not_supported(
                info.group,
                info.resource,
                req.method().as_str(),
            )));
        }
        return Err(Box::new(Status::method_not_supported(
            info.group,
            info.resource,
            action,
        )));
    }
    let Some(storage) = state.resources.get(&info) else {
        let user = req.extensions().get::<crate::server::UserInfo>().cloned();
        let (parts, body) = req.into_parts();
        return unstored::handle(
            state.clone(),
            &info,
            verb,
            &path_name,
            user,
            &parts.headers,
            body,
        )
        .await;
    };
    if !path_name.is_empty()
        && let Some(message) = crate::validation::name_parameter_error(&path_name)
    {
        return Err(Box::new(Status::bad_request(message)));
    }
    let query = Query::parse(req.uri().query().unwrap_or(""));
    let pretty = query.bool("pretty")
        || req
            .headers()
            .get(axum::http::header::USER_AGENT)
            .and_then(|ua| ua.to_str().ok())
            .is_some_and(|ua| ua.starts_with("curl") || ua.starts_with("Wget"));
    let strategy = Strategy::of(&info);
    let user = req.extensions().get::<crate::server::UserInfo>().cloned();
    let (parts, body) = req.into_parts();
    let ctx = Ctx {
        user,
        state,
        namespace,
        name: path_name,
        subresource,
        storage,
        strategy,
        headers: parts.headers,
        query,
        pretty,
        dry_run: false,
        warnings: Arc::default(),
        info,
    };
    if let Some(message) = deprecation(&ctx.info) {
        ctx.warn(vec![format!("299 - \"{message}\"")]);
    }
    let warnings = ctx.warnings.clone();
    let mut reply = dispatch(ctx, &request.verb, body).await;
    let warnings = warnings.lock().map(|w| w.clone()).unwrap_or_default();
    if let Ok(response) = reply.as_mut() {
        for warning in warnings {
            if let Ok(value) = axum::http::HeaderValue::from_str(&warning) {
                response.headers_mut().append("warning", value);
            }
        }
    }
    reply
}

async fn dispatch(mut ctx: Ctx, verb: &str, body: Body) -> Reply {
    let options_kind = match verb {
        "create" => Some("CreateOptions"),
        "update" => Some("UpdateOptions"),
        "patch" => Some("PatchOptions"),
        "delete" | "deletecollection" => Some("DeleteOptions"),
        _ => None,
    };
    if let Some(kind) = options_kind {
        ctx.dry_run = dry_run(&ctx.query, kind)?;
    }
    if ctx.subresource == "scale" {
        return match verb {
            "get" => scale::get(ctx).await,
            "update" => scale::update(ctx, body).await,
            "patch" => scale::patch(ctx, body).await,
            _ => Err(Box::new(not_found())),
        };
    }
    match verb {
        "get" => read::get(ctx).await,
        "list" => read::list(ctx).await,
        "watch" => watch::watch(ctx).await,
        "create" => write::create(ctx, body).await,
        "update" => write::update(ctx, body).await,
        "patch" => patch::patch(ctx, body).await,
        "delete" => delete::delete(ctx, body).await,
        "deletecollection" => delete::delete_collection(ctx, body).await,
        _ => Err(Box::new(not_found())),
    }
}

/// Upstream's deprecation warning for a served API that is deprecated (sent on every request
/// to it, as the `Warning` header).
fn deprecation(info: &ResourceInfo) -> Option<&'static str> {
    match (info.group, info.version, info.resource) {
        ("", "v1", "endpoints") => {
            Some("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
        }
        _ => None,
    }
}

/// `dryRun` of a write (upstream's `ValidateDryRun`): every value must be `All`.
fn dry_run(query: &Query, options_kind: &str) -> Result<bool, Box<Status>> {
    let values = query.all("dryRun");
    if values.is_empty() {
        return Ok(false);
    }
    if values.iter().all(|v| *v == "All") {
        return Ok(true);
    }
    let given = serde_json::Value::Array(
        values
            .iter()
            .map(|v| serde_json::Value::String((*v).to_string()))
            .collect(),
    );
    let errors = [ironkube_apimachinery::FieldError::not_supported(
        "dryRun",
        ironkube_apimachinery::BadValue::Json(given),
        &["All"],
    )];
    Err(Box::new(Status::invalid(
        "meta.k8s.io",
        options_kind,
        "",
        &errors,
    )))
}

/// The current time as upstream writes `metav1.Time` (RFC 3339, seconds, UTC).
pub(crate) fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// A time as upstream writes `metav1.Time`.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads a request body, refusing more than [`MAX_REQUEST_BODY_BYTES`] with 413.
pub(crate) async fn read_body(body: Body) -> Result<bytes::Bytes, Box<Status>> {
    match axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES).await {
        Ok(bytes) => Ok(bytes),
        Err(err) => {
            // axum reports the limit through its error text only.
            let too_large = format!("{err:?}").contains("LengthLimitError")
                || err.to_string().contains("length limit");
            if too_large {
                Err(Box::new(Status::request_entity_too_large(&format!(
                    "limit is {MAX_REQUEST_BODY_BYTES}"
                ))))
            } else {
                Err(Box::new(Status::bad_request(err.to_string())))
            }
        }
    }
}

/// The object as upstream stores it: what Go marshals from the typed object, so the zero
/// value of an `omitempty` field (`availableReplicas: 0`, `paused: false`, `ports: []`) is
/// left out as the typed decode of upstream's handler would lose it. The protobuf round trip
/// reads it into the typed form and back; a kind it cannot encode is stored as it is.
fn go_marshal_form(object: Value) -> Value {
    crate::protobuf::encode(&object)
        .ok()
        .and_then(|bytes| crate::protobuf::decode(&bytes).ok())
        .unwrap_or(object)
}
