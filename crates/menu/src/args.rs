//! Splitting a command line into arguments, like a small shell does.
//!
//! Words are separated by blanks (space, tab).  `'...'` keeps everything literally, `"..."`
//! keeps blanks and honours `\"` and `\\`, and outside quotes a backslash takes the next
//! character literally.  Quotes may join a word: `a"b c"d` is the one word `ab cd`, and `""`
//! is an empty word.

use std::fmt;

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A `'` or `"` was opened and never closed.
    UnterminatedQuote(char),
    /// The line ends with a lone backslash.
    TrailingBackslash,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::UnterminatedQuote(q) => write!(f, "unterminated quote {q}"),
            SplitError::TrailingBackslash => write!(f, "line ends with a backslash"),
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `line` into words.  An empty or blank line gives no words.
pub fn split_args(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(SplitError::UnterminatedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(SplitError::UnterminatedQuote('"')),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(SplitError::UnterminatedQuote('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => {
                    in_word = true;
                    cur.push(c);
                }
                None => return Err(SplitError::TrailingBackslash),
            },
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(line: &str) -> Vec<String> {
        split_args(line).unwrap()
    }

    #[test]
    fn blanks() {
        assert!(s("").is_empty());
        assert!(s("   \t ").is_empty());
        assert_eq!(s("help"), ["help"]);
        assert_eq!(s("  exec   /hello  a\tb  "), ["exec", "/hello", "a", "b"]);
    }

    #[test]
    fn quotes() {
        assert_eq!(s("echo 'a b'  \"c d\""), ["echo", "a b", "c d"]);
        assert_eq!(s("a\"b c\"d"), ["ab cd"]);
        assert_eq!(s("x '' \"\""), ["x", "", ""]);
        assert_eq!(
            s(r#"'it''s' "say \"hi\" \\ \n""#),
            ["its", r#"say "hi" \ \n"#]
        );
        assert_eq!(s(r"a\ b \'c"), ["a b", "'c"]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            split_args("echo 'abc"),
            Err(SplitError::UnterminatedQuote('\''))
        );
        assert_eq!(
            split_args("echo \"abc"),
            Err(SplitError::UnterminatedQuote('"'))
        );
        assert_eq!(
            split_args("echo \"abc\\"),
            Err(SplitError::UnterminatedQuote('"'))
        );
        assert_eq!(split_args("echo abc\\"), Err(SplitError::TrailingBackslash));
        assert_eq!(
            SplitError::UnterminatedQuote('"').to_string(),
            "unterminated quote \""
        );
    }

    #[test]
    fn unicode() {
        assert_eq!(s("écho 'ü ß'"), ["écho", "ü ß"]);
    }
}
