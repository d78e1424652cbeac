//! The parser alone, on libFuzzer's input as scenario text (docs/fuzzing.md): parse and the
//! scenario's own validation, every refusal located. Much faster than `pipeline` (no run, no
//! exporters), for the long fuzz's millions of parser executions. A panic is a crash;
//! `-timeout` catches hangs; an unlocated error panics here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(v) = sibsim::fuzz::check_parse("fuzz.toml", &text) {
        panic!("{v}");
    }
});
