//! The scripted requests: YAML files in `difftest/cases/`, each a list of cases, run in file-name
//! order and in order within a file (later cases see what earlier ones created).

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use hyper::Method;
use serde::Deserialize;

use crate::client::Outgoing;
use crate::error::DiffError;

/// The media type asked for and sent unless a case says otherwise.
const JSON: &str = "application/json";
/// The patch type a PATCH case sends unless it names one.
const MERGE_PATCH: &str = "application/merge-patch+json";

/// One scripted request, as written in a case file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    /// A short name, unique within its file (printed as `<file>/<name>`).
    pub(crate) name: String,
    /// GET, POST, PUT, PATCH or DELETE.
    pub(crate) method: String,
    /// Path and query.
    pub(crate) path: String,
    /// The Accept header (default `application/json`).
    #[serde(default)]
    pub(crate) accept: Option<String>,
    /// The Content-Type header of the body (default JSON, merge patch for PATCH).
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    /// Any other headers.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// A body written as YAML and sent as JSON.
    #[serde(default)]
    pub(crate) body: Option<serde_json::Value>,
    /// A body sent byte for byte (YAML bodies, malformed JSON).
    #[serde(default)]
    pub(crate) body_text: Option<String>,
    /// A body sent byte for byte, built from parts each repeated `times` (bodies too large or
    /// too deep to write out: nesting bombs, thousands of patch operations).
    #[serde(default)]
    pub(crate) body_parts: Vec<BodyPart>,
    /// Milliseconds to wait before sending (for effects that take a moment on both servers).
    #[serde(default)]
    pub(crate) sleep_ms: u64,
}

/// A piece of a generated body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BodyPart {
    /// The text.
    pub(crate) text: String,
    /// How many times it is repeated (default once).
    #[serde(default = "once")]
    pub(crate) times: usize,
}

/// The default repetition of a body part.
fn once() -> usize {
    1
}

/// A case with the file it came from.
#[derive(Clone, Debug)]
pub(crate) struct NamedCase {
    /// `<file stem>/<case name>`.
    pub(crate) id: String,
    /// The case.
    pub(crate) case: Case,
}

impl Case {
    /// The request to send to both servers.
    pub(crate) fn request(&self) -> Result<Outgoing, String> {
        let method = Method::from_bytes(self.method.to_ascii_uppercase().as_bytes())
            .map_err(|e| format!("method {:?}: {e}", self.method))?;
        let given = [
            self.body.is_some(),
            self.body_text.is_some(),
            !self.body_parts.is_empty(),
        ];
        if given.iter().filter(|given| **given).count() > 1 {
            return Err("more than one of body, body_text and body_parts".into());
        }
        let body = if let Some(value) = &self.body {
            Bytes::from(serde_json::to_vec(value).map_err(|e| format!("encoding the body: {e}"))?)
        } else if let Some(text) = &self.body_text {
            Bytes::from(text.clone())
        } else {
            let text: String = self
                .body_parts
                .iter()
                .map(|part| part.text.repeat(part.times))
                .collect();
            Bytes::from(text)
        };
        let mut headers = vec![(
            "accept".to_string(),
            self.accept.clone().unwrap_or_else(|| JSON.into()),
        )];
        if !body.is_empty() || self.content_type.is_some() {
            let default = if method == Method::PATCH {
                MERGE_PATCH
            } else {
                JSON
            };
            headers.push((
                "content-type".into(),
                self.content_type.clone().unwrap_or_else(|| default.into()),
            ));
        }
        headers.extend(
            self.headers
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone())),
        );
        Ok(Outgoing {
            method,
            path: self.path.clone(),
            headers,
            body,
        })
    }
}

/// Every case of every `*.yaml` file in `dir`, files in name order.
pub(crate) fn load(dir: &Path) -> Result<Vec<NamedCase>, DiffError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DiffError::io(format!("reading {}", dir.display()), e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| DiffError::io(format!("reading {}", dir.display()), e))?
            .path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            files.push(path);
        }
    }
    files.sort();
    let mut all = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| DiffError::io(format!("reading {}", file.display()), e))?;
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        all.extend(parse(&stem, &text).map_err(|reason| DiffError::Cases {
            file: file.display().to_string(),
            reason,
        })?);
    }
    Ok(all)
}

/// The cases of one file's text; names must be unique and every request must be buildable.
pub(crate) fn parse(stem: &str, text: &str) -> Result<Vec<NamedCase>, String> {
    let cases: Vec<Case> = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = std::collections::BTreeSet::new();
    let mut named = Vec::with_capacity(cases.len());
    for case in cases {
        if !seen.insert(case.name.clone()) {
            return Err(format!("case name {:?} twice", case.name));
        }
        case.request()
            .map_err(|e| format!("case {}: {e}", case.name))?;
        named.push(NamedCase {
            id: format!("{stem}/{}", case.name),
            case,
        });
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_headers_follow_the_defaults() {
        let text = r#"
- name: create
  method: post
  path: /api/v1/namespaces
  body: {metadata: {name: x}}
- name: patch
  method: PATCH
  path: /api/v1/namespaces/x
  body: {metadata: {labels: {a: b}}}
- name: yaml
  method: POST
  path: /api/v1/namespaces
  content_type: application/yaml
  accept: application/yaml
  headers: {X-Extra: "1"}
  body_text: "metadata:\n  name: y\n"
"#;
        let cases = parse("f", text).unwrap();
        assert_eq!(cases[0].id, "f/create");
        let create = cases[0].case.request().unwrap();
        assert_eq!(create.method, Method::POST);
        assert_eq!(&create.body[..], br#"{"metadata":{"name":"x"}}"#);
        assert!(
            create
                .headers
                .contains(&("content-type".into(), JSON.into()))
        );
        let patch = cases[1].case.request().unwrap();
        assert!(
            patch
                .headers
                .contains(&("content-type".into(), MERGE_PATCH.into()))
        );
        let yaml = cases[2].case.request().unwrap();
        assert!(
            yaml.headers
                .contains(&("accept".into(), "application/yaml".into()))
        );
        assert!(yaml.headers.contains(&("x-extra".into(), "1".into())));
        assert_eq!(&yaml.body[..], b"metadata:\n  name: y\n");
    }

    #[test]
    fn duplicate_names_and_unknown_fields_are_refused() {
        let twice = "- {name: a, method: GET, path: /}\n- {name: a, method: GET, path: /}\n";
        assert!(parse("f", twice).unwrap_err().contains("twice"));
        assert!(parse("f", "- {name: a, method: GET, path: /, bogus: 1}\n").is_err());
    }

    #[test]
    fn body_parts_are_repeated_and_exclusive() {
        let case = "- {name: a, method: POST, path: /, body_parts: [{text: '[', times: 3}, {text: ']', times: 2}]}\n";
        let parsed = parse("f", case).unwrap();
        assert_eq!(parsed[0].case.request().unwrap().body, Bytes::from("[[[]]"));
        let both = "- {name: a, method: POST, path: /, body_text: x, body_parts: [{text: y}]}\n";
        assert!(parse("f", both).unwrap_err().contains("more than one"));
    }

    #[test]
    fn the_shipped_case_files_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
        let cases = load(&dir).unwrap();
        assert!(cases.len() >= 60, "{} cases", cases.len());
    }
}
