//! Unit tests of the specs' validation and deserialisation.

use super::*;

// ---------- validation ----------

#[test]
fn invalid_parameters_name_the_parameter_and_what_would_do() {
    for (s, param, text) in [
        (
            r#"{ dist = "pert", min = 5, mode = 4, max = 3 }"#,
            "min",
            "min 5 is greater than max 3; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 4, max = 3 }"#,
            "mode",
            "mode 4 is greater than max 3; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "triangular", min = 1, mode = 0, max = 3 }"#,
            "mode",
            "mode 0 is less than min 1; expected min ≤ mode ≤ max with min < max",
        ),
        (
            r#"{ dist = "triangular", min = 2, mode = 2, max = 2 }"#,
            "min",
            "min 2 equals max 2; expected min ≤ mode ≤ max with min < max \
             (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3, lambda = 0 }"#,
            "lambda",
            "lambda 0 is not positive; expected lambda > 0 (4 is the classic PERT)",
        ),
        (
            r#"{ dist = "uniform", min = 3, max = 3 }"#,
            "min",
            "min 3 is not less than max 3; expected min < max (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected sd > 0 (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 1, min = 2, max = 2 }"#,
            "min",
            "min 2 is not less than max 2; expected min < max for a truncated normal",
        ),
        (
            r#"{ dist = "normal", mean = 0, sd = 1, min = 7, max = 8 }"#,
            "dist",
            "truncating normal(mean 0, sd 1) to [7, 8] keeps only 1.3e-12 of its probability; \
             expected [min, max] to keep at least 1e-9 of the probability; check mean, sd, min and max",
        ),
        (
            r#"{ dist = "lognormal", mean = -1, sd = 1 }"#,
            "mean",
            "mean -1 is not positive; expected mean > 0 (a lognormal variable is positive)",
        ),
        (
            r#"{ dist = "lognormal", mean = 1, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected sd > 0 (for a fixed value, write a plain number)",
        ),
        (
            r#"{ dist = "gamma", shape = 0, scale = 1 }"#,
            "shape",
            "shape 0 is not positive; expected shape > 0",
        ),
        (
            r#"{ dist = "gamma", shape = 1, scale = -2 }"#,
            "scale",
            "scale -2 is not positive; expected scale > 0",
        ),
        (
            r#"{ dist = "beta", alpha = 0, beta = 1 }"#,
            "alpha",
            "alpha 0 is not positive; expected alpha > 0",
        ),
        (
            r#"{ dist = "beta", alpha = 1, beta = -1 }"#,
            "beta",
            "beta -1 is not positive; expected beta > 0",
        ),
        (
            r#"{ dist = "beta_mean", mean = 1, sd = 0.1 }"#,
            "mean",
            "mean 1 is not between 0 and 1; expected 0 < mean < 1",
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0.5 }"#,
            "sd",
            "sd 0.5 is too large for a beta with mean 0.3; expected 0 < sd < √(mean·(1 − mean)) = 0.4583",
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0 }"#,
            "sd",
            "sd 0 is not positive; expected 0 < sd < √(mean·(1 − mean)) = 0.4583",
        ),
        (
            r#"{ dist = "beta_counts", successes = 30, trials = 20 }"#,
            "successes",
            "successes 30 is greater than trials 20; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = 2.5, trials = 20 }"#,
            "successes",
            "successes 2.5 is not a whole number; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = -1, trials = 20 }"#,
            "successes",
            "successes -1 is negative; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "beta_counts", successes = 0, trials = 0 }"#,
            "trials",
            "trials 0 is not positive; \
             expected whole numbers with 0 ≤ successes ≤ trials and trials > 0",
        ),
        (
            r#"{ dist = "discrete", values = [] }"#,
            "values",
            "values is empty; expected at least one value",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1] }"#,
            "weights",
            "weights has 1 entries but values has 2; \
             expected non-negative weights, one per value, not all zero",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1, -1] }"#,
            "weights",
            "weights[1] -1 is negative; expected non-negative weights, one per value, not all zero",
        ),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [0, 0] }"#,
            "weights",
            "weights are all zero; expected non-negative weights, one per value, not all zero",
        ),
    ] {
        let e = err(s);
        assert_eq!((e.param, e.to_string().as_str()), (param, text), "{s}");
    }
}

#[test]
fn non_finite_parameters_are_refused_for_every_variant() {
    // TOML writes them as `nan` and `inf`.
    for (s, param) in [
        (r#"{ dist = "fixed", value = nan }"#, "value"),
        (r#"{ dist = "uniform", min = 0, max = inf }"#, "max"),
        (
            r#"{ dist = "triangular", min = -inf, mode = 0, max = 1 }"#,
            "min",
        ),
        (r#"{ dist = "pert", min = 0, mode = nan, max = 1 }"#, "mode"),
        (
            r#"{ dist = "pert", min = 0, mode = 0.5, max = 1, lambda = inf }"#,
            "lambda",
        ),
        (r#"{ dist = "normal", mean = nan, sd = 1 }"#, "mean"),
        (r#"{ dist = "normal", mean = 0, sd = inf }"#, "sd"),
        (
            r#"{ dist = "normal", mean = 0, sd = 1, min = -inf }"#,
            "min",
        ),
        (r#"{ dist = "normal", mean = 0, sd = 1, max = nan }"#, "max"),
        (r#"{ dist = "lognormal", mean = inf, sd = 1 }"#, "mean"),
        (r#"{ dist = "lognormal", mean = 1, sd = nan }"#, "sd"),
        (r#"{ dist = "gamma", shape = nan, scale = 1 }"#, "shape"),
        (r#"{ dist = "gamma", shape = 1, scale = inf }"#, "scale"),
        (r#"{ dist = "beta", alpha = inf, beta = 1 }"#, "alpha"),
        (r#"{ dist = "beta", alpha = 1, beta = nan }"#, "beta"),
        (r#"{ dist = "beta_mean", mean = nan, sd = 0.1 }"#, "mean"),
        (r#"{ dist = "beta_mean", mean = 0.5, sd = inf }"#, "sd"),
        (
            r#"{ dist = "beta_counts", successes = nan, trials = 3 }"#,
            "successes",
        ),
        (
            r#"{ dist = "beta_counts", successes = 1, trials = inf }"#,
            "trials",
        ),
        (r#"{ dist = "discrete", values = [1, nan] }"#, "values"),
        (
            r#"{ dist = "discrete", values = [1, 2], weights = [1, inf] }"#,
            "weights",
        ),
    ] {
        let e = err(s);
        assert_eq!(e.param, param, "{s}: {e}");
        assert!(e.problem.contains("not a finite number"), "{s}: {e}");
    }
    assert_eq!(
        err(r#"{ dist = "uniform", min = 0, max = inf }"#).to_string(),
        "max inf is not a finite number; expected a finite number"
    );
}

// ---------- deserialisation ----------

#[test]
fn numbers_integers_and_tables_deserialise() {
    assert_eq!(parse("x = 1.5"), Ok(Input::Fixed(1.5)));
    assert_eq!(parse("x = 2"), Ok(Input::Fixed(2.0)));
    assert_eq!(parse("x = -3"), Ok(Input::Fixed(-3.0)));
    assert_eq!(
        parse("[x]\ndist = \"beta_counts\"\nsuccesses = 590\ntrials = 1926\n"),
        Ok(Input::Dist(DistSpec::beta_counts(590.0, 1926.0)))
    );
    for (s, expected) in [
        (
            r#"{ dist = "fixed", value = 3 }"#,
            DistSpec::Fixed { value: 3.0 },
        ),
        (
            r#"{ dist = "uniform", min = 1, max = 2.5 }"#,
            DistSpec::Uniform { min: 1.0, max: 2.5 },
        ),
        (
            r#"{ dist = "triangular", min = 1, mode = 2, max = 3 }"#,
            DistSpec::Triangular {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
            },
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3 }"#,
            DistSpec::Pert {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
                lambda: 4.0,
            },
        ),
        (
            r#"{ dist = "pert", min = 1, mode = 2, max = 3, lambda = 6 }"#,
            DistSpec::Pert {
                min: 1.0,
                mode: 2.0,
                max: 3.0,
                lambda: 6.0,
            },
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0.5 }"#,
            DistSpec::Normal {
                mean: 1.0,
                sd: 0.5,
                min: None,
                max: None,
            },
        ),
        (
            r#"{ dist = "normal", mean = 1, sd = 0.5, min = 0, max = 4 }"#,
            DistSpec::Normal {
                mean: 1.0,
                sd: 0.5,
                min: Some(0.0),
                max: Some(4.0),
            },
        ),
        (
            r#"{ dist = "lognormal", mean = 10, sd = 3 }"#,
            DistSpec::Lognormal {
                mean: 10.0,
                sd: 3.0,
            },
        ),
        (
            r#"{ dist = "gamma", shape = 2, scale = 0.5 }"#,
            DistSpec::Gamma {
                shape: 2.0,
                scale: 0.5,
            },
        ),
        (
            r#"{ dist = "beta", alpha = 2, beta = 5 }"#,
            DistSpec::Beta {
                alpha: 2.0,
                beta: 5.0,
            },
        ),
        (
            r#"{ dist = "beta_mean", mean = 0.3, sd = 0.1 }"#,
            DistSpec::BetaMean { mean: 0.3, sd: 0.1 },
        ),
        (
            r#"{ dist = "beta_counts", successes = 590, trials = 1926 }"#,
            DistSpec::beta_counts(590.0, 1926.0),
        ),
        (
            r#"{ dist = "discrete", values = [1, 2.5], weights = [1, 3] }"#,
            DistSpec::Discrete {
                values: vec![1.0, 2.5],
                weights: Some(vec![1.0, 3.0]),
            },
        ),
        (
            r#"{ dist = "discrete", values = [1, 2] }"#,
            DistSpec::Discrete {
                values: vec![1.0, 2.0],
                weights: None,
            },
        ),
    ] {
        assert_eq!(spec(s), expected, "{s}");
    }
}

/// The last line of a toml error: the message without the position and the caret.
fn message(s: &str) -> String {
    let e = parse(s).unwrap_err();
    e.trim_end().lines().last().unwrap().to_string()
}

#[test]
fn deserialisation_errors_say_what_is_valid() {
    assert_eq!(
        message(r#"x = { dist = "pert", min = 1, mode = 2, max = 3, foo = 1 }"#),
        "unknown field `foo`, expected one of `min`, `mode`, `max`, `lambda`"
    );
    assert_eq!(
        message(r#"x = { dist = "perty", min = 1, mode = 2, max = 3 }"#),
        "unknown variant `perty`, expected one of `fixed`, `uniform`, `triangular`, `pert`, \
         `normal`, `lognormal`, `gamma`, `beta`, `beta_mean`, `beta_counts`, `discrete`, `evidence`"
    );
    assert_eq!(
        message("x = { min = 1, mode = 2, max = 3 }"),
        "missing field `dist`"
    );
    assert_eq!(
        message(r#"x = { dist = "pert", min = 1, max = 3 }"#),
        "missing field `mode`"
    );
    assert_eq!(
        message(r#"x = "abc""#),
        "invalid type: string \"abc\", expected a number or a distribution table such as \
         { dist = \"pert\", min = 1, mode = 2, max = 3 }"
    );
    assert_eq!(
        message("x = [1, 2]"),
        "invalid type: sequence, expected a number or a distribution table such as \
         { dist = \"pert\", min = 1, mode = 2, max = 3 }"
    );
    assert_eq!(
        message(r#"x = { dist = "normal", mean = 1, sd = "a" }"#),
        "invalid type: string \"a\", expected f64"
    );
    // The position survives: the error points at the value of `x` on line 2.
    let e = parse("# comment\nx = { dist = \"beta\", alpha = 1, gamma = 2 }").unwrap_err();
    assert!(e.starts_with("TOML parse error at line 2, column 5"), "{e}");
}

#[test]
fn errors_survive_serde_path_to_error() {
    // The scenario loader wraps the toml deserializer to report the field path.
    let s = "x = { dist = \"pert\", min = 1, mode = 2, max = 3, foo = 1 }";
    let de = toml::Deserializer::parse(s).unwrap();
    let e = serde_path_to_error::deserialize::<_, Doc>(de).unwrap_err();
    // The path stops at the input (serde buffers an internally tagged table before choosing the
    // variant); the message names the field.
    assert_eq!(e.path().to_string(), "x");
    assert!(
        e.inner()
            .to_string()
            .contains("unknown field `foo`, expected one of `min`, `mode`, `max`, `lambda`"),
        "{e}"
    );
    let ok = "x = { dist = \"beta_counts\", successes = 1, trials = 2 }";
    let de = toml::Deserializer::parse(ok).unwrap();
    let doc: Doc = serde_path_to_error::deserialize(de).unwrap();
    assert_eq!(doc.x, Input::Dist(DistSpec::beta_counts(1.0, 2.0)));
}
