//! `runs start`'s inputs: `--input NAME=VALUE` (a string) and `--input-json NAME=JSON` (any
//! JSON), merged back into the order they were given on the command line.

use runs_core::{JsonValue, NameValue};

use crate::exit::Failure;

/// The inputs, in command-line order. `strings` and `jsons` pair each value with its position
/// among all the arguments (clap's indices).
pub fn ordered(strings: &[(usize, &str)], jsons: &[(usize, &str)]) -> Result<Vec<NameValue>, Failure> {
    let mut all: Vec<(usize, NameValue)> = Vec::with_capacity(strings.len() + jsons.len());
    for &(index, text) in strings {
        let (name, value) = split("--input", "NAME=VALUE", text)?;
        all.push((index, NameValue::new(name, value)));
    }
    for &(index, text) in jsons {
        let (name, json) = split("--input-json", "NAME=JSON", text)?;
        // Read as exact text, so a long number is sent with every digit.
        let value: JsonValue = json.parse().map_err(|e| {
            Failure::usage(format!(
                "--input-json {name}: the value is not JSON ({e}); quote a string as '\"text\"' or use --input"
            ))
        })?;
        all.push((index, NameValue::new(name, value)));
    }
    all.sort_by_key(|(index, _)| *index);
    Ok(all.into_iter().map(|(_, input)| input).collect())
}

fn split<'a>(flag: &str, form: &str, text: &'a str) -> Result<(&'a str, &'a str), Failure> {
    text.split_once('=')
        .ok_or_else(|| Failure::usage(format!("{flag} {text:?} must be {form}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_keep_their_command_line_order_across_both_flags() {
        let inputs = ordered(
            &[(2, "a=1"), (8, "c=x=y"), (10, "e=")],
            &[
                (4, "b=123456789012345678901234567890"),
                (6, "d={\"k\":[true,null]}"),
            ],
        )
        .unwrap();
        let got: Vec<_> = inputs
            .iter()
            .map(|i| (i.name.as_str(), i.value.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", JsonValue::from("1")),
                ("b", "123456789012345678901234567890".parse().unwrap()),
                ("d", serde_json::json!({"k": [true, null]}).into()),
                ("c", JsonValue::from("x=y")),
                ("e", JsonValue::from("")),
            ]
        );
    }

    #[test]
    fn malformed_inputs_name_the_flag() {
        let e = ordered(&[(1, "novalue")], &[]).unwrap_err();
        assert_eq!(e.to_string(), "--input \"novalue\" must be NAME=VALUE");
        let e = ordered(&[], &[(1, "n=not json")]).unwrap_err();
        assert!(
            e.to_string().starts_with("--input-json n: the value is not JSON"),
            "{e}"
        );
        assert_eq!(e.exit(), crate::exit::Exit::Invalid);
    }
}
