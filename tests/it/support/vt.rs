//! A small terminal: enough of a VT100 to show what a person would see of
//! scanqr's output (text, CR, LF, cursor up, erase, colours ignored,
//! auto-wrap and scrolling), and a camera that reads a drawing off it.

pub struct Vt {
    cols: usize,
    rows: usize,
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
    /// Lines scrolled off the top, oldest first.
    pub scrolled: Vec<String>,
}

impl Vt {
    pub fn new(cols: usize, rows: usize) -> Vt {
        Vt { cols, rows, cells: vec![vec![' '; cols]; rows], row: 0, col: 0, scrolled: Vec::new() }
    }

    /// What the terminal shows after `bytes` (as a terminal's master end reads them).
    pub fn show(cols: usize, rows: usize, bytes: &[u8]) -> Vt {
        let mut vt = Vt::new(cols, rows);
        vt.feed(bytes);
        vt
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => self.col = 0,
                '\n' => self.line_feed(),
                '\x1b' if chars.peek() == Some(&'[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut last = ' ';
                    for d in chars.by_ref() {
                        if d.is_ascii_digit() || d == ';' || d == '?' {
                            params.push(d);
                        } else {
                            last = d;
                            break;
                        }
                    }
                    self.csi(&params, last);
                }
                c if c < ' ' => {}
                c => self.put(c),
            }
        }
    }

    /// The new size, as xterm takes it: lines are cut, not reflowed; a
    /// shorter screen drops the lines under the cursor first, then scrolls.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        for line in &mut self.cells {
            line.resize(cols, ' ');
        }
        while self.cells.len() > rows {
            if self.row + 1 < self.cells.len() {
                self.cells.pop();
            } else {
                let top = self.cells.remove(0);
                self.scrolled.push(top.iter().collect::<String>().trim_end().to_string());
                self.row -= 1;
            }
        }
        self.cells.resize(rows, vec![' '; cols]);
        (self.cols, self.rows) = (cols, rows);
        self.col = self.col.min(cols - 1);
    }

    /// The screen's lines, trailing blanks trimmed.
    pub fn lines(&self) -> Vec<String> {
        self.cells.iter().map(|l| l.iter().collect::<String>().trim_end().to_string()).collect()
    }

    /// The screen as text, for failure messages.
    pub fn dump(&self) -> String {
        self.lines().join("\n")
    }

    fn put(&mut self, c: char) {
        if self.col >= self.cols {
            self.col = 0;
            self.line_feed();
        }
        self.cells[self.row][self.col] = c;
        self.col += 1;
    }

    fn line_feed(&mut self) {
        if self.row + 1 == self.rows {
            self.scroll();
        } else {
            self.row += 1;
        }
    }

    fn scroll(&mut self) {
        let top = self.cells.remove(0);
        self.scrolled.push(top.iter().collect::<String>().trim_end().to_string());
        self.cells.push(vec![' '; self.cols]);
    }

    fn csi(&mut self, params: &str, last: char) {
        let n = params.parse::<usize>().unwrap_or(0);
        match last {
            'A' => self.row = self.row.saturating_sub(n.max(1)),
            'B' => self.row = (self.row + n.max(1)).min(self.rows - 1),
            'J' => {
                assert_eq!(n, 0, "ESC[{params}J: only the erase below is expected");
                self.cells[self.row][self.col.min(self.cols)..].fill(' ');
                for line in &mut self.cells[self.row + 1..] {
                    line.fill(' ');
                }
            }
            'K' => self.cells[self.row][self.col.min(self.cols)..].fill(' '),
            'm' => {}
            other => panic!("unexpected escape ESC[{params}{other}"),
        }
    }
}

/// Read a drawing off the screen as a camera would: each character cell
/// 6 x 12 pixels, a half block's halves 6 x 6, a sextant's sixths 3 x 4,
/// ink black (`ink_is_dark`) or white on the other, with a margin of the
/// terminal's background all round. What `rqrr` decodes.
pub fn scan(lines: &[String], ink_is_dark: bool) -> Result<String, String> {
    let cells: Vec<Vec<Glyph>> =
        lines.iter().map(|l| l.chars().map(Glyph::of).collect::<Result<_, _>>()).collect::<Result<_, _>>()?;
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let margin = 2;
    let (w, h) = ((cols + 2 * margin) * 6, (cells.len() + 2 * margin) * 12);
    let (ink, background) = if ink_is_dark { (0, 255) } else { (255, 0) };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let (col, line) = ((x / 6).wrapping_sub(margin), (y / 12).wrapping_sub(margin));
        let glyph = cells.get(line).and_then(|l| l.get(col)).copied().unwrap_or(Glyph::Sixths(0));
        if glyph.inked(x % 6, y % 12) {
            ink
        } else {
            background
        }
    });
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("rqrr found no code on the screen")?;
    let (_, content) = grid.decode().map_err(|e| format!("rqrr: {e:?}"))?;
    Ok(content)
}

/// A drawing character by the parts of its cell it inks.
#[derive(Debug, Clone, Copy)]
enum Glyph {
    Top,
    Bottom,
    /// Bit 0 top left ... bit 5 bottom right; also ' ▌ ▐ █', which both drawings use.
    Sixths(u8),
}

impl Glyph {
    /// From Unicode's names, not from scanqr: a drawing made with the wrong
    /// characters does not scan.
    fn of(c: char) -> Result<Glyph, String> {
        let sixths = |name: &str| name.bytes().fold(0, |p, d| p | 1 << (d - b'1'));
        match c {
            '▀' => Ok(Glyph::Top),
            '▄' => Ok(Glyph::Bottom),
            ' ' => Ok(Glyph::Sixths(0)),
            '▌' => Ok(Glyph::Sixths(sixths("135"))),
            '▐' => Ok(Glyph::Sixths(sixths("246"))),
            '█' => Ok(Glyph::Sixths(63)),
            _ => (c as u32)
                .checked_sub(0x1FB00)
                .and_then(|i| SEXTANT_NAMES.get(i as usize))
                .map(|name| Glyph::Sixths(sixths(name)))
                .ok_or(format!("{c:?} is not a drawing character")),
        }
    }

    /// Whether pixel (x, y) of a 6 x 12 cell is inked.
    fn inked(self, x: usize, y: usize) -> bool {
        match self {
            Glyph::Top => y < 6,
            Glyph::Bottom => y >= 6,
            Glyph::Sixths(p) => p & (1 << ((y / 4) * 2 + x / 3)) != 0,
        }
    }
}

/// U+1FB00..U+1FB3B in order, as the suffixes of their names in
/// UnicodeData.txt (`BLOCK SEXTANT-1`, `BLOCK SEXTANT-2`, `BLOCK SEXTANT-12`, ...).
const SEXTANT_NAMES: [&str; 60] = [
    "1", "2", "12", "3", "13", "23", "123", "4", "14", "24", "124", "34", "134", "234", "1234", "5", "15", "25", "125",
    "35", "235", "1235", "45", "145", "245", "1245", "345", "1345", "2345", "12345", "6", "16", "26", "126", "36",
    "136", "236", "1236", "46", "146", "1246", "346", "1346", "2346", "12346", "56", "156", "256", "1256", "356",
    "1356", "2356", "12356", "456", "1456", "2456", "12456", "3456", "13456", "23456",
];
