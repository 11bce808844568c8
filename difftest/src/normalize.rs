//! Turning a response into text that is equal on both servers when they behave the same: the
//! status, Content-Type and Warning headers, and the body parsed and normalised — uids,
//! timestamps, resourceVersions, continue tokens, generated names, allocated IPs and node ports
//! and table ages are replaced by placeholders, and object keys are sorted.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::client::Answer;

/// RFC 3339 timestamps inside strings (messages, annotations).
static TIMESTAMP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})").ok()
});
/// UUIDs inside strings.
static UUID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").ok()
});
/// The random suffix of the service-account token volume upstream's admission adds.
static TOKEN_VOLUME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"kube-api-access-[a-z0-9]{5}").ok());

/// The current resourceVersion quoted in precondition failures.
static RECORD_VERSION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"in record \(\d+\)").ok());
/// A resourceVersion inside quoted JSON text (a 422 quoting a patched object).
static QUOTED_VERSION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"resourceVersion(\\*)":(\\*)"\d+(\\*)""#).ok());

/// Keys whose string values are times.
const TIME_KEYS: [&str; 10] = [
    "creationTimestamp",
    "deletionTimestamp",
    "time",
    "lastTransitionTime",
    "lastUpdateTime",
    "lastProbeTime",
    "firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "renewTime",
];

/// What to leave out of the comparison beyond the volatile fields.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// Drop `metadata.managedFields` (to see past a server that does not track them).
    pub(crate) ignore_managed_fields: bool,
}

/// The comparable text of a response.
pub(crate) fn snapshot(answer: &Answer, options: Options) -> String {
    let mut out = format!("status: {}\n", answer.status);
    out.push_str(&format!("content-type: {}\n", answer.content_type));
    for warning in &answer.warnings {
        out.push_str(&format!("warning: {}\n", scrub_string(warning)));
    }
    out.push_str("body:\n");
    out.push_str(&body_text(&answer.content_type, &answer.body, options));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The body as normalised text: JSON (one document, or one per line for watches) and YAML are
/// parsed and printed as sorted, pretty JSON; other text is kept (scrubbed); binary is not shown.
fn body_text(content_type: &str, body: &[u8], options: Options) -> String {
    if body.is_empty() {
        return "(empty)".into();
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media.contains("json") {
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            return pretty(normalize(value, options));
        }
        let text = String::from_utf8_lossy(body);
        let events: Result<Vec<Value>, _> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(serde_json::from_str::<Value>)
            .collect();
        if let Ok(events) = events {
            return format!(
                "(stream)\n{}",
                pretty(normalize(Value::Array(events), options))
            );
        }
    } else if media.contains("yaml")
        && let Ok(value) = serde_norway::from_slice::<Value>(body)
    {
        return format!("(yaml)\n{}", pretty(normalize(value, options)));
    }
    match std::str::from_utf8(body) {
        Ok(text) if !media.contains("protobuf") => scrub_string(text),
        _ => "(binary body)".into(),
    }
}

/// Sorted keys, two-space indentation.
fn pretty(value: Value) -> String {
    serde_json::to_string_pretty(&sort_keys(value)).unwrap_or_else(|e| format!("({e})"))
}

/// The value with every object's keys in order (whether or not serde_json keeps insertion
/// order in this build).
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Replaces what legitimately differs between two servers with placeholders.
pub(crate) fn normalize(value: Value, options: Options) -> Value {
    let mut value = value;
    normalize_in_place(&mut value, options);
    value
}

fn normalize_in_place(value: &mut Value, options: Options) {
    match value {
        Value::Object(map) => {
            if options.ignore_managed_fields {
                map.remove("managedFields");
            }
            normalize_table_ages(map);
            let generated = map
                .get("generateName")
                .and_then(Value::as_str)
                .is_some_and(|g| !g.is_empty());
            for (key, item) in map.iter_mut() {
                normalize_field(key, item, generated, options);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| normalize_in_place(item, options)),
        Value::String(text) => *text = scrub_string(text),
        _ => {}
    }
}

/// One field of an object: placeholders by key, else recursion.
fn normalize_field(key: &str, item: &mut Value, generated_name: bool, options: Options) {
    let non_empty_string = item.as_str().is_some_and(|s| !s.is_empty());
    match key {
        "uid" if non_empty_string => *item = Value::from("<uid>"),
        "resourceVersion" if non_empty_string => *item = Value::from("<rv>"),
        "continue" if non_empty_string => *item = Value::from("<continue>"),
        // Discovery's serverAddressByClientCIDRs: each server's own port.
        "serverAddress" if non_empty_string => *item = Value::from("<address>"),
        "name" if generated_name && non_empty_string => *item = Value::from("<generated>"),
        "clusterIP" if item.as_str().is_some_and(looks_like_ip) => *item = Value::from("<ip>"),
        "clusterIPs" => {
            if let Value::Array(ips) = item {
                for ip in ips.iter_mut() {
                    if ip.as_str().is_some_and(looks_like_ip) {
                        *ip = Value::from("<ip>");
                    }
                }
            }
        }
        "nodePort" | "healthCheckNodePort" if item.is_number() => *item = Value::from("<port>"),
        key if TIME_KEYS.contains(&key) && non_empty_string => *item = Value::from("<time>"),
        _ => normalize_in_place(item, options),
    }
}

/// In a `Table`, the cells that depend on when the request ran (`Age`) or on random
/// allocations (a Service's `Cluster-IP`, and the node port in `Port(s)` cells such as
/// `80:30148/TCP`).
fn normalize_table_ages(map: &mut Map<String, Value>) {
    if map.get("kind").and_then(Value::as_str) != Some("Table") {
        return;
    }
    let names: Vec<String> = map
        .get("columnDefinitions")
        .and_then(Value::as_array)
        .map(|columns| {
            columns
                .iter()
                .map(|c| {
                    c.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(rows) = map.get_mut("rows").and_then(Value::as_array_mut) else {
        return;
    };
    for row in rows {
        let Some(cells) = row.get_mut("cells").and_then(Value::as_array_mut) else {
            continue;
        };
        for (name, cell) in names.iter().zip(cells.iter_mut()) {
            match name.as_str() {
                "Age" => *cell = Value::from("<age>"),
                "Cluster-IP" if cell.as_str().is_some_and(looks_like_ip) => {
                    *cell = Value::from("<ip>");
                }
                "Port(s)" => {
                    if let Some(ports) = cell.as_str() {
                        *cell = Value::from(mask_node_ports(ports));
                    }
                }
                _ => {}
            }
        }
    }
}

/// `80:30148/TCP,443:31000/TCP` → `80:<port>/TCP,443:<port>/TCP`.
fn mask_node_ports(ports: &str) -> String {
    ports
        .split(',')
        .map(|port| match port.split_once(':') {
            Some((service, rest)) => match rest.split_once('/') {
                Some((_, protocol)) => format!("{service}:<port>/{protocol}"),
                None => format!("{service}:<port>"),
            },
            None => port.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// An IPv4 or IPv6 address (not `None`, the headless value).
fn looks_like_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

/// Timestamps, uids and random volume suffixes inside free text.
fn scrub_string(text: &str) -> String {
    let mut text = text.to_string();
    for (pattern, placeholder) in [
        (&*TIMESTAMP, "<time>"),
        (&*UUID, "<uid>"),
        (&*TOKEN_VOLUME, "kube-api-access-<random>"),
        (&*RECORD_VERSION, "in record (<rv>)"),
        (&*QUOTED_VERSION, r#"resourceVersion$1":$2"<rv>$3""#),
    ] {
        if let Some(regex) = pattern {
            text = regex.replace_all(&text, placeholder).into_owned();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::json;

    #[test]
    fn volatile_fields_become_placeholders() {
        let object = json!({
            "metadata": {
                "name": "web-x7k2p", "generateName": "web-",
                "uid": "0b5f7f43-9a4e-4a55-9d0f-2d4c1e6f0a11",
                "resourceVersion": "123", "creationTimestamp": "2025-01-02T03:04:05Z",
                "managedFields": [{"time": "2025-01-02T03:04:05Z", "manager": "m"}],
            },
            "spec": {"clusterIP": "10.96.0.17", "clusterIPs": ["10.96.0.17"],
                     "ports": [{"nodePort": 31234}]},
            "message": "at 2025-01-02T03:04:05.123Z volume kube-api-access-ab1cd in record (42)",
            "serverAddress": "127.0.0.1:6443",
        });
        let normalized = normalize(object, Options::default());
        assert_eq!(
            normalized,
            json!({
                "metadata": {
                    "name": "<generated>", "generateName": "web-", "uid": "<uid>",
                    "resourceVersion": "<rv>", "creationTimestamp": "<time>",
                    "managedFields": [{"time": "<time>", "manager": "m"}],
                },
                "spec": {"clusterIP": "<ip>", "clusterIPs": ["<ip>"],
                         "ports": [{"nodePort": "<port>"}]},
                "message": "at <time> volume kube-api-access-<random> in record (<rv>)",
                "serverAddress": "<address>",
            })
        );
    }

    #[test]
    fn headless_services_and_empty_versions_are_kept() {
        let value = json!({"clusterIP": "None", "resourceVersion": "", "continue": ""});
        assert_eq!(normalize(value.clone(), Options::default()), value);
    }

    #[test]
    fn versions_quoted_in_messages_are_hidden() {
        let text = r#"Invalid value: "{\"metadata\":{\"resourceVersion\":\"227\"}}": bad"#;
        assert_eq!(
            scrub_string(text),
            r#"Invalid value: "{\"metadata\":{\"resourceVersion\":\"<rv>\"}}": bad"#
        );
    }

    #[test]
    fn table_ages_are_hidden() {
        let table = json!({
            "kind": "Table",
            "columnDefinitions": [{"name": "Name"}, {"name": "Age"}],
            "rows": [{"cells": ["a", "5s"]}],
        });
        assert_eq!(
            normalize(table, Options::default())["rows"][0]["cells"],
            json!(["a", "<age>"])
        );
    }

    #[test]
    fn service_table_allocations_are_hidden() {
        let table = json!({
            "kind": "Table",
            "columnDefinitions": [{"name": "Name"}, {"name": "Cluster-IP"}, {"name": "Port(s)"}],
            "rows": [{"cells": ["a", "10.96.3.4", "80:30148/TCP,53/UDP"]},
                     {"cells": ["b", "None", "80/TCP"]}],
        });
        let rows = &normalize(table, Options::default())["rows"];
        assert_eq!(
            rows[0]["cells"],
            json!(["a", "<ip>", "80:<port>/TCP,53/UDP"])
        );
        assert_eq!(rows[1]["cells"], json!(["b", "None", "80/TCP"]));
    }

    #[test]
    fn snapshots_sort_keys_and_parse_streams_and_yaml() {
        let answer = |content_type: &str, body: &str| Answer {
            status: 200,
            content_type: content_type.into(),
            warnings: vec![],
            body: Bytes::from(body.to_string()),
        };
        let plain = Options::default();
        let a = snapshot(&answer("application/json", r#"{"b":1,"a":2}"#), plain);
        let b = snapshot(&answer("application/json", r#"{"a":2,"b":1}"#), plain);
        assert_eq!(a, b);
        let stream = snapshot(
            &answer(
                "application/json",
                "{\"type\":\"ADDED\"}\n{\"type\":\"BOOKMARK\"}\n",
            ),
            plain,
        );
        assert!(
            stream.contains("(stream)") && stream.contains("BOOKMARK"),
            "{stream}"
        );
        let yaml = snapshot(&answer("application/yaml", "a: 1\nb: x\n"), plain);
        assert!(
            yaml.contains("(yaml)") && yaml.contains("\"b\": \"x\""),
            "{yaml}"
        );
        let binary = snapshot(
            &answer("application/vnd.kubernetes.protobuf", "k8s\0"),
            plain,
        );
        assert!(binary.contains("(binary body)"));
    }

    #[test]
    fn managed_fields_are_dropped_only_when_asked() {
        let object = json!({"metadata": {"name": "a", "managedFields": [{"manager": "m"}]}});
        let ignore = Options {
            ignore_managed_fields: true,
        };
        assert_eq!(
            normalize(object.clone(), ignore),
            json!({"metadata": {"name": "a"}})
        );
        assert_eq!(normalize(object.clone(), Options::default()), object);
    }
}
