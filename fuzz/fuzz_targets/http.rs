//! Bytes read so far from `scanqr state`'s connection: `http::parse`, both at and before EOF.
//!
//! Beyond "no panic": a response is never larger than the limits, and the
//! parser is monotonic. Whenever the whole input parses to `Done`, every
//! prefix of it (before EOF) parses to `Ok`: more bytes can complete a
//! response but never turn an error into a good one, so the streaming loop in
//! `http::get` sees an error no later than a parser given all bytes at once.
//! A prefix that is already `Done` is the same response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanqr::net::http::{parse, Parse, MAX_BODY};

fuzz_target!(|data: &[u8]| {
    let mut done = None;
    for at_eof in [false, true] {
        if let Ok(Parse::Done(r)) = parse(data, at_eof) {
            assert!(r.body.len() <= MAX_BODY);
            assert!((100..1000).contains(&r.status));
            done.get_or_insert((at_eof, r));
        }
    }
    let Some((at_eof, whole)) = done else { return };
    // Every cut for short inputs; for long ones, a spread of cuts (all prefixes
    // would make one run quadratic).
    let cuts: Vec<usize> = if data.len() <= 512 {
        (0..data.len()).collect()
    } else {
        let step = data.len() / 97 + 1;
        (0..data.len()).step_by(step).chain(data.len().saturating_sub(16)..data.len()).collect()
    };
    for cut in cuts {
        let prefix = &data[..cut];
        match parse(prefix, false) {
            Ok(Parse::Incomplete) => {}
            Ok(Parse::Done(r)) => {
                if !at_eof {
                    assert_eq!(r, whole, "prefix of {cut} bytes is a different response");
                }
            }
            Err(e) => panic!("prefix of {cut} bytes is an error ({e}) but the whole is Done"),
        }
    }
});
