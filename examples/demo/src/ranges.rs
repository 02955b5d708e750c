//! The parts of RFC 9110 that `/i/` answers need, as plain functions:
//! entity-tag lists (`If-Match`, `If-None-Match`), `If-Range`, `Range`, and
//! `Accept-Encoding`.
//!
//! Written by hand: the `headers` crate's typed headers would parse these,
//! but it drops a whole `If-None-Match` list for one malformed member, where
//! RFC 9110 asks to match the valid tags in it.

/// One member of an entity-tag list.
#[derive(Debug, PartialEq, Eq)]
pub enum Tag<'a> {
    /// `*`
    Any,
    /// `"..."` or `W/"..."`: the opaque tag with its quotes, and whether it
    /// is weak.
    Tag { opaque: &'a str, weak: bool },
}

/// The members of an entity-tag list; malformed members are skipped.
pub fn entity_tags(value: &str) -> Vec<Tag<'_>> {
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        if rest.is_empty() {
            return tags;
        }
        let (weak, body) = match rest.strip_prefix("W/") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        if let Some(inner) = body.strip_prefix('"') {
            if let Some(close) = inner.find('"') {
                let opaque = &body[..close + 2];
                let after = &body[close + 2..];
                let ends = after.trim_start_matches([' ', '\t']);
                if ends.is_empty() || ends.starts_with(',') {
                    tags.push(Tag::Tag { opaque, weak });
                }
                rest = after;
                // Skip to the next member if this one had trailing garbage.
                rest = rest.find(',').map_or("", |i| &rest[i..]);
                continue;
            }
            return tags;
        }
        let end = rest.find(',').unwrap_or(rest.len());
        if rest[..end].trim() == "*" {
            tags.push(Tag::Any);
        }
        rest = &rest[end..];
    }
}

/// `If-None-Match`: weak comparison against `etag` (`"..."`).
pub fn none_match(value: &str, etag: &str) -> bool {
    entity_tags(value).iter().any(|t| match t {
        Tag::Any => true,
        Tag::Tag { opaque, .. } => *opaque == etag,
    })
}

/// `If-Match`: strong comparison against `etag`.
pub fn any_match(value: &str, etag: &str) -> bool {
    entity_tags(value).iter().any(|t| match t {
        Tag::Any => true,
        Tag::Tag { opaque, weak } => !weak && *opaque == etag,
    })
}

/// What a `Range` header asks of a representation of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Ranged {
    /// Send the whole representation (no usable Range: another unit, bad
    /// syntax, or more than one range, which RFC 9110 14.2 lets a server
    /// ignore).
    Full,
    /// `start..=end`.
    Part(u64, u64),
    /// 416.
    Unsatisfiable,
}

/// Parses `Range` against a representation of `len` bytes.
pub fn range(value: &str, len: u64) -> Ranged {
    let Some((unit, set)) = value.split_once('=') else {
        return Ranged::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Ranged::Full;
    }
    let specs: Vec<&str> = set
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let [spec] = specs[..] else {
        return Ranged::Full;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Ranged::Full;
    };
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().unwrap_or(u64::MAX))
    };
    match (first, last) {
        ("", suffix) => match num(suffix) {
            None => Ranged::Full,
            Some(0) => Ranged::Unsatisfiable,
            // An empty representation: the range is ignored (RFC 9110
            // 14.1.1 allows no other satisfiable form, and a 200 is right).
            Some(_) if len == 0 => Ranged::Full,
            Some(n) => Ranged::Part(len.saturating_sub(n), len - 1),
        },
        (first, last) => {
            let Some(a) = num(first) else {
                return Ranged::Full;
            };
            let b = if last.is_empty() {
                u64::MAX
            } else {
                match num(last) {
                    Some(b) if b >= a => b,
                    _ => return Ranged::Full,
                }
            };
            if a >= len {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(a, b.min(len - 1))
            }
        }
    }
}

/// Whether `Accept-Encoding` accepts `coding` (a q-value above 0, by name
/// or by `*`).
pub fn accepts(value: &str, coding: &str) -> bool {
    let mut named = None;
    let mut star = None;
    for member in value.split(',') {
        let mut parts = member.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .or_else(|| p.trim().strip_prefix("Q="))
            })
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(q > 0.0);
        } else if name == "*" {
            star = Some(q > 0.0);
        }
    }
    named.or(star).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists() {
        let e = "\"abc\"";
        assert!(none_match("garbage, \"abc\"", e));
        assert!(none_match("\"x\", W/\"abc\"", e));
        assert!(none_match("*", e));
        assert!(!none_match("\"abcd\", abc", e));
        assert!(!none_match("\"abc\"junk", e));
        assert!(any_match("\"x\", \"abc\"", e));
        assert!(!any_match("W/\"abc\"", e), "If-Match compares strongly");
        assert!(!any_match("\"wrong\"", e));
        assert!(any_match("*", e));
        assert!(none_match("\"a,b\", \"abc\"", e), "a comma inside a tag");
    }

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-23", 100), Ranged::Part(0, 23));
        assert_eq!(range("bytes=90-", 100), Ranged::Part(90, 99));
        assert_eq!(range("bytes=50-1000", 100), Ranged::Part(50, 99));
        assert_eq!(range("bytes=-10", 100), Ranged::Part(90, 99));
        assert_eq!(range("bytes=-1000", 100), Ranged::Part(0, 99));
        assert_eq!(range("BYTES = 1-2", 100), Ranged::Part(1, 2));
        assert_eq!(range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Ranged::Unsatisfiable);
        assert_eq!(range("bytes=0-1,4-5", 100), Ranged::Full);
        assert_eq!(range("bytes=0-5,999999999-", 100), Ranged::Full);
        assert_eq!(range("items=0-5", 100), Ranged::Full);
        assert_eq!(range("bytes=5-2", 100), Ranged::Full);
        assert_eq!(range("bytes=x-2", 100), Ranged::Full);
        assert_eq!(
            range("bytes=99999999999999999999999-", 100),
            Ranged::Unsatisfiable
        );
        assert_eq!(range("bytes", 100), Ranged::Full);
        // An empty file: a suffix range is ignored, a first position is
        // past its end.
        assert_eq!(range("bytes=-5", 0), Ranged::Full);
        assert_eq!(range("bytes=0-", 0), Ranged::Unsatisfiable);
    }

    #[test]
    fn encodings() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("br;q=0.5, gzip", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("*, gzip;q=0", "gzip"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("brotli", "br"));
    }
}
