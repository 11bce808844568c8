//! Conversions between our [`crate::kv`] types and `etcd-client`'s, and the mapping of etcd's
//! errors to [`KvError`].

use bytes::Bytes;

use crate::kv::{
    Compare, CompareOp, CompareTarget, Event, EventKind, KeyRange, KeyValue, KvError, LeaseId,
    MAX_REQUEST_BYTES, MAX_TXN_OPS, RangeRequest, RangeResponse, Revision, Txn, TxnOp,
    TxnOpResponse, TxnResponse,
};

/// gRPC status code `DEADLINE_EXCEEDED`.
const GRPC_DEADLINE_EXCEEDED: i32 = 4;
/// gRPC status code `UNAVAILABLE`.
const GRPC_CANCELLED: i32 = 1;
const GRPC_UNAVAILABLE: i32 = 14;

/// What a request was about, to fill the numbers of the error it may get.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ErrorContext {
    /// The revision asked for (range, watch, compact).
    pub(super) revision: Revision,
    /// The lease asked for (lease calls, puts with a lease).
    pub(super) lease: LeaseId,
    /// The TTL asked for (grant).
    pub(super) ttl: i64,
}

/// An etcd KeyValue as ours (moves the key and value, no copy).
pub(super) fn key_value(kv: etcd_client::KeyValue) -> KeyValue {
    let create_revision = kv.create_revision();
    let mod_revision = kv.mod_revision();
    let version = kv.version();
    let lease = kv.lease();
    let (key, value) = kv.into_key_value();
    KeyValue {
        key: Bytes::from(key),
        value: Bytes::from(value),
        create_revision,
        mod_revision,
        version,
        lease,
    }
}

/// An etcd KeyValue as ours, copying.
pub(super) fn key_value_ref(kv: &etcd_client::KeyValue) -> KeyValue {
    KeyValue {
        key: Bytes::copy_from_slice(kv.key()),
        value: Bytes::copy_from_slice(kv.value()),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        version: kv.version(),
        lease: kv.lease(),
    }
}

/// An etcd watch event as ours; `None` for an event without a key (never sent by etcd).
pub(super) fn event(event: &etcd_client::Event) -> Option<Event> {
    let kind = match event.event_type() {
        etcd_client::EventType::Put => EventKind::Put,
        etcd_client::EventType::Delete => EventKind::Delete,
    };
    Some(Event {
        kind,
        kv: key_value_ref(event.kv()?),
        prev_kv: event.prev_kv().map(key_value_ref),
    })
}

/// The `GetOptions` of a range request (the start key is passed separately).
pub(super) fn get_options(request: &RangeRequest) -> etcd_client::GetOptions {
    let mut options = etcd_client::GetOptions::new();
    if let Some(end) = &request.range.end {
        options = options.with_range(end.to_vec());
    }
    if request.limit > 0 {
        options = options.with_limit(request.limit);
    }
    if request.revision > 0 {
        options = options.with_revision(request.revision);
    }
    if request.count_only {
        options = options.with_count_only();
    }
    if request.keys_only {
        options = options.with_keys_only();
    }
    options
}

/// A range response as ours; `fallback_revision` when the response has no header (a range
/// inside a transaction).
pub(super) fn range_response(
    mut response: etcd_client::GetResponse,
    fallback_revision: Revision,
) -> RangeResponse {
    let revision = response
        .header()
        .map(|h| h.revision())
        .filter(|r| *r > 0)
        .unwrap_or(fallback_revision);
    let more = response.more();
    let count = response.count();
    let kvs = response.take_kvs().into_iter().map(key_value).collect();
    RangeResponse {
        revision,
        kvs,
        more,
        count,
    }
}

fn compare_op(op: CompareOp) -> etcd_client::CompareOp {
    match op {
        CompareOp::Equal => etcd_client::CompareOp::Equal,
        CompareOp::NotEqual => etcd_client::CompareOp::NotEqual,
        CompareOp::Greater => etcd_client::CompareOp::Greater,
        CompareOp::Less => etcd_client::CompareOp::Less,
    }
}

fn compare(compare: &Compare) -> etcd_client::Compare {
    let key = compare.key.to_vec();
    let op = compare_op(compare.op);
    match &compare.target {
        CompareTarget::ModRevision(r) => etcd_client::Compare::mod_revision(key, op, *r),
        CompareTarget::CreateRevision(r) => etcd_client::Compare::create_revision(key, op, *r),
        CompareTarget::Version(v) => etcd_client::Compare::version(key, op, *v),
        CompareTarget::Value(v) => etcd_client::Compare::value(key, op, v.to_vec()),
        CompareTarget::Lease(l) => etcd_client::Compare::lease(key, op, *l),
    }
}

fn txn_op(op: &TxnOp) -> etcd_client::TxnOp {
    match op {
        TxnOp::Put {
            key,
            value,
            lease,
            prev_kv,
        } => {
            let mut options = etcd_client::PutOptions::new().with_lease(*lease);
            if *prev_kv {
                options = options.with_prev_key();
            }
            etcd_client::TxnOp::put(key.to_vec(), value.to_vec(), Some(options))
        }
        TxnOp::Delete { range, prev_kv } => {
            let mut options = etcd_client::DeleteOptions::new();
            if let Some(end) = &range.end {
                options = options.with_range(end.to_vec());
            }
            if *prev_kv {
                options = options.with_prev_key();
            }
            etcd_client::TxnOp::delete(range.start.to_vec(), Some(options))
        }
        TxnOp::Range(request) => {
            etcd_client::TxnOp::get(request.range.start.to_vec(), Some(get_options(request)))
        }
    }
}

/// Our transaction as etcd's.
pub(super) fn txn(txn: &Txn) -> etcd_client::Txn {
    etcd_client::Txn::new()
        .when(txn.compares.iter().map(compare).collect::<Vec<_>>())
        .and_then(txn.success.iter().map(txn_op).collect::<Vec<_>>())
        .or_else(txn.failure.iter().map(txn_op).collect::<Vec<_>>())
}

/// etcd's transaction response as ours.
pub(super) fn txn_response(response: etcd_client::TxnResponse) -> Result<TxnResponse, KvError> {
    let revision = response.header().map_or(0, |h| h.revision());
    let mut responses = Vec::new();
    for op in response.op_responses() {
        responses.push(match op {
            etcd_client::TxnOpResponse::Put(mut put) => TxnOpResponse::Put {
                prev_kv: put.take_prev_key().map(key_value),
            },
            etcd_client::TxnOpResponse::Delete(mut delete) => TxnOpResponse::Delete {
                deleted: delete.deleted(),
                prev_kvs: delete.take_prev_kvs().into_iter().map(key_value).collect(),
            },
            etcd_client::TxnOpResponse::Get(get) => {
                TxnOpResponse::Range(range_response(get, revision))
            }
            etcd_client::TxnOpResponse::Txn(_) => {
                return Err(KvError::Unavailable(
                    "etcd answered a nested transaction we did not send".to_string(),
                ));
            }
        });
    }
    Ok(TxnResponse {
        succeeded: response.succeeded(),
        revision,
        responses,
    })
}

/// The etcd watch options for a range.
pub(super) fn watch_options(range: &KeyRange) -> etcd_client::WatchOptions {
    let options = etcd_client::WatchOptions::new();
    match &range.end {
        Some(end) => options.with_range(end.to_vec()),
        None => options,
    }
}

/// Maps an etcd error to ours. Numbers the error message does not carry are taken from `context`
/// or left at -1 (`Compacted::compacted`, `FutureRevision::current` are filled in afterwards by
/// the caller, see [`super::EtcdStore`]).
pub(super) fn error(err: etcd_client::Error, context: ErrorContext) -> KvError {
    match err {
        etcd_client::Error::GRpcStatus(status) => {
            match status_error(i32::from(status.code()), status.message(), context) {
                Some(mapped) => mapped,
                None => KvError::backend(etcd_client::Error::GRpcStatus(status)),
            }
        }
        etcd_client::Error::LeaseKeepAliveError(message) if message.contains("not found") => {
            KvError::LeaseNotFound(context.lease)
        }
        err @ (etcd_client::Error::TransportError(_)
        | etcd_client::Error::IoError(_)
        | etcd_client::Error::WatchError(_)
        | etcd_client::Error::LeaseKeepAliveError(_)) => KvError::Unavailable(err.to_string()),
        other => KvError::backend(other),
    }
}

/// Maps a gRPC status from etcd by its message (etcd's `rpctypes` errors), or by its code for
/// unavailability; `None` for anything else.
fn status_error(code: i32, message: &str, context: ErrorContext) -> Option<KvError> {
    Some(
        if message.contains("required revision has been compacted") {
            KvError::Compacted {
                requested: context.revision,
                compacted: -1,
            }
        } else if message.contains("required revision is a future revision") {
            KvError::FutureRevision {
                requested: context.revision,
                current: -1,
            }
        } else if message.contains("request is too large") {
            KvError::TooLarge {
                size: 0,
                limit: MAX_REQUEST_BYTES,
            }
        } else if message.contains("too many operations in txn request") {
            KvError::TooManyOps {
                ops: 0,
                limit: MAX_TXN_OPS,
            }
        } else if message.contains("duplicate key given in txn request") {
            KvError::DuplicateKey
        } else if message.contains("key is not provided") {
            KvError::EmptyKey
        } else if message.contains("requested lease not found") {
            KvError::LeaseNotFound(context.lease)
        } else if message.contains("too large lease TTL") {
            KvError::InvalidTtl(context.ttl)
        } else if code == GRPC_UNAVAILABLE
            || code == GRPC_DEADLINE_EXCEEDED
            // We never cancel a call we still wait for: a cancelled one lost its connection
            // (seen when etcd is killed mid-call).
            || code == GRPC_CANCELLED
            || is_transport_failure(message)
        {
            KvError::Unavailable(format!("etcd: {message}"))
        } else {
            return None;
        },
    )
}

/// tonic reports a broken connection (etcd gone, connection reset, h2 GOAWAY) as a status with
/// code `UNKNOWN` or `RESOURCE_EXHAUSTED` and one of these messages.
fn is_transport_failure(message: &str) -> bool {
    message.starts_with("transport error")
        || message.starts_with("h2 protocol error")
        || message.starts_with("error trying to connect")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_etcd_messages() {
        let context = ErrorContext {
            revision: 7,
            lease: 42,
            ttl: 5,
        };
        type Check = fn(&KvError) -> bool;
        let cases: Vec<(i32, &str, Check)> = vec![
            (
                11,
                "etcdserver: mvcc: required revision has been compacted",
                |e| matches!(e, KvError::Compacted { requested: 7, .. }),
            ),
            (
                11,
                "etcdserver: mvcc: required revision is a future revision",
                |e| matches!(e, KvError::FutureRevision { requested: 7, .. }),
            ),
            (3, "etcdserver: request is too large", |e| {
                matches!(e, KvError::TooLarge { .. })
            }),
            (3, "etcdserver: too many operations in txn request", |e| {
                matches!(e, KvError::TooManyOps { .. })
            }),
            (3, "etcdserver: duplicate key given in txn request", |e| {
                matches!(e, KvError::DuplicateKey)
            }),
            (3, "etcdserver: key is not provided", |e| {
                matches!(e, KvError::EmptyKey)
            }),
            (5, "etcdserver: requested lease not found", |e| {
                matches!(e, KvError::LeaseNotFound(42))
            }),
            (11, "etcdserver: too large lease TTL", |e| {
                matches!(e, KvError::InvalidTtl(5))
            }),
            (14, "etcdserver: no leader", |e| {
                matches!(e, KvError::Unavailable(_))
            }),
            (1, "operation was canceled", |e| {
                matches!(e, KvError::Unavailable(_))
            }),
        ];
        for (code, message, check) in cases {
            let mapped = status_error(code, message, context);
            assert!(
                mapped.as_ref().is_some_and(check),
                "{message} mapped to {mapped:?}"
            );
        }
        assert!(status_error(13, "something else", context).is_none());
        for broken in [
            "transport error",
            "h2 protocol error: error reading a body from connection",
        ] {
            assert!(matches!(
                status_error(2, broken, context),
                Some(KvError::Unavailable(_))
            ));
        }
        let keep_alive = etcd_client::Error::LeaseKeepAliveError("lease not found".to_string());
        assert!(matches!(
            error(keep_alive, context),
            KvError::LeaseNotFound(42)
        ));
        let watch = etcd_client::Error::WatchError("channel closed".to_string());
        assert!(matches!(error(watch, context), KvError::Unavailable(_)));
    }
}
