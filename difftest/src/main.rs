//! `difftest`: the differential test. It sends the same scripted HTTP requests to upstream
//! kube-apiserver v1.37.2 and to ironkube, both running on one etcd under their own key prefixes,
//! and compares the responses after normalising what legitimately differs (uids, timestamps,
//! resourceVersions, continue tokens, generated names, allocated cluster IPs and node ports,
//! table ages, the random suffix of upstream's service-account token volume).
//!
//! ```text
//! export CARGO_TARGET_DIR=/work/target-diff        # any target dir
//! cargo build -p ironkube -p ironkube-difftest
//! $CARGO_TARGET_DIR/debug/difftest [--cases difftest/cases] [--only SUBSTRING] \
//!     [--upstream-bin PATH] [--ironkube-bin PATH] [--etcd-bin PATH] \
//!     [--ironkube-flag=--flag=value ...] [--upstream-flag=--flag=value ...] \
//!     [--ignore-managed-fields] [--keep-dir] [--fail-on-diff | --known FILE]
//! ```
//!
//! - Without `--upstream-bin` it runs `testutil/upstream/build.sh`, which builds kube-apiserver
//!   from Go modules once (minutes) and afterwards only prints the cached path.
//! - Without `--ironkube-bin` it runs the `ironkube` beside its own binary (same target dir).
//! - etcd: `--etcd-bin`, else the 3.6 binary `testutil/etcd-versions.sh` caches
//!   (`~/.cache/ironkube/etcd-build/v3.6.16/etcd`) when present, else `$IRONKUBE_ETCD_BIN`, else
//!   `etcd` on `PATH`.
//! - Cases are the `*.yaml` files of `difftest/cases/` in name order; each is a list of requests
//!   (see `cases.rs` for the fields). Cases run in order and build on each other, once against
//!   upstream and once against ironkube, request by request.
//!
//! Output: per case `same`, or `DIFF` with a unified diff from upstream's normalised response
//! (status, Content-Type, Warning headers, body as sorted JSON) to ironkube's; then a count.
//! The exit code is 0 whatever the differences (it reports), 1 with `--fail-on-diff` when any
//! case differs, or with `--known FILE` when the differing cases are not exactly the ones the
//! file lists and explains (`difftest/known-differences.yaml`, as CI runs it), 2 when the
//! harness itself fails (a server does not start, a case file is bad).

mod cases;
mod client;
mod diff;
mod error;
mod normalize;
mod servers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ironkube_testutil::EtcdProcess;

use crate::cases::NamedCase;
use crate::client::{Answer, Endpoint};
use crate::error::DiffError;
use crate::servers::{Certs, ServerKind, ServerProcess};

/// The same scripted requests against upstream kube-apiserver and ironkube, compared.
#[derive(Debug, Parser)]
#[command(name = "difftest", version)]
struct Args {
    /// The directory of case files (`*.yaml`).
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Only cases whose `<file>/<name>` contains this (the others still run, unreported, so
    /// that what a case depends on exists).
    #[arg(long)]
    only: Option<String>,
    /// The kube-apiserver binary (default: built or found by testutil/upstream/build.sh).
    #[arg(long)]
    upstream_bin: Option<PathBuf>,
    /// The ironkube binary (default: `ironkube` beside this binary).
    #[arg(long)]
    ironkube_bin: Option<PathBuf>,
    /// The etcd binary.
    #[arg(long)]
    etcd_bin: Option<PathBuf>,
    /// A flag to add to ironkube's command line (repeatable).
    #[arg(long = "ironkube-flag", allow_hyphen_values = true)]
    ironkube_flags: Vec<String>,
    /// A flag to add to kube-apiserver's command line (repeatable).
    #[arg(long = "upstream-flag", allow_hyphen_values = true)]
    upstream_flags: Vec<String>,
    /// Seconds each server has to answer /readyz with 200.
    #[arg(long, default_value_t = 180)]
    ready_timeout: u64,
    /// Keep the run directory (server logs, certificates) and print its path.
    #[arg(long)]
    keep_dir: bool,
    /// Leave `metadata.managedFields` out of the comparison.
    #[arg(long)]
    ignore_managed_fields: bool,
    /// Exit 1 when any case differs.
    #[arg(long)]
    fail_on_diff: bool,
    /// A YAML file of the differences known and explained (`- {case: <file>/<name>, reason:
    /// ...}`): exit 1 when a case differs that it does not list, or a case it lists no longer
    /// differs (so the list stays true). This is how CI runs the test.
    #[arg(long)]
    known: Option<PathBuf>,
}

/// One explained difference of the `--known` file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownDifference {
    /// `<file>/<name>`.
    case: String,
    /// Why it differs (for the reader; required so that none goes unexplained).
    #[allow(dead_code, reason = "read by people, required by the format")]
    reason: String,
}

/// The outcome of one case.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Equal after normalisation.
    Same,
    /// Different; the unified diff.
    Different(String),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("difftest: starting the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let known = match args.known.as_deref().map(read_known).transpose() {
        Ok(known) => known,
        Err(error) => {
            eprintln!("difftest: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(different) => {
            if let Some(known) = known {
                return if against_known(&different, &known, args.only.as_deref()) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                };
            }
            if !different.is_empty() && args.fail_on_diff {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("difftest: {error}");
            ExitCode::from(2)
        }
    }
}

/// The case ids of a `--known` file.
fn read_known(path: &Path) -> Result<Vec<String>, DiffError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DiffError::io(format!("reading {}", path.display()), e))?;
    let known: Vec<KnownDifference> =
        serde_norway::from_str(&text).map_err(|e| DiffError::Cases {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
    Ok(known.into_iter().map(|k| k.case).collect())
}

/// Prints how the differing cases compare with the known ones (those `only` selects); true
/// when they are the same set.
fn against_known(different: &[String], known: &[String], only: Option<&str>) -> bool {
    let selected = |id: &&String| only.is_none_or(|only| id.contains(only));
    let unexpected: Vec<&String> = different.iter().filter(|id| !known.contains(id)).collect();
    let resolved: Vec<&String> = known
        .iter()
        .filter(selected)
        .filter(|id| !different.contains(id))
        .collect();
    if !unexpected.is_empty() {
        println!(
            "differences not in the known list: {}",
            unexpected
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !resolved.is_empty() {
        println!(
            "known differences that no longer differ (remove them from the list): {}",
            resolved
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if unexpected.is_empty() && resolved.is_empty() {
        println!("every difference is a known one ({})", different.len());
    }
    unexpected.is_empty() && resolved.is_empty()
}

/// The etcd binary to run (see the module header).
fn etcd_binary(given: Option<&Path>) -> PathBuf {
    if let Some(path) = given {
        return path.to_path_buf();
    }
    let cache = std::env::var_os("IRONKUBE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/ironkube")));
    if let Some(cached) = cache.map(|dir| dir.join("etcd-build/v3.6.16/etcd"))
        && cached.is_file()
        && std::env::var_os(ironkube_testutil::ETCD_BIN_ENV).is_none()
    {
        return cached;
    }
    EtcdProcess::default_binary()
}

/// Starts everything, runs the cases, prints; returns how many cases differ.
async fn run(args: &Args) -> Result<Vec<String>, DiffError> {
    let cases_dir = args
        .cases
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"));
    let cases = cases::load(&cases_dir)?;
    let upstream_bin = servers::upstream_binary(args.upstream_bin.as_deref())?;
    let ironkube_bin = servers::ironkube_binary(args.ironkube_bin.as_deref())?;
    let dir = tempfile::Builder::new()
        .prefix("ironkube-difftest-")
        .tempdir()
        .map_err(|e| DiffError::io("creating the run directory", e))?;
    let etcd_bin = etcd_binary(args.etcd_bin.as_deref());
    eprintln!("etcd: {}", etcd_bin.display());
    let etcd = EtcdProcess::start_with(&etcd_bin)?;
    let certs = Certs::generate(dir.path())?;
    let pki = &certs.pki;
    eprintln!("upstream: {}", upstream_bin.display());
    let mut upstream = ServerProcess::spawn(
        ServerKind::Upstream,
        &upstream_bin,
        &[],
        &args.upstream_flags,
        &etcd.endpoint(),
        &certs,
        dir.path(),
    )?;
    eprintln!("ironkube: {}", ironkube_bin.display());
    let mut ironkube = ServerProcess::spawn(
        ServerKind::Ironkube,
        &ironkube_bin,
        &["apiserver"],
        &args.ironkube_flags,
        &etcd.endpoint(),
        &certs,
        dir.path(),
    )?;
    let endpoint = |server: &ServerProcess| {
        Endpoint::new(server.port(), &pki.ca_cert, &pki.admin_cert, &pki.admin_key)
    };
    let upstream_endpoint = endpoint(&upstream)?;
    let ironkube_endpoint = endpoint(&ironkube)?;
    let timeout = Duration::from_secs(args.ready_timeout);
    let (upstream_ready, ironkube_ready) = tokio::join!(
        upstream.wait_ready(&upstream_endpoint, timeout),
        ironkube.wait_ready(&ironkube_endpoint, timeout)
    );
    eprintln!(
        "ready: upstream after {:.1} s, ironkube after {:.1} s",
        upstream_ready?.as_secs_f64(),
        ironkube_ready?.as_secs_f64()
    );
    let differences = run_cases(
        &cases,
        args.only.as_deref(),
        normalize::Options {
            ignore_managed_fields: args.ignore_managed_fields,
        },
        &upstream_endpoint,
        &ironkube_endpoint,
    )
    .await;
    if args.keep_dir {
        let kept = dir.keep();
        eprintln!(
            "kept {} (logs: {}, {})",
            kept.display(),
            upstream.log_path().display(),
            ironkube.log_path().display()
        );
    }
    drop(upstream);
    drop(ironkube);
    drop(etcd);
    Ok(differences)
}

/// Runs every case against both servers and prints each reported one; returns the ids of the
/// reported cases that differ.
async fn run_cases(
    cases: &[NamedCase],
    only: Option<&str>,
    options: normalize::Options,
    upstream: &Endpoint,
    ironkube: &Endpoint,
) -> Vec<String> {
    let mut same = 0;
    let mut different = Vec::new();
    for named in cases {
        let reported = only.is_none_or(|only| named.id.contains(only));
        if named.case.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(named.case.sleep_ms)).await;
        }
        let outcome = match named.case.request() {
            Ok(request) => {
                let upstream_answer = upstream.call(&request).await;
                let ironkube_answer = ironkube.call(&request).await;
                compare(&upstream_answer, &ironkube_answer, options)
            }
            Err(reason) => Outcome::Different(format!("case cannot be sent: {reason}\n")),
        };
        if !reported {
            continue;
        }
        let line = format!(
            "{} {} {}",
            named.case.method.to_ascii_uppercase(),
            named.case.path,
            named.id
        );
        match outcome {
            Outcome::Same => {
                same += 1;
                println!("same  {line}");
            }
            Outcome::Different(diff) => {
                println!("DIFF  {line}\n{diff}");
                different.push(named.id.clone());
            }
        }
    }
    println!(
        "\n{} cases: {same} same, {} different",
        same + different.len(),
        different.len()
    );
    if !different.is_empty() {
        println!("different: {}", different.join(", "));
    }
    different
}

/// Compares two answers (or request failures) after normalisation.
fn compare(
    upstream: &Result<Answer, DiffError>,
    ironkube: &Result<Answer, DiffError>,
    options: normalize::Options,
) -> Outcome {
    let text = |answer: &Result<Answer, DiffError>| match answer {
        Ok(answer) => normalize::snapshot(answer, options),
        Err(error) => format!("request failed: {error}\n"),
    };
    let (old, new) = (text(upstream), text(ironkube));
    match diff::unified("upstream", &old, "ironkube", &new) {
        None => Outcome::Same,
        Some(diff) => Outcome::Different(diff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn answer(status: u16, body: &str) -> Result<Answer, DiffError> {
        Ok(Answer {
            status,
            content_type: "application/json".into(),
            warnings: Vec::new(),
            body: Bytes::from(body.to_string()),
        })
    }

    #[test]
    fn the_known_list_must_match_the_differences_exactly() {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let known = ids(&["a/x", "b/y"]);
        assert!(against_known(&ids(&["a/x", "b/y"]), &known, None));
        assert!(!against_known(&ids(&["a/x", "b/y", "c/z"]), &known, None));
        assert!(!against_known(&ids(&["a/x"]), &known, None));
        // Only the selected known cases must differ.
        assert!(against_known(&ids(&["a/x"]), &known, Some("a/")));
    }

    #[test]
    fn the_shipped_known_list_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("known-differences.yaml");
        let known = read_known(&path).unwrap();
        assert!(!known.is_empty());
    }

    #[test]
    fn answers_equal_after_normalisation_are_the_same() {
        let a = answer(
            200,
            r#"{"metadata":{"uid":"a","resourceVersion":"5"},"x":1}"#,
        );
        let b = answer(
            200,
            r#"{"x":1,"metadata":{"resourceVersion":"9","uid":"b"}}"#,
        );
        assert_eq!(compare(&a, &b, Default::default()), Outcome::Same);
    }

    #[test]
    fn a_status_or_body_difference_is_shown() {
        let Outcome::Different(diff) =
            compare(&answer(200, "{}"), &answer(404, "{}"), Default::default())
        else {
            panic!("expected a difference");
        };
        assert!(diff.contains("-status: 200\n+status: 404"), "{diff}");
        let failed = Err(DiffError::http("GET /", "refused"));
        let Outcome::Different(diff) = compare(&answer(200, "{}"), &failed, Default::default())
        else {
            panic!("expected a difference");
        };
        assert!(diff.contains("+request failed: GET /: refused"), "{diff}");
    }
}
