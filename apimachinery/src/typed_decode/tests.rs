//! The expected texts are upstream v1.37.2's, as its API server answered the same bodies (the
//! differential test's `09-bad-input` cases).

use serde_json::json;

use super::*;

fn deployment(spec_replicas: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
           "spec": {"replicas": spec_replicas, "selector": {"matchLabels": {"app": "b"}},
                    "template": {"metadata": {"labels": {"app": "b"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

#[test]
fn well_typed_objects_decode() {
    assert_eq!(
        decode_error("apps/v1", "Deployment", &deployment(json!(3))),
        None
    );
    assert_eq!(
        decode_error("apps/v1", "Deployment", &deployment(Value::Null)),
        None
    );
    let pod = json!({"metadata": {"name": "p", "labels": {"a": "b"}, "creationTimestamp": null},
                     "spec": {"containers": [{"name": "c", "image": "i",
                              "ports": [{"containerPort": 80}],
                              "resources": {"limits": {"cpu": "1", "memory": 1024}},
                              "livenessProbe": {"httpGet": {"port": "http"}}}]}});
    assert_eq!(decode_error("v1", "Pod", &pod), None);
    assert_eq!(converter_error("v1", "Pod", &pod), None);
    let secret = json!({"data": {"a": "YQ=="}, "unknown": [1, 2]});
    assert_eq!(decode_error("v1", "Secret", &secret), None);
    assert_eq!(
        decode_error("example.com/v1", "Widget", &json!({"spec": 1})),
        None
    );
}

#[test]
fn wrong_json_types_are_gos_errors() {
    let cases = [
        (
            "apps/v1",
            "Deployment",
            deployment(json!("three")),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "apps/v1",
            "Deployment",
            deployment(json!(99999999999_i64)),
            "json: cannot unmarshal number 99999999999 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "apps/v1",
            "Deployment",
            deployment(json!(1.5)),
            "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "v1",
            "ConfigMap",
            json!({"data": {"a": 1}}),
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        ),
        (
            "v1",
            "ConfigMap",
            json!({"data": ["a"]}),
            "json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string",
        ),
        (
            "v1",
            "ConfigMap",
            json!({"data": {"a": [[[]]]}}),
            "json: cannot unmarshal array into Go struct field ConfigMap.data of type string",
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"containers": "nginx"}}),
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container",
        ),
        (
            "v1",
            "ConfigMap",
            json!({"metadata": {"labels": {"a": true}}}),
            "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"restartPolicy": 1}}),
            "json: cannot unmarshal number into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy",
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"ports": [{"containerPort": "80"}]}]}}),
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            "v1",
            "Secret",
            json!({"data": {"a": 1}}),
            "json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
        ),
        (
            "v1",
            "Secret",
            json!({"data": {"a": "not base64!"}}),
            "illegal base64 data at input byte 3",
        ),
        (
            "v1",
            "Service",
            json!({"spec": {"ports": [{"port": 80, "targetPort": true}]}}),
            "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32",
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"resources": {"limits": {"cpu": "lots"}}}]}}),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            "v1",
            "Pod",
            json!({"metadata": {"creationTimestamp": 5}}),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
        ),
        (
            "v1",
            "Pod",
            json!({"spec": "none"}),
            "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec",
        ),
    ];
    for (api_version, kind, object, expected) in cases {
        assert_eq!(
            decode_error(api_version, kind, &object).as_deref(),
            Some(expected),
            "{object}"
        );
    }
}

#[test]
fn the_converter_words_its_errors_its_own_way() {
    let cases = [
        (deployment(json!("three")), "unrecognized type: int32"),
        (deployment(json!(1.5)), "cannot convert float64 to int32"),
        (
            json!({"spec": {"template": {"spec": {"containers": "x"}}}}),
            "cannot restore slice from string",
        ),
        (
            json!({"spec": {"selector": 1}}),
            "cannot restore struct from: int64",
        ),
        (
            json!({"metadata": {"labels": ["a"]}}),
            "cannot restore map from slice",
        ),
        (
            json!({"metadata": {"labels": {"a": 1}}}),
            "unrecognized type: string",
        ),
    ];
    for (object, expected) in cases {
        assert_eq!(
            converter_error("apps/v1", "Deployment", &object).as_deref(),
            Some(expected),
            "{object}"
        );
    }
    // Integers into integer fields convert, as Go's conversions do.
    assert_eq!(
        converter_error("apps/v1", "Deployment", &deployment(json!(2.0))),
        None
    );
}

#[test]
fn patches_are_quoted_as_go_prints_maps() {
    let patch = json!({"spec": {"replicas": "three", "paused": true, "list": ["a", 1, null]}});
    assert_eq!(
        go_format(&patch),
        "map[spec:map[list:[a 1 <nil>] paused:true replicas:three]]"
    );
}

#[test]
fn another_kinds_body_does_not_convert() {
    assert_eq!(
        unknown_conversion("v1", "Secret", "v1", "ConfigMap").as_deref(),
        Some("converting (v1.Secret) to (core.ConfigMap): unknown conversion")
    );
    assert_eq!(
        unknown_conversion("apps/v1", "Deployment", "batch/v1", "Job").as_deref(),
        Some("converting (v1.Deployment) to (batch.Job): unknown conversion")
    );
    assert_eq!(unknown_conversion("v1", "Widget", "v1", "ConfigMap"), None);
}

#[test]
fn typed_values_marshal_in_field_order() {
    let selector = json!({"matchExpressions": [{"values": ["v"], "operator": "In", "key": "k"}],
                          "matchLabels": {"b": "2", "a": "1"}, "bogus": 1, "x": null});
    assert_eq!(
        marshal_typed(
            "k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelector",
            &selector
        ),
        r#"{"matchLabels":{"a":"1","b":"2"},"matchExpressions":[{"key":"k","operator":"In","values":["v"]}]}"#
    );
    assert_eq!(
        marshal_typed("no.such/Type", &json!({"b": 1, "a": 2})),
        r#"{"a":2,"b":1}"#
    );
}

#[test]
fn patched_objects_are_quoted_as_upstreams_patch_library_writes_them() {
    let patched = json!({
        "apiVersion": "v1", "kind": "ConfigMap", "data": {"b": "2", "a": 1},
        "metadata": {"uid": "u", "name": "cm", "namespace": "ns", "labels": {"z": "1", "a": "2"}},
    });
    // A merge patch that reached `data`: the top level and `data` sorted, metadata in
    // ObjectMeta's field order (its maps sorted, as Go writes maps).
    assert_eq!(
        marshal_patched("v1", "ConfigMap", &patched, &json!({"data": {"a": 1}})),
        r#"{"apiVersion":"v1","data":{"a":1,"b":"2"},"kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns","uid":"u","labels":{"a":"2","z":"1"}}}"#
    );
    let reach =
        json_patch_reach(&json!([{"op": "add", "path": "/metadata/labels/x~1y", "value": "1"}]));
    assert_eq!(reach, json!({"metadata": {"labels": {"x/y": {}}}}));
}
