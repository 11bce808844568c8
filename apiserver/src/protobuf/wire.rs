//! The protobuf wire format at the level upstream's generated (gogo) code works at: tags, varints,
//! fixed-width numbers and length-delimited bytes. Reading is zero-copy over the input; writing
//! appends to a `Vec<u8>` in the order the caller gives, which is how the encoder reproduces Go's
//! field order byte for byte.

/// Wire type 0: varint.
pub(super) const VARINT: u8 = 0;
/// Wire type 1: 8 little-endian bytes.
pub(super) const FIXED64: u8 = 1;
/// Wire type 2: a varint length, then that many bytes.
pub(super) const LENGTH_DELIMITED: u8 = 2;
/// Wire type 3: start of a (deprecated) group.
const START_GROUP: u8 = 3;
/// Wire type 4: end of a group.
const END_GROUP: u8 = 4;
/// Wire type 5: 4 little-endian bytes.
pub(super) const FIXED32: u8 = 5;

/// One field value as it appears on the wire, before its declared type gives it meaning.
#[derive(Debug, Clone, Copy)]
pub(super) enum Raw<'a> {
    /// A varint (wire type 0).
    Varint(u64),
    /// Eight bytes (wire type 1).
    Fixed64(u64),
    /// Four bytes (wire type 5).
    Fixed32(u32),
    /// Length-delimited bytes (wire type 2): a string, bytes, a message, a map entry or a packed list.
    Bytes(&'a [u8]),
}

/// Why bytes are not a well-formed protobuf message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WireError {
    /// The input ended inside a tag or value.
    Truncated,
    /// A varint ran past ten bytes.
    VarintTooLong,
    /// A tag with field number 0 or beyond the protobuf maximum.
    BadFieldNumber(u64),
    /// A wire type protobuf does not define, or a group (which Kubernetes never uses).
    BadWireType(u8),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Truncated => write!(f, "unexpected end of message"),
            WireError::VarintTooLong => write!(f, "varint longer than 10 bytes"),
            WireError::BadFieldNumber(number) => write!(f, "illegal field number {number}"),
            WireError::BadWireType(wire_type) => write!(f, "unsupported wire type {wire_type}"),
        }
    }
}

/// Reads the fields of one message in wire order.
pub(super) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over one message's bytes.
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// The next field's number and value, or `None` at the end of the message.
    pub(super) fn next_field(&mut self) -> Result<Option<(u32, Raw<'a>)>, WireError> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(WireError::BadFieldNumber(number));
        }
        // The mask keeps the value below 8, so the narrowing cannot lose anything.
        let wire_type = (key & 7) as u8;
        let raw = match wire_type {
            VARINT => Raw::Varint(self.varint()?),
            FIXED64 => Raw::Fixed64(u64::from_le_bytes(self.take_array::<8>()?)),
            FIXED32 => Raw::Fixed32(u32::from_le_bytes(self.take_array::<4>()?)),
            LENGTH_DELIMITED => {
                let len = usize::try_from(self.varint()?).map_err(|_| WireError::Truncated)?;
                Raw::Bytes(self.take(len)?)
            }
            START_GROUP | END_GROUP => return Err(WireError::BadWireType(wire_type)),
            other => return Err(WireError::BadWireType(other)),
        };
        // The number was checked against u32::MAX >> 3 above.
        Ok(Some((number as u32, raw)))
    }

    /// Reads a varint.
    pub(super) fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for (index, byte) in self.data.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                self.data = &self.data[index + 1..];
                return Ok(value);
            }
        }
        if self.data.len() < 10 {
            Err(WireError::Truncated)
        } else {
            Err(WireError::VarintTooLong)
        }
    }

    /// Whether nothing is left.
    pub(super) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Reads a fixed-width little-endian value's bytes.
    pub(super) fn take_array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.take(N)?;
        let mut array = [0u8; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        if self.data.len() < len {
            return Err(WireError::Truncated);
        }
        let (head, tail) = self.data.split_at(len);
        self.data = tail;
        Ok(head)
    }
}

/// Appends a varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // The mask keeps the low seven bits, so the narrowing cannot lose anything.
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a field's tag.
pub(super) fn put_tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

/// Appends a length-delimited field.
pub(super) fn put_bytes(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    put_tag(out, number, LENGTH_DELIMITED);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a varint field.
pub(super) fn put_varint_field(out: &mut Vec<u8>, number: u32, value: u64) {
    put_tag(out, number, VARINT);
    put_varint(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_reject_garbage() {
        for value in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.varint(), Ok(value));
            assert!(reader.is_empty());
        }
        assert_eq!(Reader::new(&[0x80]).varint(), Err(WireError::Truncated));
        assert_eq!(
            Reader::new(&[0xff; 11]).varint(),
            Err(WireError::VarintTooLong)
        );
    }

    #[test]
    fn fields_are_read_in_wire_order() {
        let mut out = Vec::new();
        put_varint_field(&mut out, 1, 150);
        put_bytes(&mut out, 2, b"hi");
        let mut reader = Reader::new(&out);
        assert!(matches!(
            reader.next_field(),
            Ok(Some((1, Raw::Varint(150))))
        ));
        assert!(matches!(
            reader.next_field(),
            Ok(Some((2, Raw::Bytes(b"hi"))))
        ));
        assert!(matches!(reader.next_field(), Ok(None)));
        assert_eq!(
            Reader::new(&[0x00]).next_field().err(),
            Some(WireError::BadFieldNumber(0))
        );
        assert_eq!(
            Reader::new(&[0x0b]).next_field().err(),
            Some(WireError::BadWireType(3))
        );
        assert_eq!(
            Reader::new(&[0x12, 0x05, 0x01]).next_field().err(),
            Some(WireError::Truncated)
        );
    }
}
