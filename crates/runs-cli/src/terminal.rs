//! Server text on a terminal: made printable, and quoted when it goes into a suggested command.
//!
//! Anything that came from a server (a status, a name, a continuation token) is data. Printed
//! raw, an escape sequence in it could recolour, move or rewrite what the user sees, and a
//! token pasted into a suggested command could run something else. Every server string goes
//! through [`printable`] before it is written, and through [`shell_word`] before it is put into
//! a command for the user to copy.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as it is: control characters (escape, newline, BEL),
/// and the invisible ones that reorder or hide text (bidi controls, zero-width characters).
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` with every unprintable character written as an escape (`\u{1b}`, `\n`), so it shows
/// on one line exactly what the server sent, and does nothing else.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` as one word of a POSIX shell command: bare when it is made of characters no shell
/// treats specially, in single quotes otherwise, and as a `$'...'` string with `\xHH` or
/// `\u` escapes when it holds unprintable characters (bash, zsh and ksh read it back exactly;
/// nothing unprintable reaches the terminal).
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    if !text.chars().any(is_unprintable) {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            c if is_unprintable(c) && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unprintable(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_left_alone_and_the_rest_escaped() {
        assert!(matches!(printable("Running"), Cow::Borrowed("Running")));
        assert_eq!(printable("\u{1b}[31mRed\u{7}\n"), r"\u{1b}[31mRed\u{7}\n");
        assert_eq!(printable("a\u{202E}b"), r"a\u{202e}b");
    }

    #[test]
    fn shell_words_are_bare_quoted_or_escaped() {
        assert_eq!(shell_word("eyJwYWdlIjoyfQ=="), "eyJwYWdlIjoyfQ==");
        assert_eq!(shell_word("a b;rm -rf ~"), "'a b;rm -rf ~'");
        assert_eq!(shell_word("it's $HOME `x`"), r"'it'\''s $HOME `x`'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("\u{1b}[2J'x\\"), r"$'\x1b[2J\'x\\'");
        assert_eq!(shell_word("a\u{202E}b"), r"$'a\u202eb'");
    }
}
