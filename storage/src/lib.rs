//! ironkube's storage: all cluster state goes through this crate, and only the API server uses it.
//!
//! Layers, bottom up (the contract is `DESIGN.md` §3):
//! - [`kv`]: the [`kv::KvStore`] trait, etcd v3's data model (revisions, compare-and-swap
//!   transactions, watches from a revision, compaction, leases);
//! - two backends: [`etcd`] (a thin adapter over `etcd-client`) and [`embedded`] (the
//!   single-node default: one writer task over redb, group commit, in-process watch);
//! - [`object`]: upstream's etcd3 store semantics for Kubernetes objects (key layout,
//!   `resourceVersion` = `mod_revision`, preconditions, paginated lists with continue tokens,
//!   watches with selector transitions, bookmarks, watch-list), and the compactor;
//! - [`cache`]: the watch cache in front of either backend.
//!
//! What it leaves to others: decoding, defaulting and validating objects (the API server's
//! strategies), and the mapping of [`object::StorageError`] to `metav1.Status` at the HTTP edge
//! (its `status()` gives the Status; the API server only writes it).

pub mod cache;
pub mod compactor;
pub mod embedded;
pub mod etcd;
pub mod kv;
pub mod object;
mod task;

#[cfg(feature = "testing")]
pub mod testing;

pub use kv::{KvError, KvStore};
