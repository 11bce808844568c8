//! A JSON reader that keeps what serde_json drops: every key of an object in order, duplicates
//! included, so duplicate fields can be reported as upstream's strict decoder reports them.

/// A JSON value with its objects' members in document order.
#[derive(Debug)]
pub(super) enum Node {
    /// An object: its members as written, duplicates included.
    Object(Vec<(String, Node)>),
    /// An array.
    Array(Vec<Node>),
    /// A string, number, boolean or null (their value does not matter here).
    Scalar,
}

/// Reads one JSON document (`None` when it is not well-formed JSON).
pub(super) fn parse(input: &[u8]) -> Option<Node> {
    let mut reader = Reader { input, pos: 0 };
    let node = reader.value(0)?;
    reader.skip_space();
    (reader.pos == input.len()).then_some(node)
}

/// How deep documents may nest (upstream's decoder stops at 10000 as well).
const MAX_DEPTH: usize = 10_000;

/// The reading position in the input.
struct Reader<'a> {
    /// The document.
    input: &'a [u8],
    /// The next byte to read.
    pos: usize,
}

impl Reader<'_> {
    /// Skips JSON whitespace.
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next non-space byte, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.input.get(self.pos).copied()
    }

    /// Consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// One value.
    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Some(Node::Object(members));
                }
                loop {
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    if self.eat(b',') {
                        continue;
                    }
                    return self.eat(b'}').then_some(Node::Object(members));
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Node::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b',') {
                        continue;
                    }
                    return self.eat(b']').then_some(Node::Array(items));
                }
            }
            b'"' => self.string().map(|_| Node::Scalar),
            _ => self.literal().then_some(Node::Scalar),
        }
    }

    /// A number, `true`, `false` or `null` (checked loosely: its exact form does not matter).
    fn literal(&mut self) -> bool {
        let start = self.pos;
        while let Some(b) = self.input.get(self.pos) {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = &self.input[start..self.pos];
        matches!(text, b"true" | b"false" | b"null")
            || (!text.is_empty() && (text[0] == b'-' || text[0].is_ascii_digit()))
    }

    /// A string at the current position (after its opening quote's position), unescaped.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let b = *self.input.get(self.pos)?;
            self.pos += 1;
            match b {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let escaped = *self.input.get(self.pos)?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(b),
            }
        }
    }

    /// The character of a `\uXXXX` escape (a surrogate pair when it is one; a lone surrogate
    /// becomes U+FFFD, as Go decodes it).
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first)
            && self.input.get(self.pos..self.pos + 2) == Some(b"\\u")
        {
            let save = self.pos;
            self.pos += 2;
            if let Some(second) = self.hex4()
                && (0xDC00..0xE000).contains(&second)
            {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Some(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        Some(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.input.get(self.pos..self.pos + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        let value = u32::from_str_radix(text, 16).ok()?;
        self.pos += 4;
        Some(value)
    }
}
