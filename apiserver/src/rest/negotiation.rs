//! Content negotiation (upstream's `handlers/negotiation`): which representation a response is
//! sent in, from the `Accept` header, and how a request body is encoded, from `Content-Type`.
//!
//! Served: JSON, YAML and protobuf (`application/vnd.kubernetes.protobuf`, also as a
//! length-framed watch stream); `as=Table`
//! (`meta.k8s.io` v1 or v1beta1) for reads; and `as=PartialObjectMetadata` /
//! `as=PartialObjectMetadataList` for gets, watches and lists.

use axum::http::{HeaderMap, header};
use ironkube_apimachinery::Status;

/// The media types ironkube decodes and encodes.
pub(crate) const SERVED_MEDIA_TYPES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];

/// What upstream's list and watch routes say they produce: the served media types and their
/// watch-stream forms.
const ROUTE_MEDIA_TYPES_WITH_STREAMS: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];

/// The encodings of a request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputFormat {
    /// `application/json` (also the default without `Content-Type`).
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/vnd.kubernetes.protobuf`.
    Protobuf,
}

/// The serialization of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// Kubernetes protobuf (objects and lists; JSON when an object cannot be encoded).
    Protobuf,
}

/// What the client asked to receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Representation {
    /// The object (or list) itself.
    Object,
    /// A `meta.k8s.io` Table at this version (`v1` or `v1beta1`).
    Table(&'static str),
    /// `PartialObjectMetadata` (gets and watch events) or `PartialObjectMetadataList` (lists)
    /// at this `meta.k8s.io` version.
    PartialMetadata(&'static str),
}

/// The negotiated response form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Output {
    /// How it is serialized.
    pub(crate) encoding: Encoding,
    /// What is serialized.
    pub(crate) representation: Representation,
}

impl Output {
    /// Plain JSON.
    pub(crate) const JSON: Output = Output {
        encoding: Encoding::Json,
        representation: Representation::Object,
    };
}

/// Which endpoint the response is for: conversions are allowed per endpoint (upstream's
/// `endpointRestrictions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A single object (get, watch events).
    Object,
    /// A list.
    List,
    /// A write (create, update, patch, delete): the written object, as a Table or as
    /// partial metadata when asked (upstream transforms a write's result as a get's; the
    /// metadata-only client of upstream's garbage collector patches that way).
    Write,
    /// A review (create only, not stored): no Table (reviews have no table convertor
    /// upstream), partial metadata allowed.
    Review,
    /// A watch stream.
    Stream,
}

/// One media range of an `Accept` header.
struct MediaRange<'a> {
    media: String,
    params: Vec<(&'a str, &'a str)>,
    quality: f32,
}

impl MediaRange<'_> {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .unwrap_or("")
    }
}

fn parse_accept(value: &str) -> Vec<MediaRange<'_>> {
    let mut ranges: Vec<MediaRange<'_>> = value
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next()?.to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let mut quality = 1.0;
            let mut params = Vec::new();
            for param in parts {
                let Some((key, value)) = param.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                if key.trim().eq_ignore_ascii_case("q") {
                    quality = value.parse().unwrap_or(1.0);
                } else {
                    params.push((key.trim(), value));
                }
            }
            Some(MediaRange {
                media,
                params,
                quality,
            })
        })
        .collect();
    // Highest quality first; equal qualities keep the client's order (as goautoneg).
    ranges.sort_by(|a, b| b.quality.total_cmp(&a.quality));
    ranges
}

/// Negotiates the response form for `endpoint` from the `Accept` header (upstream's
/// `NegotiateOutputMediaType`): the first acceptable media range wins; none acceptable is 406.
pub(crate) fn negotiate_output(
    headers: &HeaderMap,
    endpoint: Endpoint,
) -> Result<Output, Box<Status>> {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let joined = values.join(",");
    if joined.trim().is_empty() {
        return Ok(Output::JSON);
    }
    // Upstream's router first looks for a route producing one of the (first header's) media
    // types exactly, parameters aside; none is its own 406.
    let produced = match endpoint {
        Endpoint::List | Endpoint::Stream => ROUTE_MEDIA_TYPES_WITH_STREAMS,
        Endpoint::Object | Endpoint::Write | Endpoint::Review => SERVED_MEDIA_TYPES,
    };
    let first = values.first().copied().unwrap_or_default();
    let routed = first.split(',').any(|range| {
        let media = range.split(';').next().unwrap_or_default().trim();
        media == "*/*" || produced.contains(&media)
    });
    if !routed {
        return Err(Box::new(Status::router_not_acceptable(produced)));
    }
    for range in parse_accept(&joined) {
        if range.quality <= 0.0 {
            continue;
        }
        let encoding = match range.media.as_str() {
            "application/json" | "application/*" | "*/*" => Encoding::Json,
            "application/yaml" => Encoding::Yaml,
            "application/vnd.kubernetes.protobuf" => Encoding::Protobuf,
            _ => continue,
        };
        if encoding == Encoding::Protobuf && !range.param("as").is_empty() {
            // Tables and partial metadata are sent as JSON only.
            continue;
        }
        let as_ = range.param("as");
        if as_.is_empty() {
            return Ok(Output {
                encoding,
                representation: Representation::Object,
            });
        }
        if range.param("g") != "meta.k8s.io" {
            continue;
        }
        let version = match range.param("v") {
            "v1" => "v1",
            "v1beta1" => "v1beta1",
            _ => continue,
        };
        let representation = match (as_, endpoint) {
            ("Table", Endpoint::Object | Endpoint::List | Endpoint::Stream | Endpoint::Write) => {
                Representation::Table(version)
            }
            (
                "PartialObjectMetadata",
                Endpoint::Object | Endpoint::Stream | Endpoint::Write | Endpoint::Review,
            )
            | ("PartialObjectMetadataList", Endpoint::List) => {
                Representation::PartialMetadata(version)
            }
            _ => continue,
        };
        return Ok(Output {
            encoding,
            representation,
        });
    }
    Err(Box::new(Status::not_acceptable(SERVED_MEDIA_TYPES)))
}

/// The media type of a request's `Content-Type`, parameters left out, lower case (empty when
/// absent).
pub(crate) fn content_media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The encoding of a request body from its `Content-Type` (upstream's
/// `NegotiateInputSerializer`): JSON when absent; 415 for anything not served.
pub(crate) fn negotiate_input(headers: &HeaderMap) -> Result<InputFormat, Box<Status>> {
    match content_media_type(headers).as_str() {
        "" | "application/json" => Ok(InputFormat::Json),
        "application/yaml" => Ok(InputFormat::Yaml),
        "application/vnd.kubernetes.protobuf" => Ok(InputFormat::Protobuf),
        _ => Err(Box::new(Status::unsupported_media_type(SERVED_MEDIA_TYPES))),
    }
}

/// Decodes a request body into a JSON value (a YAML or protobuf body as its JSON equivalent).
pub(crate) fn decode_body(
    format: InputFormat,
    body: &[u8],
) -> Result<serde_json::Value, BodyError> {
    match format {
        InputFormat::Protobuf => {
            crate::protobuf::decode(body).map_err(|err| BodyError::Malformed(err.to_string()))
        }
        InputFormat::Json => {
            ironkube_apimachinery::gojson::from_slice(body).or_else(|err| json_fallback(body, &err))
        }
        InputFormat::Yaml => {
            serde_norway::from_slice(body).map_err(|err| BodyError::Malformed(go_yaml_error(&err)))
        }
    }
}

/// The most nesting serde_json reads on a request's stack (its default recursion limit).
pub(crate) const SERDE_MAX_DEPTH: usize = 128;

/// Why a request body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BodyError {
    /// Not a document of its media type (the decoder's words, upstream's where they differ).
    #[error("{0}")]
    Malformed(String),
    /// Well-formed JSON nested deeper than [`SERDE_MAX_DEPTH`]: upstream reads up to 10000
    /// levels, which takes a stack of its own (see `rest::deep`).
    #[error(
        "couldn't get version/kind; json parse error: documents nested deeper than 128 levels are not supported"
    )]
    TooDeep,
}

impl From<BodyError> for String {
    fn from(err: BodyError) -> Self {
        err.to_string()
    }
}

/// A JSON body serde_json refused: Go's syntax error where Go's decoder refuses it too; the
/// document read again with lone UTF-16 surrogate escapes as U+FFFD, as Go's decoder reads
/// them; or why it is not read here.
fn json_fallback(body: &[u8], err: &serde_json::Error) -> Result<serde_json::Value, BodyError> {
    match ironkube_apimachinery::gojson::check(body) {
        Err(syntax) => Err(BodyError::Malformed(format!(
            "couldn't get version/kind; json parse error: {syntax}"
        ))),
        Ok(depth) if depth > SERDE_MAX_DEPTH => Err(BodyError::TooDeep),
        Ok(_) => {
            let repaired = replace_lone_surrogates(body);
            ironkube_apimachinery::gojson::from_slice(&repaired)
                .map_err(|_| BodyError::Malformed(err.to_string()))
        }
    }
}

/// `\uD800`–`\uDFFF` escapes that do not form a surrogate pair, replaced by `\uFFFD`.
fn replace_lone_surrogates(body: &[u8]) -> Vec<u8> {
    let surrogate = |at: usize| -> Option<u16> {
        let escape = body.get(at..at + 6)?;
        if escape[0] != b'\\' || escape[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&escape[2..]).ok()?;
        u16::from_str_radix(hex, 16)
            .ok()
            .filter(|unit| (0xD800..=0xDFFF).contains(unit))
    };
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && body.get(i + 1) == Some(&b'\\') {
            out.extend_from_slice(&body[i..i + 2]);
            i += 2;
            continue;
        }
        if let Some(unit) = surrogate(i) {
            let paired = (0xD800..0xDC00).contains(&unit)
                && surrogate(i + 6).is_some_and(|low| low >= 0xDC00);
            if paired {
                out.extend_from_slice(&body[i..i + 12]);
                i += 12;
            } else {
                out.extend_from_slice(b"\\ufffd");
                i += 6;
            }
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

/// A YAML error as go-yaml words it: `yaml: line N: <problem>` (parser errors count lines from
/// zero, scanner errors from one), `yaml: document contains excessive aliasing` for alias bombs.
fn go_yaml_error(err: &serde_norway::Error) -> String {
    let text = err.to_string();
    if text.contains("repetition limit exceeded") || text.contains("recursion limit exceeded") {
        return "yaml: document contains excessive aliasing".into();
    }
    let Some((problem, rest)) = text.split_once(" at line ") else {
        return format!("yaml: {text}");
    };
    let line: usize = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0);
    let line = if rest.contains("while parsing") {
        line.saturating_sub(1)
    } else {
        line
    };
    format!("yaml: line {line}: {problem}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bodies_go_reads_and_serde_json_does_not() {
        let lone = br#"{"a":"\ud800x","b":"\ud83d\ude00","c":"\\ud800"}"#;
        let value = decode_body(InputFormat::Json, lone).unwrap();
        assert_eq!(value["a"], "\u{fffd}x");
        assert_eq!(value["b"], "\u{1f600}");
        assert_eq!(value["c"], "\\ud800");
        assert_eq!(
            decode_body(InputFormat::Json, b"{} x")
                .unwrap_err()
                .to_string(),
            "couldn't get version/kind; json parse error: invalid character 'x' after top-level value"
        );
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            decode_body(InputFormat::Json, deep.as_bytes()).unwrap_err(),
            BodyError::TooDeep
        );
    }

    #[test]
    fn yaml_errors_are_go_yamls() {
        let broken = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n";
        assert_eq!(
            decode_body(InputFormat::Yaml, broken)
                .unwrap_err()
                .to_string(),
            "yaml: line 3: did not find expected node content"
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (name, previous) in [
            ("b", "a"),
            ("c", "b"),
            ("d", "c"),
            ("e", "d"),
            ("f", "e"),
            ("g", "f"),
        ] {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{previous}"); 9].join(",")
            ));
        }
        assert_eq!(
            decode_body(InputFormat::Yaml, bomb.as_bytes())
                .unwrap_err()
                .to_string(),
            "yaml: document contains excessive aliasing"
        );
    }

    #[test]
    fn kubectl_get_asks_for_a_table() {
        let headers = accept(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
        );
        let output = negotiate_output(&headers, Endpoint::List).unwrap();
        assert_eq!(output.representation, Representation::Table("v1"));
        // A write's result is transformed as a get's (upstream's `transformResponseObject`);
        // reviews have no table convertor.
        let output = negotiate_output(&headers, Endpoint::Write).unwrap();
        assert_eq!(output.representation, Representation::Table("v1"));
        let output = negotiate_output(&headers, Endpoint::Review).unwrap();
        assert_eq!(output, Output::JSON);
    }

    #[test]
    fn protobuf_when_preferred_and_406_for_what_is_not_served() {
        let headers = accept("application/vnd.kubernetes.protobuf,application/json");
        let output = negotiate_output(&headers, Endpoint::Object).unwrap();
        assert_eq!(output.encoding, Encoding::Protobuf);
        assert_eq!(output.representation, Representation::Object);
        // Tables are JSON only: a protobuf Table range is skipped.
        let table = accept(
            "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io",
        );
        let output = negotiate_output(&table, Endpoint::List).unwrap();
        assert_eq!(output.encoding, Encoding::Json);
        assert_eq!(output.representation, Representation::Table("v1"));
        // A media type no route produces: the router's 406 (lists and watches also offer their
        // stream forms).
        let err = negotiate_output(&accept("application/cbor"), Endpoint::Object).unwrap_err();
        assert_eq!(err.code, 406);
        assert_eq!(
            err.message,
            "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        );
        let err = negotiate_output(&accept("text/html"), Endpoint::List).unwrap_err();
        assert!(
            err.message
                .ends_with(", application/vnd.kubernetes.protobuf;stream=watch")
        );
        // A routed media type the handler cannot serve: the handler's own 406.
        let err = negotiate_output(
            &accept("application/json;as=Foo;g=meta.k8s.io;v=v1"),
            Endpoint::Object,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        );
    }

    #[test]
    fn partial_metadata_is_per_endpoint() {
        let list = accept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
        assert_eq!(
            negotiate_output(&list, Endpoint::List)
                .unwrap()
                .representation,
            Representation::PartialMetadata("v1")
        );
        assert!(negotiate_output(&list, Endpoint::Object).is_err());
        let object = accept("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
        for endpoint in [Endpoint::Object, Endpoint::Write, Endpoint::Review] {
            assert_eq!(
                negotiate_output(&object, endpoint).unwrap().representation,
                Representation::PartialMetadata("v1")
            );
        }
    }
}
