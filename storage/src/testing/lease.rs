//! Leases: grant, attach, keep alive, revoke, expire, and unknown leases.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::kv::{EventKind, KvError, KvStore, LeaseId, Txn, TxnOp};
use crate::testing::support::*;

async fn grant(store: &dyn KvStore, ttl: i64) -> (LeaseId, i64) {
    let grant = within("lease_grant", store.lease_grant(ttl))
        .await
        .unwrap_or_else(|e| panic!("lease_grant({ttl}): {e}"));
    assert_ne!(grant.id, 0, "a lease id is never 0");
    (grant.id, grant.ttl)
}

/// Grant echoes the TTL; a key put with the lease carries it; keep-alive returns the TTL.
pub async fn lease_grant_attach_keep_alive(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let (id, ttl) = grant(s, 30).await;
    assert_eq!(ttl, 30, "the TTL is echoed");
    let (other, _) = grant(s, 30).await;
    assert_ne!(id, other, "lease ids are unique");
    let before = current(s).await;
    assert_eq!(before, 1, "granting leases writes no revision");
    let rev = put_with_lease(s, "l/a", "1", id).await;
    let kv = get(s, "l/a").await.expect("l/a");
    assert_eq!((kv.lease, kv.mod_revision), (id, rev));
    let renewed = within("keep alive", store.lease_keep_alive(id))
        .await
        .expect("keep alive");
    assert_eq!(renewed, 30, "keep-alive returns the TTL");
    assert_eq!(current(s).await, rev, "a keep-alive writes no revision");
}

/// etcd raises TTLs below its minimum (2 s with default timing) and refuses absurd ones.
pub async fn lease_ttl_bounds(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let (_, one) = grant(s, 1).await;
    assert_eq!(one, 2, "a 1 s lease is granted etcd's minimum TTL");
    let (_, zero) = grant(s, 0).await;
    assert_eq!(zero, 2, "a 0 s lease is granted etcd's minimum TTL");
    let (_, two) = grant(s, 2).await;
    assert_eq!(two, 2);
    let (_, negative) = grant(s, -5).await;
    assert_eq!(negative, 2, "a negative TTL is granted etcd's minimum TTL");
    let too_long = 9_000_000_001;
    match within("grant", store.lease_grant(too_long)).await {
        Err(KvError::InvalidTtl(ttl)) => assert_eq!(ttl, too_long),
        other => panic!("a TTL over etcd's MaxLeaseTTL: expected InvalidTtl, got {other:?}"),
    }
}

/// Revoking deletes every attached key in one revision; a watch sees the deletes together.
pub async fn lease_revoke_deletes_keys_in_one_revision(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let (id, _) = grant(s, 60).await;
    put_with_lease(s, "rv/a", "1", id).await;
    put_with_lease(s, "rv/b", "1", id).await;
    put(s, "rv/c", "1").await;
    let before = current(s).await;
    let mut w = watch_prefix(s, "rv/", 0).await;
    within("revoke", store.lease_revoke(id))
        .await
        .expect("revoke");
    assert_eq!(
        current(s).await,
        before + 1,
        "a revoke deleting keys is one revision"
    );
    assert_eq!(pairs(&list(s, "rv/", 0).await.kvs), ["rv/c=1"]);
    let events = collect_events(&mut w, 2).await;
    assert!(
        events
            .iter()
            .all(|e| e.kind == EventKind::Delete && e.kv.mod_revision == before + 1),
        "{}",
        describe_events(&events)
    );
    let mut deleted: Vec<_> = events.iter().map(|e| text(&e.kv.key)).collect();
    deleted.sort();
    assert_eq!(deleted, ["rv/a", "rv/b"]);
    assert!(
        events
            .iter()
            .all(|e| e.prev_kv.as_ref().is_some_and(|p| p.lease == id)),
        "the previous values carry the lease"
    );
    match within("keep alive", store.lease_keep_alive(id)).await {
        Err(KvError::LeaseNotFound(lease)) => assert_eq!(lease, id),
        other => panic!("keep-alive of a revoked lease: expected LeaseNotFound, got {other:?}"),
    }
    // A revoke of a lease without keys writes nothing.
    let (empty, _) = grant(s, 60).await;
    let now = current(s).await;
    within("revoke", store.lease_revoke(empty))
        .await
        .expect("revoke");
    assert_eq!(
        current(s).await,
        now,
        "revoking a lease without keys is not a write"
    );
}

/// An expired lease deletes its keys (one revision, delete events).
pub async fn lease_expiry_deletes_keys(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let (id, ttl) = grant(s, 2).await;
    assert_eq!(ttl, 2);
    put_with_lease(s, "ex/a", "1", id).await;
    put_with_lease(s, "ex/b", "1", id).await;
    let before = current(s).await;
    let mut w = watch_prefix(s, "ex/", 0).await;
    let started = Instant::now();
    while !list(s, "ex/", 0).await.kvs.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "keys of a 2 s lease still there after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "keys went after {:?}, before the TTL",
        started.elapsed()
    );
    let events = collect_events(&mut w, 2).await;
    assert!(
        events
            .iter()
            .all(|e| e.kind == EventKind::Delete && e.kv.mod_revision == before + 1),
        "expiry deletes in one revision: {}",
        describe_events(&events)
    );
    match within("revoke", store.lease_revoke(id)).await {
        Err(KvError::LeaseNotFound(lease)) => assert_eq!(lease, id),
        other => panic!("revoke of an expired lease: expected LeaseNotFound, got {other:?}"),
    }
}

/// A put with an unknown lease fails and writes nothing; keep-alive and revoke of an unknown
/// lease fail.
pub async fn lease_unknown(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    put(s, "u/other", "1").await;
    let before = current(s).await;
    let unknown: LeaseId = 0x1234_5678;
    let t = Txn::new()
        .and_then(TxnOp::put(b("u/plain"), b("1")))
        .and_then(TxnOp::Put {
            key: b("u/leased"),
            value: b("1"),
            lease: unknown,
            prev_kv: false,
        });
    match within("put with unknown lease", store.txn(t)).await {
        Err(KvError::LeaseNotFound(lease)) => assert_eq!(lease, unknown),
        other => panic!("put with an unknown lease: expected LeaseNotFound, got {other:?}"),
    }
    assert_eq!(current(s).await, before, "nothing was written");
    assert!(
        get(s, "u/plain").await.is_none(),
        "not even the txn's other put"
    );
    assert!(get(s, "u/leased").await.is_none());
    match within("keep alive", store.lease_keep_alive(unknown)).await {
        Err(KvError::LeaseNotFound(lease)) => assert_eq!(lease, unknown),
        other => panic!("keep-alive of an unknown lease: expected LeaseNotFound, got {other:?}"),
    }
    match within("revoke", store.lease_revoke(unknown)).await {
        Err(KvError::LeaseNotFound(lease)) => assert_eq!(lease, unknown),
        other => panic!("revoke of an unknown lease: expected LeaseNotFound, got {other:?}"),
    }
}

/// A put without a lease detaches the key from its lease: revoking the lease then leaves it.
pub async fn lease_detached_by_plain_put(store: Arc<dyn KvStore>) {
    let s = store.as_ref();
    let (id, _) = grant(s, 60).await;
    put_with_lease(s, "d/a", "1", id).await;
    put_with_lease(s, "d/b", "1", id).await;
    put(s, "d/a", "2").await;
    assert_eq!(get(s, "d/a").await.expect("d/a").lease, 0, "detached");
    let (other, _) = grant(s, 60).await;
    put_with_lease(s, "d/b", "2", other).await;
    assert_eq!(
        get(s, "d/b").await.expect("d/b").lease,
        other,
        "moved to the other lease"
    );
    let before = current(s).await;
    within("revoke", store.lease_revoke(id))
        .await
        .expect("revoke");
    assert_eq!(
        current(s).await,
        before,
        "no key is attached to the lease any more"
    );
    assert_eq!(pairs(&list(s, "d/", 0).await.kvs), ["d/a=2", "d/b=2"]);
    within("revoke", store.lease_revoke(other))
        .await
        .expect("revoke");
    assert_eq!(pairs(&list(s, "d/", 0).await.kvs), ["d/a=2"]);
    // A deleted key leaves its lease: revoking the lease then deletes nothing.
    let (third, _) = grant(s, 60).await;
    put_with_lease(s, "d/c", "1", third).await;
    delete(s, "d/c").await;
    put(s, "d/c", "plain").await;
    let before = current(s).await;
    within("revoke", store.lease_revoke(third))
        .await
        .expect("revoke");
    assert_eq!(
        current(s).await,
        before,
        "the recreated key is not attached"
    );
    assert_eq!(get(s, "d/c").await.expect("d/c").value, b("plain"));
}
