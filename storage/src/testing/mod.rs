//! The shared storage suite: test functions that take any [`crate::KvStore`].
//!
//! Every case is `pub async fn case(store: Arc<dyn KvStore>)` on a fresh store (nothing written
//! yet) and panics with a message saying what differed. Real etcd is the reference: each case
//! encodes what etcd does, and every backend must pass every case.
//!
//! Run them per backend with [`kv_suite!`](crate::kv_suite), which writes one `#[tokio::test]`
//! per case into a module named after the backend:
//!
//! ```text
//! use ironkube_storage::testing::TestStore;
//! ironkube_storage::kv_suite!(etcd, TestStore::etcd);
//! ```
//!
//! or iterate [`cases`] (for example over several etcd binaries).
//!
//! Modules: [`range`] (reads, revisions), [`txn`] (compares, branches, limits), [`watch`],
//! [`compact`], [`lease`]; [`support`] holds the helpers and [`TestStore`] the backends.

pub mod backends;
pub mod compact;
pub mod lease;
pub mod range;
pub mod support;
pub mod txn;
pub mod watch;

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::kv::KvStore;

pub use backends::TestStore;
pub use compact::*;
pub use lease::*;
pub use range::*;
pub use txn::*;
pub use watch::*;

/// A suite case: takes a fresh store, panics on a difference.
pub type Case = fn(Arc<dyn KvStore>) -> BoxFuture<'static, ()>;

/// Calls `$callback!($($args)*; case, case, …)` with every case's name: the one list of cases.
#[doc(hidden)]
#[macro_export]
macro_rules! __kv_suite_case_list {
    ($callback:ident!($($args:tt)*)) => {
        $crate::$callback! {$($args)*;
            fresh_store_revisions,
            range_single_key,
            range_prefix,
            range_between_and_from_key,
            range_limit_more_count,
            range_at_past_revision,
            range_count_only,
            range_keys_only,
            range_future_revision,
            range_compacted_revision,
            revisions_and_versions,
            txn_compare_mod_revision,
            txn_compare_create_revision,
            txn_compare_version,
            txn_compare_value,
            txn_compare_lease,
            txn_compare_missing_key,
            txn_else_branch_with_ranges,
            txn_success_branch,
            txn_prev_kv,
            txn_delete_ranges,
            txn_delete_nothing_no_bump,
            txn_reads_own_writes,
            txn_read_only_no_bump,
            txn_errors,
            watch_from_past_revision,
            watch_from_zero_sees_only_new_changes,
            watch_filters_by_range,
            watch_txn_events_share_revision,
            watch_without_prev_kv,
            watch_progress_request,
            watch_future_start_revision,
            watch_compacted_start_revision,
            compact_older_reads_fail_newer_work,
            compact_keeps_current_state,
            compact_errors,
            lease_grant_attach_keep_alive,
            lease_ttl_bounds,
            lease_revoke_deletes_keys_in_one_revision,
            lease_expiry_deletes_keys,
            lease_unknown,
            lease_detached_by_plain_put,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kv_suite_tests {
    ($backend:ident, $make:path; $($case:ident),* $(,)?) => {
        #[allow(non_snake_case)]
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = $make().await;
                    $crate::testing::$case(store.store()).await;
                }
            )*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __kv_suite_vec {
    (; $($case:ident),* $(,)?) => {
        vec![
            $((stringify!($case), {
                fn case(
                    store: ::std::sync::Arc<dyn $crate::kv::KvStore>,
                ) -> ::futures::future::BoxFuture<'static, ()> {
                    ::std::boxed::Box::pin($crate::testing::$case(store))
                }
                case as $crate::testing::Case
            })),*
        ]
    };
}

/// Writes a module `$backend` with one `#[tokio::test]` per suite case, each on a fresh store
/// from `$make` (an async fn returning a [`TestStore`]). The calling crate needs `tokio`.
#[macro_export]
macro_rules! kv_suite {
    ($backend:ident, $make:path) => {
        $crate::__kv_suite_case_list!(__kv_suite_tests!($backend, $make));
    };
}

/// Every case with its name, in suite order.
pub fn cases() -> Vec<(&'static str, Case)> {
    crate::__kv_suite_case_list!(__kv_suite_vec!())
}
