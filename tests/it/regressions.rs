//! Inputs that once broke a parser (found by the fuzz targets in `fuzz/` or
//! by reading them), kept so they stay fixed. Each says what went wrong.

use scanqr::net::http::{self, Parse};

/// A prefix of any input that parses to `Done` must parse to `Ok`.
fn assert_prefixes_ok(raw: &[u8], cuts: impl Iterator<Item = usize>) {
    for cut in cuts {
        assert!(http::parse(&raw[..cut], false).is_ok(), "prefix of {cut} bytes is an error");
    }
}

/// A header over 16 KiB was refused while its end was not yet read, but
/// accepted when it arrived in one read: the limit now holds either way.
#[test]
fn http_header_limit_holds_in_one_read() {
    let raw = format!("HTTP/1.1 200 OK\r\nX-Pad: {}\r\nContent-Length: 2\r\n\r\n{{}}", "p".repeat(20_000));
    assert!(http::parse(raw.as_bytes(), false).is_err());
    assert!(http::parse(raw.as_bytes(), true).is_err());
}

/// A chunk-size line without CRLF was waited on for ever (the caller kept
/// every byte); many tiny chunks could hold ~1000x the body limit.
#[test]
fn http_chunked_framing_is_bounded() {
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let endless = format!("{head}5;{}", "e".repeat(4096));
    assert!(http::parse(endless.as_bytes(), false).is_err());
    let tiny = format!(
        "{head}{}0\r\n\r\n",
        "1;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nx\r\n".repeat(2000)
    );
    assert!(http::parse(tiny.as_bytes(), false).is_err());
    // Within the limits, every prefix of a good response is still Incomplete or Done.
    let good = format!("{head}1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(1000));
    assert!(matches!(http::parse(good.as_bytes(), false), Ok(Parse::Done(r)) if r.body == b"x"));
    assert_prefixes_ok(good.as_bytes(), 0..good.len());
}

/// The fuzz target `png` found a panic in the `png` crate (0.18.1,
/// src/decoder/transform/palette.rs:74, "range end index 3 out of range for
/// slice of length 1"), reached from `decode_png`'s first
/// `next_interlaced_row`: a `PLTE` chunk whose length is not a multiple of 3.
/// The crate does not check it; `decode_png` must refuse such a palette itself
/// (src/image.rs, owned elsewhere: see the proposed patch in the fuzzing
/// report). This is the smallest such file: 1x1, 8-bit palette, a 4-byte PLTE.
const PLTE_NOT_TRIPLES: &str = concat!(
    "89504e470d0a1a0a0000000d494844520000000100000001080300000028cb34bb",
    "00000004504c5445000000ff99a141f7",
    "0000000d494441547801010200fdff0000000200017e050dd2",
    "0000000049454e44ae426082",
);

fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
}

/// A palette PNG (1x1, the pixel index 0) with the given PLTE bytes.
fn palette_png(plte: &[u8]) -> Vec<u8> {
    super::qr_fixtures::raw_png(1, 1, 8, 3, 0, Some(plte), None, &[0, 0])
}

#[test]
fn png_palette_fixture_is_what_it_says() {
    assert_eq!(unhex(PLTE_NOT_TRIPLES), palette_png(&[0, 0, 0, 0xff]));
    // A whole palette decodes.
    let ok = scanqr::image::decode_png(&palette_png(&[0, 0, 0])).unwrap();
    assert_eq!((ok.width, ok.height, ok.pixels), (1, 1, vec![0]));
}

#[test]
fn png_palette_of_partial_entries_is_an_error_not_a_panic() {
    let fuzzed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/regressions/png-plte-not-triples-fuzzed.png"
    ))
    .unwrap();
    let mut inputs = vec![unhex(PLTE_NOT_TRIPLES), fuzzed];
    inputs.extend([&[0u8, 0, 0, 0, 1][..], &[0], &[0xff, 0xff]].map(palette_png));
    for png in inputs {
        let result = std::panic::catch_unwind(|| scanqr::image::decode_png(&png));
        assert!(matches!(result, Ok(Err(_))), "{png:02x?}: {result:?}");
    }
}
