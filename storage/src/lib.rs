//! ironkube's storage: all cluster state goes through this crate, and only the API server uses it.
//!
//! Layers, bottom up (the contract is `DESIGN.md` §3):
//! - [`kv`]: the [`kv::KvStore`] trait, etcd v3's data model (revisions, compare-and-swap
//!   transactions, watches from a revision, compaction, leases);
//! - two backends: [`etcd`] (a thin adapter over `etcd-client`) and [`embedded`] (the
//!   single-node default: one writer thread, group commit made durable by a write-ahead log,
//!   state in redb, in-process watch);
//! - [`object`]: upstream's etcd3 store semantics for Kubernetes objects (key layout,
//!   `resourceVersion` = `mod_revision`, preconditions, paginated lists with continue tokens,
//!   watches with selector transitions, bookmarks, watch-list);
//! - [`compactor`]: periodic compaction coordinated among API servers through a CAS key;
//! - [`cache`]: the watch cache in front of either backend;
//! - `testing` (feature `testing`): the storage suite every backend passes, and fresh
//!   backends for tests.
//!
//! What it leaves to others: decoding, defaulting and validating objects (the API server's
//! strategies), and writing `metav1.Status` at the HTTP edge ([`object::StorageError::status`]
//! says which one).

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
