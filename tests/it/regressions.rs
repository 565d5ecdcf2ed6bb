//! Inputs that once broke a parser (found by the fuzz targets in `fuzz/` or
//! by reading them), kept so they stay fixed. Each says what went wrong.

use scanqr::http::{self, Parse};

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
