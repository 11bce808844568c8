//! ironkube's conformance tooling (DESIGN §conformance): the upstream suite, built from Go
//! modules by `conformance/build.sh` (`conformance/suite`), run against a cluster the way
//! sonobuoy runs it ([`run`]), with [`hollow`] nodes standing in for kubelets, and the results
//! read back into a summary and the ledger `conformance/STATUS.md` ([`report`]).

pub mod hollow;
pub mod report;
pub mod run;
