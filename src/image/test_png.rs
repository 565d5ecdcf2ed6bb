//! PNG files of every kind, written plainly, for the image tests.

use super::luma::luma;
use super::SIGNATURE;
use qrcode::{Color, EcLevel, QrCode, Version};

/// (colour type, bit depth, tRNS): every kind of PNG.
pub(super) const ENCODINGS: [(u8, u8, bool); 21] = [
    (0, 1, false),
    (0, 2, false),
    (0, 4, false),
    (0, 8, false),
    (0, 16, false),
    (0, 8, true),
    (0, 16, true),
    (4, 8, false),
    (4, 16, false),
    (2, 8, false),
    (2, 16, false),
    (2, 8, true),
    (6, 8, false),
    (6, 16, false),
    (3, 1, false),
    (3, 2, false),
    (3, 4, false),
    (3, 8, false),
    (3, 1, true),
    (3, 4, true),
    (3, 8, true),
];

/// A QR picture: how much ink covers each pixel, and the colours of ink
/// and paper (RGBA).
pub(super) struct Shape {
    pub(super) name: &'static str,
    pub(super) side: usize,
    ink: Vec<f32>,
    dark: [u8; 4],
    light: [u8; 4],
}

pub(super) fn shapes() -> Vec<Shape> {
    let (side, sharp) = qr(4, 4);
    let (small, blurred) = {
        let (side, ink) = qr(4, 2);
        (side, blur(&ink, side))
    };
    let (black, white) = ([0, 0, 0, 255], [255, 255, 255, 255]);
    vec![
        // GREEN-API's: 276x276, 4 px per module, 4 modules of border.
        Shape { name: "two-colour", side, ink: sharp, dark: black, light: white },
        Shape { name: "smoothed gray", side: small, ink: blurred.clone(), dark: black, light: white },
        Shape {
            name: "coloured",
            side: small,
            ink: blurred.clone(),
            dark: [20, 30, 110, 255],
            light: [255, 250, 205, 255],
        },
        Shape { name: "ink over transparency", side: small, ink: blurred, dark: black, light: [0, 0, 0, 0] },
    ]
}

/// A version 11, level M code of a 217-character payload.
fn qr(scale: usize, border: usize) -> (usize, Vec<f32>) {
    let payload: String = (0..217u32).map(|i| char::from(b'A' + (i * 7 % 26) as u8)).collect();
    let code = QrCode::with_version(payload.as_bytes(), Version::Normal(11), EcLevel::M).unwrap();
    let (size, colors) = (code.width(), code.to_colors());
    let side = (size + 2 * border) * scale;
    let ink = (0..side * side)
        .map(|i| {
            let (mx, my) = ((i % side / scale).wrapping_sub(border), (i / side / scale).wrapping_sub(border));
            f32::from(u8::from(mx < size && my < size && colors[my * size + mx] == Color::Dark))
        })
        .collect();
    (side, ink)
}

/// 3x3 box blur: gray edges, as a resampled picture has.
fn blur(ink: &[f32], side: usize) -> Vec<f32> {
    let at = |x: usize, y: usize| ink[y.min(side - 1) * side + x.min(side - 1)];
    (0..side * side)
        .map(|i| {
            let (x, y) = (i % side + 1, i / side + 1);
            (0..9).map(|k| at(x + k % 3 - 1, y + k / 3 - 1)).sum::<f32>() / 9.0
        })
        .collect()
}

impl Shape {
    pub(super) fn rgba(&self, i: usize) -> [u8; 4] {
        let t = self.ink[i];
        [0, 1, 2, 3].map(|c| (f32::from(self.light[c]) * (1.0 - t) + f32::from(self.dark[c]) * t).round() as u8)
    }

    pub(super) fn encode(&self, (color, depth, trns): (u8, u8, bool), interlaced: bool) -> Vec<u8> {
        let scale = |v: u8| -> u16 {
            match depth {
                16 => u16::from(v) * 257,
                d => u16::from(v >> (8 - d)),
            }
        };
        let levels = 1usize << depth.min(8);
        let palette: Vec<[u8; 4]> = (0..levels)
            .map(|k| {
                let t = k as f32 / (levels - 1) as f32;
                [0, 1, 2, 3].map(|c| (f32::from(self.light[c]) * (1.0 - t) + f32::from(self.dark[c]) * t) as u8)
            })
            .collect();
        let gray_of = |p: [u8; 4]| luma(p[0], p[1], p[2]);
        let light = self.light;
        let samples = |i: usize| -> Vec<u16> {
            let p = self.rgba(i);
            match color {
                0 => vec![scale(gray_of(p))],
                4 => vec![scale(gray_of(p)), scale(p[3])],
                2 => vec![scale(p[0]), scale(p[1]), scale(p[2])],
                6 => p.iter().map(|&c| scale(c)).collect(),
                _ => vec![(self.ink[i] * (levels - 1) as f32).round() as u16],
            }
        };
        let (plte, trns) = match (color, trns) {
            (3, with) => (
                Some(palette.iter().flat_map(|p| [p[0], p[1], p[2]]).collect::<Vec<u8>>()),
                with.then(|| palette.iter().map(|p| p[3]).collect()),
            ),
            (0, true) => (None, Some(scale(gray_of(light)).to_be_bytes().to_vec())),
            (2, true) => (None, Some(light[..3].iter().flat_map(|&c| scale(c).to_be_bytes()).collect())),
            _ => (None, None),
        };
        png_file(self.side, color, depth, plte.as_deref(), trns.as_deref(), interlaced, &samples)
    }
}

/// A PNG from samples, written plainly: filter type 0, stored deflate.
fn png_file(
    side: usize,
    color: u8,
    depth: u8,
    plte: Option<&[u8]>,
    trns: Option<&[u8]>,
    interlaced: bool,
    samples: &dyn Fn(usize) -> Vec<u16>,
) -> Vec<u8> {
    let passes: &[(usize, usize, usize, usize)] = if interlaced {
        &[(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)]
    } else {
        &[(0, 1, 0, 1)]
    };
    let mut raw = Vec::new();
    for &(x0, dx, y0, dy) in passes {
        if x0 >= side || y0 >= side {
            continue;
        }
        for y in (y0..side).step_by(dy) {
            raw.push(0);
            let row: Vec<u16> = (x0..side).step_by(dx).flat_map(|x| samples(y * side + x)).collect();
            raw.extend(pack(&row, depth));
        }
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&[depth, color, 0, 0, u8::from(interlaced)]);
    let mut out = SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    if let Some(p) = plte {
        chunk(&mut out, b"PLTE", p);
    }
    if let Some(t) = trns {
        chunk(&mut out, b"tRNS", t);
    }
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn pack(samples: &[u16], depth: u8) -> Vec<u8> {
    match depth {
        16 => samples.iter().flat_map(|s| s.to_be_bytes()).collect(),
        8 => samples.iter().map(|&s| s as u8).collect(),
        d => samples
            .chunks(8 / d as usize)
            .map(|c| c.iter().enumerate().fold(0u8, |b, (i, &s)| b | (s as u8) << (8 - d as usize * (i + 1))))
            .collect(),
    }
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        out.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        out.extend_from_slice(b);
    }
    let (a, b) =
        data.iter().fold((1u32, 0u32), |(a, b), &x| ((a + u32::from(x)) % 65521, (b + a + u32::from(x)) % 65521));
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

pub(super) fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = !out[start..].iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |c, _| if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 })
    });
    out.extend_from_slice(&crc.to_be_bytes());
}
