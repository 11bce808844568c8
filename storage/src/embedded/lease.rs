//! Lease bookkeeping of the writer: TTL rules as etcd's, ids, and the deadlines of live leases.
//!
//! The `leases` table is the truth about which leases exist (the writer checks it inside its
//! write transaction, so a revoke earlier in the same batch is seen). Deadlines are not durable,
//! as in etcd: they live here, in a map and a min-heap the writer loop sleeps on (one timer for
//! all leases, not a task per lease), and every lease is renewed to its full TTL when the store
//! opens, as etcd does when a new leader takes over.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use crate::kv::{KvError, LeaseId};

/// etcd's smallest TTL with its default election timeout (`ceil(1.5 × election ticks ×
/// heartbeat)` = 2 s): shorter requests are granted this.
pub(crate) const MIN_TTL: i64 = 2;
/// etcd's `MaxLeaseTTL`: longer requests are refused.
pub(crate) const MAX_TTL: i64 = 9_000_000_000;

/// The TTL a grant of `requested` seconds gets, as etcd decides it.
pub(crate) fn granted_ttl(requested: i64) -> Result<i64, KvError> {
    if requested > MAX_TTL {
        return Err(KvError::InvalidTtl(requested));
    }
    Ok(requested.max(MIN_TTL))
}

/// Live leases' TTLs and deadlines.
pub(crate) struct Deadlines {
    leases: HashMap<LeaseId, (i64, Option<Instant>)>,
    heap: BinaryHeap<Reverse<(Instant, LeaseId)>>,
    next_id: LeaseId,
}

impl Deadlines {
    /// Deadlines for the given leases, each renewed to its full TTL from `now`.
    pub(crate) fn new(leases: impl IntoIterator<Item = (LeaseId, i64)>, now: Instant) -> Self {
        let mut this = Self {
            leases: HashMap::new(),
            heap: BinaryHeap::new(),
            // Ids look like etcd's: large, positive, increasing from a random start.
            next_id: rand::random_range(1i64 << 40..1i64 << 62),
        };
        for (id, ttl) in leases {
            this.renew(id, ttl, now);
        }
        this
    }

    /// An id for a new lease: positive, never 0, not `taken`.
    pub(crate) fn next_id(
        &mut self,
        mut taken: impl FnMut(LeaseId) -> Result<bool, KvError>,
    ) -> Result<LeaseId, KvError> {
        loop {
            let id = self.next_id;
            self.next_id = if id >= i64::MAX - 1 { 1 } else { id + 1 };
            if id > 0 && !self.leases.contains_key(&id) && !taken(id)? {
                return Ok(id);
            }
        }
    }

    /// Starts or renews a lease: it expires `ttl` seconds from `now`.
    pub(crate) fn renew(&mut self, id: LeaseId, ttl: i64, now: Instant) {
        let seconds = u64::try_from(ttl).unwrap_or(0);
        let deadline = now.checked_add(Duration::from_secs(seconds));
        self.leases.insert(id, (ttl, deadline));
        if let Some(deadline) = deadline {
            self.heap.push(Reverse((deadline, id)));
        }
        // Renewals leave stale entries behind; rebuild before they outnumber the live ones.
        if self.heap.len() > 2 * self.leases.len() + 64 {
            self.heap = self
                .leases
                .iter()
                .filter_map(|(id, (_, deadline))| deadline.map(|d| Reverse((d, *id))))
                .collect();
        }
    }

    /// Forgets a revoked or expired lease.
    pub(crate) fn remove(&mut self, id: LeaseId) {
        self.leases.remove(&id);
    }

    /// The earliest deadline of a live lease.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, id))) = self.heap.peek().copied() {
            if self.is_current(id, deadline) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// The leases whose deadline is at or before `now`, earliest first (they stay here until
    /// [`Deadlines::remove`]d, so a failed revoke is retried).
    pub(crate) fn expired(&mut self, now: Instant) -> Vec<LeaseId> {
        let mut expired = Vec::new();
        let mut keep = Vec::new();
        while let Some(Reverse((deadline, id))) = self.heap.peek().copied() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            if self.is_current(id, deadline) {
                expired.push(id);
                keep.push(Reverse((deadline, id)));
            }
        }
        self.heap.extend(keep);
        expired
    }

    fn is_current(&self, id: LeaseId, deadline: Instant) -> bool {
        self.leases.get(&id).and_then(|(_, d)| *d) == Some(deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_as_etcd_grants_them() {
        assert_eq!(granted_ttl(0).ok(), Some(2));
        assert_eq!(granted_ttl(-5).ok(), Some(2));
        assert_eq!(granted_ttl(1).ok(), Some(2));
        assert_eq!(granted_ttl(60).ok(), Some(60));
        assert_eq!(granted_ttl(MAX_TTL).ok(), Some(MAX_TTL));
        assert!(matches!(
            granted_ttl(MAX_TTL + 1),
            Err(KvError::InvalidTtl(_))
        ));
    }

    #[test]
    fn deadlines_expire_in_order_and_renewals_postpone() {
        let now = Instant::now();
        let mut deadlines = Deadlines::new([(1, 10), (2, 5), (3, 20)], now);
        assert_eq!(
            deadlines.next_deadline(),
            Some(now + Duration::from_secs(5))
        );
        deadlines.renew(2, 5, now + Duration::from_secs(8));
        assert_eq!(
            deadlines.next_deadline(),
            Some(now + Duration::from_secs(10))
        );
        assert_eq!(
            deadlines.expired(now + Duration::from_secs(9)),
            Vec::<LeaseId>::new()
        );
        assert_eq!(deadlines.expired(now + Duration::from_secs(14)), vec![1, 2]);
        // Not removed yet: still reported.
        assert_eq!(deadlines.expired(now + Duration::from_secs(14)), vec![1, 2]);
        deadlines.remove(1);
        deadlines.remove(2);
        assert_eq!(
            deadlines.next_deadline(),
            Some(now + Duration::from_secs(20))
        );
    }

    #[test]
    fn huge_ttls_never_expire_and_do_not_overflow() {
        let now = Instant::now();
        let mut deadlines = Deadlines::new([(7, i64::MAX)], now);
        assert!(deadlines.leases.contains_key(&7));
        assert_eq!(deadlines.next_deadline(), None);
        assert!(
            deadlines
                .expired(now + Duration::from_secs(86_400))
                .is_empty()
        );
    }

    #[test]
    fn ids_are_positive_and_skip_taken_ones() {
        let mut deadlines = Deadlines::new([], Instant::now());
        let first = deadlines.next_id(|_| Ok(false)).ok();
        assert!(first.is_some_and(|id| id > 0));
        let mut skipped = 0;
        let second = deadlines
            .next_id(|_| {
                skipped += 1;
                Ok(skipped < 3)
            })
            .ok();
        assert!(second.is_some_and(|id| id > 0 && Some(id) != first));
        assert_eq!(skipped, 3);
    }

    #[test]
    fn stale_heap_entries_are_bounded() {
        let now = Instant::now();
        let mut deadlines = Deadlines::new([(1, 10)], now);
        for i in 0..10_000u64 {
            deadlines.renew(1, 10, now + Duration::from_millis(i));
        }
        assert!(deadlines.heap.len() <= 2 + 64 + 1);
        assert_eq!(
            deadlines.next_deadline(),
            Some(now + Duration::from_millis(9_999) + Duration::from_secs(10))
        );
    }
}
