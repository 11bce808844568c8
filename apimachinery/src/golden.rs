//! The golden file `testdata/upstream.json`: upstream's own selector parser, label
//! validation, continue-token code and resource version parsing, run on a list of inputs by
//! `testdata/gen` (`cd testdata/gen && go run . > ../upstream.json`). Tests here must agree with
//! every entry.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct ParseCase {
    pub(crate) r#in: String,
    #[serde(default)]
    pub(crate) out: String,
    #[serde(default)]
    pub(crate) err: Option<String>,
    pub(crate) empty: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MatchCase {
    pub(crate) selector: String,
    pub(crate) set: BTreeMap<String, String>,
    pub(crate) matches: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExactCase {
    pub(crate) selector: String,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) found: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MetaCase {
    pub(crate) r#in: Value,
    #[serde(default)]
    pub(crate) out: String,
    #[serde(default)]
    pub(crate) err: Option<String>,
    pub(crate) empty: bool,
    pub(crate) nothing: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ValidationCase {
    pub(crate) r#in: String,
    pub(crate) errs: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EncodeCase {
    pub(crate) key: String,
    pub(crate) prefix: String,
    pub(crate) rv: i64,
    #[serde(default)]
    pub(crate) token: Option<String>,
    #[serde(default)]
    pub(crate) err: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecodeCase {
    pub(crate) token: String,
    pub(crate) prefix: String,
    #[serde(default)]
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) rv: i64,
    #[serde(default)]
    pub(crate) err: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RvCase {
    pub(crate) r#in: String,
    #[serde(default)]
    pub(crate) rv: u64,
    #[serde(default)]
    pub(crate) err: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Golden {
    pub(crate) label_parse: Vec<ParseCase>,
    pub(crate) label_match: Vec<MatchCase>,
    pub(crate) label_exact: Vec<ExactCase>,
    pub(crate) label_metav1: Vec<MetaCase>,
    pub(crate) label_key: Vec<ValidationCase>,
    pub(crate) label_value: Vec<ValidationCase>,
    pub(crate) field_parse: Vec<ParseCase>,
    pub(crate) field_match: Vec<MatchCase>,
    pub(crate) field_exact: Vec<ExactCase>,
    pub(crate) continue_encode: Vec<EncodeCase>,
    pub(crate) continue_decode: Vec<DecodeCase>,
    pub(crate) parse_resource_version: Vec<RvCase>,
}

pub(crate) fn golden() -> Golden {
    serde_json::from_str(include_str!("../testdata/upstream.json"))
        .expect("testdata/upstream.json parses")
}
