//! Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection`
//! package with its `LeaseLock` does it: the holder renews `renewTime` every retry period; a
//! candidate takes the lease once it has seen the same record unchanged for the lease duration
//! (measured on its own clock, so clocks need not agree); a leader that cannot renew within the
//! renew deadline stops leading. Releasing on shutdown empties the holder so a standby takes
//! over at once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::PostParams;

/// client-go's `JitterFactor` for acquisition retries.
const JITTER_FACTOR: f64 = 1.2;

/// What the lease said when this candidate last saw it change, and when (on our clock).
#[derive(Debug, Clone)]
struct Observed {
    spec: LeaseSpec,
    at: Instant,
}

/// One candidate for one Lease.
pub struct LeaderElector {
    api: Api<Lease>,
    name: String,
    identity: String,
    lease_duration: Duration,
    renew_deadline: Duration,
    retry_period: Duration,
    observed: Mutex<Option<Observed>>,
}

/// The timing of an election (`--leader-elect-*`).
#[derive(Debug, Clone, Copy)]
pub struct ElectionTiming {
    /// How long a lease lasts without renewal.
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew.
    pub renew_deadline: Duration,
    /// The wait between attempts.
    pub retry_period: Duration,
}

impl LeaderElector {
    /// A candidate called `identity` for the Lease `namespace/name`.
    pub fn new(
        client: kube::Client,
        namespace: &str,
        name: &str,
        identity: String,
        timing: ElectionTiming,
    ) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity,
            lease_duration: timing.lease_duration,
            renew_deadline: timing.renew_deadline,
            retry_period: timing.retry_period,
            observed: Mutex::new(None),
        }
    }

    /// This candidate's identity (`<hostname>_<uuid>`, as kube-controller-manager's).
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Returns once this candidate holds the lease.
    pub async fn acquire(&self) {
        loop {
            match self.try_acquire_or_renew().await {
                Ok(true) => {
                    tracing::info!(lease = %self.name, identity = %self.identity, "successfully acquired lease");
                    return;
                }
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(lease = %self.name, %err, "error retrieving resource lock")
                }
            }
            let jitter = 1.0 + fastrand_unit() * (JITTER_FACTOR - 1.0);
            tokio::time::sleep(self.retry_period.mul_f64(jitter)).await;
        }
    }

    /// Renews every retry period; returns when a renewal has failed for the renew deadline,
    /// that is, when this candidate is no longer the leader.
    pub async fn keep_renewing(&self) {
        loop {
            tokio::time::sleep(self.retry_period).await;
            let deadline = Instant::now() + self.renew_deadline;
            loop {
                match self.try_acquire_or_renew().await {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(err) => tracing::warn!(lease = %self.name, %err, "failed to renew lease"),
                }
                if Instant::now() + self.retry_period >= deadline {
                    tracing::error!(lease = %self.name, "failed to renew lease: timed out waiting for the condition");
                    return;
                }
                tokio::time::sleep(self.retry_period).await;
            }
        }
    }

    /// Gives the lease up (client-go's `release`): no holder, a one-second duration.
    pub async fn release(&self) {
        let Ok(mut lease) = self.api.get(&self.name).await else {
            return;
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return;
        }
        let now = MicroTime(Timestamp::now());
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.acquire_time = Some(now.clone());
        spec.renew_time = Some(now);
        if let Err(err) = self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            tracing::warn!(lease = %self.name, %err, "failed to release lease");
        }
    }

    /// One attempt: takes or renews the lease when it is ours or has expired.
    async fn try_acquire_or_renew(&self) -> Result<bool, kube::Error> {
        let now = MicroTime(Timestamp::now());
        let lease_seconds = i32::try_from(self.lease_duration.as_secs()).unwrap_or(i32::MAX);
        let current = match self.api.get_opt(&self.name).await? {
            Some(lease) => lease,
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(LeaseSpec {
                        holder_identity: Some(self.identity.clone()),
                        lease_duration_seconds: Some(lease_seconds),
                        acquire_time: Some(now.clone()),
                        renew_time: Some(now),
                        lease_transitions: Some(0),
                        ..LeaseSpec::default()
                    }),
                };
                return match self.api.create(&PostParams::default(), &lease).await {
                    Ok(created) => {
                        self.observe(created.spec.unwrap_or_default());
                        Ok(true)
                    }
                    Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
                    Err(err) => Err(err),
                };
            }
        };
        let spec = current.spec.clone().unwrap_or_default();
        let observed_at = self.observe(spec.clone());
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let ours = holder == self.identity;
        let held_for = Duration::from_secs(
            u64::try_from(spec.lease_duration_seconds.unwrap_or(0)).unwrap_or(0),
        );
        if !holder.is_empty() && !ours && observed_at + held_for > Instant::now() {
            return Ok(false);
        }
        let mut lease = current;
        let new_spec = LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(lease_seconds),
            acquire_time: if ours {
                spec.acquire_time.clone()
            } else {
                Some(now.clone())
            },
            renew_time: Some(now),
            lease_transitions: Some(if ours {
                spec.lease_transitions.unwrap_or(0)
            } else {
                spec.lease_transitions.unwrap_or(0) + 1
            }),
            ..spec
        };
        lease.spec = Some(new_spec);
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(updated) => {
                self.observe(updated.spec.unwrap_or_default());
                Ok(true)
            }
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Records `spec` when it differs from what was seen last; returns when the current
    /// record was first seen.
    fn observe(&self, spec: LeaseSpec) -> Instant {
        let Ok(mut observed) = self.observed.lock() else {
            return Instant::now();
        };
        match observed.as_ref() {
            Some(seen) if seen.spec == spec => seen.at,
            _ => {
                let at = Instant::now();
                *observed = Some(Observed { spec, at });
                at
            }
        }
    }
}

/// A number in [0, 1) for jitter.
fn fastrand_unit() -> f64 {
    fastrand::f64()
}
