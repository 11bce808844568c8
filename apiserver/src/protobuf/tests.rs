//! Golden tests against upstream: `apiserver/testdata/protobuf.json` is written by
//! `apiserver/testdata/protobuf-gen` (`go run . -golden ../protobuf.json`), which encodes objects
//! of many kinds with upstream's protobuf serializer and records the JSON Go gives for what that
//! decodes to, and the protobuf Go gives for that JSON read back.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::*;

#[derive(Deserialize)]
struct Golden {
    cases: Vec<Case>,
    #[serde(rename = "watchEvents")]
    watch_events: Vec<WatchCase>,
    quantities: Vec<QuantityCase>,
    durations: Vec<DurationCase>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    protobuf: String,
    json: Value,
    #[serde(rename = "protobufFromJson")]
    protobuf_from_json: String,
}

#[derive(Deserialize)]
struct WatchCase {
    name: String,
    protobuf: String,
    json: Value,
}

#[derive(Deserialize)]
struct QuantityCase {
    #[serde(rename = "in")]
    input: String,
    #[serde(default)]
    out: String,
    #[serde(default)]
    err: bool,
}

#[derive(Deserialize)]
struct DurationCase {
    nanos: i64,
    out: String,
}

fn golden() -> Golden {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/protobuf.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn base64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// The first place two JSON values differ, for readable failures.
fn first_difference(path: &str, got: &Value, want: &Value) -> Option<String> {
    match (got, want) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .find_map(|key| match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(&format!("{path}.{key}"), x, y),
                    (x, y) => Some(format!("{path}.{key}: got {x:?}, want {y:?}")),
                })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (x, y))| first_difference(&format!("{path}[{index}]"), x, y)),
        _ if got == want => None,
        _ => Some(format!("{path}: got {got}, want {want}")),
    }
}

#[test]
fn schema_loads_and_every_shaped_message_matches_its_descriptor() {
    let schema = schema().unwrap();
    assert!(
        schema.all_kinds().count() > 700,
        "kinds: {}",
        schema.all_kinds().count()
    );
    let mut unshaped = Vec::new();
    for message in &schema.messages {
        if message.kind != schema::MessageKind::Struct || !message.shaped {
            continue;
        }
        for number in message.proto_fields.keys() {
            if !message
                .json_fields
                .iter()
                .any(|f| f.proto.map(|p| p.number) == Some(*number))
            {
                unshaped.push(format!("{} #{number}", message.name));
            }
        }
    }
    assert!(
        unshaped.is_empty(),
        "descriptor fields without a Go field: {unshaped:?}"
    );
    for (api_version, kind, id) in [
        ("v1", "ConfigMap", "k8s.io.api.core.v1.ConfigMap"),
        ("apps/v1", "Deployment", "k8s.io.api.apps.v1.Deployment"),
        (
            "v1",
            "Status",
            "k8s.io.apimachinery.pkg.apis.meta.v1.Status",
        ),
        (
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
        ),
        (
            "apiregistration.k8s.io/v1",
            "APIService",
            "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService",
        ),
    ] {
        assert_eq!(
            schema.kind(api_version, kind),
            schema.by_name(id),
            "{api_version} {kind}"
        );
        assert!(schema.by_name(id).is_some(), "{id}");
    }
}

/// Every case's protobuf decodes to upstream's JSON; returns the failures.
fn decode_failures(cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        match decode(&base64(&case.protobuf)) {
            Ok(got) => {
                if let Some(difference) = first_difference("", &got, &case.json) {
                    failures.push(format!("{}: {difference}", case.name));
                }
            }
            Err(error) => failures.push(format!("{}: {error}", case.name)),
        }
    }
    failures
}

/// Every case's JSON encodes to upstream's bytes; returns the failures. Embedded JSON
/// (RawExtension) is the one allowed difference: Go keeps the text it was given, with its key order
/// and its `\u003c`-style escapes, where a `serde_json::Value` has sorted keys and writes characters
/// as they are; such bytes must still decode to the same JSON.
fn encode_failures(cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let want = base64(&case.protobuf_from_json);
        match encode(&case.json) {
            Ok(got) if got == want => {}
            Ok(got)
                if decode(&got).ok() == decode(&want).ok()
                    && String::from_utf8_lossy(&want).contains("{\"kind\":") => {}
            Ok(got) => {
                let at = got
                    .iter()
                    .zip(&want)
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(want.len()));
                failures.push(format!(
                    "{}: bytes differ at offset {at} (got {} bytes, want {})",
                    case.name,
                    got.len(),
                    want.len()
                ));
            }
            Err(error) => failures.push(format!("{}: {error}", case.name)),
        }
    }
    failures
}

/// Every case's JSON survives encode then decode; returns the failures.
fn round_trip_failures(cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        match encode(&case.json).and_then(|bytes| decode(&bytes)) {
            Ok(got) => {
                if let Some(difference) = first_difference("", &got, &case.json) {
                    failures.push(format!("{}: {difference}", case.name));
                }
            }
            Err(error) => failures.push(format!("{}: {error}", case.name)),
        }
    }
    failures
}

fn assert_no_failures(what: &str, total: usize, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{what}: {} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_protobuf_decodes_to_upstreams_json() {
    let golden = golden();
    assert!(golden.cases.len() >= 40, "cases: {}", golden.cases.len());
    assert_no_failures("decode", golden.cases.len(), decode_failures(&golden.cases));
}

#[test]
fn golden_json_encodes_to_upstreams_bytes() {
    let golden = golden();
    assert_no_failures("encode", golden.cases.len(), encode_failures(&golden.cases));
}

#[test]
fn golden_json_round_trips_through_protobuf() {
    let golden = golden();
    assert_no_failures(
        "round trip",
        golden.cases.len(),
        round_trip_failures(&golden.cases),
    );
}

/// `apiserver/testdata/protobuf-fuzz.json`: randomly filled objects of every Go type a built-in kind
/// uses (`go run . -fuzz ../protobuf-fuzz.json`), which reach fields the hand-written cases do not.
fn fuzz_cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/protobuf-fuzz.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn fuzzed_protobuf_of_every_kind_decodes_to_upstreams_json() {
    let cases = fuzz_cases();
    assert!(cases.len() >= 300, "cases: {}", cases.len());
    assert_no_failures("decode", cases.len(), decode_failures(&cases));
}

#[test]
fn fuzzed_json_of_every_kind_encodes_to_upstreams_bytes() {
    let cases = fuzz_cases();
    assert_no_failures("encode", cases.len(), encode_failures(&cases));
}

#[test]
fn fuzzed_json_of_every_kind_round_trips_through_protobuf() {
    let cases = fuzz_cases();
    assert_no_failures("round trip", cases.len(), round_trip_failures(&cases));
}

#[test]
fn golden_watch_events_match_upstreams_stream_messages() {
    let golden = golden();
    assert!(!golden.watch_events.is_empty());
    for case in &golden.watch_events {
        let wire = base64(&case.protobuf);
        let decoded = decode_watch_event(&wire).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            first_difference("", &decoded, &case.json),
            None,
            "{}",
            case.name
        );
        let encoded =
            encode_watch_event(&case.json).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(encoded, wire, "{}", case.name);
    }
}

#[test]
fn golden_quantities_canonicalize_as_upstream() {
    let golden = golden();
    let mut failures = Vec::new();
    for case in &golden.quantities {
        let got = ironkube_apimachinery::quantity::canonical(&case.input);
        let ok = match (&got, case.err) {
            (Err(_), true) => true,
            (Ok(text), false) => *text == case.out,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{:?}: got {got:?}, want {:?} (error: {})",
                case.input, case.out, case.err
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} quantities differ:\n{}",
        failures.len(),
        golden.quantities.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_durations_format_and_parse_as_upstream() {
    for case in golden().durations {
        assert_eq!(
            gotime::format_duration(case.nanos),
            case.out,
            "{}",
            case.nanos
        );
        assert_eq!(
            ironkube_apimachinery::goduration::parse(&case.out),
            Some(case.nanos),
            "{}",
            case.out
        );
    }
}

#[test]
fn every_kind_round_trips_its_zero_object() {
    let schema = schema().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (api_version, kind, _) in schema.all_kinds() {
        count += 1;
        let object = json!({"apiVersion": api_version, "kind": kind});
        let result = encode(&object).and_then(|bytes| {
            let first = decode(&bytes)?;
            let again = decode(&encode(&first)?)?;
            Ok((first, again))
        });
        match result {
            Ok((first, again)) if first == again => {}
            Ok((first, again)) => {
                failures.push(format!("{api_version} {kind}: {first} then {again}"))
            }
            Err(error) => failures.push(format!("{api_version} {kind}: {error}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} kinds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn kubectl_create_configmap_body_decodes() {
    assert_eq!(PROTOBUF_MEDIA_TYPE, "application/vnd.kubernetes.protobuf");
    // What `kubectl create configmap settings --from-literal=key=value` sends.
    let golden = golden();
    let case = golden
        .cases
        .iter()
        .find(|c| c.name == "configmap-kubectl-create")
        .unwrap();
    let decoded = decode(&base64(&case.protobuf)).unwrap();
    assert_eq!(decoded["kind"], "ConfigMap");
    assert_eq!(decoded["apiVersion"], "v1");
    assert_eq!(decoded["metadata"], json!({"name": "settings"}));
    assert_eq!(decoded["data"]["key"], "value");
}

#[test]
fn bad_bodies_are_refused_with_useful_errors() {
    assert!(matches!(decode(b""), Err(ProtobufError::NotProtobuf)));
    assert!(matches!(
        decode(b"k8s\x00"),
        Err(ProtobufError::NotProtobuf)
    ));
    assert!(matches!(
        decode(b"{\"kind\":\"ConfigMap\"}"),
        Err(ProtobufError::NotProtobuf)
    ));

    let envelope = |api_version: &str, kind: &str, raw: &[u8]| {
        let mut type_meta = Vec::new();
        wire::put_bytes(&mut type_meta, 1, api_version.as_bytes());
        wire::put_bytes(&mut type_meta, 2, kind.as_bytes());
        let mut body = MAGIC.to_vec();
        wire::put_bytes(&mut body, 1, &type_meta);
        wire::put_bytes(&mut body, 2, raw);
        body
    };
    assert!(matches!(
        decode(&envelope("v1", "", b"")),
        Err(ProtobufError::MissingKind { .. })
    ));
    assert!(matches!(
        decode(&envelope("", "ConfigMap", b"")),
        Err(ProtobufError::MissingVersion { .. })
    ));
    assert!(matches!(
        decode(&envelope("v1", "Widget", b"")),
        Err(ProtobufError::UnknownKind { .. })
    ));

    // A ConfigMap whose metadata claims more bytes than there are.
    let error = decode(&envelope("v1", "ConfigMap", &[0x0a, 0x05, 0x0a])).unwrap_err();
    assert!(matches!(error, ProtobufError::Malformed { .. }), "{error}");
    // A Deployment whose spec.replicas is length-delimited instead of a varint.
    let mut spec = Vec::new();
    wire::put_bytes(&mut spec, 1, b"x");
    let mut deployment = Vec::new();
    wire::put_bytes(&mut deployment, 2, &spec);
    let error = decode(&envelope("apps/v1", "Deployment", &deployment)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid protobuf at spec.replicas: wrong wire type for a Int32 field"
    );
    // A quantity upstream cannot parse.
    let mut quantity = Vec::new();
    wire::put_bytes(&mut quantity, 1, b"lots");
    let mut hard = Vec::new();
    wire::put_bytes(&mut hard, 1, b"pods");
    wire::put_bytes(&mut hard, 2, &quantity);
    let mut quota_spec = Vec::new();
    wire::put_bytes(&mut quota_spec, 1, &hard);
    let mut quota = Vec::new();
    wire::put_bytes(&mut quota, 2, &quota_spec);
    let error = decode(&envelope("v1", "ResourceQuota", &quota)).unwrap_err();
    assert!(error.to_string().contains("at spec.hard[pods]"), "{error}");
}

#[test]
fn bad_objects_are_refused_with_useful_errors() {
    let error = encode(&json!({"kind": "ConfigMap"})).unwrap_err();
    assert!(
        matches!(error, ProtobufError::InvalidObject { .. }),
        "{error}"
    );
    let error = encode(&json!({"apiVersion": "v1", "kind": "Widget"})).unwrap_err();
    assert!(
        matches!(error, ProtobufError::UnknownKind { .. }),
        "{error}"
    );
    let error = encode(
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "three"}}),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot encode spec.replicas as protobuf: expected a 32-bit integer, got a string"
    );
    let error = encode(&json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "lots"}}}]}})).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("spec.containers[0].resources.limits[cpu]"),
        "{error}"
    );
    let error =
        encode(&json!({"apiVersion": "v1", "kind": "Secret", "data": {"k": "not base64!"}}))
            .unwrap_err();
    assert!(error.to_string().contains("data[k]"), "{error}");
    assert!(encode(&json!([1, 2])).is_err());
}

#[test]
fn deeply_nested_bodies_are_refused_not_overflowed() {
    // A CRD schema nested far past any real one, built directly as protobuf.
    let mut props = Vec::new();
    for _ in 0..(MAX_DEPTH + 10) {
        let mut entry = Vec::new();
        wire::put_bytes(&mut entry, 1, b"x");
        wire::put_bytes(&mut entry, 2, &props);
        let mut next = Vec::new();
        wire::put_bytes(&mut next, 5, b"object");
        wire::put_bytes(&mut next, 29, &entry);
        props = next;
    }
    let schema = schema().unwrap();
    let id = schema
        .by_name("k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps")
        .unwrap();
    let result = decode::Decoder { schema }.message(id, &props, 0);
    assert!(result.is_err());
}
