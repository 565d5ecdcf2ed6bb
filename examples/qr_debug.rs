//! What the QR reader makes of some pictures:
//! `cargo run --example qr_debug -- [--row Y,X0,X1] PATH...`
//!
//! Each PATH is a PNG file or a directory of them (such as the `QR_FAIL_DIR`
//! the QR tests write their failing pictures to). For each picture: its size,
//! a 16-bucket luminance histogram, and the module count read or why none
//! was; with `--row`, also the luminance of row Y from column X0 to X1.

use scanqr::image::{decode_png, Gray};
use scanqr::qr::read_modules;
use std::path::{Path, PathBuf};

fn main() -> Result<(), String> {
    let mut row = None;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--row" {
            let spec = args.next().ok_or("--row needs Y,X0,X1")?;
            row = Some(parse_row(&spec)?);
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    if paths.is_empty() {
        return Err("usage: qr_debug [--row Y,X0,X1] PATH...".into());
    }
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|ext| ext == "png"))
                .collect();
            files.sort();
            for file in files {
                show(&file, row)?;
            }
        } else {
            show(&path, row)?;
        }
    }
    Ok(())
}

fn parse_row(spec: &str) -> Result<[u32; 3], String> {
    let numbers: Vec<u32> = spec.split(',').map(str::parse).collect::<Result<_, _>>().map_err(|e| format!("{e}"))?;
    numbers.try_into().map_err(|_| format!("--row wants Y,X0,X1, not {spec:?}"))
}

fn show(path: &Path, row: Option<[u32; 3]>) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let gray = match decode_png(&bytes) {
        Ok(gray) => gray,
        Err(e) => {
            println!("{}: {e}", path.display());
            return Ok(());
        }
    };
    let mut histogram = [0u32; 16];
    for &level in &gray.pixels {
        histogram[usize::from(level / 16)] += 1;
    }
    println!("{}: {}x{}, histogram {histogram:?}", path.display(), gray.width, gray.height);
    match read_modules(&gray) {
        Ok(m) => println!("  read {}x{} modules (version {})", m.size, m.size, m.version()),
        Err(e) => println!("  not read: {e}"),
    }
    if let Some([y, x0, x1]) = row {
        println!("  row {y}, columns {x0}..{x1}: {:?}", row_levels(&gray, y, x0, x1));
    }
    Ok(())
}

fn row_levels(gray: &Gray, y: u32, x0: u32, x1: u32) -> Vec<u8> {
    (x0..x1.min(gray.width)).map(|x| gray.get(x, y)).collect()
}
