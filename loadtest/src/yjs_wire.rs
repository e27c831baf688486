//! The Yjs wire formats the light client speaks (`shared/guide/protocols.md`): plain y-websocket
//! (one lib0-encoded message per binary frame: sync step 1/2, update, awareness, auth, query
//! awareness) for schulhof and `@y/websocket-server`, and the Hocuspocus envelope: every frame is
//! prefixed with `varString(documentName)`, the client sends an auth message (type 2, subtype 0,
//! `varString(token)`) first, the server answers `Authenticated` (type 2, subtype 2), replies to a
//! SyncStep1 with type 4 (sync reply) and acknowledges updates with type 8 (sync status).

/// Which server dialect a connection speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// y-websocket: the document is named by the URL.
    Plain,
    /// Hocuspocus: the document name prefixes every frame; `token` goes in the first message.
    Hocuspocus { doc_name: String, token: String },
}

pub const MSG_SYNC: u64 = 0;
pub const MSG_AWARENESS: u64 = 1;
pub const MSG_AUTH: u64 = 2;
pub const MSG_QUERY_AWARENESS: u64 = 3;
/// Hocuspocus: like sync, but the receiver does not answer with its own SyncStep1.
pub const MSG_SYNC_REPLY: u64 = 4;
/// Hocuspocus: acknowledgement of an update.
pub const MSG_SYNC_STATUS: u64 = 8;

pub const STEP1: u64 = 0;
pub const STEP2: u64 = 1;
pub const UPDATE: u64 = 2;

/// Appends a lib0 varUint (LEB128).
pub fn write_var_uint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a lib0 varUint8Array (length, then bytes).
pub fn write_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_var_uint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A cursor over a received frame.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub fn var_uint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    pub fn var_bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.var_uint()?).ok()?;
        let end = self.at.checked_add(len)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    pub fn var_string(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.var_bytes()?).ok()
    }
}

/// A received message, as far as the benchmark cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    SyncStep1(&'a [u8]),
    SyncStep2(&'a [u8]),
    Update(&'a [u8]),
    Awareness,
    /// Plain: permission denied (with the reason); Hocuspocus: denied or authenticated.
    Auth {
        denied: bool,
    },
    QueryAwareness,
    SyncStatus,
    Other(u64),
}

/// Decodes one frame of the dialect (`None`: malformed).
pub fn parse<'a>(dialect: &Dialect, frame: &'a [u8]) -> Option<Incoming<'a>> {
    let mut reader = Reader::new(frame);
    if matches!(dialect, Dialect::Hocuspocus { .. }) {
        reader.var_string()?;
    }
    let kind = reader.var_uint()?;
    Some(match kind {
        MSG_SYNC | MSG_SYNC_REPLY => {
            let step = reader.var_uint()?;
            let data = reader.var_bytes()?;
            match step {
                STEP1 => Incoming::SyncStep1(data),
                STEP2 => Incoming::SyncStep2(data),
                UPDATE => Incoming::Update(data),
                other => Incoming::Other(100 + other),
            }
        }
        MSG_AWARENESS => Incoming::Awareness,
        MSG_AUTH => {
            let sub = reader.var_uint()?;
            let denied = match dialect {
                Dialect::Plain => sub == 0,
                Dialect::Hocuspocus { .. } => sub == 1,
            };
            Incoming::Auth { denied }
        }
        MSG_QUERY_AWARENESS => Incoming::QueryAwareness,
        MSG_SYNC_STATUS => Incoming::SyncStatus,
        other => Incoming::Other(other),
    })
}

fn start(dialect: &Dialect, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity + 16);
    if let Dialect::Hocuspocus { doc_name, .. } = dialect {
        write_var_bytes(&mut out, doc_name.as_bytes());
    }
    out
}

/// A sync message: `step` is [`STEP1`] (state vector), [`STEP2`] or [`UPDATE`] (update v1).
pub fn sync(dialect: &Dialect, step: u64, data: &[u8]) -> Vec<u8> {
    let mut out = start(dialect, data.len() + 8);
    write_var_uint(&mut out, MSG_SYNC);
    write_var_uint(&mut out, step);
    write_var_bytes(&mut out, data);
    out
}

/// An awareness update with one client's state.
pub fn awareness(dialect: &Dialect, client_id: u64, clock: u64, json: &str) -> Vec<u8> {
    let mut inner = Vec::with_capacity(json.len() + 24);
    write_var_uint(&mut inner, 1);
    write_var_uint(&mut inner, client_id);
    write_var_uint(&mut inner, clock);
    write_var_bytes(&mut inner, json.as_bytes());
    let mut out = start(dialect, inner.len() + 8);
    write_var_uint(&mut out, MSG_AWARENESS);
    write_var_bytes(&mut out, &inner);
    out
}

/// Hocuspocus's first message (auth token); `None` for the plain dialect.
pub fn auth_token(dialect: &Dialect) -> Option<Vec<u8>> {
    let Dialect::Hocuspocus { token, .. } = dialect else {
        return None;
    };
    let mut out = start(dialect, token.len() + 8);
    write_var_uint(&mut out, MSG_AUTH);
    write_var_uint(&mut out, 0);
    write_var_bytes(&mut out, token.as_bytes());
    Some(out)
}

/// FNV-1a (32 bit) of a text, the same digest `peers/yjs/official.js` computes.
pub fn fnv1a32(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.as_bytes() {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_messages_match_the_wire_bytes() {
        // SyncStep1 of an empty doc and SyncStep2 of an empty doc (protocols.md).
        assert_eq!(sync(&Dialect::Plain, STEP1, &[0]), vec![0, 0, 1, 0]);
        assert_eq!(sync(&Dialect::Plain, STEP2, &[0, 0]), vec![0, 1, 2, 0, 0]);
        let frame = sync(&Dialect::Plain, UPDATE, &[1, 2, 3]);
        assert_eq!(parse(&Dialect::Plain, &frame), Some(Incoming::Update(&[1, 2, 3])));
        assert_eq!(parse(&Dialect::Plain, &[2, 0, 1, b'x']), Some(Incoming::Auth { denied: true }));
    }

    #[test]
    fn hocuspocus_frames_carry_the_document_name() {
        let dialect = Dialect::Hocuspocus { doc_name: "d".into(), token: "t".into() };
        assert_eq!(auth_token(&dialect), Some(vec![1, b'd', 2, 0, 1, b't']));
        assert_eq!(auth_token(&Dialect::Plain), None);
        let frame = sync(&dialect, STEP1, &[0]);
        assert_eq!(frame, vec![1, b'd', 0, 0, 1, 0]);
        // A sync reply (type 4) is read like sync.
        assert_eq!(parse(&dialect, &[1, b'd', 4, 1, 1, 9]), Some(Incoming::SyncStep2(&[9])));
        assert_eq!(parse(&dialect, &[1, b'd', 8, 1]), Some(Incoming::SyncStatus));
        assert_eq!(parse(&dialect, &[1, b'd', 2, 2, 0]), Some(Incoming::Auth { denied: false }));
        let aw = awareness(&dialect, 300, 2, "{}");
        assert_eq!(parse(&dialect, &aw), Some(Incoming::Awareness));
    }

    #[test]
    fn var_uints_round_trip_and_fnv_is_stable() {
        let mut out = Vec::new();
        write_var_uint(&mut out, 300);
        assert_eq!(out, vec![0xac, 0x02]);
        assert_eq!(Reader::new(&out).var_uint(), Some(300));
        assert_eq!(Reader::new(&[0x80]).var_uint(), None);
        assert_eq!(fnv1a32(""), 0x811c_9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
    }
}
