//! parse → validate → short run → render, on libFuzzer's input (docs/fuzzing.md).
//!
//! The first byte chooses how the rest is read: even, as scenario text (the parser's fuzz, from
//! the corpus of bundled scenarios and fixtures); odd, as the structure-aware generator's input
//! (`sibsim::fuzz::generate`), which builds a valid-shaped scenario with extreme values, so that
//! cases reach the engine and the exporters. A panic is a crash; `-timeout` catches hangs; a
//! broken promise of `sibsim::fuzz::check` (unlocated error, non-finite figure) panics here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        sibsim::fuzz::generate::from_bytes(rest).text
    };
    if let Err(v) = sibsim::fuzz::check("fuzz.toml", &text) {
        panic!("{v}");
    }
});
