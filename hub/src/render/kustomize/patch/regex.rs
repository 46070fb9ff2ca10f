//! Target-selector patterns, matched against the whole input as kustomize
//! anchors them (`^(?:pattern)$`). Go's regexp and the `regex` crate share
//! RE2's syntax and linear-time guarantee, so a pattern means the same in both.
//! (One difference: Go refuses a repeated repetition such as `a**`, which
//! the `regex` crate reads as `(a*)*`; it matches the same strings.)

/// A compiled pattern, always matched against the whole input.
#[derive(Debug, Clone)]
pub(crate) struct Regex(regex::Regex);

impl Regex {
    pub(crate) fn new(pattern: &str) -> Result<Regex, String> {
        regex::Regex::new(&format!("^(?:{pattern})$")).map(Regex).map_err(|e| e.to_string())
    }

    pub(crate) fn is_full_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}
