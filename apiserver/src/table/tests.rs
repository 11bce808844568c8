//! Tests of the table printers: golden cases from upstream's own code
//! (`testdata/table-gen`, see its `main.go`), and unit tests of the pod status logic, ages and
//! quantities.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::format::{human_duration, parse_rfc3339};
use super::pod::summarize;
use super::{cells, columns, list_rows, row_conditions};
use ironkube_apimachinery::quantity::canonical;

/// `testdata/tables.json`, written by `testdata/table-gen`.
#[derive(Deserialize)]
struct Golden {
    /// The instant the objects' timestamps were written relative to.
    now: String,
    /// Objects (or lists) and the Table upstream made of them.
    cases: Vec<GoldenCase>,
    /// `duration.HumanDuration` results.
    durations: Vec<GoldenDuration>,
    /// `resource.ParseQuantity(in).String()` results.
    quantities: Vec<GoldenQuantity>,
}

/// One object or list and its Table.
#[derive(Deserialize)]
struct GoldenCase {
    /// What the case shows.
    name: String,
    /// The object's API group.
    group: String,
    /// The object's version.
    version: String,
    /// The object's kind (of the items, for a list).
    kind: String,
    /// The object, defaulted as a server stores it.
    #[serde(default)]
    object: Option<Value>,
    /// The items, for a list case.
    #[serde(default)]
    items: Vec<Value>,
    /// The Table's `columnDefinitions`.
    columns: Vec<Value>,
    /// The Table's rows, without their objects.
    rows: Vec<GoldenRow>,
}

/// A row of a golden Table.
#[derive(Deserialize)]
struct GoldenRow {
    /// The cells.
    cells: Vec<Value>,
    /// The conditions, when upstream set any.
    #[serde(default)]
    conditions: Option<Value>,
}

/// A duration and how upstream prints it.
#[derive(Deserialize)]
struct GoldenDuration {
    /// Nanoseconds.
    nanos: i64,
    /// `duration.HumanDuration`.
    human: String,
}

/// A quantity string and its `String()`.
#[derive(Deserialize)]
struct GoldenQuantity {
    /// The input.
    #[serde(rename = "in")]
    input: String,
    /// What `String()` gives.
    #[serde(default)]
    out: String,
    /// Whether `ParseQuantity` rejects the input.
    #[serde(default)]
    error: bool,
}

fn golden() -> Golden {
    serde_json::from_str(include_str!("../../testdata/tables.json")).unwrap()
}

fn time(text: &str) -> OffsetDateTime {
    parse_rfc3339(text).unwrap()
}

#[test]
fn golden_tables_match_upstream() {
    let golden = golden();
    let now = time(&golden.now);
    let mut failures = Vec::new();
    let mut kinds = BTreeSet::new();
    for case in &golden.cases {
        kinds.insert((case.group.as_str(), case.kind.as_str()));
        let got_columns: Vec<Value> = columns(&case.group, &case.kind)
            .iter()
            .map(super::Column::to_json)
            .collect();
        if got_columns != case.columns {
            failures.push(format!("{}: columns differ", case.name));
        }
        let got_rows: Vec<(Vec<Value>, Option<Value>)> = match &case.object {
            Some(object) => vec![(
                cells(&case.group, &case.version, &case.kind, object, now),
                row_conditions(&case.group, &case.kind, object),
            )],
            None => list_rows(&case.group, &case.version, &case.kind, &case.items, now)
                .into_iter()
                .map(|row| (row.cells, row.conditions))
                .collect(),
        };
        let want_rows: Vec<(Vec<Value>, Option<Value>)> = case
            .rows
            .iter()
            .map(|row| (row.cells.clone(), row.conditions.clone()))
            .collect();
        if got_rows != want_rows {
            failures.push(format!(
                "{}:\n  got  {}\n  want {}",
                case.name,
                json!(got_rows),
                json!(want_rows)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        golden.cases.len(),
        failures.join("\n")
    );
    // Every kind upstream prints has at least one case.
    assert!(kinds.len() >= 74, "only {} kinds covered", kinds.len());
}

#[test]
fn golden_durations_match_upstream() {
    for case in golden().durations {
        assert_eq!(human_duration(case.nanos), case.human, "{} ns", case.nanos);
    }
}

#[test]
fn golden_quantities_match_upstream() {
    for case in golden().quantities {
        let parsed = canonical(&case.input);
        if case.error {
            assert!(parsed.is_err(), "{:?} should not parse", case.input);
        } else {
            let parsed = parsed.unwrap_or_else(|e| panic!("{:?} should parse: {e}", case.input));
            assert_eq!(parsed, case.out, "{:?}", case.input);
        }
    }
}

#[test]
fn columns_serialize_every_field() {
    let pod = columns("", "Pod");
    assert_eq!(pod.len(), 9);
    assert_eq!(
        pod[1].to_json(),
        json!({
            "name": "Ready",
            "type": "string",
            "format": "",
            "description": "The aggregate readiness state of this pod for accepting traffic.",
            "priority": 0,
        })
    );
    assert_eq!(pod[5].priority, 1);
    // Kinds without a printer get the default convertor's columns.
    let default: Vec<&str> = columns("example.com", "Widget")
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(default, ["Name", "Created At"]);
    assert_eq!(
        columns("rbac.authorization.k8s.io", "Role")[1].type_,
        "date"
    );
}

#[test]
fn default_cells_are_name_and_rfc3339_creation() {
    let now = time("2026-01-01T00:00:00Z");
    let object =
        json!({"metadata": {"name": "x", "creationTimestamp": "2025-06-01T10:20:30+02:00"}});
    assert_eq!(
        cells("example.com", "v1", "Widget", &object, now),
        [json!("x"), json!("2025-06-01T08:20:30Z")]
    );
    let bare = json!({"metadata": {"name": "y"}});
    assert_eq!(
        cells("example.com", "v1", "Widget", &bare, now),
        [json!("y"), json!("0001-01-01T00:00:00Z")]
    );
}

/// A pod with the given spec and status.
fn pod(spec: Value, status: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec, "status": status})
}

#[test]
fn pod_ready_counts_sidecars_that_started() {
    let summary = summarize(&pod(
        json!({
            "initContainers": [{"name": "proxy", "restartPolicy": "Always"}, {"name": "setup"}],
            "containers": [{"name": "a"}, {"name": "b"}],
        }),
        json!({
            "phase": "Running",
            "initContainerStatuses": [
                {"name": "proxy", "started": true, "ready": true, "state": {"running": {}}},
                {"name": "setup", "state": {"terminated": {"exitCode": 0}}},
            ],
            "containerStatuses": [
                {"name": "a", "ready": true, "state": {"running": {}}},
                {"name": "b", "ready": false, "state": {"running": {}}},
            ],
        }),
    ));
    assert_eq!((summary.ready, summary.total), (2, 3));
    assert_eq!(summary.reason, "Running");
}

#[test]
fn pod_status_prefers_the_first_failing_init_container() {
    let spec = json!({
        "initContainers": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "containers": [{"name": "x"}],
    });
    let status = |b: Value| {
        json!({"phase": "Pending", "initContainerStatuses": [
            {"name": "a", "state": {"terminated": {"exitCode": 0}}},
            b,
            {"name": "c", "state": {"waiting": {"reason": "ErrImagePull"}}},
        ]})
    };
    let reason = |b: Value| summarize(&pod(spec.clone(), status(b))).reason;
    assert_eq!(
        reason(json!({"name": "b", "state": {"running": {}}})),
        "Init:1/3"
    );
    assert_eq!(
        reason(json!({"name": "b", "state": {"waiting": {"reason": "PodInitializing"}}})),
        "Init:1/3"
    );
    assert_eq!(
        reason(json!({"name": "b", "state": {"waiting": {"reason": "CrashLoopBackOff"}}})),
        "Init:CrashLoopBackOff"
    );
    assert_eq!(
        reason(json!({"name": "b", "state": {"terminated": {"exitCode": 2}}})),
        "Init:ExitCode:2"
    );
    assert_eq!(
        reason(json!({"name": "b", "state": {"terminated": {"exitCode": 2, "signal": 9}}})),
        "Init:Signal:9"
    );
    assert_eq!(
        reason(json!({"name": "b", "state": {"terminated": {"exitCode": 2, "reason": "Error"}}})),
        "Init:Error"
    );
}

#[test]
fn pod_status_of_containers_is_decided_by_the_first_one() {
    // Containers are walked from last to first, so the first container's state wins.
    let summary = summarize(&pod(
        json!({"containers": [{"name": "a"}, {"name": "b"}]}),
        json!({"phase": "Running", "containerStatuses": [
            {"name": "a", "state": {"waiting": {"reason": "ImagePullBackOff"}}},
            {"name": "b", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        ]}),
    ));
    assert_eq!(summary.reason, "ImagePullBackOff");
}

#[test]
fn completed_pods_with_running_containers() {
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    let statuses = json!([
        {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "b", "ready": true, "state": {"running": {}}},
    ]);
    let with_ready = pod(
        spec.clone(),
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": statuses}),
    );
    assert_eq!(summarize(&with_ready).reason, "Running");
    let without_ready = pod(
        spec,
        json!({"phase": "Running", "containerStatuses": statuses}),
    );
    assert_eq!(summarize(&without_ready).reason, "NotReady");
}

#[test]
fn deleted_pods_are_terminating_unless_finished_or_lost() {
    let deleting = |status: Value| {
        json!({
            "metadata": {"name": "p", "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": []},
            "status": status,
        })
    };
    assert_eq!(
        summarize(&deleting(json!({"phase": "Running"}))).reason,
        "Terminating"
    );
    assert_eq!(
        summarize(&deleting(json!({"phase": "Succeeded"}))).reason,
        "Succeeded"
    );
    assert_eq!(
        summarize(&deleting(json!({"phase": "Running", "reason": "NodeLost"}))).reason,
        "Unknown"
    );
}

#[test]
fn pod_restarts_say_when_the_last_one_was() {
    let now = time("2026-01-01T12:00:00Z");
    let object = pod(
        json!({"containers": [{"name": "a"}, {"name": "b"}]}),
        json!({"phase": "Running", "containerStatuses": [
            {"name": "a", "restartCount": 2, "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-01-01T11:55:00Z"}}},
            {"name": "b", "restartCount": 1, "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-01-01T10:00:00Z"}}},
        ]}),
    );
    assert_eq!(cells("", "v1", "Pod", &object, now)[3], json!("3 (5m ago)"));
    // Without a finish time only the count is known.
    let unknown = pod(
        json!({"containers": [{"name": "a"}]}),
        json!({"phase": "Running", "containerStatuses": [{"name": "a", "restartCount": 4, "state": {"running": {}}}]}),
    );
    assert_eq!(cells("", "v1", "Pod", &unknown, now)[3], json!("4"));
}

#[test]
fn finished_pods_get_a_completed_row_condition() {
    let succeeded = pod(json!({}), json!({"phase": "Succeeded"}));
    assert_eq!(
        row_conditions("", "Pod", &succeeded),
        Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
        )
    );
    let running = pod(json!({}), json!({"phase": "Running"}));
    assert_eq!(row_conditions("", "Pod", &running), None);
    assert_eq!(row_conditions("apps", "Deployment", &succeeded), None);
}

#[test]
fn human_durations() {
    let s = 1_000_000_000i64;
    let cases = [
        (-2 * s, "<invalid>"),
        (-s, "0s"),
        (0, "0s"),
        (119 * s, "119s"),
        (310 * s, "5m10s"),
        (300 * s, "5m"),
        (179 * 60 * s, "179m"),
        (3 * 3600 * s, "3h"),
        (3 * 3600 * s + 20 * 60 * s, "3h20m"),
        (47 * 3600 * s, "47h"),
        (53 * 3600 * s, "2d5h"),
        (400 * 86400 * s, "400d"),
        ((3 * 365 + 10) * 86400 * s, "3y10d"),
        (i64::MAX, "292y"),
    ];
    for (nanos, want) in cases {
        assert_eq!(human_duration(nanos), want, "{nanos}");
    }
}

#[test]
fn ages_of_missing_and_future_timestamps() {
    let now = time("2026-01-01T00:00:00Z");
    let namespace = |created: Value| {
        json!({
            "metadata": {"name": "n", "creationTimestamp": created},
            "status": {"phase": "Active"},
        })
    };
    let age = |created: Value| cells("", "v1", "Namespace", &namespace(created), now)[2].clone();
    assert_eq!(age(Value::Null), json!("<unknown>"));
    assert_eq!(age(json!("0001-01-01T00:00:00Z")), json!("<unknown>"));
    assert_eq!(age(json!("2026-01-01T00:00:01Z")), json!("0s"));
    assert_eq!(age(json!("2026-01-01T01:00:00Z")), json!("<invalid>"));
    assert_eq!(age(json!("2025-12-31T23:54:50.5Z")), json!("5m9s"));
}

#[test]
fn quantities_print_canonically() {
    let cases = [
        ("1.5Gi", "1536Mi"),
        ("0.5", "500m"),
        ("1000m", "1"),
        ("1024Mi", "1Gi"),
        ("5Gi", "5Gi"),
        ("+5Gi", "+5Gi"),
        ("0.1n", "1n"),
        ("1e3", "1e3"),
        ("1.5e3", "1500"),
    ];
    for (input, want) in cases {
        assert_eq!(canonical(input).ok(), Some(want.to_owned()), "{input}");
    }
    assert!(canonical("1Z").is_err());
}
