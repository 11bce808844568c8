//! The OpenAPI documents kube-apiserver v1.37.2 publishes, embedded compressed
//! (`apiserver/openapi/specs.bin`, written by `apiserver/openapi/generate.py`), each
//! decompressed on first use and kept, so what is served is upstream's bytes exactly.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;

/// The embedded blob (format described in `generate.py`).
static BLOB: &[u8] = include_bytes!("../../openapi/specs.bin");

/// One embedded document: its compressed bytes, and once asked for, its bytes and hash.
struct Entry {
    /// The gzip member as embedded.
    compressed: &'static [u8],
    /// The document's bytes (`None` if the member does not decompress, which the tests rule out).
    bytes: OnceLock<Option<Box<[u8]>>>,
    /// [`super::hash`] of the bytes.
    hash: OnceLock<String>,
}

/// Every embedded document by name (`v2`, or the `/openapi/v3` path).
fn entries() -> &'static HashMap<&'static str, Entry> {
    static ENTRIES: OnceLock<HashMap<&'static str, Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut map = HashMap::new();
        let mut rest = BLOB;
        while let Some((name, after_name)) = take(rest) {
            let Some((compressed, after_payload)) = take(after_name) else {
                break;
            };
            let Ok(name) = std::str::from_utf8(name) else {
                break;
            };
            map.insert(
                name,
                Entry {
                    compressed,
                    bytes: OnceLock::new(),
                    hash: OnceLock::new(),
                },
            );
            rest = after_payload;
        }
        map
    })
}

/// Splits a length-prefixed (u32 big-endian) field off the front of `input`.
fn take(input: &'static [u8]) -> Option<(&'static [u8], &'static [u8])> {
    let (len, rest) = input.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// The names of every embedded document.
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    entries().keys().copied()
}

/// The bytes of the embedded document `name`, as upstream publishes them.
pub(super) fn get(name: &str) -> Option<&'static [u8]> {
    let entry = entries().get(name)?;
    entry
        .bytes
        .get_or_init(|| {
            let mut out = Vec::new();
            GzDecoder::new(entry.compressed)
                .read_to_end(&mut out)
                .ok()
                .map(|_| out.into_boxed_slice())
        })
        .as_deref()
}

/// The hash of the embedded document `name` (computed once).
pub(super) fn hash_of(name: &str) -> Option<&'static str> {
    let bytes = get(name)?;
    let entry = entries().get(name)?;
    Some(entry.hash.get_or_init(|| super::hash(bytes)).as_str())
}
