//! The QR picture path through the public API: PNG bytes -> luminance ->
//! module matrix -> terminal text, checked against an independent encoder
//! (`qrcode`) and an independent decoder (`rqrr`).

// Test code: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::qr_fixtures::{self as fx, Canvas, Encoding, Filter, Fixture, Spec};
use qrcode::EcLevel;
use scanqr::draw::{line_count, qr_text, render, Style, QUIET};
use scanqr::image::{decode_png, ImageError, MAX_SIDE};
use scanqr::qr::{read_modules, Modules};

const STYLES: [Style; 3] =
    [Style { color: true, invert: false }, Style { color: false, invert: false }, Style { color: false, invert: true }];

/// Strip `ESC [ ... m` sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Terminal text back to a matrix of dark modules (quiet zone included).
fn parse_text(text: &str, style: Style) -> Result<(usize, usize, Vec<bool>), String> {
    if !text.ends_with('\n') {
        return Err("text does not end with a newline".into());
    }
    let ink_is_dark = style.color || style.invert;
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut width = None;
    let mut rows: Vec<Vec<bool>> = Vec::new();
    for line in &lines {
        if style.color {
            if !line.starts_with("\x1b[") || !line.ends_with("\x1b[0m") {
                return Err(format!("colour line not set and reset: {line:?}"));
            }
        } else if line.contains('\x1b') {
            return Err("escape code in a no-colour line".into());
        }
        let plain = strip_ansi(line);
        let cells: Vec<char> = plain.chars().collect();
        if *width.get_or_insert(cells.len()) != cells.len() {
            return Err("lines of different widths".into());
        }
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        for c in cells {
            let (t, b) = match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                ' ' => (false, false),
                other => return Err(format!("unexpected glyph {other:?}")),
            };
            top.push(t == ink_is_dark);
            bottom.push(b == ink_is_dark);
        }
        rows.push(top);
        rows.push(bottom);
    }
    let w = width.unwrap_or(0);
    let h = rows.len();
    Ok((w, h, rows.concat()))
}

/// Check rendered text: it redraws exactly the modules, with a light quiet
/// zone, and `rqrr` decodes a picture of it to `payload`.
fn check_text(m: &Modules, text: &str, style: Style, payload: &str) -> Result<(), String> {
    if text.lines().count() != line_count(m) {
        return Err("line_count disagrees with the text".into());
    }
    let (w, h, dark) = parse_text(text, style)?;
    let side = m.size + 2 * QUIET;
    if w != side || h != 2 * line_count(m) {
        return Err(format!("text is {w}x{h} modules, want {side} wide"));
    }
    // Rows past the quiet zone (half a line under an odd count) are the
    // terminal's own background: not part of the drawing.
    for y in 0..side {
        for x in 0..w {
            let want =
                x >= QUIET && y >= QUIET && x < QUIET + m.size && y < QUIET + m.size && m.get(x - QUIET, y - QUIET);
            if dark[y * w + x] != want {
                return Err(format!("text module ({x},{y}) wrong"));
            }
        }
    }
    // Four pixels per module, as a phone camera would see it.
    let px = 4;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * px, h * px, |x, y| {
        if y / px < side && dark[(y / px) * w + x / px] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("rqrr found no code in the text")?;
    let (_, content) = grid.decode().map_err(|e| format!("rqrr: {e:?}"))?;
    if content != payload {
        return Err(format!("rqrr read {content:?}"));
    }
    Ok(())
}

/// Everything checked for one fixture.
fn check_fixture(f: &Fixture) -> Result<(), String> {
    let gray = decode_png(&f.png).map_err(|e| format!("decode: {e}"))?;
    if (gray.width, gray.height) != (f.width, f.height) {
        return Err("decoded size wrong".into());
    }
    let m = read_modules(&gray)?;
    if m.size != f.size {
        return Err(format!("read {} modules a side, want {}", m.size, f.size));
    }
    let wrong = m.dark.iter().zip(&f.modules).filter(|(a, b)| a != b).count();
    if wrong > 0 {
        return Err(format!("{wrong} modules differ from the encoder's"));
    }
    for style in STYLES {
        let (m2, text) = qr_text(&f.png, style)?;
        if m2 != m {
            return Err("qr_text read other modules".into());
        }
        check_text(&m, &text, style, &f.payload).map_err(|e| format!("{style:?}: {e}"))?;
    }
    Ok(())
}

fn run_all(specs: &[Spec]) -> usize {
    let mut failures = Vec::new();
    for spec in specs {
        let f = fx::build(spec);
        if let Err(e) = check_fixture(&f) {
            if let Ok(dir) = std::env::var("QR_FAIL_DIR") {
                let file = format!("{dir}/{}.png", failures.len());
                let _ = std::fs::write(&file, &f.png);
            }
            failures.push(format!("{}: {e}", f.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n{}", failures.len(), specs.len(), failures.join("\n"));
    specs.len()
}

#[test]
fn qr_corpus_reads_bit_for_bit_and_redraws_decodably() {
    let specs = fx::corpus();
    assert!(specs.len() >= 40, "corpus has only {}", specs.len());
    // The corpus covers what it claims to.
    for v in 1..=20 {
        assert!(specs.iter().any(|s| s.version == v), "version {v}");
    }
    for s in 1..=12 {
        assert!(specs.iter().any(|x| x.canvas == Canvas::Scale(s)), "scale {s}");
    }
    for b in 0..=8 {
        assert!(specs.iter().any(|x| x.border == b), "border {b}");
    }
    for e in Encoding::ALL {
        assert!(specs.iter().any(|x| x.encoding == e), "{e:?}");
    }
    for ec in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        assert!(specs.iter().any(|x| x.ec == ec), "{ec:?}");
    }
    for side in [264, 300] {
        for filter in [Filter::Nearest, Filter::Bilinear, Filter::Bicubic] {
            assert!(specs.iter().any(|x| x.canvas == Canvas::Side(side) && x.filter == filter), "{side} {filter:?}");
        }
    }
    assert!(specs.iter().any(|x| x.version == 11
        && x.canvas == Canvas::Side(264)
        && x.filter == Filter::Bilinear
        && x.payload.starts_with("2@")));
    run_all(&specs);
}

#[test]
fn qr_whatsapp_payload_is_version_11_at_level_m() {
    let p = fx::whatsapp_payload(1);
    assert!(p.starts_with("2@") && p.matches(',').count() == 3 && p.len() >= 217);
    let auto = qrcode::QrCode::with_error_correction_level(p.as_bytes(), EcLevel::M).expect("fits");
    assert_eq!(auto.width(), 61);
}

#[test]
fn qr_turned_pictures_are_read_in_the_codes_own_orientation() {
    // Turned 90, 180 and 270 degrees: read correctly (not rejected).
    let mut specs = Vec::new();
    for turns in 1..=3 {
        let mut s = Spec::new(&fx::whatsapp_payload(77), 11, EcLevel::M);
        s.canvas = Canvas::Side(264);
        s.border = 2;
        s.filter = Filter::Bilinear;
        s.encoding = Encoding::Rgb(8);
        s.turns = turns;
        specs.push(s);
    }
    assert_eq!(run_all(&specs), 3);
}

// ------------------------------------------------------------ failure modes

fn small_png() -> Vec<u8> {
    let mut s = Spec::new(&fx::whatsapp_payload(5), 11, EcLevel::M);
    s.canvas = Canvas::Side(264);
    s.filter = Filter::Bilinear;
    fx::build(&s).png
}

fn gray_png(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Vec<u8> {
    let mut data = Vec::new();
    for y in 0..h {
        data.push(0);
        for x in 0..w {
            data.push(f(x, y));
        }
    }
    fx::deflated_png(w, h, 8, 0, 0, &data)
}

#[test]
fn qr_not_a_png() {
    assert_eq!(decode_png(b"GIF89a......"), Err(ImageError::NotPng));
    assert_eq!(decode_png(b""), Err(ImageError::NotPng));
    assert!(qr_text(b"<html>", STYLES[0]).unwrap_err().contains("not a PNG"));
}

#[test]
fn qr_truncated_png_is_an_error() {
    let png = small_png();
    assert!(decode_png(&png).is_ok());
    for cut in [png.len() - 1, png.len() - 12, png.len() / 2, 40, 20, 9] {
        match decode_png(&png[..cut]) {
            Err(ImageError::Corrupt(_)) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    // A flipped bit in the image data: CRC mismatch.
    let mut bad = png.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x10;
    assert!(matches!(decode_png(&bad), Err(ImageError::Corrupt(_))));
}

#[test]
fn qr_too_large_header_is_refused_before_decoding() {
    // Only a header: no pixel data at all, so it can only be refused from IHDR.
    let mut png = fx::SIGNATURE.to_vec();
    png.extend(fx::ihdr(4096, 10, 8, 0, 0));
    assert_eq!(decode_png(&png), Err(ImageError::TooLarge { width: 4096, height: 10 }));
    let mut tall = fx::SIGNATURE.to_vec();
    tall.extend(fx::ihdr(10, MAX_SIDE + 1, 16, 6, 0));
    assert!(matches!(decode_png(&tall), Err(ImageError::TooLarge { .. })));
    let e = qr_text(&png, STYLES[1]).unwrap_err();
    assert!(e.contains("4096x10"), "{e}");
}

#[test]
fn qr_largest_allowed_image_decodes() {
    // 2048x2048 gray, all white: allowed (and blank, so no QR).
    let png = gray_png(MAX_SIDE, MAX_SIDE, |_, _| 255);
    let g = decode_png(&png).expect("2048x2048 decodes");
    assert_eq!(g.pixels.len(), (MAX_SIDE * MAX_SIDE) as usize);
    assert!(read_modules(&g).unwrap_err().contains("blank"));
}

#[test]
fn qr_decompression_bomb_and_garbage_are_errors_not_panics() {
    // Image data far longer than the header's 16x16: extra data is an error
    // or ignored, never a crash.
    let mut data = Vec::new();
    for _ in 0..20_000 {
        data.push(0);
        data.extend_from_slice(&[0u8; 16]);
    }
    let png = fx::raw_png(16, 16, 8, 0, 0, None, None, &data);
    let _ = decode_png(&png);
    // Random bytes after a valid signature, and random mutations of a real PNG.
    let real = small_png();
    let mut rng = fx::Rng::new(3);
    for i in 0..300 {
        let mut b = real.clone();
        for _ in 0..1 + i % 8 {
            let at = rng.below(b.len());
            b[at] = rng.next() as u8;
        }
        if i % 3 == 0 {
            b.truncate(rng.below(b.len()));
        }
        let _ = qr_text(&b, STYLES[0]);
    }
    let mut junk = fx::SIGNATURE.to_vec();
    junk.extend((0..500).map(|_| rng.next() as u8));
    assert!(decode_png(&junk).is_err());
}

#[test]
fn qr_too_small_image() {
    let png = gray_png(12, 12, |x, _| if x < 6 { 0 } else { 255 });
    let e = qr_text(&png, STYLES[0]).unwrap_err();
    assert!(e.contains("too small"), "{e}");
}

#[test]
fn qr_blank_white_image() {
    let png = gray_png(264, 264, |_, _| 255);
    let e = qr_text(&png, STYLES[0]).unwrap_err();
    assert!(e.contains("blank"), "{e}");
}

#[test]
fn qr_random_noise() {
    let mut rng = fx::Rng::new(9);
    let noise: Vec<u8> = (0..264 * 264).map(|_| rng.next() as u8).collect();
    let png = gray_png(264, 264, |x, y| noise[(y * 264 + x) as usize]);
    let e = qr_text(&png, STYLES[0]).unwrap_err();
    assert!(!e.is_empty());
    // Coarse noise (4x4 blocks of black or white) looks more like modules.
    let png = gray_png(264, 264, |x, y| if noise[((y / 4) * 66 + x / 4) as usize] & 1 == 0 { 0 } else { 255 });
    let e = qr_text(&png, STYLES[0]).unwrap_err();
    assert!(!e.is_empty());
}

#[test]
fn qr_image_without_finder_patterns() {
    // Stripes: contrast, but no 1:1:3:1:1 anywhere in both directions.
    let png = gray_png(100, 100, |x, _| if (x / 5) % 2 == 0 { 0 } else { 255 });
    let e = qr_text(&png, STYLES[0]).unwrap_err();
    assert!(e.contains("finder"), "{e}");
}

#[test]
fn qr_render_shape() {
    let f = fx::build(&Spec::new("HELLO", 1, EcLevel::M));
    let m = read_modules(&decode_png(&f.png).expect("png")).expect("qr");
    assert_eq!(m.size, 21);
    assert_eq!(line_count(&m), 13); // (21 + 4) / 2 rounded up
    let plain = render(&m, Style { color: false, invert: false });
    assert!(!plain.contains('\x1b'));
    assert!(plain.lines().all(|l| l.chars().count() == 25));
    // Plain: the quiet zone is light, so drawn (full blocks) on the first line.
    assert_eq!(plain.lines().next(), Some("█".repeat(25).as_str()));
    let inverted = render(&m, Style { color: false, invert: true });
    assert_eq!(inverted.lines().next(), Some(" ".repeat(25).as_str()));
    let colour = render(&m, Style { color: true, invert: false });
    assert!(colour.lines().all(|l| l.ends_with("\x1b[0m")));
}

/// A wider random sweep, for looking for weak spots (slow in debug builds):
/// `QR_SWEEP=500 cargo test --release --test it qr_sweep -- --ignored`.
#[test]
#[ignore = "a long random sweep for weak spots, run by hand in release builds"]
fn qr_sweep() {
    let count: u64 = std::env::var("QR_SWEEP").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let min_ppm: f32 = std::env::var("QR_MIN_PPM").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let seed = std::env::var("QR_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(12345);
    let mut rng = fx::Rng::new(seed);
    let mut failures = Vec::new();
    let mut done = 0;
    for case in 0..count {
        let v = 1 + rng.below(40) as i16;
        let ec = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][rng.below(4) as usize];
        let payload = if v == 11 && matches!(ec, EcLevel::L | EcLevel::M) && rng.below(2) == 0 {
            fx::whatsapp_payload(case)
        } else {
            fx::payload_for(v, ec, case, 0.5 + rng.below(50) as f32 / 100.0)
        };
        let mut s = Spec::new(&payload, v, ec);
        s.border = rng.below(9) as usize;
        s.filter = [Filter::Nearest, Filter::Bilinear, Filter::Bicubic][rng.below(3) as usize];
        s.encoding = Encoding::ALL[rng.below(Encoding::ALL.len())];
        s.interlaced = rng.below(5) == 0;
        s.turns = if rng.below(4) == 0 { rng.below(4) as u8 } else { 0 };
        let grid = 17 + 4 * v as usize + 2 * s.border;
        s.canvas = if rng.below(3) == 0 {
            Canvas::Scale(1 + rng.below(12) as u32)
        } else {
            Canvas::Side(grid as u32 + rng.below(4 * grid) as u32)
        };
        let side = match s.canvas {
            Canvas::Scale(k) => grid as u32 * k,
            Canvas::Side(k) => k,
        };
        let ppm = side as f32 / grid as f32;
        if side > 1500 || ppm < min_ppm && !(s.filter == Filter::Nearest && ppm >= 1.0 && ppm.fract() == 0.0) {
            continue;
        }
        if let Encoding::Gray(d) | Encoding::Palette(d, _) = s.encoding {
            if d < 4 && s.filter != Filter::Nearest && ppm < 3.0 {
                // Two or four levels of a blurred small code: too coarse.
                continue;
            }
        }
        done += 1;
        let f = fx::build(&s);
        if let Err(e) = check_fixture(&f) {
            if let Ok(dir) = std::env::var("QR_FAIL_DIR") {
                let _ = std::fs::write(format!("{dir}/s{}.png", failures.len()), &f.png);
            }
            failures.push(format!("{} ({ppm:.2} px/module): {e}", f.name));
        }
    }
    eprintln!("{done} cases, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
