//! Lists (upstream's `GetList`): one snapshot, paged with `limit` + `continue`, filtered by
//! selectors after decoding.

use bytes::Bytes;
use ironkube_apimachinery::continue_token::{decode_continue, encode_continue};

use super::{
    Object, ObjectStore, Selection, StorageError, parse_resource_version,
    validate_minimum_resource_version,
};
use crate::kv::{KeyRange, KvError, RangeRequest, Revision, prefix_end};

/// The most keys one range read asks for when filtering leaves a page short (upstream's
/// `maxLimit`).
const MAX_PAGE: i64 = 10_000;

/// Upstream's messages for compacted lists (`etcd3/errors.go`).
const EXPIRED: &str = "The resourceVersion for the provided list is too old.";
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// `resourceVersionMatch`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResourceVersionMatch {
    /// Not given: the legacy semantics (exact when paging with a resourceVersion, else "not
    /// older than").
    #[default]
    Unset,
    /// `NotOlderThan`.
    NotOlderThan,
    /// `Exact`.
    Exact,
}

/// Options of a list.
#[derive(Clone, Debug)]
pub struct ListOptions {
    /// `resourceVersion` as given ("" when unset).
    pub resource_version: String,
    /// `resourceVersionMatch`.
    pub resource_version_match: ResourceVersionMatch,
    /// `limit` (0: no limit).
    pub limit: i64,
    /// `continue` ("" when unset).
    pub continue_token: String,
    /// Selectors.
    pub selection: Selection,
}

impl Default for ListOptions {
    fn default() -> Self {
        Self {
            resource_version: String::new(),
            resource_version_match: ResourceVersionMatch::Unset,
            limit: 0,
            continue_token: String::new(),
            selection: Selection::everything(),
        }
    }
}

/// What a list returns.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectList {
    /// The matching objects, in key order, each with its resourceVersion.
    pub items: Vec<Object>,
    /// The list's resourceVersion: the revision of the snapshot read.
    pub resource_version: Revision,
    /// The token for the next page, if there is one.
    pub continue_token: Option<String>,
    /// How many objects follow this page (only without selectors, as upstream).
    pub remaining_item_count: Option<i64>,
}

impl ObjectStore {
    /// Lists the objects of a namespace (or all namespaces) with upstream's etcd3 semantics.
    pub async fn list(
        &self,
        namespace: Option<&str>,
        options: &ListOptions,
    ) -> Result<ObjectList, StorageError> {
        let prefix = self.config.keys.list_prefix(namespace)?;
        let (mut revision, continue_key) = validate_list_options(&prefix, options)?;
        let paging = options.limit > 0;
        let range_end = prefix_end(prefix.as_bytes());
        let mut start: Bytes = match &continue_key {
            Some(key) => Bytes::from(key.clone()),
            None => Bytes::from(prefix.clone()),
        };
        let mut page = options.limit;
        let mut items = Vec::new();
        let mut last_key: Option<Bytes> = None;
        let mut has_more;
        let mut count;
        let mut first = true;
        loop {
            let request = RangeRequest::new(KeyRange::between(start.clone(), range_end.clone()))
                .limit(page)
                .at(revision);
            let response = match self.kv.range(request).await {
                Ok(response) => response,
                Err(err) => {
                    return Err(self
                        .list_error(err, revision, &options.continue_token, &start, &prefix)
                        .await);
                }
            };
            if first {
                first = false;
                if revision == 0 {
                    validate_minimum_resource_version(
                        Some(options.resource_version.as_str()),
                        response.revision,
                    )?;
                    revision = response.revision;
                }
            }
            count = response.count;
            let chunk_more = (response.kvs.len() as i64) < response.count;
            let mut limit_reached = false;
            for kv in &response.kvs {
                if paging && items.len() as i64 >= options.limit {
                    limit_reached = true;
                    break;
                }
                last_key = Some(kv.key.clone());
                let object = self.decode(kv)?;
                if options.selection.matches(object.value()) {
                    items.push(object);
                }
            }
            has_more = chunk_more || limit_reached;
            if limit_reached || !chunk_more || (paging && items.len() as i64 >= options.limit) {
                break;
            }
            let Some(last) = response.kvs.last() else {
                break;
            };
            let mut next = last.key.to_vec();
            next.push(0);
            start = Bytes::from(next);
            if page > 0 && page < MAX_PAGE {
                // Filtering left the page short: ask for more at once next time.
                page = (page * 2).min(MAX_PAGE);
            }
        }
        let mut list = ObjectList {
            items,
            resource_version: revision,
            continue_token: None,
            remaining_item_count: None,
        };
        if has_more && let Some(last) = last_key {
            let mut next = String::from_utf8_lossy(&last).into_owned();
            next.push('\0');
            let token = encode_continue(&next, &prefix, revision)
                .map_err(|err| StorageError::BadRequest(err.to_string()))?;
            list.continue_token = Some(token);
            if options.selection.is_everything() {
                list.remaining_item_count = Some(count - options.limit);
            }
        }
        Ok(list)
    }

    /// Upstream's `listReadError` / `interpretListError`.
    async fn list_error(
        &self,
        err: KvError,
        revision: Revision,
        continue_token: &str,
        start: &Bytes,
        prefix: &str,
    ) -> StorageError {
        match err {
            KvError::FutureRevision { current, .. } => StorageError::TooLargeResourceVersion {
                minimum: revision,
                current: if current > 0 {
                    current
                } else {
                    self.kv.current_revision().await.unwrap_or(0)
                },
                retry_after_seconds: 0,
            },
            KvError::Compacted { .. } if !continue_token.is_empty() => {
                // Upstream hands out a token at revision -1: "continue at the latest revision".
                let key = String::from_utf8_lossy(start).into_owned();
                match encode_continue(&key, prefix, -1) {
                    Ok(token) => StorageError::Expired {
                        message: INCONSISTENT_CONTINUE.to_string(),
                        continue_token: Some(token),
                    },
                    Err(_) => StorageError::Expired {
                        message: CONTINUE_EXPIRED.to_string(),
                        continue_token: None,
                    },
                }
            }
            KvError::Compacted { .. } => StorageError::Expired {
                message: EXPIRED.to_string(),
                continue_token: None,
            },
            other => StorageError::Kv(other),
        }
    }
}

/// Upstream's `ValidateListOptions`: the revision to read at (0: latest) and the key to start
/// from when continuing.
fn validate_list_options(
    prefix: &str,
    options: &ListOptions,
) -> Result<(Revision, Option<String>), StorageError> {
    if !options.continue_token.is_empty() {
        let (key, revision) = decode_continue(&options.continue_token, prefix)
            .map_err(|err| StorageError::BadRequest(format!("invalid continue token: {err}")))?;
        if !options.resource_version.is_empty() && options.resource_version != "0" {
            return Err(StorageError::BadRequest(
                "specifying resource version is not allowed when using continue".to_string(),
            ));
        }
        return Ok((revision.max(0), Some(key)));
    }
    if options.resource_version.is_empty() {
        return Ok((0, None));
    }
    let parsed = parse_resource_version(&options.resource_version)?;
    let revision = match options.resource_version_match {
        ResourceVersionMatch::NotOlderThan => 0,
        ResourceVersionMatch::Exact => parsed,
        ResourceVersionMatch::Unset if options.limit > 0 && parsed > 0 => parsed,
        ResourceVersionMatch::Unset => 0,
    };
    Ok((revision, None))
}
