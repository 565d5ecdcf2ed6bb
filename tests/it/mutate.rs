//! Deterministic mutation testing of every parser that takes outside bytes:
//! the tests' seeded generator drives byte flips, truncations, insertions, deletions
//! and splices of valid inputs (real QR PNGs, JSON frames, HTTP responses),
//! and each result must be a bounded `Ok` or an `Err`, never a panic.
//!
//! The same valid inputs seed the fuzz targets in `fuzz/`; regenerate
//! `fuzz/seeds/` with `cargo test --test it write_fuzz_seeds -- --ignored`.

use super::qr_fixtures::{self, Canvas, Encoding, Filter, Spec};
use crate::support::Rng;
use base64::Engine;
use qrcode::EcLevel;
use scanqr::draw::{line_count, render, Style};
use scanqr::image::{check_png, decode_png, Gray, Header, MAX_SIDE};
use scanqr::message::{self, Message};
use scanqr::net::http::{self, Parse, MAX_BODY};
use scanqr::qr::{read_modules, Modules};

// ------------------------------------------------------------ the mutator

/// Bytes that tend to matter to parsers.
const INTERESTING: &[u8] = b"\x00\x01\x7f\x80\xff\r\n :;,\"{}[]\\=0123456789abcdefABCDEF-+.eE\t";

/// One to four random edits of `input`, with `other` for splices.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(9) {
            // Flip a bit.
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            // Set a byte, random or interesting.
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = if rng.below(2) == 0 { rng.byte() } else { INTERESTING[rng.below(INTERESTING.len())] };
            }
            // Truncate.
            2 => v.truncate(rng.below(len + 1)),
            // Insert a few bytes.
            3 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n)
                    .map(|_| if rng.below(2) == 0 { rng.byte() } else { INTERESTING[rng.below(INTERESTING.len())] })
                    .collect();
                v.splice(at..at, bytes);
            }
            // Delete a range.
            4 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                v.drain(at..at + n);
            }
            // Duplicate a range in place.
            5 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                let copy = v[at..at + n].to_vec();
                v.splice(at..at, copy);
            }
            // Splice: a prefix of this, the rest of the other.
            6 => {
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                v.truncate(cut);
                v.extend_from_slice(&other[from..]);
            }
            // Overwrite a 32-bit value (lengths, sizes) with an extreme.
            7 if len >= 4 => {
                let at = rng.below(len - 3);
                let value = [0u32, 1, 0x7fff_ffff, 0xffff_ffff, 2048, 2049, 65536][rng.below(7)];
                v[at..at + 4].copy_from_slice(&value.to_be_bytes());
            }
            // Swap two bytes.
            _ if len > 1 => {
                let (a, b) = (rng.below(len), rng.below(len));
                v.swap(a, b);
            }
            _ => v.push(rng.byte()),
        }
    }
    v
}

/// Rewrite each whole chunk's CRC, so mutations reach past the checksum
/// into the decoder (the fuzz target does the same).
pub fn fix_png_crcs(png: &mut [u8]) {
    let mut at = 8;
    while let Some(len) = png.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize) {
        let end = match (at + 8).checked_add(len) {
            Some(end) if end + 4 <= png.len() => end,
            _ => return,
        };
        let crc = crate::qr_fixtures::crc32(&png[at + 4..end]);
        png[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        at = end + 4;
    }
}

// ------------------------------------------------------------ valid inputs

/// Real QR PNGs: the emulator's 264 px code, and small fixtures in other
/// colour types, bit depths and Adam7 (small, so debug decoding stays quick).
pub fn valid_pngs() -> Vec<Vec<u8>> {
    let mut out = vec![scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(1))];
    let small = |version: i16, scale: u32, encoding: Encoding, interlaced: bool| {
        let mut s = Spec::new(&qr_fixtures::payload_for(version, EcLevel::M, version as u64, 0.8), version, EcLevel::M);
        s.canvas = Canvas::Scale(scale);
        s.border = 1;
        s.filter = Filter::Nearest;
        s.encoding = encoding;
        s.interlaced = interlaced;
        qr_fixtures::build(&s).png
    };
    out.push(small(1, 2, Encoding::Gray(8), false));
    out.push(small(2, 2, Encoding::Palette(2, true), false));
    out.push(small(1, 3, Encoding::Rgba(16), false));
    out.push(small(2, 2, Encoding::Gray(1), true));
    out.push(small(1, 2, Encoding::Rgb(8), true));
    out.push(small(3, 1, Encoding::GrayAlpha(8), false));
    out
}

/// Decoded QR pictures for `read_modules`, small enough to mutate often.
pub fn valid_grays() -> Vec<Gray> {
    valid_pngs().iter().skip(1).filter_map(|p| decode_png(p).ok()).collect()
}

/// Every kind of frame GREEN-API sends, the QR code one with a real PNG.
pub fn valid_frames() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let png = b64.encode(&valid_pngs()[1]);
    vec![
        format!(r#"{{"type":"qrCode","message":"{png}"}}"#),
        format!(r#"{{"type":"qrCode","message":"data:image/png;base64,{png}"}}"#),
        r#"{"type":"qrCode","message":" aGVs\nbG8=\r\n"}"#.to_string(),
        r#"{"type":"accountData","message":{"wid":"79001234567@c.us","pushname":"Ann","proxy":null,"webhookUrl":"https://example.com/hook"}}"#.to_string(),
        r#"{"type":"accountData","wid":"7@c.us","pushname":"Ann","message":"ok"}"#.to_string(),
        r#"{"type":"alreadyLogged","message":"instance account already authorized"}"#.to_string(),
        r#"{"type":"timeoutExpired","message":"timeout"}"#.to_string(),
        r#"{"type":"timeout"}"#.to_string(),
        r#"{"type":"error","message":"instance is blocked"}"#.to_string(),
        r#"{"type":"error","message":{"code":5,"list":[1.5e3,true,null,"\u00e9\ud83d\ude00"]}}"#.to_string(),
    ]
}

/// HTTP responses as GREEN-API's `getStateInstance` and `logout` answer.
pub fn valid_responses() -> Vec<Vec<u8>> {
    let json = |body: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
    };
    [
        json(r#"{"stateInstance":"notAuthorized"}"#),
        json(r#"{"stateInstance":"authorized"}"#),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7;ext=1\r\n{\"isLog\r\n8\r\nout\":tru\r\n2\r\ne}\r\n0\r\n\r\n"
            .to_string(),
        "HTTP/1.0 401 Unauthorized\r\nServer: x\r\n\r\nUnauthorized".to_string(),
        "HTTP/1.1 466 Correspondents Quota\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".to_string(),
        "HTTP/1.1 100 Continue\r\n\r\n".to_string(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

// ------------------------------------------------------------ the checks

/// `message::parse` and `decode_base64`: no panic, and nothing bigger than
/// the frame. Returns whether the frame was a message.
fn check_frame(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let parsed = message::parse(&text);
    match &parsed {
        Ok(Message::Qr(png)) => assert!(!png.is_empty() && png.len() <= text.len()),
        Ok(Message::Account(fields)) => {
            assert!(fields.len() <= message::ACCOUNT_FIELDS.len());
            assert!(fields.keys().all(|k| message::ACCOUNT_FIELDS.contains(&k.as_str())));
        }
        // Re-serialised JSON may write a number longer (1e15 → 1000000000000000.0).
        Ok(Message::AlreadyLogged(t) | Message::Error(t)) => assert!(t.len() <= 8 * text.len() + 64),
        Ok(Message::Timeout) => {}
        Err(why) => assert!(!why.is_empty() && why.len() <= 400, "{why}"),
    }
    if let Ok(bytes) = message::decode_base64(&text) {
        assert!(!bytes.is_empty() && bytes.len() <= text.len());
    }
    parsed.is_ok()
}

/// `check_png` and `decode_png` accept the same files with the same header;
/// then `read_modules` and `render`: no panic, and bounded.
/// Returns (decoded, read): how far the input got.
fn check_picture(bytes: &[u8]) -> (bool, bool) {
    let decoded = decode_png(bytes);
    let header = decoded.as_ref().ok().map(|g| Header { width: g.width, height: g.height });
    assert_eq!(check_png(bytes).ok(), header, "check_png and decode_png disagree: {:?}", decoded.as_ref().err());
    let Ok(gray) = decoded else { return (false, false) };
    assert!((1..=MAX_SIDE).contains(&gray.width) && (1..=MAX_SIDE).contains(&gray.height));
    assert_eq!(gray.pixels.len(), gray.width as usize * gray.height as usize);
    (true, check_gray(&gray))
}

/// `read_modules`, then `render` in every style: no panic, and bounded.
/// Returns whether a code was read.
fn check_gray(gray: &Gray) -> bool {
    let Ok(m) = read_modules(gray) else { return false };
    check_modules(&m);
    true
}

fn check_modules(m: &Modules) {
    assert!((21..=177).contains(&m.size) && (m.size - 17) % 4 == 0, "size {}", m.size);
    assert_eq!(m.dark.len(), m.size * m.size);
    for color in [false, true] {
        for invert in [false, true] {
            let text = render(m, Style { color, invert });
            assert_eq!(text.lines().count(), line_count(m));
            assert!(text.len() <= line_count(m) * ((m.size + 4) * 3 + 16));
        }
    }
}

/// `http::parse`: bounded responses, and a prefix of a `Done` response is
/// never an error. Returns whether the input was a whole response.
fn check_response(raw: &[u8], rng: &mut Rng) -> bool {
    let mut done = None;
    for at_eof in [false, true] {
        if let Ok(Parse::Done(r)) = http::parse(raw, at_eof) {
            assert!(r.body.len() <= MAX_BODY && (100..1000).contains(&r.status));
            done.get_or_insert((at_eof, r));
        }
    }
    let Some((at_eof, whole)) = done else { return false };
    for _ in 0..4 {
        let cut = rng.below(raw.len() + 1);
        match http::parse(&raw[..cut], false) {
            Ok(Parse::Incomplete) => {}
            Ok(Parse::Done(r)) => assert!(at_eof || r == whole, "prefix {cut} of {raw:?} is another response"),
            Err(e) => panic!("prefix {cut} of {raw:?} is an error ({e}), the whole is Done"),
        }
    }
    true
}

// ------------------------------------------------------------ the tests

// How many mutants each test tries: about 14 s in all for a debug build on
// one core, 8 s of it PNG decoding and QR reading.
const FRAMES: usize = 50_000;
const PNGS: usize = 8_000;
const GRIDS: usize = 5_000;
const RESPONSES: usize = 100_000;

#[test]
fn valid_inputs_are_valid() {
    for png in valid_pngs() {
        let gray = decode_png(&png).unwrap();
        read_modules(&gray).unwrap();
    }
    for frame in valid_frames() {
        message::parse(&frame).unwrap();
    }
    for raw in valid_responses() {
        assert!(matches!(http::parse(&raw, true), Ok(Parse::Done(_))), "{}", String::from_utf8_lossy(&raw));
    }
}

#[test]
fn mutated_frames_never_panic() {
    let frames: Vec<Vec<u8>> = valid_frames().into_iter().map(String::into_bytes).collect();
    let mut rng = Rng::new(1);
    let mut parsed = 0;
    for _ in 0..FRAMES {
        let input = &frames[rng.below(frames.len())];
        let other = &frames[rng.below(frames.len())];
        parsed += usize::from(check_frame(&mutate(&mut rng, input, other)));
    }
    // Not vacuous: some mutants still parse (about 8%).
    assert!(parsed > FRAMES / 25, "{parsed} of {FRAMES} parsed");
}

#[test]
fn mutated_pngs_never_panic() {
    let pngs = valid_pngs();
    let mut rng = Rng::new(2);
    let (mut decoded, mut read) = (0, 0);
    for i in 0..PNGS {
        // The 264 px picture is slow to decode in a debug build: one in ten.
        let input = if i % 10 == 0 { &pngs[0] } else { &pngs[1 + rng.below(pngs.len() - 1)] };
        let other = &pngs[rng.below(pngs.len())];
        let mut bytes = mutate(&mut rng, input, other);
        if rng.below(4) != 0 {
            fix_png_crcs(&mut bytes);
        }
        let (d, r) = check_picture(&bytes);
        decoded += usize::from(d);
        read += usize::from(r);
    }
    // Not vacuous: some mutants get through the decoder (about 6%) and the QR reader.
    assert!(decoded > PNGS / 40 && read > PNGS / 100, "{decoded} decoded, {read} read, of {PNGS}");
}

#[test]
fn mutated_grids_never_panic() {
    let grays = valid_grays();
    let mut rng = Rng::new(3);
    let mut read = 0;
    for _ in 0..GRIDS {
        let g = &grays[rng.below(grays.len())];
        let other = &grays[rng.below(grays.len())];
        let mut pixels = mutate(&mut rng, &g.pixels, &other.pixels);
        // Mostly keep the size (so the code stays readable), sometimes not.
        let (mut width, mut height) = (g.width, g.height);
        match rng.below(8) {
            0 => width = rng.below(300) as u32,
            1 => (width, height) = (height, width.max(1) + 1),
            _ => {}
        }
        // Also pictures whose pixel count disagrees with their size.
        if rng.below(16) != 0 {
            pixels.resize(width as usize * height as usize, 255);
        }
        read += usize::from(check_gray(&Gray { width, height, pixels }));
    }
    assert!(read > GRIDS / 10, "{read} of {GRIDS} read");
    // Degenerate shapes.
    for (w, h) in [(0, 0), (0, 50), (50, 0), (1, 1), (21, 21), (300, 1), (1, 300), (u32::MAX, 2)] {
        for fill in [0u8, 255, 128] {
            let pixels = vec![fill; (w as usize).saturating_mul(h as usize).min(100_000)];
            check_gray(&Gray { width: w, height: h, pixels });
        }
    }
}

#[test]
fn mutated_responses_never_panic() {
    let responses = valid_responses();
    let mut rng = Rng::new(4);
    let mut done = 0;
    for _ in 0..RESPONSES {
        let input = &responses[rng.below(responses.len())];
        let other = &responses[rng.below(responses.len())];
        let raw = mutate(&mut rng, input, other);
        done += usize::from(check_response(&raw, &mut rng));
    }
    assert!(done > RESPONSES / 10, "{done} of {RESPONSES} were whole responses");
}

/// Writes `fuzz/seeds/<target>/` from the valid inputs above:
/// `cargo test --test it write_fuzz_seeds -- --ignored`.
#[test]
#[ignore = "writes fuzz/seeds/; run by hand when the inputs change"]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let write = |target: &str, name: String, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    for (i, frame) in valid_frames().iter().enumerate() {
        write("message", format!("frame-{i:02}.json"), frame.as_bytes());
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let real = scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(2));
    write(
        "message",
        "frame-real-qr.json".into(),
        format!(r#"{{"type":"qrCode","message":"{}"}}"#, b64.encode(&real)).as_bytes(),
    );
    for (i, png) in valid_pngs().iter().enumerate() {
        write("png", format!("qr-{i:02}.png"), png);
    }
    // qr_grid's input: width and height as little-endian u16, then the pixels.
    let grid = |g: &Gray| {
        let mut v = Vec::new();
        v.extend_from_slice(&(g.width as u16).to_le_bytes());
        v.extend_from_slice(&(g.height as u16).to_le_bytes());
        v.extend_from_slice(&g.pixels);
        v
    };
    for (i, g) in valid_grays().iter().enumerate() {
        write("qr_grid", format!("grid-{i:02}-{}x{}.bin", g.width, g.height), &grid(g));
    }
    let real_gray = decode_png(&real).unwrap();
    write("qr_grid", "grid-real-264x264.bin".into(), &grid(&real_gray));
    for (i, raw) in valid_responses().iter().enumerate() {
        write("http", format!("response-{i:02}.http"), raw);
    }
}
