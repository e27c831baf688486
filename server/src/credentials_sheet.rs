//! The sheets an admin hands out after an import: one printable HTML page per class (print it or
//! save it as PDF from the browser) and a CSV file (semicolon-separated, UTF-8 with BOM, so
//! spreadsheet programs on German systems open it correctly).

use std::fmt::Write;

use crate::store::CredentialRow;

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `Klasse;Name;Anmeldename;Passwort`, one line per account.
pub fn credentials_csv(rows: &[CredentialRow]) -> String {
    let mut out = String::from("\u{feff}Klasse;Name;Anmeldename;Passwort\r\n");
    for row in rows {
        let class = row.class_name.as_deref().unwrap_or("");
        let fields = [class, &row.display_name, &row.login, &row.password].map(csv_field);
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// A printable HTML document: one page per class with name, login name and initial password.
pub fn credentials_html(school_name: &str, platform_url: &str, rows: &[CredentialRow]) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Zugangsdaten</title>\
         <style>body{font-family:system-ui,sans-serif;margin:2em}section{page-break-after:always}\
         table{border-collapse:collapse;width:100%}td,th{border:1px solid #888;padding:.4em .6em;text-align:left}\
         code{font-size:1.1em}</style></head><body>",
    );
    let mut classes: Vec<Option<&str>> = rows.iter().map(|r| r.class_name.as_deref()).collect();
    classes.dedup();
    for class in classes {
        let title = class.map_or_else(|| "Ohne Klasse".to_owned(), |c| format!("Klasse {c}"));
        let _ = write!(
            html,
            "<section><h1>{}</h1><p>{} · Anmeldung unter {} · Das Passwort muss bei der ersten \
             Anmeldung geändert werden.</p><table><tr><th>Name</th><th>Anmeldename</th>\
             <th>Erstpasswort</th></tr>",
            escape_html(&title),
            escape_html(school_name),
            escape_html(platform_url),
        );
        for row in rows.iter().filter(|r| r.class_name.as_deref() == class) {
            let _ = write!(
                html,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape_html(&row.display_name),
                escape_html(&row.login),
                escape_html(&row.password),
            );
        }
        html.push_str("</table></section>");
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(class: Option<&str>, name: &str) -> CredentialRow {
        CredentialRow {
            class_name: class.map(str::to_owned),
            display_name: name.to_owned(),
            login: "jan.o-neil".to_owned(),
            password: "abcd-efgh-jkmn".to_owned(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_starts_with_a_bom() {
        let csv = credentials_csv(&[row(Some("5a"), "Jan \"Johnny\" O'Neil; Jr.")]);
        assert!(csv.starts_with("\u{feff}Klasse;Name;Anmeldename;Passwort\r\n"));
        assert!(
            csv.contains("5a;\"Jan \"\"Johnny\"\" O'Neil; Jr.\";jan.o-neil;abcd-efgh-jkmn\r\n")
        );
    }

    #[test]
    fn html_has_one_page_per_class_and_escapes_names() {
        let html = credentials_html(
            "Gymnasium <Muster>",
            "https://schule.example",
            &[row(Some("5a"), "Ana <b>"), row(Some("5a"), "Ben"), row(Some("6b"), "Cem")],
        );
        assert_eq!(html.matches("<section>").count(), 2);
        assert!(html.contains("Klasse 5a") && html.contains("Klasse 6b"));
        assert!(html.contains("Ana &lt;b&gt;") && !html.contains("Ana <b>"));
        assert!(html.contains("Gymnasium &lt;Muster&gt;"));
    }
}
