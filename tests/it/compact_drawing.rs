//! `--compact`: the sextant drawing of every fixture, in every style, read
//! back off a picture of the cells by `rqrr`, as a phone would.

use crate::qr_fixtures as fx;
use crate::support::vt;
use scanqr::draw::{self, Kind, Style, COLOR_OFF, COLOR_ON};
use scanqr::image::decode_png;
use scanqr::qr::read_modules;

const STYLES: [Style; 3] =
    [Style { color: true, invert: false }, Style { color: false, invert: false }, Style { color: false, invert: true }];

/// Check a sextant drawing's shape and colour framing, and decode it.
fn scan(text: &str, size: usize, style: Style) -> Result<String, String> {
    let (cols, lines) = Kind::Sextant.cells(size);
    if text.lines().count() != lines || !text.ends_with('\n') {
        return Err(format!("{} lines, want {lines}", text.lines().count()));
    }
    if style.color != text.lines().all(|l| l.starts_with(COLOR_ON) && l.ends_with(COLOR_OFF)) {
        return Err("colour set and reset on every line exactly when in colour".into());
    }
    let plain: Vec<String> = text.replace(COLOR_ON, "").replace(COLOR_OFF, "").lines().map(String::from).collect();
    if plain.iter().any(|l| l.chars().count() != cols || l.contains('\x1b')) {
        return Err(format!("a line is not {cols} cells of drawing"));
    }
    vt::scan(&plain, style.color || style.invert)
}

#[test]
fn sextant_drawings_of_every_fixture_scan() {
    let mut failures = Vec::new();
    let specs = fx::corpus();
    for spec in &specs {
        let f = fx::build(spec);
        let m = read_modules(&decode_png(&f.png).unwrap()).unwrap();
        for style in STYLES {
            match scan(&draw::draw(&m, Kind::Sextant, style), m.size, style) {
                Ok(payload) if payload == f.payload => {}
                Ok(other) => failures.push(format!("{} {style:?}: read {other:?}", f.name)),
                Err(e) => failures.push(format!("{} {style:?}: {e}", f.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), specs.len() * 3, failures.join("\n"));
}

#[test]
fn greenapis_picture_in_sextants_is_33x22_and_scans() {
    let payload = scanqr_emulator::whatsapp_payload(3);
    let m = read_modules(&decode_png(&scanqr_emulator::qr_png(&payload)).unwrap()).unwrap();
    assert_eq!(m.size, 61);
    for style in STYLES {
        assert_eq!(scan(&draw::draw(&m, Kind::Sextant, style), 61, style).unwrap(), payload, "{style:?}");
    }
}
