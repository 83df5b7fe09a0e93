//! Continuation tokens: opaque, stateless, and bound to the query that produced them.
//!
//! A token carries the position of the last run of its page, masked, and a tag computed from
//! the emulator's secret, the query (agent, process, stage) and that position. The emulator
//! keeps nothing per token, so listings cost no memory; a token altered, forged, or used with
//! another query fails the tag check and is a 400. The page size is not part of the query: a
//! client may change `limit` between pages.

use runs_core::{AgentId, ProcessId, ProcessStage};

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not something this emulator could have written.
    Malformed,
    /// Well formed, but issued for another query (or by another emulator).
    OtherQuery,
}

/// The splitmix64 finaliser: a bijection on `u64` that scatters bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Identifies a query: which runs it lists, not how many per page.
pub(crate) fn query_fingerprint(agent: &AgentId, process: &ProcessId, stage: Option<ProcessStage>) -> u64 {
    // FNV-1a over the parts, each followed by a byte no id can hold.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let stage = stage.map_or("*", ProcessStage::as_str);
    for part in [agent.as_str(), process.as_str(), stage] {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Identifies a process listing: the agent's.
pub(crate) fn processes_fingerprint(agent: &AgentId) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"processes\xff".iter().copied().chain(agent.as_str().bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn tag(secret: u64, query: u64, position: u64) -> u64 {
    mix(secret ^ mix(query ^ mix(position)))
}

/// The token for the page after `position` in `query`.
pub(crate) fn encode(secret: u64, query: u64, position: u64) -> String {
    format!(
        "{:016x}{:016x}",
        position ^ mix(secret),
        tag(secret, query, position)
    )
}

/// The position a token continues from, if it was issued for `query`.
pub(crate) fn decode(secret: u64, query: u64, token: &str) -> Result<u64, TokenError> {
    let hex = |s: &str| u64::from_str_radix(s, 16).map_err(|_| TokenError::Malformed);
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TokenError::Malformed);
    }
    let position = hex(&token[..16])? ^ mix(secret);
    if hex(&token[16..])? != tag(secret, query, position) {
        return Err(TokenError::OtherQuery);
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(agent: &str, stage: Option<ProcessStage>) -> u64 {
        query_fingerprint(&agent.parse().unwrap(), &"p".parse().unwrap(), stage)
    }

    #[test]
    fn a_token_decodes_only_for_its_own_query() {
        let token = encode(7, q("a", None), 41);
        assert_eq!(decode(7, q("a", None), &token), Ok(41));
        assert_eq!(decode(7, q("b", None), &token), Err(TokenError::OtherQuery));
        let draft = Some(ProcessStage::Draft);
        assert_eq!(decode(7, q("a", draft), &token), Err(TokenError::OtherQuery));
        assert_eq!(decode(8, q("a", None), &token), Err(TokenError::OtherQuery));
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        for t in [
            "",
            "xyz",
            "é".repeat(16).as_str(),
            &"g".repeat(32),
            &"0".repeat(33),
        ] {
            assert_eq!(decode(1, 2, t), Err(TokenError::Malformed), "{t:?}");
        }
    }

    #[test]
    fn a_flipped_digit_is_refused() {
        let token = encode(3, 4, 5);
        let mut bytes = token.into_bytes();
        bytes[3] = if bytes[3] == b'0' { b'1' } else { b'0' };
        let altered = String::from_utf8(bytes).unwrap();
        assert_eq!(decode(3, 4, &altered), Err(TokenError::OtherQuery));
    }
}
