//! The name rules upstream's resources use, with upstream's messages: DNS-1123 labels and
//! subdomains (`k8s.io/apimachinery/pkg/util/validation`), path segments
//! (`k8s.io/apimachinery/pkg/api/validate/content/path.go`) and canonical IP addresses
//! (`IsValidIP`, behind `networking/validation.ValidateIPAddressName`).
//!
//! The DNS checks work on bytes, as Go's do: a generate-name prefix has its last two bytes
//! replaced by `a` (upstream's `maskTrailingDash`), which can cut a multi-byte character in
//! half, and the length limits count bytes. Upstream has two copies of the DNS checks that
//! differ in how they word a length error: `util/validation` (behind the `NameIs*` name
//! functions) says "characters", `api/validate/content` (behind `validate.LongName` and label
//! key prefixes) says "bytes".

use ironkube_apimachinery::gocompat;
use ironkube_apimachinery::selector::regex_error;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_MAX_LENGTH: usize = 63;
const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

/// Which copy of upstream's DNS checks, by how it words a length error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wording {
    /// `k8s.io/apimachinery/pkg/util/validation`: "must be no more than 253 characters".
    Characters,
    /// `k8s.io/apimachinery/pkg/api/validate/content`: "must be no more than 253 bytes".
    Bytes,
}

/// Upstream's `MaxLenError`, in either wording.
fn max_len_error(length: usize, wording: Wording) -> String {
    match wording {
        Wording::Characters => format!("must be no more than {length} characters"),
        Wording::Bytes => format!("must be no more than {length} bytes"),
    }
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?` over all of `label`.
fn is_dns1123_label_syntax(label: &[u8]) -> bool {
    match (label.first(), label.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && label.iter().all(|&b| is_lower_alnum(b) || b == b'-')
        }
        _ => false,
    }
}

/// Matches a lowercase RFC 1123 subdomain over all of `value`.
fn is_dns1123_subdomain_syntax(value: &[u8]) -> bool {
    value.split(|&b| b == b'.').all(is_dns1123_label_syntax)
}

/// Upstream's `IsDNS1123Label`.
pub(crate) fn dns1123_label(value: &[u8], wording: Wording) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errors.push(max_len_error(DNS1123_LABEL_MAX_LENGTH, wording));
    }
    if !is_dns1123_label_syntax(value) {
        if is_dns1123_subdomain_syntax(value) {
            // A valid subdomain that is not a valid label has dots.
            errors.push("must not contain dots".to_string());
        } else {
            errors.push(regex_error(
                DNS1123_LABEL_ERR_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errors
}

/// Upstream's `IsDNS1123Subdomain`.
pub(crate) fn dns1123_subdomain(value: &[u8], wording: Wording) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errors.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH, wording));
    }
    if !is_dns1123_subdomain_syntax(value) {
        errors.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errors
}

/// Upstream's `maskTrailingDash`, applied to generate-name prefixes so that a trailing `-`
/// passes: a name longer than one byte that ends in `-` loses its last two bytes and gains an
/// `a`.
fn mask_trailing_dash(name: &str) -> Vec<u8> {
    let bytes = name.as_bytes();
    if bytes.len() > 1 && bytes.ends_with(b"-") {
        let mut masked = bytes[..bytes.len() - 2].to_vec();
        masked.push(b'a');
        masked
    } else {
        bytes.to_vec()
    }
}

/// Upstream's `NameIsDNSSubdomain(name, prefix)`.
pub(crate) fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        dns1123_subdomain(&mask_trailing_dash(name), Wording::Characters)
    } else {
        dns1123_subdomain(name.as_bytes(), Wording::Characters)
    }
}

/// Upstream's `NameIsDNSLabel(name, prefix)` (also `ValidateNamespaceName`).
pub(crate) fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        dns1123_label(&mask_trailing_dash(name), Wording::Characters)
    } else {
        dns1123_label(name.as_bytes(), Wording::Characters)
    }
}

/// Upstream's `validate.LongName`: a DNS subdomain, checked by the `content` copy.
pub(crate) fn long_name(name: &str) -> Vec<String> {
    dns1123_subdomain(name.as_bytes(), Wording::Bytes)
}

/// Upstream's `content.IsPathSegmentName`: not `.` or `..`, no `/` or `%`. Empty names and
/// length are not checked, as upstream.
pub(crate) fn path_segment_name(name: &str) -> Vec<String> {
    for illegal in [".", ".."] {
        if name == illegal {
            return vec![format!("may not be '{illegal}'")];
        }
    }
    path_segment_prefix(name)
}

/// Upstream's `content.IsPathSegmentPrefix`: no `/` or `%`.
pub(crate) fn path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|illegal| name.contains(**illegal))
        .map(|illegal| format!("may not contain '{illegal}'"))
        .collect()
}

// === IP addresses ===

/// Go's `dtoi` limit.
const BIG: u32 = 0x00FF_FFFF;

/// What a sloppy parse found out about how the address was written.
#[derive(Default)]
pub(crate) struct Spelling {
    /// An IPv4 octet with a leading zero (`010`), which `netip.ParseAddr` refuses.
    pub(crate) leading_zero: bool,
    /// An IPv6 field of more than four hex digits (`00001`), which `netip.ParseAddr` refuses.
    pub(crate) long_field: bool,
}

/// Go's `dtoi`: a decimal number at the start of `s`, its length; `None` without digits or
/// past the limit.
pub(crate) fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n * 10 + u32::from(s[i] - b'0');
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// Go's `xtoi`: a hex number at the start of `s`, its length.
fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() {
        let digit = match s[i] {
            b @ b'0'..=b'9' => u32::from(b - b'0'),
            b @ b'a'..=b'f' => u32::from(b - b'a') + 10,
            b @ b'A'..=b'F' => u32::from(b - b'A') + 10,
            _ => break,
        };
        n = n * 16 + digit;
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// The forked Go `parseIPv4` behind `ParseIPSloppy`, which accepts leading zeros.
fn parse_ipv4_sloppy(mut s: &[u8], spelling: &mut Spelling) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    for (i, octet) in out.iter_mut().enumerate() {
        if s.is_empty() {
            return None;
        }
        if i > 0 {
            if s[0] != b'.' {
                return None;
            }
            s = &s[1..];
        }
        let (n, c) = dtoi(s)?;
        if n > 0xFF {
            return None;
        }
        if c > 1 && s[0] == b'0' {
            spelling.leading_zero = true;
        }
        s = &s[c..];
        *octet = u8::try_from(n).ok()?;
    }
    s.is_empty().then_some(out)
}

/// The forked Go `parseIPv6` behind `ParseIPSloppy`.
fn parse_ipv6_sloppy(mut s: &[u8], spelling: &mut Spelling) -> Option<[u8; 16]> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.len() >= 2 && s[0] == b':' && s[1] == b':' {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(ip);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, c) = xtoi(s)?;
        if n > 0xFFFF {
            return None;
        }
        if c < s.len() && s[c] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return None;
            }
            if i + 4 > 16 {
                return None;
            }
            let ip4 = parse_ipv4_sloppy(s, spelling)?;
            ip[i..i + 4].copy_from_slice(&ip4);
            s = &[];
            i += 4;
            break;
        }
        if c > 4 {
            spelling.long_field = true;
        }
        ip[i] = u8::try_from(n >> 8).ok()?;
        ip[i + 1] = u8::try_from(n & 0xFF).ok()?;
        i += 2;
        s = &s[c..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let ellipsis = ellipsis?;
        let n = 16 - i;
        for j in (ellipsis..i).rev() {
            ip[j + n] = ip[j];
        }
        for byte in ip.iter_mut().skip(ellipsis).take(n) {
            *byte = 0;
        }
    } else if ellipsis.is_some() {
        // An ellipsis must stand for at least one zero group.
        return None;
    }
    Some(ip)
}

/// A parsed address as `net.IP` holds it: IPv4 written addresses, or IPv6 bytes.
pub(crate) enum ParsedIp {
    /// Four bytes.
    V4([u8; 4]),
    /// Sixteen bytes.
    V6([u8; 16]),
}

/// `netutils.ParseIPSloppy`: the form (IPv4 or IPv6) is chosen by the first `.` or `:`.
pub(crate) fn parse_ip_sloppy(s: &str, spelling: &mut Spelling) -> Option<ParsedIp> {
    let bytes = s.as_bytes();
    match bytes.iter().find(|b| matches!(b, b'.' | b':')) {
        Some(b'.') => parse_ipv4_sloppy(bytes, spelling).map(ParsedIp::V4),
        Some(b':') => parse_ipv6_sloppy(bytes, spelling).map(ParsedIp::V6),
        _ => None,
    }
}

/// Go's `net.IP.String()` for an IPv6 address that is not IPv4-mapped: RFC 5952 form, the
/// first longest run of two or more zero groups written as `::`.
fn format_ipv6(ip: &[u8; 16]) -> String {
    let groups: Vec<u16> = ip
        .chunks(2)
        .map(|pair| (u16::from(pair[0]) << 8) | u16::from(pair[1]))
        .collect();
    let (mut best_start, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        let mut j = i;
        while j < 8 && groups[j] == 0 {
            j += 1;
        }
        if j - i >= 2 && j - i > best_len {
            best_start = i;
            best_len = j - i;
        }
        i = j + 1;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best_start {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if i > 0 && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", groups[i]));
        i += 1;
    }
    out
}

/// Upstream's `ValidateIPAddressName` (IPAddress objects are named by their address): the name
/// must be an IP address (`IsValidIP`), without leading zeros, not IPv4-mapped IPv6, and in
/// canonical form. Prefixes are not considered, as upstream.
pub(crate) fn ip_address_name(name: &str) -> Vec<String> {
    let mut spelling = Spelling::default();
    let Some(ip) = parse_ip_sloppy(name, &mut spelling) else {
        return vec!["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string()];
    };
    if spelling.leading_zero || spelling.long_field {
        // `netip.ParseAddr` refuses what the sloppy parser took: upstream blames leading 0s.
        return vec!["must not have leading 0s".to_string()];
    }
    let canonical = match ip {
        ParsedIp::V4(octets) => {
            format!("{}.{}.{}.{}", octets[0], octets[1], octets[2], octets[3])
        }
        ParsedIp::V6(bytes) => {
            if bytes[..10].iter().all(|&b| b == 0) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return vec!["must not be an IPv4-mapped IPv6 address".to_string()];
            }
            format_ipv6(&bytes)
        }
    };
    if name != canonical {
        return vec![format!(
            "must be in canonical form ({})",
            gocompat::quote(&canonical)
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_and_subdomains() {
        let chars = Wording::Characters;
        assert!(dns1123_label(b"my-name", chars).is_empty());
        assert_eq!(dns1123_label(b"a.b", chars), ["must not contain dots"]);
        assert_eq!(
            dns1123_label(b"A", chars),
            [
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
        assert_eq!(
            dns1123_label("a".repeat(64).as_bytes(), chars),
            ["must be no more than 63 characters"]
        );
        assert!(dns1123_subdomain(b"example.com", chars).is_empty());
        assert_eq!(dns1123_subdomain(b"a..b", chars).len(), 1);
        assert_eq!(
            dns1123_subdomain("a".repeat(254).as_bytes(), chars),
            ["must be no more than 253 characters"]
        );
        assert_eq!(
            long_name(&"a".repeat(254)),
            ["must be no more than 253 bytes"]
        );
    }

    #[test]
    fn generate_name_prefixes_mask_the_trailing_dash() {
        assert!(name_is_dns_subdomain("gen-", true).is_empty());
        assert_eq!(name_is_dns_subdomain("gen-", false).len(), 1);
        // A lone dash is not masked.
        assert_eq!(name_is_dns_subdomain("-", true).len(), 1);
        // Two bytes go: "a--" becomes "aa".
        assert!(name_is_dns_subdomain("a--", true).is_empty());
        // A multi-byte character cut in half must not panic.
        assert_eq!(name_is_dns_label("é-", true).len(), 1);
        assert_eq!(mask_trailing_dash("é-"), vec![0xC3, b'a']);
    }

    #[test]
    fn path_segments() {
        assert_eq!(path_segment_name("."), ["may not be '.'"]);
        assert_eq!(path_segment_name(".."), ["may not be '..'"]);
        assert!(path_segment_name("...").is_empty());
        assert_eq!(
            path_segment_name("a/b%c"),
            ["may not contain '/'", "may not contain '%'"]
        );
        assert!(path_segment_prefix(".").is_empty());
    }

    #[test]
    fn ip_address_names() {
        assert!(ip_address_name("10.1.2.3").is_empty());
        assert!(ip_address_name("2001:db8::1").is_empty());
        assert!(ip_address_name("::").is_empty());
        assert_eq!(ip_address_name("010.1.2.3"), ["must not have leading 0s"]);
        assert_eq!(ip_address_name("00001::"), ["must not have leading 0s"]);
        assert_eq!(
            ip_address_name("::ffff:1.2.3.4"),
            ["must not be an IPv4-mapped IPv6 address"]
        );
        assert_eq!(
            ip_address_name("2001:DB8::1"),
            [r#"must be in canonical form ("2001:db8::1")"#]
        );
        assert_eq!(
            ip_address_name("1:0:0:2:0:0:0:3"),
            [r#"must be in canonical form ("1:0:0:2::3")"#]
        );
        assert_eq!(
            ip_address_name("::1.2.3.4"),
            [r#"must be in canonical form ("::102:304")"#]
        );
        for bad in [
            "",
            "x",
            "1.2.3",
            "256.1.1.1",
            "1::2::3",
            "fe80::1%eth0",
            "[::1]",
        ] {
            assert_eq!(
                ip_address_name(bad),
                ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"],
                "{bad}"
            );
        }
    }
}
