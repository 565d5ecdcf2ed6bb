//! The QR code on a terminal: drawn only when all of it fits, redrawn in
//! place while nothing else was printed under it, and a countdown on the
//! line under it.
//!
//! Moving the cursor up over a block only lands where the block started
//! while the whole block is on screen, so a block is never drawn taller
//! than the terminal, and one the terminal shrank under is left alone.

use super::{Lines, ReportOptions};
use crate::config::SCAN_WINDOW;
use crate::draw::fit::{self, Size};
use crate::draw::{self, countdown, Kind, Style};
use crate::qr::Modules;
use crate::signal;
use std::time::{Duration, Instant};

/// How often the size is looked at again when no SIGWINCH said it changed
/// (the handler may be missing, or the signal may go to another process group).
const RESIZE_POLL: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(super) struct Screen {
    kind: Kind,
    style: Style,
    to_stderr: bool,
    /// The drawing goes to a terminal: fit it to its size, redraw it in place.
    in_place: bool,
    /// A countdown under the code (human lines on that terminal).
    countdown: bool,
    size: Option<Size>,
    sized_at: Option<Instant>,
    /// When the first QR code of this connection arrived.
    window_from: Option<Instant>,
    qr: Option<Current>,
    /// The block on screen that can be redrawn in place.
    block: Option<Block>,
    /// The "not drawn" warning is out; a drawing rearms it.
    warned: bool,
}

/// The latest QR code of this connection.
#[derive(Debug)]
struct Current {
    n: u64,
    path: String,
    modules: Modules,
    arrived: Instant,
    /// Its status line: how many lines it took on the terminal, and the
    /// line count after it (a drawing right under it includes it).
    head: usize,
    head_end: usize,
    drawn: bool,
}

/// A drawing on screen, with the `head` lines above it that belong to it.
#[derive(Debug)]
struct Block {
    head: usize,
    drawing: usize,
    /// `Lines::tty_lines` right after it: any other count means lines were printed under it.
    end: usize,
    need: Size,
}

/// What [`Screen::erase`] takes off the screen.
#[derive(Debug, Clone, Copy)]
pub(super) enum Erase {
    /// The status line and the drawing: a new code takes their place.
    Block,
    /// The drawing only: the code is void, its status line is history.
    Drawing,
}

impl Screen {
    pub fn new(opts: &ReportOptions, in_place: bool) -> Screen {
        Screen {
            kind: if opts.compact { Kind::Sextant } else { Kind::HalfBlock },
            style: opts.style,
            to_stderr: opts.json,
            in_place,
            countdown: in_place && !opts.json && !opts.quiet,
            size: None,
            sized_at: None,
            window_from: None,
            qr: None,
            block: None,
            warned: false,
        }
    }

    /// A new connection: a new scan window, and the old code is gone.
    pub fn connected(&mut self) {
        self.window_from = None;
        self.qr = None;
    }

    /// QR `n` was announced with `head` lines on the terminal: draw it if it fits.
    pub fn qr(&mut self, lines: &mut Lines, n: u64, path: String, modules: Modules, head: usize) {
        let now = Instant::now();
        self.window_from.get_or_insert(now);
        self.qr = Some(Current { n, path, modules, arrived: now, head, head_end: lines.tty_lines, drawn: false });
        self.measure(lines);
        self.show(lines);
        self.show_countdown(lines);
    }

    /// A tick of the session loop: follow a resize, move the countdown on.
    pub fn tick(&mut self, lines: &mut Lines) {
        if !self.in_place {
            return;
        }
        let due = self.sized_at.is_none_or(|t| t.elapsed() >= RESIZE_POLL);
        if signal::take_resize() || due {
            let before = self.size;
            self.measure(lines);
            if self.size != before {
                self.resized(lines);
            }
        }
        self.show_countdown(lines);
    }

    /// The code is void (the connection or the run is over): its drawing
    /// and countdown leave the screen, so no one scans a dead code.
    pub fn void(&mut self, lines: &mut Lines) {
        self.erase(lines, Erase::Drawing);
        lines.clear_status();
        self.qr = None;
    }

    /// Clear the block (or its drawing) from its top to the end of the
    /// screen, when nothing was printed under it; never above the screen's
    /// top, where a block the terminal shrank under has gone.
    pub fn erase(&mut self, lines: &mut Lines, what: Erase) {
        let Some(block) = self.block.take() else { return };
        if lines.tty_lines != block.end {
            return;
        }
        self.measure(lines);
        let up = match what {
            Erase::Block => block.head + block.drawing,
            Erase::Drawing => block.drawing,
        };
        let up = self.size.map_or(up, |s| up.min(s.lines.saturating_sub(1)));
        lines.write(self.to_stderr, &format!("\r{}\x1b[J", up_by(up)));
    }

    /// Draw the current code if it fits; else say once what it needs.
    fn show(&mut self, lines: &mut Lines) {
        let Some(qr) = &mut self.qr else { return };
        if qr.drawn {
            return;
        }
        // Drawn later (after a resize), it has other lines above it.
        let head = if lines.tty_lines == qr.head_end { qr.head } else { 0 };
        let need = fit::needs(self.kind, qr.modules.size, head);
        match self.size {
            Some(size) if self.in_place && !size.holds(need) => {
                if !self.warned {
                    self.warned = true;
                    lines.warning(&fit::too_small(qr.n, self.kind, qr.modules.size, head, size, &qr.path));
                }
            }
            _ => {
                let text = draw::draw(&qr.modules, self.kind, self.style);
                lines.write(self.to_stderr, &text);
                qr.drawn = true;
                self.warned = false;
                let drawing = text.lines().count();
                self.block = self.in_place.then_some(Block { head, drawing, end: lines.tty_lines, need });
            }
        }
    }

    /// A drawing the terminal no longer holds is cut, wrapped or scrolled
    /// away: it does not scan. What of it is on screen is cleared, and it is
    /// drawn again when it fits. One that is not drawn yet may fit now.
    fn resized(&mut self, lines: &mut Lines) {
        if self.block.as_ref().is_some_and(|b| !self.holds(b.need)) {
            self.erase(lines, Erase::Block);
            if let Some(qr) = &mut self.qr {
                qr.drawn = false;
            }
        }
        self.show(lines);
    }

    fn show_countdown(&mut self, lines: &mut Lines) {
        let (true, Some(qr), Some(from)) = (self.countdown, &self.qr, self.window_from) else { return };
        let now = Instant::now();
        let text = countdown::line(qr.n, now - qr.arrived, now - from, SCAN_WINDOW);
        let cols = self.size.map_or(usize::MAX, |s| s.cols);
        lines.status(self.to_stderr, countdown::clip(&text, cols));
    }

    fn measure(&mut self, lines: &Lines) {
        self.size = lines.size(self.to_stderr);
        self.sized_at = Some(Instant::now());
    }

    /// Whether the terminal holds `need`; one of unknown size holds anything.
    fn holds(&self, need: Size) -> bool {
        self.size.is_none_or(|s| s.holds(need))
    }
}

/// Cursor up `n` lines (`ESC[0A` would move one).
fn up_by(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("\x1b[{n}A")
    }
}
