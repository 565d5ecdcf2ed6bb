//! A deterministic corpus of QR pictures for the QR reader's tests.
//!
//! Each fixture is a payload encoded by the independent `qrcode` crate,
//! drawn with a border, resampled onto a canvas (nearest, bilinear or
//! bicubic, integer or fractional pixels per module), coloured, and written
//! as a PNG in one of the colour types and bit depths (with the `png`
//! crate's encoder, or with the small Adam7 writer below for interlacing).

// Test code: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qrcode::{Color, EcLevel, QrCode, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Nearest,
    Bilinear,
    Bicubic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canvas {
    /// Whole pixels per module.
    Scale(u32),
    /// A square canvas of this many pixels, whatever the module count.
    Side(u32),
}

/// How the picture is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gray(u8),
    /// Gray 8 with a tRNS entry making the light level transparent.
    GrayTrns,
    GrayAlpha(u8),
    Rgb(u8),
    /// RGB 8 with a tRNS entry making the light colour transparent.
    RgbTrns,
    Rgba(u8),
    /// Palette of this depth; `true`: with a tRNS chunk (transparent background).
    Palette(u8, bool),
}

impl Encoding {
    /// Every colour type and bit depth PNG has.
    pub const ALL: [Encoding; 21] = [
        Encoding::Gray(1),
        Encoding::Gray(2),
        Encoding::Gray(4),
        Encoding::Gray(8),
        Encoding::Gray(16),
        Encoding::GrayTrns,
        Encoding::GrayAlpha(8),
        Encoding::GrayAlpha(16),
        Encoding::Rgb(8),
        Encoding::Rgb(16),
        Encoding::RgbTrns,
        Encoding::Rgba(8),
        Encoding::Rgba(16),
        Encoding::Palette(1, false),
        Encoding::Palette(2, false),
        Encoding::Palette(4, false),
        Encoding::Palette(8, false),
        Encoding::Palette(1, true),
        Encoding::Palette(2, true),
        Encoding::Palette(4, true),
        Encoding::Palette(8, true),
    ];

    /// Has an alpha channel or tRNS: light areas are transparent.
    fn transparent(self) -> bool {
        matches!(
            self,
            Encoding::GrayTrns
                | Encoding::GrayAlpha(_)
                | Encoding::RgbTrns
                | Encoding::Rgba(_)
                | Encoding::Palette(_, true)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub payload: String,
    pub version: i16,
    pub ec: EcLevel,
    pub border: usize,
    pub canvas: Canvas,
    pub filter: Filter,
    pub encoding: Encoding,
    pub interlaced: bool,
    /// Quarter turns clockwise applied to the picture.
    pub turns: u8,
    /// Dark and light colours (RGB) for opaque pictures.
    pub dark: [u8; 3],
    pub light: [u8; 3],
}

impl Spec {
    pub fn new(payload: &str, version: i16, ec: EcLevel) -> Spec {
        Spec {
            payload: payload.to_string(),
            version,
            ec,
            border: 4,
            canvas: Canvas::Scale(4),
            filter: Filter::Nearest,
            encoding: Encoding::Gray(8),
            interlaced: false,
            turns: 0,
            dark: [0, 0, 0],
            light: [255, 255, 255],
        }
    }
}

pub struct Fixture {
    pub name: String,
    pub payload: String,
    pub size: usize,
    /// The encoder's matrix, row-major, `true` dark.
    pub modules: Vec<bool>,
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The encoder's module matrix for a spec.
pub fn encode(spec: &Spec) -> (usize, Vec<bool>) {
    let code = QrCode::with_version(spec.payload.as_bytes(), Version::Normal(spec.version), spec.ec)
        .unwrap_or_else(|e| panic!("payload does not fit version {}: {e:?}", spec.version));
    let size = code.width();
    let modules = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    (size, modules)
}

pub fn build(spec: &Spec) -> Fixture {
    let (size, modules) = encode(spec);
    let grid = size + 2 * spec.border;
    // Coverage of the bordered grid: 1.0 dark, 0.0 light.
    let cover = |x: isize, y: isize| -> f32 {
        let g = grid as isize;
        let (x, y) = (x.clamp(0, g - 1), y.clamp(0, g - 1));
        let (mx, my) = (x - spec.border as isize, y - spec.border as isize);
        if mx < 0 || my < 0 || mx >= size as isize || my >= size as isize {
            return 0.0;
        }
        if modules[my as usize * size + mx as usize] {
            1.0
        } else {
            0.0
        }
    };
    let side = match spec.canvas {
        Canvas::Scale(s) => grid as u32 * s,
        Canvas::Side(s) => s,
    };
    let taps = weights(grid, side as usize, spec.filter);
    let mut f = vec![0f32; (side * side) as usize];
    for (y, ty) in taps.iter().enumerate() {
        for (x, tx) in taps.iter().enumerate() {
            let mut v = 0.0;
            for &(sy, wy) in ty {
                for &(sx, wx) in tx {
                    v += wx * wy * cover(sx, sy);
                }
            }
            f[y * side as usize + x] = v.clamp(0.0, 1.0);
        }
    }
    let f = rotate(&f, side as usize, spec.turns);
    let png = write_png(&f, side, side, spec);
    let name = format!(
        "v{} {:?} border {} {:?} {:?} {:?}{}{} {}",
        spec.version,
        spec.ec,
        spec.border,
        spec.canvas,
        spec.filter,
        spec.encoding,
        if spec.interlaced { " adam7" } else { "" },
        if spec.turns > 0 { format!(" turned {}deg", spec.turns as u32 * 90) } else { String::new() },
        &spec.payload.chars().take(12).collect::<String>(),
    );
    Fixture { name, payload: spec.payload.clone(), size, modules, png, width: side, height: side }
}

/// For each output pixel along one axis, the source cells and weights.
fn weights(src: usize, dst: usize, filter: Filter) -> Vec<Vec<(isize, f32)>> {
    let scale = src as f32 / dst as f32;
    (0..dst)
        .map(|i| {
            let u = (i as f32 + 0.5) * scale;
            match filter {
                Filter::Nearest => vec![(u.floor() as isize, 1.0)],
                Filter::Bilinear => {
                    let p = u - 0.5;
                    let p0 = p.floor();
                    let t = p - p0;
                    vec![(p0 as isize, 1.0 - t), (p0 as isize + 1, t)]
                }
                Filter::Bicubic => {
                    let p = u - 0.5;
                    let p0 = p.floor();
                    let t = p - p0;
                    (-1..=2).map(|k| (p0 as isize + k, keys(k as f32 - t))).collect()
                }
            }
        })
        .collect()
}

/// Keys' cubic convolution kernel, a = -0.5 (Catmull-Rom).
fn keys(x: f32) -> f32 {
    let a = -0.5;
    let x = x.abs();
    if x < 1.0 {
        (a + 2.0) * x * x * x - (a + 3.0) * x * x + 1.0
    } else if x < 2.0 {
        a * x * x * x - 5.0 * a * x * x + 8.0 * a * x - 4.0 * a
    } else {
        0.0
    }
}

/// Turn a square picture by quarter turns clockwise.
fn rotate(f: &[f32], side: usize, turns: u8) -> Vec<f32> {
    let mut cur = f.to_vec();
    for _ in 0..turns % 4 {
        let mut next = vec![0f32; side * side];
        for y in 0..side {
            for x in 0..side {
                // Clockwise: (x, y) -> (side - 1 - y, x).
                next[x * side + (side - 1 - y)] = cur[y * side + x];
            }
        }
        cur = next;
    }
    cur
}

fn mix(light: [u8; 3], dark: [u8; 3], f: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| light[i] as f32 * (1.0 - f) + dark[i] as f32 * f)
}

fn luma(c: [f32; 3]) -> f32 {
    (299.0 * c[0] + 587.0 * c[1] + 114.0 * c[2]) / 1000.0
}

/// Scale a 0..=255 value to a `depth`-bit sample.
fn sample(v: f32, depth: u8) -> u16 {
    let max = ((1u32 << depth) - 1) as f32;
    (v / 255.0 * max).round().clamp(0.0, max) as u16
}

/// Pack one row of samples at `depth` bits, big-endian, MSB first.
fn pack(samples: &[u16], depth: u8) -> Vec<u8> {
    match depth {
        16 => samples.iter().flat_map(|s| s.to_be_bytes()).collect(),
        8 => samples.iter().map(|&s| s as u8).collect(),
        d => {
            let per = 8 / d as usize;
            samples
                .chunks(per)
                .map(|c| {
                    let mut b = 0u8;
                    for (i, &s) in c.iter().enumerate() {
                        b |= (s as u8) << (8 - d as usize * (i + 1));
                    }
                    b
                })
                .collect()
        }
    }
}

/// A PNG colour description: colour type, depth, palette, tRNS, and the
/// samples of every pixel.
struct Raw {
    color: png::ColorType,
    depth: u8,
    palette: Option<Vec<u8>>,
    trns: Option<Vec<u8>>,
    /// Samples per pixel, row-major.
    pixels: Vec<Vec<u16>>,
}

fn raw(f: &[f32], spec: &Spec) -> Raw {
    let (dark, light) = (spec.dark, spec.light);
    let transparent = spec.encoding.transparent();
    // Transparent pictures: dark ink whose alpha is the coverage, over fully
    // transparent *black* (so forgetting the alpha shows up as a dark image).
    match spec.encoding {
        Encoding::Gray(d) => Raw {
            color: png::ColorType::Grayscale,
            depth: d,
            palette: None,
            trns: None,
            pixels: f.iter().map(|&v| vec![sample(luma(mix(light, dark, v)), d)]).collect(),
        },
        Encoding::GrayTrns => {
            // Light level 200 is made transparent by tRNS: it must come out white.
            let lv = 200u16;
            let pixels = f
                .iter()
                .map(|&v| {
                    // Anti-aliased between the light level and black; what
                    // rounds to the light level itself is transparent.
                    vec![((1.0 - v) * lv as f32).round() as u16]
                })
                .collect();
            Raw {
                color: png::ColorType::Grayscale,
                depth: 8,
                palette: None,
                trns: Some(lv.to_be_bytes().to_vec()),
                pixels,
            }
        }
        Encoding::GrayAlpha(d) => Raw {
            color: png::ColorType::GrayscaleAlpha,
            depth: d,
            palette: None,
            trns: None,
            pixels: f.iter().map(|&v| vec![sample(luma(dark.map(f32::from)), d), sample(v * 255.0, d)]).collect(),
        },
        Encoding::Rgb(d) => Raw {
            color: png::ColorType::Rgb,
            depth: d,
            palette: None,
            trns: None,
            pixels: f.iter().map(|&v| mix(light, dark, v).iter().map(|&c| sample(c, d)).collect()).collect(),
        },
        Encoding::RgbTrns => {
            // Light colour (250, 240, 200) is transparent by tRNS.
            let lc = [250u16, 240, 200];
            let pixels = f
                .iter()
                .map(|&v| {
                    // Anti-aliased between the light colour and the dark
                    // one; what rounds to the light colour is transparent.
                    mix([250, 240, 200], dark, v).iter().map(|&c| sample(c, 8)).collect::<Vec<u16>>()
                })
                .collect();
            Raw {
                color: png::ColorType::Rgb,
                depth: 8,
                palette: None,
                trns: Some(lc.iter().flat_map(|c| c.to_be_bytes()).collect()),
                pixels,
            }
        }
        Encoding::Rgba(d) => Raw {
            color: png::ColorType::Rgba,
            depth: d,
            palette: None,
            trns: None,
            pixels: f
                .iter()
                .map(|&v| {
                    let mut p: Vec<u16> =
                        if v <= 0.0 { vec![0, 0, 0] } else { dark.iter().map(|&c| sample(c as f32, d)).collect() };
                    p.push(sample(v * 255.0, d));
                    p
                })
                .collect(),
        },
        Encoding::Palette(d, _) => {
            let levels = 1usize << d;
            let mut palette = Vec::new();
            let mut trns = Vec::new();
            for k in 0..levels {
                let t = k as f32 / (levels - 1) as f32;
                if transparent {
                    let c = if k == 0 { [0, 0, 0] } else { dark };
                    palette.extend_from_slice(&c);
                    trns.push((t * 255.0).round() as u8);
                } else {
                    palette.extend(mix(light, dark, t).map(|c| c.round() as u8));
                }
            }
            let pixels = f.iter().map(|&v| vec![(v * (levels - 1) as f32).round() as u16]).collect();
            Raw {
                color: png::ColorType::Indexed,
                depth: d,
                palette: Some(palette),
                trns: transparent.then_some(trns),
                pixels,
            }
        }
    }
}

fn bit_depth(d: u8) -> png::BitDepth {
    match d {
        1 => png::BitDepth::One,
        2 => png::BitDepth::Two,
        4 => png::BitDepth::Four,
        8 => png::BitDepth::Eight,
        _ => png::BitDepth::Sixteen,
    }
}

fn write_png(f: &[f32], w: u32, h: u32, spec: &Spec) -> Vec<u8> {
    let r = raw(f, spec);
    let row = |y: usize, xs: &mut dyn Iterator<Item = usize>| -> Vec<u8> {
        let samples: Vec<u16> = xs.flat_map(|x| r.pixels[y * w as usize + x].iter().copied()).collect();
        pack(&samples, r.depth)
    };
    if spec.interlaced {
        let mut idat = Vec::new();
        for (x0, dx, y0, dy) in ADAM7 {
            let xs: Vec<usize> = (x0..w as usize).step_by(dx).collect();
            if xs.is_empty() {
                continue;
            }
            for y in (y0..h as usize).step_by(dy) {
                idat.push(0); // filter: none
                idat.extend(row(y, &mut xs.iter().copied()));
            }
        }
        return raw_png(w, h, r.depth, color_code(r.color), 1, r.palette.as_deref(), r.trns.as_deref(), &idat);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(r.color);
        enc.set_depth(bit_depth(r.depth));
        if let Some(p) = &r.palette {
            enc.set_palette(p.clone());
        }
        if let Some(t) = &r.trns {
            enc.set_trns(t.clone());
        }
        let mut writer = enc.write_header().expect("png header");
        let mut data = Vec::new();
        for y in 0..h as usize {
            data.extend(row(y, &mut (0..w as usize)));
        }
        writer.write_image_data(&data).expect("png data");
        writer.finish().expect("png finish");
    }
    out
}

/// Adam7 passes: (x start, x step, y start, y step).
const ADAM7: [(usize, usize, usize, usize); 7] =
    [(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)];

fn color_code(c: png::ColorType) -> u8 {
    match c {
        png::ColorType::Grayscale => 0,
        png::ColorType::Rgb => 2,
        png::ColorType::Indexed => 3,
        png::ColorType::GrayscaleAlpha => 4,
        png::ColorType::Rgba => 6,
    }
}

// ------------------------------------------------------------ raw PNG writer

/// PNG chunk CRC (also used by the tests that forge chunks).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A chunk: length, type, data, CRC.
pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A zlib stream of stored (uncompressed) blocks.
pub fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(b) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = b.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(b);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

pub fn ihdr(w: u32, h: u32, depth: u8, color: u8, interlace: u8) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&w.to_be_bytes());
    d.extend_from_slice(&h.to_be_bytes());
    d.extend_from_slice(&[depth, color, 0, 0, interlace]);
    chunk(b"IHDR", &d)
}

pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// A whole PNG from raw (already filtered) scanline data.
#[allow(clippy::too_many_arguments)]
pub fn raw_png(
    w: u32,
    h: u32,
    depth: u8,
    color: u8,
    interlace: u8,
    palette: Option<&[u8]>,
    trns: Option<&[u8]>,
    scanlines: &[u8],
) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend(ihdr(w, h, depth, color, interlace));
    if let Some(p) = palette {
        out.extend(chunk(b"PLTE", p));
    }
    if let Some(t) = trns {
        out.extend(chunk(b"tRNS", t));
    }
    out.extend(chunk(b"IDAT", &zlib_stored(scanlines)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A PNG of `raw` image data (filter bytes included), deflated: for
/// pictures whose stored form would be over the size limit.
pub fn deflated_png(w: u32, h: u32, depth: u8, color: u8, interlace: u8, raw: &[u8]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend(ihdr(w, h, depth, color, interlace));
    out.extend(chunk(b"IDAT", &miniz_oxide::deflate::compress_to_vec_zlib(raw, 1)));
    out.extend(chunk(b"IEND", &[]));
    out
}

// ------------------------------------------------------------ payloads

/// The emulator's generator and pairing string: one copy for tests, bench and emulator.
pub use scanqr_emulator::{whatsapp_payload, Rng};

/// The longest text (up to `fill` of the capacity) that fits `version` at `ec`.
pub fn payload_for(version: i16, ec: EcLevel, seed: u64, fill: f32) -> String {
    let mut rng = Rng::new(seed);
    let text: String = (0..3000)
        .map(|_| {
            let alphabet = b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/?=&";
            alphabet[rng.below(alphabet.len())] as char
        })
        .collect();
    let fits = |n: usize| QrCode::with_version(&text.as_bytes()[..n], Version::Normal(version), ec).is_ok();
    let (mut lo, mut hi) = (1usize, text.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let n = ((lo as f32 * fill) as usize).max(1);
    text[..n].to_string()
}

// ------------------------------------------------------------ the corpus

const EC: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

/// The corpus: every fixture the QR reader must read exactly.
pub fn corpus() -> Vec<Spec> {
    let mut specs = Vec::new();
    let wa = whatsapp_payload(1);

    // 1. Versions 1 to 20, every error level, whole scales 1..=12, borders
    //    0..=8, cycling through the colour types.
    for v in 1..=20i16 {
        let i = v as usize - 1;
        let ec = EC[i % 4];
        let mut s = Spec::new(&payload_for(v, ec, v as u64, 0.9), v, ec);
        s.canvas = Canvas::Scale((i % 12) as u32 + 1);
        s.border = i % 9;
        s.encoding = Encoding::ALL[(i * 5) % Encoding::ALL.len()];
        specs.push(s);
    }

    // 2. The real case: a WhatsApp payload as a 61-module code (version 11)
    //    on a 264 px canvas, smoothed, with 0 to 4 modules of border.
    for (border, filter) in [
        (0, Filter::Bilinear),
        (1, Filter::Bilinear),
        (2, Filter::Bilinear),
        (4, Filter::Bilinear),
        (0, Filter::Bicubic),
        (2, Filter::Bicubic),
        (4, Filter::Bicubic),
        (0, Filter::Nearest),
        (2, Filter::Nearest),
        (4, Filter::Nearest),
    ] {
        let mut s = Spec::new(&wa, 11, EcLevel::M);
        s.canvas = Canvas::Side(264);
        s.border = border;
        s.filter = filter;
        s.encoding = Encoding::Rgb(8);
        specs.push(s);
    }

    // 3. The same picture in every colour type and bit depth.
    for (i, enc) in Encoding::ALL.into_iter().enumerate() {
        let mut s = Spec::new(&whatsapp_payload(10 + i as u64), 11, EcLevel::M);
        s.canvas = Canvas::Side(264);
        s.border = 2;
        s.filter = Filter::Bilinear;
        s.encoding = enc;
        specs.push(s);
    }

    // 4. Adam7 interlacing in several colour types.
    for (i, enc) in
        [Encoding::Gray(1), Encoding::Gray(8), Encoding::Rgba(8), Encoding::Palette(2, true), Encoding::Rgb(16)]
            .into_iter()
            .enumerate()
    {
        let mut s = Spec::new(&whatsapp_payload(40 + i as u64), 11, EcLevel::M);
        s.canvas = Canvas::Side(264);
        s.border = 3;
        s.filter = Filter::Bilinear;
        s.encoding = enc;
        s.interlaced = true;
        specs.push(s);
    }

    // 5. Other versions on 264 and 300 px canvases, every filter.
    for (i, (v, side, border, filter)) in [
        (1, 264, 4, Filter::Bilinear),
        (3, 300, 0, Filter::Bicubic),
        (5, 264, 2, Filter::Bicubic),
        (7, 300, 4, Filter::Bilinear),
        (10, 300, 1, Filter::Nearest),
        (11, 300, 4, Filter::Bilinear),
        (11, 300, 0, Filter::Bicubic),
        (13, 264, 0, Filter::Bilinear),
        (15, 300, 2, Filter::Bilinear),
        (17, 300, 0, Filter::Bicubic),
        (20, 264, 0, Filter::Nearest),
        (20, 300, 1, Filter::Bilinear),
        (8, 100, 2, Filter::Nearest),
        (2, 99, 3, Filter::Bilinear),
    ]
    .into_iter()
    .enumerate()
    {
        let ec = EC[i % 4];
        let mut s = Spec::new(&payload_for(v, ec, 100 + i as u64, 1.0), v, ec);
        s.canvas = Canvas::Side(side);
        s.border = border;
        s.filter = filter;
        s.encoding = Encoding::ALL[(i * 3 + 1) % Encoding::ALL.len()];
        specs.push(s);
    }

    // 6. Coloured: dark blue on pale yellow, and a low-contrast grey pair.
    for (dark, light) in [([20, 30, 110], [255, 250, 205]), ([70, 70, 70], [200, 200, 200])] {
        let mut s = Spec::new(&wa, 11, EcLevel::M);
        s.canvas = Canvas::Side(264);
        s.border = 2;
        s.filter = Filter::Bilinear;
        s.encoding = Encoding::Rgb(8);
        s.dark = dark;
        s.light = light;
        specs.push(s);
    }

    // 7. Whole scales with smoothing (the usual "render then upscale").
    for (v, scale, filter) in [(4, 3, Filter::Bilinear), (9, 5, Filter::Bicubic), (11, 2, Filter::Nearest)] {
        let mut s = Spec::new(&payload_for(v, EcLevel::Q, v as u64 + 7, 0.8), v, EcLevel::Q);
        s.canvas = Canvas::Scale(scale);
        s.border = 4;
        s.filter = filter;
        specs.push(s);
    }
    specs
}
