//! The QR pictures, checked byte by byte against what GREEN-API sends, and
//! read back with independent decoders (the png crate, rqrr).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scanqr_emulator::{pairing_string, picture_png, qr_png, whatsapp_payload, Picture, Rng};

/// Chunk types and data, in file order.
fn chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
    assert_eq!(png[..8], *b"\x89PNG\r\n\x1a\n");
    let mut out = Vec::new();
    let mut rest = &png[8..];
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        let kind = String::from_utf8(rest[4..8].to_vec()).unwrap();
        out.push((kind, rest[8..8 + len].to_vec()));
        rest = &rest[12 + len..];
    }
    out
}

/// Width, height, colour type and pixels, from the png crate.
fn decode(png: &[u8]) -> (usize, usize, png::ColorType, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, info.color_type, buf)
}

/// Width, height and the first channel of every pixel.
fn luma(png: &[u8]) -> (usize, usize, Vec<u8>) {
    let (w, h, color, pixels) = decode(png);
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("{other:?}"),
    };
    (w, h, pixels.into_iter().step_by(channels).collect())
}

/// The payload, version and error level (format bits: 0 is M) rqrr reads.
fn read_qr(png: &[u8]) -> (String, usize, u16) {
    let (w, h, luma) = luma(png);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    let (meta, text) = grids[0].decode().unwrap();
    (text, meta.version.0, meta.ecc_level)
}

#[test]
fn the_default_picture_is_green_apis_byte_layout() {
    let payload = whatsapp_payload(11);
    assert_eq!(payload.len(), 217);
    let png = qr_png(&payload);
    assert_eq!(png, picture_png(Picture::GreenApi, &payload));
    let chunks = chunks(&png);
    let kinds: Vec<&str> = chunks.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["IHDR", "IDAT", "IDAT", "IEND"]);
    // 276x276, depth 8, colour type 6 (RGBA), deflate, adaptive filters, not interlaced.
    assert_eq!(chunks[0].1, [0, 0, 1, 20, 0, 0, 1, 20, 8, 6, 0, 0, 0]);
    assert_eq!(chunks[1].1, [0x78, 0x01], "a 2-byte IDAT with the zlib header of Z_RLE");
    assert!(chunks[2].1.len() > 1000);
    assert!(chunks[3].1.is_empty());
    let stream: Vec<u8> = [chunks[1].1.clone(), chunks[2].1.clone()].concat();
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&stream).unwrap();
    assert_eq!(raw.len(), 276 * (1 + 276 * 4));

    let (w, h, color, rgba) = decode(&png);
    assert_eq!((w, h, color), (276, 276, png::ColorType::Rgba));
    let pixels: Vec<[u8; 4]> = rgba.chunks_exact(4).map(|p| p.try_into().unwrap()).collect();
    assert!(pixels.iter().all(|p| *p == [0, 0, 0, 255] || *p == [255; 4]), "only #000000FF and #FFFFFFFF");
    assert!(pixels.contains(&[0, 0, 0, 255]));
    // 4 px per module: every 4x4 block is one colour; the 4-module border is white.
    for (i, p) in pixels.iter().enumerate() {
        let (x, y) = (i % 276, i / 276);
        assert_eq!(*p, pixels[(y / 4 * 4) * 276 + x / 4 * 4], "({x}, {y})");
        if !(16..260).contains(&x) || !(16..260).contains(&y) {
            assert_eq!(*p, [255; 4], "border at ({x}, {y})");
        }
    }
    // The finder pattern's corner starts right inside the border.
    assert_eq!(pixels[16 * 276 + 16], [0, 0, 0, 255]);

    let (text, version, level) = read_qr(&png);
    assert_eq!(text, payload);
    assert_eq!((version, 17 + 4 * version, level), (11, 61, 0), "version 11, 61 modules, level M");
}

#[test]
fn the_version_follows_the_payload() {
    let short = pairing_string(&mut Rng::new(4), 45);
    let png = qr_png(&short);
    assert_eq!(chunks(&png)[0].1[..8], [0, 0, 1, 4, 0, 0, 1, 4], "260x260");
    assert_eq!(read_qr(&png), (short, 10, 0));
    // Each pairing string gets its own picture.
    assert_ne!(qr_png(&whatsapp_payload(1)), qr_png(&whatsapp_payload(2)));
}

/// Modules sampled at their centres, for rqrr to decode without looking for them.
struct Modules {
    size: usize,
    dark: Vec<bool>,
}

impl rqrr::BitGrid for Modules {
    fn size(&self) -> usize {
        self.size
    }
    fn bit(&self, y: usize, x: usize) -> bool {
        self.dark[y * self.size + x]
    }
}

/// The `size` modules of a picture with a `border`-module quiet zone, each
/// read at the pixel under its centre; the quiet zone must be light.
fn modules_at_centres(png: &[u8], size: usize, border: usize) -> Modules {
    let (side, _, luma) = luma(png);
    let total = size + 2 * border;
    let centre = |m: usize| ((2 * m + 1) * side) / (2 * total);
    let mut dark = Vec::new();
    for my in 0..total {
        for mx in 0..total {
            let is_dark = luma[centre(my) * side + centre(mx)] < 128;
            let inside = (border..border + size).contains(&mx) && (border..border + size).contains(&my);
            if inside {
                dark.push(is_dark);
            } else {
                assert!(!is_dark, "quiet zone module ({mx}, {my}) is dark");
            }
        }
    }
    Modules { size, dark }
}

#[test]
fn the_other_pictures_have_their_shapes_and_read_back() {
    let payload = whatsapp_payload(12);
    for (picture, side, color) in [
        (Picture::Gray, 264, png::ColorType::Grayscale),
        (Picture::Rgb264Bilinear, 264, png::ColorType::Rgb),
        (Picture::Rgb300Bicubic, 300, png::ColorType::Rgb),
    ] {
        let png = picture_png(picture, &payload);
        let (w, h, got, pixels) = decode(&png);
        assert_eq!((w, h, got), (side, side, color), "{picture:?}");
        let grey = pixels.iter().filter(|&&v| v != 0 && v != 255).count();
        assert_eq!(grey == 0, picture == Picture::Gray, "{picture:?}: {grey} grey samples");
        // (rqrr's own finder gives up on most smoothed pictures, which scanqr
        // reads: it only decodes the modules here.)
        let (meta, text) = rqrr::Grid::new(modules_at_centres(&png, 61, 2)).decode().unwrap();
        assert_eq!((text.as_str(), meta.version.0, meta.ecc_level), (payload.as_str(), 11, 0), "{picture:?}");
        assert_eq!(Picture::from_name(picture.name()), Some(picture));
    }
    assert_eq!(read_qr(&picture_png(Picture::Gray, &payload)).0, payload, "rqrr finds the crisp one");
    assert_eq!(Picture::default(), Picture::GreenApi);
    assert_eq!(Picture::from_name("jpeg"), None);
}

#[test]
fn a_payload_too_long_for_any_version_gives_a_blank_picture() {
    let long = "x".repeat(10_000);
    for picture in Picture::ALL {
        let (w, _, _, pixels) = decode(&picture_png(picture, &long));
        assert!(w >= 264);
        assert!(pixels.iter().all(|&v| v == 255), "{picture:?}");
    }
}
