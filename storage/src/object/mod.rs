//! Kubernetes objects over a [`KvStore`]: upstream's etcd3 store (`k8s.io/apiserver/pkg/storage/
//! etcd3/store.go`) with the same semantics, for JSON objects.
//!
//! - An object's `metadata.resourceVersion` is its key's `mod_revision`; it is set when reading
//!   and removed before writing, so it is never stored.
//! - Create is `txn(mod_revision == 0) put`; update and delete compare the `mod_revision` they
//!   read and retry on conflict ([`ObjectStore::guaranteed_update`], [`ObjectStore::delete`]).
//! - Lists read one snapshot: `limit` + `continue` pages at one revision, with upstream's
//!   continue token; selectors are applied after decoding, doubling the page size when filtering
//!   leaves a page short.
//! - Watches turn selector transitions into ADDED / DELETED and report errors in-band.

mod keys;
mod list;
mod watch;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use ironkube_apimachinery::{FieldSelector, LabelSelector, Status};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::kv::{
    Compare, CompareOp, KeyRange, KeyValue, KvError, KvStore, LeaseId, RangeRequest, Revision, Txn,
    TxnOp,
};

pub use keys::{DEFAULT_ETCD_PREFIX, KeyLayout, builtin_resource_prefix, group_resource_prefix};
pub use list::{ListOptions, ObjectList, ResourceVersionMatch};
pub use watch::{INITIAL_EVENTS_END_ANNOTATION, WatchEvent, WatchOptions};
pub(crate) use watch::{bookmark, transform};

/// A decoded object with its `resourceVersion` set, shared cheaply; its JSON encoding is
/// computed at most once and shared by every watcher and response that sends it.
#[derive(Clone)]
pub struct Object(Arc<ObjectInner>);

struct ObjectInner {
    value: Value,
    json: OnceLock<Bytes>,
    item_json: OnceLock<Bytes>,
}

impl Object {
    /// Wraps a JSON object.
    pub fn new(value: Value) -> Self {
        Self(Arc::new(ObjectInner {
            value,
            json: OnceLock::new(),
            item_json: OnceLock::new(),
        }))
    }

    /// The JSON value.
    pub fn value(&self) -> &Value {
        &self.0.value
    }

    /// The JSON value, cloned only when shared.
    pub fn into_value(self) -> Value {
        match Arc::try_unwrap(self.0) {
            Ok(inner) => inner.value,
            Err(shared) => shared.value.clone(),
        }
    }

    /// The object as JSON bytes, encoded once.
    pub fn json(&self) -> Bytes {
        self.0
            .json
            .get_or_init(|| Bytes::from(serde_json::to_vec(&self.0.value).unwrap_or_default()))
            .clone()
    }

    /// The object as JSON bytes without `kind` and `apiVersion`, encoded once: how items of a
    /// built-in list are written (upstream's typed lists carry the type only on the list).
    pub fn item_json(&self) -> Bytes {
        self.0
            .item_json
            .get_or_init(|| {
                let bytes = match &self.0.value {
                    Value::Object(map) => {
                        serde_json::to_vec(&WithoutTypeMeta(map)).unwrap_or_default()
                    }
                    other => serde_json::to_vec(other).unwrap_or_default(),
                };
                Bytes::from(bytes)
            })
            .clone()
    }

    /// `metadata.resourceVersion` as a revision (0 when missing or malformed).
    pub fn resource_version(&self) -> Revision {
        meta_str(&self.0.value, "resourceVersion")
            .and_then(|rv| rv.parse().ok())
            .unwrap_or(0)
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        meta_str(&self.0.value, "name").unwrap_or_default()
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        meta_str(&self.0.value, "namespace").unwrap_or_default()
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.value, f)
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        self.0.value == other.0.value
    }
}

impl From<Value> for Object {
    fn from(value: Value) -> Self {
        Object::new(value)
    }
}

/// A JSON object serialized without its `kind` and `apiVersion`.
struct WithoutTypeMeta<'a>(&'a serde_json::Map<String, Value>);

impl serde::Serialize for WithoutTypeMeta<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .filter(|(k, _)| k.as_str() != "kind" && k.as_str() != "apiVersion"),
        )
    }
}

fn meta_str<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get("metadata")?.get(field)?.as_str()
}

/// Sets `metadata.resourceVersion`, creating `metadata` if needed.
fn set_resource_version(value: &mut Value, revision: Revision) {
    if let Some(object) = value.as_object_mut() {
        let metadata = object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert(
                "resourceVersion".to_string(),
                Value::String(revision.to_string()),
            );
        }
    }
}

/// The group and plural name of a resource, for error messages (upstream's `GroupResource`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupResource {
    /// API group ("" for the core group).
    pub group: String,
    /// Plural resource name.
    pub resource: String,
}

impl GroupResource {
    /// A group and resource.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }
}

impl fmt::Display for GroupResource {
    /// `resource.group`, or `resource` for the core group, as upstream's `GroupResource.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// Errors of the object store, each of which the API server turns into one `metav1.Status`
/// (upstream's `storage.StorageError` plus the API errors the etcd3 store returns directly).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The object does not exist (404 NotFound).
    #[error(
        "StorageError: key not found, Code: 1, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: "
    )]
    NotFound {
        /// The key looked for.
        key: String,
    },
    /// A create found the key taken (409 AlreadyExists).
    #[error(
        "StorageError: key exists, Code: 2, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: "
    )]
    KeyExists {
        /// The key.
        key: String,
    },
    /// A UID or resourceVersion precondition failed (409 Conflict; the message is upstream's
    /// `InvalidObj` storage error text, which the Conflict message quotes).
    #[error(
        "StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: {detail}"
    )]
    PreconditionFailed {
        /// The key.
        key: String,
        /// "Precondition failed: UID in precondition: …, UID in object meta: …".
        detail: String,
    },
    /// A create carried a resourceVersion (upstream's `ErrResourceVersionSetOnCreate`, 500).
    #[error("resourceVersion should not be set on objects to be created")]
    ResourceVersionSetOnCreate,
    /// A name or namespace that cannot be a key segment.
    #[error("{0}")]
    InvalidKey(String),
    /// The caller asked for a resourceVersion the store has not reached (504 Timeout with a
    /// `ResourceVersionTooLarge` cause).
    #[error("Too large resource version: {minimum}, current: {current}")]
    TooLargeResourceVersion {
        /// The requested minimum.
        minimum: Revision,
        /// The store's current revision.
        current: Revision,
        /// Seconds the client should wait before retrying.
        retry_after_seconds: u32,
    },
    /// The requested revision or continue token was compacted (410 Expired). A fresh token to
    /// continue inconsistently is attached when paging.
    #[error("{message}")]
    Expired {
        /// Upstream's message.
        message: String,
        /// A replacement continue token (revision -1: continue at the latest revision).
        continue_token: Option<String>,
    },
    /// A malformed request parameter (400 BadRequest).
    #[error("{0}")]
    BadRequest(String),
    /// A watch event changed a key without its previous state (it was compacted): the watch
    /// cannot tell what changed, so it fails and the client lists again (upstream's
    /// "etcd event received with PrevKv=nil").
    #[error("etcd event received with PrevKv=nil (key={key:?}, modRevision={revision})")]
    MissingPrevious {
        /// The key.
        key: String,
        /// The event's revision.
        revision: Revision,
    },
    /// The watch cache is (re)initializing and cannot serve the request yet (429, as
    /// upstream's KEP-4568 answer).
    #[error("storage is (re)initializing")]
    Initializing,
    /// A stored value that is not a JSON object (500).
    #[error("unable to decode {key}: {reason}")]
    Corrupt {
        /// The key.
        key: String,
        /// What failed.
        reason: String,
    },
    /// The key-value layer failed (unavailable, too large, …).
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl StorageError {
    /// The `metav1.Status` the API server answers with for this error on `resource`/`name`
    /// (upstream's `storage/errors` `Interpret*Error` and the etcd3 store's own API errors;
    /// `verb` names the operation in ServerTimeout messages: "get", "list", "create", …).
    pub fn status(&self, resource: &GroupResource, name: &str, verb: &str) -> Status {
        let (group, plural) = (resource.group.as_str(), resource.resource.as_str());
        match self {
            Self::NotFound { .. } => Status::not_found(group, plural, name),
            Self::KeyExists { .. } => Status::already_exists(group, plural, name),
            Self::PreconditionFailed { .. } => {
                Status::conflict(group, plural, name, &self.to_string())
            }
            Self::TooLargeResourceVersion {
                minimum,
                current,
                retry_after_seconds,
            } => Status::too_large_resource_version(
                *minimum,
                *current,
                i32::try_from(*retry_after_seconds).unwrap_or(i32::MAX),
            ),
            Self::Expired {
                message,
                continue_token,
            } => {
                let mut status = Status::resource_expired(message.clone());
                if let Some(token) = continue_token {
                    status.metadata.continue_token = token.clone();
                }
                status
            }
            Self::BadRequest(message) | Self::InvalidKey(message) => {
                Status::bad_request(message.clone())
            }
            Self::Kv(KvError::Unavailable(_)) => Status::server_timeout(group, plural, verb, 2),
            // Upstream passes these through as plain errors: 500 with the error's text.
            Self::ResourceVersionSetOnCreate | Self::Kv(_) => {
                Status::from_error_message(self.to_string())
            }
            Self::Corrupt { .. } | Self::MissingPrevious { .. } => {
                Status::internal_error(&self.to_string())
            }
            Self::Initializing => Status::too_many_requests(self.to_string(), 1),
        }
    }
}

/// `uid` and `resourceVersion` preconditions of an update or delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// The object's `metadata.uid` must equal this.
    pub uid: Option<String>,
    /// The object's `metadata.resourceVersion` must equal this.
    pub resource_version: Option<String>,
}

impl Preconditions {
    /// Upstream's `Preconditions.Check`.
    fn check(&self, key: &str, object: &Value) -> Result<(), StorageError> {
        if let Some(uid) = &self.uid {
            let actual = meta_str(object, "uid").unwrap_or_default();
            if uid != actual {
                return Err(StorageError::PreconditionFailed {
                    key: key.to_string(),
                    detail: format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                    ),
                });
            }
        }
        if let Some(rv) = &self.resource_version {
            let actual = meta_str(object, "resourceVersion").unwrap_or_default();
            if rv != actual {
                return Err(StorageError::PreconditionFailed {
                    key: key.to_string(),
                    detail: format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Computes the fields a field selector can select on (`metadata.name`, `metadata.namespace` and
/// the kind's own, such as `spec.nodeName`).
pub type FieldSetFn = Arc<dyn Fn(&Value) -> BTreeMap<String, String> + Send + Sync>;

/// The default field set: `metadata.name`, and `metadata.namespace` for namespaced objects
/// (upstream's `DefaultNamespaceScopedAttr` / `DefaultClusterScopedAttr`).
pub fn default_field_set(namespaced: bool) -> FieldSetFn {
    Arc::new(move |value: &Value| {
        let mut fields = BTreeMap::new();
        fields.insert(
            "metadata.name".to_string(),
            meta_str(value, "name").unwrap_or_default().to_string(),
        );
        if namespaced {
            fields.insert(
                "metadata.namespace".to_string(),
                meta_str(value, "namespace").unwrap_or_default().to_string(),
            );
        }
        fields
    })
}

/// Label and field selectors, and how to compute an object's fields.
#[derive(Clone)]
pub struct Selection {
    /// Label selector (empty: everything).
    pub labels: LabelSelector,
    /// Field selector (empty: everything).
    pub fields: FieldSelector,
    /// The object's selectable fields.
    pub field_set: FieldSetFn,
}

impl Selection {
    /// Selects every object.
    pub fn everything() -> Self {
        Self {
            labels: LabelSelector::default(),
            fields: FieldSelector::default(),
            field_set: default_field_set(true),
        }
    }

    /// Whether every object matches.
    pub fn is_everything(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    /// Whether `object` matches both selectors.
    pub fn matches(&self, object: &Value) -> bool {
        if self.is_everything() {
            return true;
        }
        if !self.labels.is_empty() {
            let labels: BTreeMap<String, String> = object
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object)
                .map(|labels| {
                    labels
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            if !self.labels.matches(&labels) {
                return false;
            }
        }
        self.fields.is_empty() || self.fields.matches(&(self.field_set)(object))
    }
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection")
            .field("labels", &self.labels.to_string())
            .field("fields", &self.fields.to_string())
            .finish()
    }
}

/// How one resource is stored.
#[derive(Clone, Debug)]
pub struct ResourceConfig {
    /// Group and resource, for messages.
    pub resource: GroupResource,
    /// Where its keys live.
    pub keys: KeyLayout,
    /// Objects expire this many seconds after their last write (Events: `--event-ttl`, 1 h).
    pub ttl_seconds: Option<i64>,
}

/// Upstream's lease manager: objects with a TTL share a lease granted for a window of time
/// rather than one lease per write.
#[derive(Debug, Default)]
struct LeaseCache {
    current: Option<(LeaseId, Instant, i64)>,
}

/// How long a lease is reused for new TTL writes (upstream's `LeaseReuseDurationSeconds`).
const LEASE_REUSE_SECONDS: i64 = 60;

/// One resource's objects over a [`KvStore`] (upstream's etcd3 `store`).
#[derive(Clone)]
pub struct ObjectStore {
    kv: Arc<dyn KvStore>,
    config: Arc<ResourceConfig>,
    leases: Arc<Mutex<LeaseCache>>,
}

impl fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStore")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The state of a key as the update and delete loops see it.
struct Current {
    revision: Revision,
    object: Option<Value>,
    stored: Bytes,
}

impl ObjectStore {
    /// The store of one resource.
    pub fn new(kv: Arc<dyn KvStore>, config: ResourceConfig) -> Self {
        Self {
            kv,
            config: Arc::new(config),
            leases: Arc::new(Mutex::new(LeaseCache::default())),
        }
    }

    /// The key-value store underneath.
    pub fn kv(&self) -> &Arc<dyn KvStore> {
        &self.kv
    }

    /// How this resource is stored.
    pub fn config(&self) -> &ResourceConfig {
        &self.config
    }

    /// The key of one object.
    pub fn key(&self, namespace: Option<&str>, name: &str) -> Result<String, StorageError> {
        self.config.keys.object_key(namespace, name)
    }

    /// Decodes a stored key-value, stamping it with its revision.
    pub(crate) fn decode(&self, kv: &KeyValue) -> Result<Object, StorageError> {
        Ok(Object::new(self.decode_value(
            &kv.key,
            &kv.value,
            kv.mod_revision,
        )?))
    }

    /// Decodes stored bytes and stamps them with `revision`.
    fn decode_value(
        &self,
        key: &[u8],
        data: &[u8],
        revision: Revision,
    ) -> Result<Value, StorageError> {
        let corrupt = |reason: String| StorageError::Corrupt {
            key: String::from_utf8_lossy(key).into_owned(),
            reason,
        };
        let mut value: Value =
            serde_json::from_slice(data).map_err(|err| corrupt(err.to_string()))?;
        if !value.is_object() {
            return Err(corrupt("not a JSON object".to_string()));
        }
        set_resource_version(&mut value, revision);
        Ok(value)
    }

    /// Encodes an object for storage: without `metadata.resourceVersion`.
    fn encode(value: &Value) -> Bytes {
        let mut value = value.clone();
        if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("resourceVersion");
        }
        Bytes::from(serde_json::to_vec(&value).unwrap_or_default())
    }

    async fn lease_for_write(&self) -> Result<LeaseId, StorageError> {
        let Some(ttl) = self.config.ttl_seconds else {
            return Ok(0);
        };
        let mut cache = self.leases.lock().await;
        let now = Instant::now();
        if let Some((id, granted, granted_ttl)) = cache.current {
            let age = now.duration_since(granted).as_secs() as i64;
            if age < LEASE_REUSE_SECONDS && granted_ttl >= ttl + age {
                return Ok(id);
            }
        }
        // As upstream, grant a little more than asked so a reused lease never expires early.
        let granted_ttl = ttl + LEASE_REUSE_SECONDS;
        let grant = self.kv.lease_grant(granted_ttl).await?;
        cache.current = Some((grant.id, now, granted_ttl));
        Ok(grant.id)
    }

    /// Creates an object (upstream's `Create`): fails with `KeyExists` if the key is taken and
    /// with `ResourceVersionSetOnCreate` if the object carries a resourceVersion. Returns the
    /// object as stored, with its resourceVersion.
    pub async fn create(
        &self,
        namespace: Option<&str>,
        name: &str,
        object: Value,
    ) -> Result<Object, StorageError> {
        let key = self.key(namespace, name)?;
        // As upstream, only a resourceVersion that parses to a revision counts as set.
        if meta_str(&object, "resourceVersion")
            .and_then(|rv| rv.parse::<u64>().ok())
            .is_some_and(|rv| rv != 0)
        {
            return Err(StorageError::ResourceVersionSetOnCreate);
        }
        let data = Self::encode(&object);
        let lease = self.lease_for_write().await?;
        let txn = Txn::new()
            .when(Compare::mod_revision(key.clone(), CompareOp::Equal, 0))
            .and_then(TxnOp::Put {
                key: Bytes::from(key.clone()),
                value: data.clone(),
                lease,
                prev_kv: false,
            });
        let response = self.kv.txn(txn).await?;
        if !response.succeeded {
            return Err(StorageError::KeyExists { key });
        }
        Ok(Object::new(self.decode_value(
            key.as_bytes(),
            &data,
            response.revision,
        )?))
    }

    /// Reads one object. `minimum_resource_version` (a get with `resourceVersion`) fails with
    /// `TooLargeResourceVersion` when the store has not reached it.
    pub async fn get(
        &self,
        namespace: Option<&str>,
        name: &str,
        minimum_resource_version: Option<&str>,
    ) -> Result<Object, StorageError> {
        let key = self.key(namespace, name)?;
        let response = self
            .kv
            .range(RangeRequest::new(KeyRange::key(key.clone())))
            .await?;
        validate_minimum_resource_version(minimum_resource_version, response.revision)?;
        match response.kvs.first() {
            Some(kv) => self.decode(kv),
            None => Err(StorageError::NotFound { key }),
        }
    }

    async fn current(&self, key: &str) -> Result<Current, StorageError> {
        let kv = self.kv.get(Bytes::from(key.to_string())).await?;
        self.current_from(key, kv.as_ref())
    }

    fn current_from(&self, key: &str, kv: Option<&KeyValue>) -> Result<Current, StorageError> {
        match kv {
            None => Ok(Current {
                revision: 0,
                object: None,
                stored: Bytes::new(),
            }),
            Some(kv) => Ok(Current {
                revision: kv.mod_revision,
                object: Some(self.decode_value(key.as_bytes(), &kv.value, kv.mod_revision)?),
                stored: kv.value.clone(),
            }),
        }
    }

    fn current_from_cached(object: &Object) -> Current {
        let value = object.value().clone();
        Current {
            revision: object.resource_version(),
            stored: Self::encode(&value),
            object: Some(value),
        }
    }

    /// Updates an object with optimistic concurrency (upstream's `GuaranteedUpdate`): reads the
    /// current object (or starts from `cached`, the watch cache's copy), checks `preconditions`,
    /// runs `update` on it, and writes the result if the key's `mod_revision` is still the one
    /// read; on a conflict it starts again from the state the failed transaction returned. An
    /// update that changes nothing is not written (the object keeps its resourceVersion).
    /// `update` receives `None` when the object does not exist and `ignore_not_found` is set.
    pub async fn guaranteed_update<E, F, Fut>(
        &self,
        namespace: Option<&str>,
        name: &str,
        ignore_not_found: bool,
        preconditions: &Preconditions,
        cached: Option<&Object>,
        mut update: F,
    ) -> Result<Object, E>
    where
        E: From<StorageError>,
        F: FnMut(Option<Value>) -> Fut,
        // A plain future type (rather than an async closure bound) keeps callers' futures
        // `Send` for every lifetime, which async-closure bounds cannot yet promise.
        Fut: std::future::Future<Output = Result<Value, E>>,
    {
        let key = self.key(namespace, name)?;
        let (mut current, mut is_current) = match cached {
            Some(object) => (Self::current_from_cached(object), false),
            None => (self.current(&key).await?, true),
        };
        loop {
            if current.object.is_none() && !ignore_not_found {
                if !is_current {
                    current = self.current(&key).await?;
                    is_current = true;
                    continue;
                }
                return Err(StorageError::NotFound { key }.into());
            }
            // Upstream checks preconditions against an empty object when the key is missing
            // (and missing is allowed): a UID precondition then fails.
            let empty = Value::Object(Default::default());
            if let Err(err) = preconditions.check(&key, current.object.as_ref().unwrap_or(&empty)) {
                if is_current {
                    return Err(err.into());
                }
                current = self.current(&key).await?;
                is_current = true;
                continue;
            }
            let updated = match update(current.object.clone()).await {
                Ok(updated) => updated,
                Err(err) => {
                    self.retry_if_stale(&key, &mut current, &mut is_current, err)
                        .await?;
                    continue;
                }
            };
            let data = Self::encode(&updated);
            if current.object.is_some() && data == current.stored {
                if !is_current {
                    current = self.current(&key).await?;
                    is_current = true;
                    if data != current.stored {
                        continue;
                    }
                }
                let value = self.decode_value(key.as_bytes(), &data, current.revision)?;
                return Ok(Object::new(value));
            }
            let lease = self.lease_for_write().await?;
            let txn = Txn::new()
                .when(Compare::mod_revision(
                    key.clone(),
                    CompareOp::Equal,
                    current.revision,
                ))
                .and_then(TxnOp::Put {
                    key: Bytes::from(key.clone()),
                    value: data.clone(),
                    lease,
                    prev_kv: false,
                })
                .or_else(TxnOp::get(key.clone()));
            let response = self.kv.txn(txn).await.map_err(StorageError::from)?;
            if response.succeeded {
                let value = self.decode_value(key.as_bytes(), &data, response.revision)?;
                return Ok(Object::new(value));
            }
            tracing::debug!(%key, "guaranteed update conflicted, retrying");
            current = self.current_from(&key, response.first_range_kv())?;
            is_current = true;
        }
    }

    /// Deletes an object if `preconditions` and `validate` accept its current state, retrying on
    /// conflicts (upstream's `conditionalDelete`). Returns the deleted object stamped with the
    /// delete's revision.
    pub async fn delete<E, F>(
        &self,
        namespace: Option<&str>,
        name: &str,
        preconditions: &Preconditions,
        cached: Option<&Object>,
        mut validate: F,
    ) -> Result<Object, E>
    where
        E: From<StorageError>,
        F: FnMut(&Value) -> Result<(), E>,
    {
        let key = self.key(namespace, name)?;
        let (mut current, mut is_current) = match cached {
            Some(object) => (Self::current_from_cached(object), false),
            None => (self.current(&key).await?, true),
        };
        loop {
            let Some(object) = current.object.as_ref() else {
                if !is_current {
                    current = self.current(&key).await?;
                    is_current = true;
                    continue;
                }
                return Err(StorageError::NotFound { key }.into());
            };
            let checked = match preconditions.check(&key, object) {
                Ok(()) => validate(object),
                Err(err) => Err(err.into()),
            };
            if let Err(err) = checked {
                self.retry_if_stale(&key, &mut current, &mut is_current, err)
                    .await?;
                continue;
            }
            let txn = Txn::new()
                .when(Compare::mod_revision(
                    key.clone(),
                    CompareOp::Equal,
                    current.revision,
                ))
                .and_then(TxnOp::delete(key.clone()))
                .or_else(TxnOp::get(key.clone()));
            let response = self.kv.txn(txn).await.map_err(StorageError::from)?;
            if response.succeeded {
                let value =
                    self.decode_value(key.as_bytes(), &current.stored, response.revision)?;
                return Ok(Object::new(value));
            }
            tracing::debug!(%key, "delete conflicted, retrying");
            current = self.current_from(&key, response.first_range_kv())?;
            is_current = true;
        }
    }

    /// After `err` on a state that may have come from the cache: the error stands if the state
    /// was read from the store, or turns out to be current when read again; otherwise the caller
    /// retries on the fresh state now in `current` (upstream's "we may have worked from stale
    /// data" path).
    async fn retry_if_stale<E: From<StorageError>>(
        &self,
        key: &str,
        current: &mut Current,
        is_current: &mut bool,
        err: E,
    ) -> Result<(), E> {
        if *is_current {
            return Err(err);
        }
        let cached_revision = current.revision;
        *current = self.current(key).await?;
        *is_current = true;
        if current.revision == cached_revision {
            return Err(err);
        }
        Ok(())
    }

    /// The store's current revision (upstream's `GetCurrentResourceVersion`).
    pub async fn current_revision(&self) -> Result<Revision, StorageError> {
        Ok(self.kv.current_revision().await?)
    }
}

/// Parses a resourceVersion parameter (upstream's `APIObjectVersioner.ParseResourceVersion`):
/// empty is 0; anything else must be a non-negative integer.
pub fn parse_resource_version(rv: &str) -> Result<Revision, StorageError> {
    if rv.is_empty() {
        return Ok(0);
    }
    rv.parse::<u64>()
        .ok()
        .and_then(|rv| Revision::try_from(rv).ok())
        .ok_or_else(|| {
            // Go's strconv wording; numbers past what a revision can hold are "out of range"
            // here (Go accepts up to u64::MAX, which no store ever reaches).
            let why = if rv.bytes().all(|b| b.is_ascii_digit()) {
                "value out of range"
            } else {
                "invalid syntax"
            };
            StorageError::BadRequest(format!(
                "invalid resource version: resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: {why}"
            ))
        })
}

/// Upstream's `validateMinimumResourceVersion`: the data returned must be at least as new as
/// the resourceVersion the client asked for.
fn validate_minimum_resource_version(
    minimum: Option<&str>,
    actual: Revision,
) -> Result<(), StorageError> {
    let Some(minimum) = minimum.filter(|rv| !rv.is_empty()) else {
        return Ok(());
    };
    let minimum = parse_resource_version(minimum)?;
    if minimum > actual {
        return Err(StorageError::TooLargeResourceVersion {
            minimum,
            current: actual,
            retry_after_seconds: 0,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configmaps() -> GroupResource {
        GroupResource::new("", "configmaps")
    }

    #[test]
    fn statuses_as_upstream() {
        let not_found =
            StorageError::NotFound { key: "k".into() }.status(&configmaps(), "a", "get");
        assert_eq!(not_found.code, 404);
        assert_eq!(not_found.message, "configmaps \"a\" not found");
        let exists = StorageError::KeyExists { key: "k".into() }.status(
            &GroupResource::new("apps", "deployments"),
            "web",
            "create",
        );
        assert_eq!(exists.code, 409);
        assert_eq!(exists.message, "deployments.apps \"web\" already exists");
        let precondition = StorageError::PreconditionFailed {
            key: "/registry/configmaps/ns/a".into(),
            detail: "Precondition failed: UID in precondition: x, UID in object meta: y".into(),
        }
        .status(&configmaps(), "a", "update");
        assert_eq!(precondition.code, 409);
        assert_eq!(
            precondition.message,
            "Operation cannot be fulfilled on configmaps \"a\": StorageError: invalid object, Code: 4, Key: /registry/configmaps/ns/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: x, UID in object meta: y"
        );
        let expired = StorageError::Expired {
            message: "gone".into(),
            continue_token: Some("tok".into()),
        }
        .status(&configmaps(), "", "list");
        assert_eq!(expired.code, 410);
        assert_eq!(expired.metadata.continue_token, "tok");
        let too_large = StorageError::TooLargeResourceVersion {
            minimum: 10,
            current: 5,
            retry_after_seconds: 1,
        }
        .status(&configmaps(), "", "list");
        assert_eq!(too_large.code, 504);
        // Upstream builds it with NewTimeoutError, which prefixes "Timeout: ".
        assert_eq!(
            too_large.message,
            "Timeout: Too large resource version: 10, current: 5"
        );
        let on_create =
            StorageError::ResourceVersionSetOnCreate.status(&configmaps(), "a", "create");
        assert_eq!(on_create.code, 500);
        assert_eq!(
            on_create.message,
            "resourceVersion should not be set on objects to be created"
        );
        let unavailable =
            StorageError::Kv(KvError::Unavailable("down".into())).status(&configmaps(), "a", "get");
        assert_eq!(unavailable.code, 500);
        assert_eq!(
            unavailable.message,
            "The get operation against configmaps could not be completed at this time, please try again."
        );
    }

    #[test]
    fn resource_versions_parse_as_upstream() {
        assert_eq!(parse_resource_version("").unwrap(), 0);
        assert_eq!(parse_resource_version("42").unwrap(), 42);
        assert!(matches!(
            parse_resource_version("-1"),
            Err(StorageError::BadRequest(_))
        ));
        assert!(parse_resource_version("abc").is_err());
        let Err(StorageError::BadRequest(message)) = parse_resource_version("99999999999999999999")
        else {
            panic!("out of range must be refused");
        };
        assert!(message.ends_with("value out of range"), "{message}");
    }

    #[test]
    fn selection_matches_labels_and_fields() {
        let object = serde_json::json!({
            "metadata": { "name": "a", "namespace": "ns", "labels": { "app": "web" } }
        });
        let mut selection = Selection::everything();
        assert!(selection.matches(&object));
        selection.labels = LabelSelector::parse("app in (web,db)").unwrap();
        assert!(selection.matches(&object));
        selection.fields = FieldSelector::parse("metadata.namespace=other").unwrap();
        assert!(!selection.matches(&object));
        selection.fields = FieldSelector::parse("metadata.name=a").unwrap();
        assert!(selection.matches(&object));
        selection.labels = LabelSelector::parse("app!=web").unwrap();
        assert!(!selection.matches(&object));
    }
}
