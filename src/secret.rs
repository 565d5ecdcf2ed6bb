//! The secrets scanqr holds (the token, a proxy's credentials) and the one
//! function that masks them.
//!
//! Invariant: every byte scanqr prints, to stdout or stderr, in an event or
//! in an error before any event, goes through [`Secrets::mask`]. A secret
//! is masked wherever it appears, whatever its length.

use crate::Error;
use std::fmt;

/// The apiTokenInstance. `Debug` never shows it; [`Token::reveal`] is for
/// the request path on the wire only (`url.rs`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Token(String);

impl Token {
    /// Letters and digits only, so it cannot change the URL it is put in.
    pub fn new(raw: &str) -> Result<Token, Error> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Error::Config(
                "the token is empty: put apiTokenInstance in API_TOKEN_INSTANCE or in the file named by --token-file"
                    .into(),
            ));
        }
        if !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::Config(
                "the token must be letters and digits only: copy apiTokenInstance from the GREEN-API console again"
                    .into(),
            ));
        }
        Ok(Token(t.to_string()))
    }

    /// The token itself: for the request path that goes on the wire, and for masking.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything that must never be printed.
#[derive(Clone, Default)]
pub struct Secrets(Vec<String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} held)", self.0.len())
    }
}

impl Secrets {
    /// Add a secret; empty text (and surrounding white space) is ignored.
    pub fn add(&mut self, secret: &str) {
        let s = secret.trim();
        if !s.is_empty() && !self.0.iter().any(|known| known == s) {
            self.0.push(s.to_string());
            // Longest first, so a secret that contains another is masked whole.
            self.0.sort_by_key(|k| std::cmp::Reverse(k.len()));
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.0 {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_whatever_its_length() {
        let mut s = Secrets::default();
        s.add("Zq7SecretTok3n");
        s.add(" pw ");
        s.add("");
        assert_eq!(s.mask("a/Zq7SecretTok3n/b pw:pw"), "a/***/b ***:***");
        assert_eq!(s.mask("nothing here"), "nothing here");
    }

    #[test]
    fn a_secret_inside_another_is_masked_whole() {
        let mut s = Secrets::default();
        s.add("abc");
        s.add("xxabcxx");
        assert_eq!(s.mask("[xxabcxx] [abc]"), "[***] [***]");
    }

    #[test]
    fn tokens_are_checked_and_never_debug_printed() {
        assert!(Token::new("abc\n").is_ok());
        for bad in ["", "  ", "ab/c", "ab c", "a?b", "токен"] {
            assert!(matches!(Token::new(bad), Err(Error::Config(_))), "{bad:?}");
        }
        assert_eq!(format!("{:?}", Token::new("secret1").ok()), "Some(***)");
    }
}
