//! A zlib stream the way zlib writes one with the `Z_RLE` strategy (what
//! pngjs asks for by default): header `78 01`, literals and runs (matches at
//! distance 1 only), one block with dynamic Huffman codes, Adler-32.

/// Shortest and longest run deflate can express as one match.
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Symbols of the literal/length alphabet; 256 is the end of the block.
const LITLEN_SYMBOLS: usize = 286;
const END_OF_BLOCK: usize = 256;
/// Longest code for the literal/length and distance codes, and for the code-length code.
const MAX_BITS: u8 = 15;
const MAX_CODE_LENGTH_BITS: u8 = 7;

/// First length of each length symbol 257..=285, and its extra bits.
const LENGTH_BASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/// The order code-length code lengths are sent in (RFC 1951, 3.2.7).
const CODE_LENGTH_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// The zlib header zlib writes for level flags 0 (which `Z_RLE` forces).
pub(crate) const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(u8),
    /// A repeat of the previous byte, `MIN_MATCH..=MAX_MATCH` long.
    Run(u16),
}

/// The whole zlib stream of `data`.
pub(crate) fn zlib_rle(data: &[u8]) -> Vec<u8> {
    let mut out = ZLIB_HEADER.to_vec();
    out.extend(deflate_rle(data));
    out.extend(adler32(data).to_be_bytes());
    out
}

fn tokens(data: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(data.len() / 4);
    let mut i = 0;
    while i < data.len() {
        let run = match i.checked_sub(1).map(|p| data[p]) {
            Some(prev) => data[i..].iter().take(MAX_MATCH).take_while(|&&b| b == prev).count(),
            None => 0,
        };
        if run >= MIN_MATCH {
            tokens.push(Token::Run(run as u16));
            i += run;
        } else {
            tokens.push(Token::Literal(data[i]));
            i += 1;
        }
    }
    tokens
}

/// Index into `LENGTH_BASE` for a run of `len` bytes.
fn length_index(len: u16) -> usize {
    LENGTH_BASE.iter().rposition(|&base| base <= len).unwrap_or(0)
}

/// Raw deflate data: one final block with dynamic Huffman codes.
fn deflate_rle(data: &[u8]) -> Vec<u8> {
    let tokens = tokens(data);
    let mut litlen_freq = [0u32; LITLEN_SYMBOLS];
    let mut dist_freq = [0u32; 2];
    litlen_freq[END_OF_BLOCK] = 1;
    for token in &tokens {
        match *token {
            Token::Literal(b) => litlen_freq[usize::from(b)] += 1,
            Token::Run(len) => {
                litlen_freq[257 + length_index(len)] += 1;
                dist_freq[0] += 1;
            }
        }
    }
    let litlen = Code::new(&litlen_freq, MAX_BITS);
    let dist = Code::new(&dist_freq, MAX_BITS);

    let mut bits = BitWriter::default();
    bits.put(1, 1); // BFINAL
    bits.put(2, 2); // BTYPE: dynamic Huffman codes
    write_code_lengths(&mut bits, &litlen.lengths, &dist.lengths);
    for token in &tokens {
        match *token {
            Token::Literal(b) => litlen.put(&mut bits, usize::from(b)),
            Token::Run(len) => {
                let i = length_index(len);
                litlen.put(&mut bits, 257 + i);
                bits.put(u32::from(len - LENGTH_BASE[i]), LENGTH_EXTRA[i]);
                dist.put(&mut bits, 0);
            }
        }
    }
    litlen.put(&mut bits, END_OF_BLOCK);
    bits.finish()
}

/// The block header's code descriptions: HLIT, HDIST, HCLEN, the code-length
/// code, then both codes' lengths in it (zero runs as symbols 17 and 18).
fn write_code_lengths(bits: &mut BitWriter, litlen: &[u8], dist: &[u8]) {
    let hlit = litlen.iter().rposition(|&l| l > 0).map_or(257, |i| (i + 1).max(257));
    let hdist = dist.iter().rposition(|&l| l > 0).map_or(1, |i| i + 1);
    let all: Vec<u8> = litlen[..hlit].iter().chain(&dist[..hdist]).copied().collect();
    // (symbol, extra bits, extra bit count)
    let mut symbols: Vec<(usize, u32, u8)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let zeros = all[i..].iter().take(138).take_while(|&&l| l == 0).count();
        if zeros >= 11 {
            symbols.push((18, (zeros - 11) as u32, 7));
            i += zeros;
        } else if zeros >= 3 {
            symbols.push((17, (zeros - 3) as u32, 3));
            i += zeros;
        } else {
            symbols.push((usize::from(all[i]), 0, 0));
            i += 1;
        }
    }
    let mut freq = [0u32; 19];
    for &(symbol, _, _) in &symbols {
        freq[symbol] += 1;
    }
    let code = Code::new(&freq, MAX_CODE_LENGTH_BITS);
    let hclen = CODE_LENGTH_ORDER.iter().rposition(|&s| code.lengths[s] > 0).map_or(4, |i| (i + 1).max(4));
    bits.put((hlit - 257) as u32, 5);
    bits.put((hdist - 1) as u32, 5);
    bits.put((hclen - 4) as u32, 4);
    for &symbol in &CODE_LENGTH_ORDER[..hclen] {
        bits.put(u32::from(code.lengths[symbol]), 3);
    }
    for (symbol, extra, extra_bits) in symbols {
        code.put(bits, symbol);
        bits.put(extra, extra_bits);
    }
}

/// A canonical Huffman code: each symbol's length and its bit-reversed code.
struct Code {
    lengths: Vec<u8>,
    codes: Vec<u16>,
}

impl Code {
    fn new(freq: &[u32], limit: u8) -> Code {
        let mut freq = freq.to_vec();
        // Like zlib: at least two symbols, so that every code is complete.
        let mut missing = 2usize.saturating_sub(freq.iter().filter(|&&f| f > 0).count());
        for f in freq.iter_mut().filter(|f| **f == 0) {
            if missing == 0 {
                break;
            }
            *f = 1;
            missing -= 1;
        }
        // Flattening the frequencies until the tree is shallow enough is crude
        // but always ends: equal frequencies give a balanced tree.
        let lengths = loop {
            let lengths = huffman_lengths(&freq);
            if lengths.iter().all(|&l| l <= limit) {
                break lengths;
            }
            for f in freq.iter_mut().filter(|f| **f > 0) {
                *f = f.div_ceil(2);
            }
        };
        let codes = canonical_codes(&lengths);
        Code { lengths, codes }
    }

    fn put(&self, bits: &mut BitWriter, symbol: usize) {
        bits.put(u32::from(self.codes[symbol]), self.lengths[symbol]);
    }
}

/// Code lengths of an (unlimited) Huffman tree over the non-zero frequencies.
fn huffman_lengths(freq: &[u32]) -> Vec<u8> {
    // Nodes: leaves first, then internal nodes; `parent` links them.
    let mut weight: Vec<u64> = freq.iter().map(|&f| u64::from(f)).collect();
    let mut parent: Vec<usize> = vec![usize::MAX; freq.len()];
    let mut open: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
    while open.len() > 1 {
        // Lightest two last; ties broken by index so the result is stable.
        open.sort_by(|&a, &b| weight[b].cmp(&weight[a]).then(b.cmp(&a)));
        let (Some(a), Some(b)) = (open.pop(), open.pop()) else { break };
        let node = weight.len();
        weight.push(weight[a] + weight[b]);
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        open.push(node);
    }
    (0..freq.len())
        .map(|s| {
            if freq[s] == 0 {
                return 0;
            }
            let (mut depth, mut node) = (0u8, s);
            while parent[node] != usize::MAX {
                depth = depth.saturating_add(1);
                node = parent[node];
            }
            depth
        })
        .collect()
}

/// RFC 1951 3.2.2: codes from lengths, bit-reversed for LSB-first output.
fn canonical_codes(lengths: &[u8]) -> Vec<u16> {
    let mut count = [0u16; 16];
    for &l in lengths.iter().filter(|&&l| l > 0) {
        count[usize::from(l)] += 1;
    }
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            c.reverse_bits() >> (16 - l)
        })
        .collect()
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    count: u8,
}

impl BitWriter {
    /// The low `n` bits of `value`, least significant first.
    fn put(&mut self, value: u32, n: u8) {
        self.acc |= u64::from(value & ((1u32 << n) - 1)) << self.count;
        self.count += n;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow before the reduction.
    for block in data.chunks(5552) {
        for &byte in block {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(stream: &[u8]) -> Vec<u8> {
        assert_eq!(stream[..2], ZLIB_HEADER);
        miniz_oxide::inflate::decompress_to_vec_zlib(stream).unwrap()
    }

    #[test]
    fn round_trips_through_another_inflater() {
        let mut rng = crate::Rng::new(9);
        let mut runs = Vec::new();
        for _ in 0..300 {
            let byte = if rng.below(3) == 0 { rng.byte() } else { 0 };
            runs.extend(std::iter::repeat_n(byte, 1 + rng.below(700)));
        }
        let noise = rng.bytes(5000);
        let every_byte: Vec<u8> = (0..=255u8).collect();
        for data in [&[][..], &[7], &[1, 1, 1, 1], &runs, &noise, &every_byte, &[0; 100_000]] {
            assert_eq!(inflate(&zlib_rle(data)), data);
        }
    }

    #[test]
    fn runs_are_matches_at_distance_one_only() {
        let t = tokens(&[5, 5, 5, 5, 5, 1, 2, 1, 2, 1, 2]);
        assert_eq!(t[..3], [Token::Literal(5), Token::Run(4), Token::Literal(1)]);
        assert_eq!(t.len(), 2 + 6, "no match at distance 2");
        assert_eq!(tokens(&[0; 1 + 258 + 3]), [Token::Literal(0), Token::Run(258), Token::Run(3)]);
        assert!(zlib_rle(&[0; 10_000]).len() < 100);
    }

    #[test]
    fn code_lengths_respect_the_limit() {
        // Fibonacci frequencies make the deepest unlimited Huffman trees.
        let mut freq = vec![1u32, 1];
        while freq.len() < 30 {
            freq.push(freq[freq.len() - 1] + freq[freq.len() - 2]);
        }
        assert!(huffman_lengths(&freq).iter().any(|&l| l > MAX_BITS));
        let code = Code::new(&freq, MAX_BITS);
        assert!(code.lengths.iter().all(|&l| (1..=MAX_BITS).contains(&l)));
        // Kraft: a complete prefix code.
        let kraft: f64 = code.lengths.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-9, "{kraft}");
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }
}
