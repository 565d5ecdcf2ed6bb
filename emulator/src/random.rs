//! Seeded randomness for fake pairing material: the same sequence on every
//! machine for the same seed, so tests and benchmarks can repeat a picture.
//! Not for secrets.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// xorshift64: tiny, seeded, and the same sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Any seed works (zero included): it is spread and made odd first.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    #[allow(clippy::should_implement_trait)] // an endless generator, not an iterator of options
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// In `0..n` (`0` for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
}

/// Bytes of the reference in the usual pairing string: 80 base64 characters,
/// which makes the whole string 217 characters, a version 11 QR code at level M.
pub const REF_BYTES: usize = 60;

/// A WhatsApp pairing string, `2@<ref>,<noise key>,<identity key>,<adv secret>`:
/// base64 of `ref_bytes` random bytes, then three base64 32-byte keys (44
/// characters each). A shorter reference (50 bytes or fewer) gives a version 10
/// code.
pub fn pairing_string(rng: &mut Rng, ref_bytes: usize) -> String {
    let reference = STANDARD.encode(rng.bytes(ref_bytes));
    let noise = STANDARD.encode(rng.bytes(32));
    let identity = STANDARD.encode(rng.bytes(32));
    let adv = STANDARD.encode(rng.bytes(32));
    format!("2@{reference},{noise},{identity},{adv}")
}

/// The usual 217-character pairing string, different for every `seed` and the
/// same for the same seed.
pub fn whatsapp_payload(seed: u64) -> String {
    pairing_string(&mut Rng::new(seed), REF_BYTES)
}

/// An 8-character pairing code of `A-Z0-9`, as getAuthorizationCode gives.
pub(crate) fn authorization_code(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..8).map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b) = (Rng::new(0), Rng::new(0));
        let first: Vec<u64> = (0..4).map(|_| a.next()).collect();
        assert_eq!(first, (0..4).map(|_| b.next()).collect::<Vec<_>>());
        assert_ne!(first, (0..4).map(|_| Rng::new(1).next()).collect::<Vec<_>>());
        assert!(first.iter().all(|&x| x != 0));
        assert_eq!(a.below(0), 0);
        assert!((0..1000).all(|_| a.below(7) < 7));
    }

    #[test]
    fn pairing_strings_have_the_usual_shape() {
        let a = whatsapp_payload(1);
        assert_eq!(a.len(), 217);
        assert!(a.starts_with("2@"));
        let parts: Vec<&str> = a[2..].split(',').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [80, 44, 44, 44]);
        assert_eq!(a, whatsapp_payload(1));
        assert_ne!(a, whatsapp_payload(2));
        assert_eq!(pairing_string(&mut Rng::new(3), 45).len(), 2 + 60 + 3 * 45);
    }

    #[test]
    fn authorization_codes_are_eight_of_a_to_z_and_digits() {
        let mut rng = Rng::new(5);
        let codes: Vec<String> = (0..50).map(|_| authorization_code(&mut rng)).collect();
        for code in &codes {
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{code}");
        }
        assert!(codes.windows(2).all(|w| w[0] != w[1]));
    }
}
