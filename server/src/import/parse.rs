//! Import files from bytes to records: detect the encoding (UTF-8 with or without BOM, UTF-16
//! with BOM, else Windows-1252) and the separator (`;`, `,` or tab), read the CSV, map the header to fields and
//! turn every line into an `ImportRecord` or a `RejectedLine`. A bad line never aborts the file;
//! only an unusable file (too large, no header, required columns missing) is a `ParseError`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use schulhof_proto::Role;
use serde::{Deserialize, Serialize};

use super::mapping::{ColumnMapping, ColumnPositions, detect_mapping};
use super::record::{ImportRecord, read_record};
use super::reject::{RejectReason, RejectedLine};

/// Files larger than this (20 MB) are refused.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Files with more data lines than this are refused.
pub const MAX_RECORDS: usize = 100_000;

/// Which kind of people a file holds; an import run handles one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Pupils,
    Teachers,
    Parents,
}

impl ImportKind {
    /// The role the imported accounts get.
    pub fn role(self) -> Role {
        match self {
            Self::Pupils => Role::Pupil,
            Self::Teachers => Role::Teacher,
            Self::Parents => Role::Parent,
        }
    }

    /// `"pupils"`, `"teachers"` or `"parents"` (the wire and stored form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupils => "pupils",
            Self::Teachers => "teachers",
            Self::Parents => "parents",
        }
    }
}

/// How the bytes of a file were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FileEncoding {
    #[serde(rename = "utf-8-bom")]
    Utf8WithBom,
    #[serde(rename = "utf-8")]
    Utf8,
    /// Also covers ISO-8859-1/-15 as far as German names go (umlauts, ß).
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// Only with a BOM.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// Only with a BOM.
    #[serde(rename = "utf-16be")]
    Utf16Be,
}

impl FileEncoding {
    /// `"utf-8-bom"`, `"utf-8"`, `"windows-1252"`, `"utf-16le"` or `"utf-16be"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8WithBom => "utf-8-bom",
            Self::Utf8 => "utf-8",
            Self::Windows1252 => "windows-1252",
            Self::Utf16Le => "utf-16le",
            Self::Utf16Be => "utf-16be",
        }
    }
}

/// A file that could be read: its records and the lines that were rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParsedFile {
    pub kind: ImportKind,
    pub encoding: FileEncoding,
    pub separator: char,
    /// The header line, fields trimmed.
    pub headers: Vec<String>,
    /// The mapping used: the given one or the detected one.
    pub mapping: ColumnMapping,
    /// Accepted records in file order.
    pub records: Vec<ImportRecord>,
    /// Rejected lines in file order.
    pub rejected: Vec<RejectedLine>,
}

/// Why a file cannot be imported at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("The file has {size} bytes; at most {limit} bytes (20 MB) are accepted.")]
    FileTooLarge { size: usize, limit: usize },
    #[error("The file has more than {limit} records.")]
    TooManyRecords { limit: usize },
    #[error("The file is empty: there is no header line.")]
    NoHeader,
    /// Header names (of a given mapping) or logical fields (when detecting) not found.
    #[error("The file lacks these columns: {}.", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("The file cannot be read as CSV near line {line}: {detail}")]
    Malformed { line: usize, detail: String },
}

impl ParseError {
    /// The error in English.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The error in German.
    pub fn message_de(&self) -> String {
        match self {
            Self::FileTooLarge { size, limit } => {
                format!("Die Datei hat {size} Bytes; höchstens {limit} Bytes (20 MB) sind erlaubt.")
            }
            Self::TooManyRecords { limit } => {
                format!("Die Datei hat mehr als {limit} Datensätze.")
            }
            Self::NoHeader => "Die Datei ist leer: Es gibt keine Kopfzeile.".to_owned(),
            Self::MissingColumns(columns) => {
                format!("In der Datei fehlen diese Spalten: {}.", columns.join(", "))
            }
            Self::Malformed { line, detail } => {
                format!("Die Datei ist in der Nähe von Zeile {line} kein lesbares CSV: {detail}")
            }
        }
    }
}

/// Reads an import file. Without `mapping`, the columns are recognised from the header
/// (`detect_mapping`).
pub fn parse(
    bytes: &[u8],
    kind: ImportKind,
    mapping: Option<&ColumnMapping>,
) -> Result<ParsedFile, ParseError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ParseError::FileTooLarge { size: bytes.len(), limit: MAX_FILE_BYTES });
    }
    let (text, encoding) = decode(bytes);
    let separator = detect_separator(&text);
    let line_starts = LineStarts::new(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records().map(|row| {
        row.map_err(|error| ParseError::Malformed {
            line: error.position().map_or(0, |position| line_starts.line_of(position.byte())),
            detail: error.to_string(),
        })
    });

    let headers = read_header(&mut rows)?;
    let mapping = match mapping {
        Some(mapping) => mapping.clone(),
        None => detect_mapping(&headers, kind)?,
    };
    let layout = Layout {
        kind,
        columns: mapping.positions(&headers, kind)?,
        header_width: headers
            .iter()
            .rposition(|header| !header.is_empty())
            .map_or(0, |index| index + 1),
        line_starts: &line_starts,
    };
    let (records, rejected) = read_data_rows(rows, &layout)?;

    Ok(ParsedFile { kind, encoding, separator, headers, mapping, records, rejected })
}

/// The first row with any content, fields trimmed.
fn read_header(
    rows: &mut impl Iterator<Item = Result<csv::StringRecord, ParseError>>,
) -> Result<Vec<String>, ParseError> {
    for row in rows {
        let row = row?;
        if row.iter().any(|field| !field.trim().is_empty()) {
            return Ok(row.iter().map(|field| field.trim().to_owned()).collect());
        }
    }
    Err(ParseError::NoHeader)
}

/// What reading a data row needs to know about the file.
struct Layout<'file> {
    kind: ImportKind,
    columns: ColumnPositions,
    /// Header columns up to the last named one.
    header_width: usize,
    line_starts: &'file LineStarts<'file>,
}

/// Every row after the header as a record or a rejected line; rows without content are skipped.
fn read_data_rows(
    rows: impl Iterator<Item = Result<csv::StringRecord, ParseError>>,
    layout: &Layout<'_>,
) -> Result<(Vec<ImportRecord>, Vec<RejectedLine>), ParseError> {
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    let mut first_line_of_import_id: HashMap<String, usize> = HashMap::new();
    let mut data_rows = 0_usize;
    for row in rows {
        let row = row?;
        let fields: Vec<&str> = row.iter().map(str::trim).collect();
        if fields.iter().all(|field| field.is_empty()) {
            continue;
        }
        data_rows += 1;
        if data_rows > MAX_RECORDS {
            return Err(ParseError::TooManyRecords { limit: MAX_RECORDS });
        }
        let line =
            row.position().map_or(0, |position| layout.line_starts.record_line(position.byte()));
        let import_id = fields
            .get(layout.columns.import_id)
            .filter(|id| !id.is_empty())
            .map(|id| (*id).to_owned());

        // The first line with an import ID wins, even if it is rejected for another reason.
        if let Some(id) = &import_id {
            match first_line_of_import_id.entry(id.clone()) {
                Entry::Occupied(first) => {
                    rejected.push(RejectedLine {
                        line,
                        import_id,
                        reason: RejectReason::DuplicateImportId { first_line: *first.get() },
                    });
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        match read_record(line, &fields, layout.header_width, &layout.columns, layout.kind) {
            Ok(record) => records.push(record),
            Err(reason) => rejected.push(RejectedLine { line, import_id, reason }),
        }
    }
    Ok((records, rejected))
}

/// The text of the file: as its BOM says (UTF-8, or UTF-16 as Excel's "Unicode text" writes), else
/// UTF-8 if the bytes are valid UTF-8, else Windows-1252 (a superset of ISO-8859-1 for printable
/// characters).
fn decode(bytes: &[u8]) -> (Cow<'_, str>, FileEncoding) {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let without_bom = bytes.get(bom_length..).unwrap_or_default();
        let (text, _had_errors) = encoding.decode_without_bom_handling(without_bom);
        let file_encoding = if encoding == encoding_rs::UTF_16LE {
            FileEncoding::Utf16Le
        } else if encoding == encoding_rs::UTF_16BE {
            FileEncoding::Utf16Be
        } else {
            FileEncoding::Utf8WithBom
        };
        return (text, file_encoding);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), FileEncoding::Utf8),
        Err(_) => {
            let (text, _had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, FileEncoding::Windows1252)
        }
    }
}

/// The separator used most often in the first non-empty line outside quotes: `;`, tab or `,`
/// (ties in that order; `;` if none appears).
fn detect_separator(text: &str) -> char {
    let mut counts = [(';', 0_usize), ('\t', 0), (',', 0)];
    let mut in_quotes = false;
    let mut line_has_content = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                line_has_content = true;
            }
            _ if in_quotes => {}
            '\n' | '\r' if line_has_content => break,
            _ => {
                if let Some((_, count)) = counts.iter_mut().find(|(separator, _)| *separator == c) {
                    *count += 1;
                }
                line_has_content |= !c.is_whitespace();
            }
        }
    }
    let mut best = counts[0];
    for candidate in counts {
        if candidate.1 > best.1 {
            best = candidate;
        }
    }
    best.0
}

/// Byte offsets where lines start, to turn the CSV reader's byte positions into line numbers.
/// A line ends at `\n`, `\r\n` or a lone `\r`.
struct LineStarts<'text> {
    text: &'text [u8],
    starts: Vec<usize>,
}

impl<'text> LineStarts<'text> {
    fn new(text: &'text str) -> Self {
        let text = text.as_bytes();
        let mut starts = vec![0];
        for (index, &byte) in text.iter().enumerate() {
            let lone_cr = byte == b'\r' && text.get(index + 1) != Some(&b'\n');
            if byte == b'\n' || lone_cr {
                starts.push(index + 1);
            }
        }
        Self { text, starts }
    }

    /// The 1-based line holding byte `offset`.
    fn line_of(&self, offset: u64) -> usize {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The line where a record starts whose reading began at byte `offset`: the reader's position
    /// may still be at the end of the previous record, before skipped empty lines.
    fn record_line(&self, offset: u64) -> usize {
        let mut offset = offset;
        while let Some(b'\r' | b'\n') =
            usize::try_from(offset).ok().and_then(|index| self.text.get(index))
        {
            offset += 1;
        }
        self.line_of(offset)
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
