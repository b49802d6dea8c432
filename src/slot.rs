//! Redis Cluster key-slot arithmetic. Pure.
//!
//! The layout's key names carry no hash tags, so a dep set lives in whatever slot its full
//! name hashes to. The bookkeeping keys an invalidation uses next to a dep set must be in
//! that same slot (RENAME and scripts are single-slot in a cluster), so we give them a
//! hash tag chosen to hash to exactly that slot.

pub const SLOTS: u16 = 16384;

use std::sync::OnceLock;

/// CRC16-CCITT (XMODEM), the checksum Redis Cluster uses, table-driven.
fn crc16(data: &[u8]) -> u16 {
    static TABLE: OnceLock<[u16; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u16; 256];
        for (i, entry) in t.iter_mut().enumerate() {
            let mut crc = (i as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
            *entry = crc;
        }
        t
    });
    data.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ table[usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// The slot of `key`, honouring the `{...}` hash-tag rule: the first `{` followed later
/// by a `}` with at least one byte between them.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let after = &key[open + 1..];
            after
                .iter()
                .position(|&b| b == b'}')
                .filter(|&close| close > 0)
                .map(|close| &after[..close])
        })
        .unwrap_or(key);
    crc16(hashed) % SLOTS
}

/// A short tag (without braces) whose `{tag}` hashes to `slot`: the smallest decimal
/// number that does. Deterministic, so every run of the tool, of any version, computes
/// the same bookkeeping key names for a given dep.
pub fn tag_for_slot(slot: u16) -> u32 {
    assert!(slot < SLOTS, "slot {slot} out of range");
    // Built once per process (a bulk run asks for three tags per dep): numbers in
    // increasing order until every slot has its smallest one; about 200k CRCs. Kept as
    // numbers: 64 KiB, where 16,384 strings cost the process most of a megabyte.
    static TAGS: OnceLock<Vec<u32>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        let mut tags = vec![u32::MAX; usize::from(SLOTS)];
        let mut missing = usize::from(SLOTS);
        let mut n: u32 = 0;
        let mut digits = [0u8; 10];
        while missing > 0 {
            let s = usize::from(crc16(decimal(n, &mut digits)) % SLOTS);
            if tags[s] == u32::MAX {
                tags[s] = n;
                missing -= 1;
            }
            n += 1;
        }
        tags
    });
    tags[usize::from(slot)]
}

/// `n` in decimal, written into `buf`, without an allocation (the tag table takes about
/// 200k of them at start-up).
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_reference_vector() {
        // The check value given in the Redis Cluster specification.
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn key_slot_matches_redis() {
        // Values from `redis-cli CLUSTER KEYSLOT`.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_ne!(
            key_slot(b"foo{}{bar}"),
            key_slot(b"bar"),
            "empty first tag: whole key"
        );
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
    }

    #[test]
    fn tags_land_in_the_requested_slot() {
        for slot in [0, 1, 777, 12182, SLOTS - 1] {
            let tag = tag_for_slot(slot);
            assert_eq!(key_slot(format!("x:{{{tag}}}:y").as_bytes()), slot);
        }
        assert_eq!(tag_for_slot(5), tag_for_slot(5));
    }

    #[test]
    fn tags_are_the_smallest_numbers_as_every_version_computes_them() {
        // Bookkeeping key names depend on these: a run must find the keys an earlier
        // version's interrupted run left (values from an independent Python CRC16).
        let expected = [
            (0, 3560),
            (1, 22179),
            (777, 20379),
            (12182, 43681),
            (16383, 39296),
        ];
        for (slot, tag) in expected {
            assert_eq!(tag_for_slot(slot), tag, "slot {slot}");
        }
    }

    #[test]
    fn decimal_writes_every_digit() {
        let mut buf = [0u8; 10];
        for n in [0, 7, 10, 3560, 99_999, u32::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }
}
