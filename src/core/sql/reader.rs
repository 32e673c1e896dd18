//! A small serde `Deserializer` for the rows' JSON text ([`super::rows`],
//! [`super::first`]): D1's rows as `JSON.stringify` writes them (or the
//! simulation's, as serde_json writes them), an array of flat objects.
//!
//! Why not serde_json's own: its deserializer is instantiated for every row
//! type, with its JSON parsing inlined into each instance and each struct's
//! visitor linked twice (a struct may also be read from a JSON array). With
//! some fifty row types that was about 235 KB of the wasm before
//! optimisation, most of the row-reading code (issue 22). Here the parsing is
//! in a few plain functions shared by every row type, and a struct reads
//! from an object only.
//!
//! What it reads is what serde_json reads, value for value: the same
//! visitor calls for the same JSON (`visit_u64` for a non-negative integer,
//! `visit_i64` for a negative one, `visit_f64` otherwise, the escaped strings
//! and the numbers that are not plain digits decoded by serde_json itself).
//! Only the error messages differ (they name no line and column); a row
//! that does not read is a bug or a schema drift, never user input.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, Expected, MapAccess, SeqAccess, Unexpected, Visitor,
};

/// Why the rows' text did not read into the asked type.
#[derive(Debug)]
pub struct ReadError(pub String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ReadError(msg.to_string())
    }
}

fn syntax(what: &str, at: usize) -> ReadError {
    ReadError(format!("{what} at byte {at}"))
}

/// One scalar value, or the opening of an object or an array.
enum Token<'de> {
    Borrowed(&'de str),
    Owned(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
    Null,
    Object,
    Array,
}

impl Token<'_> {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Token::Borrowed(s) => Unexpected::Str(s),
            Token::Owned(s) => Unexpected::Str(s),
            Token::Unsigned(n) => Unexpected::Unsigned(*n),
            Token::Signed(n) => Unexpected::Signed(*n),
            Token::Float(n) => Unexpected::Float(*n),
            Token::Bool(b) => Unexpected::Bool(*b),
            Token::Null => Unexpected::Unit,
            Token::Object => Unexpected::Map,
            Token::Array => Unexpected::Seq,
        }
    }
}

#[inline(never)]
fn invalid(token: &Token<'_>, expected: &dyn Expected) -> ReadError {
    de::Error::invalid_type(token.unexpected(), expected)
}

/// A reader over the whole text; `&mut Reader` is the deserializer.
pub struct Reader<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Reader<'de> {
    pub fn new(text: &'de str) -> Reader<'de> {
        Reader { text, at: 0 }
    }

    /// Nothing but white space is left.
    #[inline(never)]
    pub fn end(&mut self) -> Result<(), ReadError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(syntax("trailing characters", self.at)),
        }
    }

    /// The next byte that is not white space, left unread.
    #[inline(never)]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    fn eat(&mut self, byte: u8, what: &str) -> Result<(), ReadError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(syntax(what, self.at))
        }
    }

    /// Reads the next value if it is a scalar, or only its opening `{` or `[`.
    #[inline(never)]
    fn token(&mut self) -> Result<Token<'de>, ReadError> {
        let (word, token) = match self.peek() {
            Some(b'"') => return self.string(),
            Some(b'-' | b'0'..=b'9') => return self.number(),
            Some(b'{') => ("{", Token::Object),
            Some(b'[') => ("[", Token::Array),
            Some(b't') => ("true", Token::Bool(true)),
            Some(b'f') => ("false", Token::Bool(false)),
            Some(b'n') => ("null", Token::Null),
            Some(_) | None => return Err(syntax("expected a value", self.at)),
        };
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(token)
        } else {
            Err(syntax("expected a value", self.at))
        }
    }

    /// A string, at its opening quote: borrowed when it has no escape,
    /// else decoded by serde_json.
    fn string(&mut self) -> Result<Token<'de>, ReadError> {
        let open = self.at;
        let bytes = self.text.as_bytes();
        let mut at = open + 1;
        let mut escaped = false;
        loop {
            match bytes.get(at) {
                None => return Err(syntax("unterminated string", open)),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    at += 2;
                }
                Some(&b) if b < 0x20 => return Err(syntax("control character in a string", at)),
                Some(_) => at += 1,
            }
        }
        self.at = at + 1;
        let quoted = &self.text[open..self.at];
        if escaped {
            serde_json::from_str::<String>(quoted)
                .map(Token::Owned)
                .map_err(|e| ReadError(e.to_string()))
        } else {
            Ok(Token::Borrowed(&quoted[1..quoted.len() - 1]))
        }
    }

    /// A number: plain digits read here, any other form by serde_json.
    fn number(&mut self) -> Result<Token<'de>, ReadError> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut end = start;
        while bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            end += 1;
        }
        self.at = end;
        let text = &self.text[start..end];
        let plain =
            text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
        if let (true, Ok(n)) = (plain, text.parse::<u64>()) {
            return Ok(Token::Unsigned(n));
        }
        let number: serde_json::Number = text
            .parse()
            .map_err(|e: serde_json::Error| ReadError(e.to_string()))?;
        Ok(match (number.as_u64(), number.as_i64()) {
            (Some(n), _) => Token::Unsigned(n),
            (None, Some(n)) => Token::Signed(n),
            (None, None) => Token::Float(number.as_f64().unwrap_or(f64::NAN)),
        })
    }

    /// Eats the `[` that opens the array of rows; [`Reader::next_row`] then
    /// tells whether a row follows (each read by the caller as its type,
    /// one instance of the row code per type, no sequence visitor).
    pub fn open_rows(&mut self) -> Result<(), ReadError> {
        self.open(b'[')
    }

    /// Whether another row follows: eats the `,` before it, or the `]`.
    pub fn next_row(&mut self, first: &mut bool) -> Result<bool, ReadError> {
        self.more(b']', first)
    }

    /// Skips the rows left, and the `]`.
    #[inline(never)]
    pub fn skip_rows(&mut self, first: &mut bool) -> Result<(), ReadError> {
        while self.more(b']', first)? {
            self.skip()?;
        }
        Ok(())
    }

    /// Eats the `{` or `[` that opens what is asked for.
    #[inline(never)]
    fn open(&mut self, byte: u8) -> Result<(), ReadError> {
        let what = if byte == b'{' {
            "expected an object"
        } else {
            "expected an array"
        };
        self.eat(byte, what)
    }

    /// Whether another member (or element) follows before `close`; eats the
    /// `close` when none does, the `,` between two members otherwise.
    #[inline(never)]
    fn more(&mut self, close: u8, first: &mut bool) -> Result<bool, ReadError> {
        if self.peek() == Some(close) {
            self.at += 1;
            return Ok(false);
        }
        if !*first {
            self.eat(b',', "expected `,` or the end")?;
        }
        *first = false;
        Ok(true)
    }

    /// Skips one whole value.
    #[inline(never)]
    fn skip(&mut self) -> Result<(), ReadError> {
        let mut first = true;
        match self.token()? {
            Token::Object => {
                while self.more(b'}', &mut first)? {
                    self.key()?;
                    self.skip()?;
                }
            }
            Token::Array => {
                while self.more(b']', &mut first)? {
                    self.skip()?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A member's name and its `:`.
    fn key(&mut self) -> Result<Token<'de>, ReadError> {
        if self.peek() != Some(b'"') {
            return Err(syntax("expected a member name", self.at));
        }
        let name = self.string()?;
        self.eat(b':', "expected `:`")?;
        Ok(name)
    }
}

fn visit_scalar<'de, V: Visitor<'de>>(
    token: Token<'de>,
    visitor: V,
) -> Result<V::Value, ReadError> {
    match token {
        Token::Borrowed(s) => visitor.visit_borrowed_str(s),
        Token::Owned(s) => visitor.visit_string(s),
        Token::Unsigned(n) => visitor.visit_u64(n),
        Token::Signed(n) => visitor.visit_i64(n),
        Token::Float(n) => visitor.visit_f64(n),
        Token::Bool(b) => visitor.visit_bool(b),
        Token::Null => visitor.visit_unit(),
        Token::Object | Token::Array => Err(invalid(&token, &visitor)),
    }
}

/// An object's members, after its `{`.
struct Members<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
    done: bool,
}

impl<'de> Members<'_, 'de> {
    /// The next member's name (its `:` eaten), or `None` after the last.
    #[inline(never)]
    fn next_name(&mut self) -> Result<Option<Token<'de>>, ReadError> {
        if self.done || !self.reader.more(b'}', &mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        self.reader.key().map(Some)
    }
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReadError> {
        match self.next_name()? {
            Some(name) => seed.deserialize(Name(name)).map(Some),
            None => Ok(None),
        }
    }

    #[inline(never)]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, ReadError> {
        seed.deserialize(&mut *self.reader)
    }
}

/// An array's elements, after its `[`.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
    done: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = ReadError;

    #[inline(never)]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, ReadError> {
        if self.done || !self.reader.more(b']', &mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

/// A member's name, already read.
struct Name<'de>(Token<'de>);

impl<'de> Deserializer<'de> for Name<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        // `key` reads nothing but a string; one visitor call (not three
        // kinds of string) keeps each row type's name matching small.
        let name = match &self.0 {
            Token::Owned(s) => s.as_str(),
            Token::Borrowed(s) => s,
            other => return Err(invalid(other, &visitor)),
        };
        visitor.visit_str(name)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> Reader<'de> {
    fn members<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ReadError> {
        let mut members = Members {
            reader: self,
            first: true,
            done: false,
        };
        let value = visitor.visit_map(&mut members)?;
        if members.done {
            Ok(value)
        } else {
            Err(syntax("members left unread", members.reader.at))
        }
    }

    fn elements<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ReadError> {
        let mut elements = Elements {
            reader: self,
            first: true,
            done: false,
        };
        let value = visitor.visit_seq(&mut elements)?;
        if elements.done {
            Ok(value)
        } else {
            Err(syntax("elements left unread", elements.reader.at))
        }
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = ReadError;

    #[inline(never)]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.token()? {
            Token::Object => self.members(visitor),
            Token::Array => self.elements(visitor),
            scalar => visit_scalar(scalar, visitor),
        }
    }

    #[inline(never)]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        if self.peek() == Some(b'n') {
            self.token()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    #[inline(never)]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.open(b'[')?;
        self.elements(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.open(b'{')?;
        self.members(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_map(visitor)
    }

    #[inline(never)]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.skip()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct enum identifier
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::*;

    fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ReadError> {
        let mut reader = Reader::new(text);
        let value = T::deserialize(&mut reader)?;
        reader.end()?;
        Ok(value)
    }

    /// Every JSON value reads as the same `Value` as serde_json reads it.
    #[test]
    fn values_read_as_serde_json_reads_them() {
        let texts = [
            r#"[{"a":1,"b":-2,"c":1.5,"d":"x","e":null,"f":true,"g":false}]"#,
            r#" [ { "a" : "\u00e9\n\"\\/" , "b" : [1, [2, {}], []] , "c": {"x": {"y": null}} } ] "#,
            r#"[0, -0, 18446744073709551615, 18446744073709551616, -9223372036854775808,
               -9223372036854775809, 1e3, 1E-2, 2.5e+10, 123456789012345678901234567890]"#,
            r#"["", "plain", "d\u00e9j\u00e0", "\ud83d\ude00", "tab\tnewline\n"]"#,
            "{\"k\":\"\u{e9}t\u{e9}\"}",
        ];
        for text in texts {
            let ours: Value = read(text).expect(text);
            let theirs: Value = serde_json::from_str(text).expect(text);
            assert_eq!(ours, theirs, "{text}");
            // Same visitor calls: a -0 stays a float, big integers too.
            assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
        }
    }

    #[test]
    fn what_serde_json_refuses_is_refused() {
        for text in [
            "",
            "[",
            "[1,]",
            "[1 2]",
            "{,}",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{\"a\":1",
            "[01]",
            "[1.]",
            "[-]",
            "[tru]",
            "[nul]",
            "[\"a\u{1}\"]",
            "[\"\\x\"]",
            "[\"abc",
            "[1] 2",
            "[{\"a\":1}}",
            "[--1]",
            "[1e]",
            "[truex]",
        ] {
            assert!(
                serde_json::from_str::<Value>(text).is_err(),
                "serde_json: {text}"
            );
            assert!(read::<Value>(text).is_err(), "{text}");
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Row {
        id: i64,
        name: String,
        note: Option<String>,
        cents: Option<u32>,
        #[serde(default)]
        missing: Option<i64>,
    }

    #[test]
    fn structs_read_from_objects_and_skip_unknown_members() {
        let rows: Vec<Row> = read(
            r#"[{"id":-3,"name":"a\"b","note":null,"cents":7,"blob":[1,{"x":[]}],"more":{}}]"#,
        )
        .expect("rows");
        assert_eq!(
            rows,
            vec![Row {
                id: -3,
                name: "a\"b".into(),
                note: None,
                cents: Some(7),
                missing: None,
            }]
        );
    }

    #[test]
    fn a_struct_of_the_wrong_shape_is_an_error() {
        for text in [
            r#"[{"id":1}]"#,
            r#"[{"id":"1","name":"x","note":null,"cents":null}]"#,
            r#"[{"id":1.5,"name":"x","note":null,"cents":null}]"#,
            r#"[{"id":1,"name":"x","note":null,"cents":-1}]"#,
            r#"[[1,"x",null,null]]"#,
            r#"{"id":1,"name":"x","note":null,"cents":null}"#,
        ] {
            assert!(
                serde_json::from_str::<Vec<Row>>(text).is_err() || text.contains("[["),
                "{text}"
            );
            assert!(read::<Vec<Row>>(text).is_err(), "{text}");
        }
    }
}
