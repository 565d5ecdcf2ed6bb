//! Reed-Solomon codewords over GF(256), as QR codes use them: only the
//! check that a block is a codeword, because a sampled grid is accepted
//! only when it was read exactly (a repaired read would redraw the damage).

use super::tables::MAX_EC_PER_BLOCK;

/// Powers of the generator 2 in GF(256) with the QR code's polynomial
/// x^8 + x^4 + x^3 + x^2 + 1, twice over so that a sum of two logarithms
/// needs no reduction. Built at compile time.
const EXP: [u8; 512] = exp_table();

/// Logarithms to base 2; `LOG[0]` is unused (zero has none).
const LOG: [u8; 256] = log_table();

const fn exp_table() -> [u8; 512] {
    let mut table = [0u8; 512];
    let mut x = 1u16;
    let mut i = 0;
    // The powers repeat with period 255, so the second copy comes for free.
    while i < 512 {
        table[i] = x as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11d;
        }
        i += 1;
    }
    table
}

const fn log_table() -> [u8; 256] {
    let exp = exp_table();
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 255 {
        table[exp[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// The generator polynomial for some number of error correction codewords,
/// (x - 2^0)(x - 2^1)...(x - 2^(ec-1)), as the logarithms of its
/// coefficients, highest power first with its leading 1 left out. None of
/// them is zero, so every coefficient has a logarithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Generator {
    logs: [u8; MAX_EC_PER_BLOCK],
    len: usize,
}

impl Generator {
    /// The generator for `ec` error correction codewords (at most
    /// [`MAX_EC_PER_BLOCK`]; more are cut to that).
    pub(super) fn new(ec: usize) -> Generator {
        let len = ec.min(MAX_EC_PER_BLOCK);
        let mut coefficients = [0u8; MAX_EC_PER_BLOCK + 1];
        coefficients[0] = 1;
        for (degree, &root) in EXP.iter().take(len).enumerate() {
            // Multiply by (x + root), from the lowest power up to reuse the array in place.
            for k in (1..=degree + 1).rev() {
                coefficients[k] ^= multiply(coefficients[k - 1], root);
            }
        }
        let mut logs = [0u8; MAX_EC_PER_BLOCK];
        for (log, &c) in logs.iter_mut().zip(&coefficients[1..=len]) {
            *log = LOG[usize::from(c)];
        }
        Generator { logs, len }
    }
}

fn multiply(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    EXP[usize::from(LOG[usize::from(a)]) + usize::from(LOG[usize::from(b)])]
}

/// Is `data` followed by `check` a Reed-Solomon codeword of `generator`?
/// Divides by the generator and compares the remainder with `check`:
/// equivalent to every syndrome being zero, for about half the work, as
/// only the data codewords are divided through.
pub(super) fn is_codeword(data: &[u8], check: &[u8], generator: &Generator) -> bool {
    if check.len() != generator.len {
        return false;
    }
    let logs = &generator.logs[..generator.len];
    // One spare zero at the end, shifted in as the remainder moves up.
    let mut remainder = [0u8; MAX_EC_PER_BLOCK + 1];
    for &d in data {
        let lead = d ^ remainder[0];
        remainder.copy_within(1.., 0);
        if lead == 0 {
            continue;
        }
        // Both logarithms are below 256, so the sum is inside EXP.
        let lead_log = usize::from(LOG[usize::from(lead)]);
        for (r, &g) in remainder.iter_mut().zip(logs) {
            *r ^= EXP[lead_log + usize::from(g)];
        }
    }
    remainder[..generator.len] == *check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_matches_the_standard() {
        // ISO/IEC 18004 Annex A: the generator for 10 codewords, as powers of 2.
        assert_eq!(Generator::new(10).logs[..10], [251, 67, 46, 61, 118, 70, 64, 94, 32, 45]);
        assert_eq!(Generator::new(10).len, 10);
        assert_eq!(Generator::new(99).len, MAX_EC_PER_BLOCK);
    }

    #[test]
    fn field_tables_agree() {
        for a in 1..=255u8 {
            assert_eq!(EXP[usize::from(LOG[usize::from(a)])], a);
            assert_eq!(multiply(a, 1), a);
            assert_eq!(multiply(a, 0), 0);
        }
        assert_eq!(multiply(0x80, 2), 0x1d);
    }

    #[test]
    fn codewords_are_told_from_corrupt_ones() {
        // Annex I: "01234567" as version 1-M.
        let data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
        let check = [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55];
        let generator = Generator::new(10);
        assert!(is_codeword(&data, &check, &generator));
        for i in 0..data.len() {
            let mut bad = data;
            bad[i] ^= 1 << (i % 8);
            assert!(!is_codeword(&bad, &check, &generator), "data byte {i} flipped");
        }
        let mut bad = check;
        bad[9] ^= 0x80;
        assert!(!is_codeword(&data, &bad, &generator));
        assert!(!is_codeword(&data, &check[..9], &generator));
        // All zero is a codeword of every generator.
        assert!(is_codeword(&[0; 50], &[0; 30], &Generator::new(30)));
    }
}
