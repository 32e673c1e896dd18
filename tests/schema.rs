//! The schema's two forms agree: the database that applying every file of
//! `migrations/` in order builds and the one `schema.sql` (the whole current
//! schema, as a fresh install creates it) builds have the same tables,
//! columns, types, defaults, keys, constraints, indexes, views and triggers;
//! and the worker expects as many migrations as there are files.
//!
//! The comparison is structural, read from SQLite's own catalogue (`PRAGMA
//! table_list`, `table_xinfo`, `foreign_key_list`, `index_list`,
//! `index_xinfo`) rather than from the stored `CREATE` text, so that
//! `schema.sql` can be written as a fresh install would (an `ALTER TABLE ADD
//! COLUMN` in a migration and the same column inside `CREATE TABLE` agree).
//! CHECK constraints have no pragma: they are read from the stored text, each
//! expression normalised, as a set per table.

use std::collections::BTreeSet;
use std::path::PathBuf;

use paybook::core::sql::SCHEMA_VERSION;
use rusqlite::Connection;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn migration_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("migrations"))
        .expect("migrations/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

fn migrated() -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    for file in migration_files() {
        let sql = std::fs::read_to_string(&file).expect("readable");
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    conn
}

fn fresh() -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    let schema = std::fs::read_to_string(root().join("schema.sql")).expect("schema.sql");
    conn.execute_batch(&schema).expect("schema.sql applies");
    conn
}

fn from_sql(sql: &str) -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(sql).expect("applies");
    conn
}

/// Rows of a query, each rendered as one line of its values.
fn lines(conn: &Connection, sql: &str, args: &[&str]) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let columns = stmt.column_count();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let mut out = Vec::with_capacity(columns);
            for i in 0..columns {
                let v: rusqlite::types::Value = r.get(i)?;
                out.push(format!("{v:?}"));
            }
            Ok(out.join(" | "))
        })
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

/// The first column of a query's rows, as text.
fn names(conn: &Connection, sql: &str, arg: &[&str]) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = stmt
        .query_map(rusqlite::params_from_iter(arg.iter()), |r| {
            r.get::<_, String>(0)
        })
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of every `CHECK (...)` in a `CREATE TABLE` statement, with
/// comments dropped and blanks normalised.
fn checks(create: &str) -> BTreeSet<String> {
    let code: String = create
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let upper = code.to_ascii_uppercase();
    let bytes = code.as_bytes();
    let mut found = BTreeSet::new();
    let mut from = 0;
    while let Some(at) = upper[from..].find("CHECK") {
        let start = from + at + "CHECK".len();
        let Some(open) = code[start..].find('(').map(|o| start + o) else {
            break;
        };
        let mut depth = 0;
        let mut end = open;
        for (i, b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.insert(
            squash(&code[open + 1..end])
                .replace("( ", "(")
                .replace(" )", ")"),
        );
        from = end.max(start);
    }
    found
}

/// The whole structure of a database, one line per fact, in a stable order:
/// what two databases must share to be the same schema.
fn structure(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let tables = names(
        conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
        &[],
    );
    for table in &tables {
        let table = table.as_str();
        let shape = lines(
            conn,
            "SELECT type, ncol, wr, strict FROM pragma_table_list WHERE name = ?1",
            &[table],
        );
        out.extend(shape.into_iter().map(|l| format!("table {table}: {l}")));
        for column in lines(
            conn,
            "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)",
            &[table],
        ) {
            out.push(format!("column {table}: {column}"));
        }
        for fk in lines(
            conn,
            "SELECT \"table\", \"from\", \"to\", on_update, on_delete, \"match\" \
             FROM pragma_foreign_key_list(?1) ORDER BY \"from\"",
            &[table],
        ) {
            out.push(format!("foreign key {table}: {fk}"));
        }
        let create = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get::<_, String>(0),
            )
            .expect("table sql");
        for check in checks(&create) {
            out.push(format!("check {table}: {check}"));
        }
        for name in names(
            conn,
            "SELECT name FROM pragma_index_list(?1) ORDER BY name",
            &[table],
        ) {
            let shape = lines(
                conn,
                "SELECT \"unique\", origin, partial FROM pragma_index_list(?1) WHERE name = ?2",
                &[table, &name],
            )
            .join("");
            // Automatic indexes (UNIQUE, PRIMARY KEY) are named by position:
            // compare them by what they index, not by name.
            let label = if name.starts_with("sqlite_autoindex_") {
                "autoindex".to_string()
            } else {
                name.clone()
            };
            let columns = lines(
                conn,
                "SELECT seqno, name, \"desc\", coll, key FROM pragma_index_xinfo(?1) WHERE key = 1",
                &[&name],
            )
            .join("; ");
            out.push(format!("index {table} {label}: {shape} on {columns}"));
        }
    }
    // Explicit indexes' WHERE clauses, views and triggers: their stored text
    // is not rewritten by ALTER TABLE.
    for other in lines(
        conn,
        "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'view', 'trigger') \
         AND sql IS NOT NULL ORDER BY type, name",
        &[],
    ) {
        out.push(format!("object {}", squash(&other)));
    }
    out.sort();
    out
}

/// What one structure has that the other lacks, both ways.
fn differences(a: &[String], b: &[String]) -> Vec<String> {
    let (a_set, b_set): (BTreeSet<_>, BTreeSet<_>) = (a.iter().collect(), b.iter().collect());
    let mut out: Vec<String> = a_set
        .difference(&b_set)
        .map(|l| format!("only in migrations: {l}"))
        .collect();
    out.extend(
        b_set
            .difference(&a_set)
            .map(|l| format!("only in schema.sql: {l}")),
    );
    out
}

#[test]
fn migrations_applied_in_order_build_the_same_database_as_schema_sql() {
    let (a, b) = (structure(&migrated()), structure(&fresh()));
    assert!(a.iter().any(|l| l.starts_with("column orders:")));
    let diff = differences(&a, &b);
    assert!(diff.is_empty(), "the schemas differ:\n{}", diff.join("\n"));
}

#[test]
fn schema_sql_is_written_as_a_fresh_install_without_alter_table() {
    let schema = std::fs::read_to_string(root().join("schema.sql")).expect("schema.sql");
    for (n, line) in schema.lines().enumerate() {
        let code = line.split("--").next().unwrap_or("").to_ascii_uppercase();
        assert!(
            !code.contains("ALTER TABLE") && !code.contains("DROP "),
            "schema.sql:{}: {line}",
            n + 1
        );
    }
}

#[test]
fn an_added_column_matches_the_same_column_created_with_its_table() {
    let altered = from_sql(
        "CREATE TABLE t (id INTEGER PRIMARY KEY) STRICT;
         ALTER TABLE t ADD COLUMN r TEXT CHECK (r IN ('a', 'b'));",
    );
    let created = from_sql(
        "CREATE TABLE t (
             id INTEGER PRIMARY KEY,
             -- a comment
             r TEXT CHECK ( r IN ('a', 'b') )
         ) STRICT;",
    );
    let diff = differences(&structure(&altered), &structure(&created));
    assert!(diff.is_empty(), "{diff:?}");
}

/// The comparison can fail: each of these differs from the base in one
/// thing that matters, and is found.
#[test]
fn the_comparison_finds_a_changed_type_default_constraint_key_or_index() {
    let base = "CREATE TABLE p (id INTEGER PRIMARY KEY) STRICT;
        CREATE TABLE t (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id),
            n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0), s TEXT UNIQUE) STRICT;
        CREATE INDEX t_by_n ON t (n) WHERE n > 0;";
    let variants = [
        base.replace("n INTEGER NOT NULL", "n TEXT NOT NULL")
            .replace("n >= 0", "n <> ''"),
        base.replace("DEFAULT 0", "DEFAULT 1"),
        base.replace("NOT NULL DEFAULT", "DEFAULT"),
        base.replace("CHECK (n >= 0)", "CHECK (n > 0)"),
        base.replace("CHECK (n >= 0)", ""),
        base.replace(" REFERENCES p (id)", ""),
        base.replace("s TEXT UNIQUE", "s TEXT"),
        base.replace("WHERE n > 0", ""),
        base.replace("ON t (n)", "ON t (s)"),
        base.replace(
            ") STRICT;\n        CREATE INDEX",
            ");\n        CREATE INDEX",
        ),
    ];
    let reference = structure(&from_sql(base));
    for variant in &variants {
        assert_ne!(variant, base);
        let diff = differences(&reference, &structure(&from_sql(variant)));
        assert!(!diff.is_empty(), "not told apart:\n{variant}");
    }
}

#[test]
fn schema_version_equals_the_number_of_migrations() {
    assert_eq!(SCHEMA_VERSION, migration_files().len() as i64);
}

#[test]
fn migration_files_follow_wranglers_naming() {
    for (i, file) in migration_files().iter().enumerate() {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "{name} is migration {}",
            i + 1
        );
    }
}

#[test]
fn every_table_is_strict() {
    for line in structure(&fresh()) {
        if let Some(rest) = line.strip_prefix("table ") {
            assert!(rest.ends_with("| Integer(1)"), "not STRICT: {line}");
        }
    }
}

/// Runs `stmt` (the worker's own SQL) and renders its rows as [`lines`] does.
fn run_stmt(conn: &Connection, stmt: &paybook::core::sql::Stmt) -> Vec<String> {
    use paybook::core::sql::Param;
    let mut st = conn
        .prepare(stmt.sql)
        .unwrap_or_else(|e| panic!("{}: {e}", stmt.sql));
    for (i, p) in stmt.params.iter().enumerate() {
        match p {
            Param::Null => st.raw_bind_parameter(i + 1, rusqlite::types::Null),
            Param::Int(v) => st.raw_bind_parameter(i + 1, v),
            Param::Text(v) => st.raw_bind_parameter(i + 1, v.as_str()),
        }
        .expect("binds");
    }
    let columns = st.column_count();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        let values: Vec<String> = (0..columns)
            .map(|i| {
                format!(
                    "{:?}",
                    row.get::<_, rusqlite::types::Value>(i).expect("value")
                )
            })
            .collect();
        out.push(values.join(" | "));
    }
    out
}

const CREDENTIALS_KEY: &str = "a credentials key for the schema test, 32+ characters";

/// A secret sealed as the worker seals it for the row (client, version,
/// API username).
fn sealed(client_id: i64, version: i64, api_username: &str) -> String {
    use paybook::core::sealing::{Binding, Keyring, SealingKey};
    let ring = Keyring {
        current: SealingKey::new(CREDENTIALS_KEY).expect("key"),
        previous: None,
    };
    let binding = Binding {
        client_id,
        version,
        api_username,
    };
    ring.seal(
        binding,
        [7; 12],
        format!("{{\"password\":\"{api_username}-{version}\"}}").as_bytes(),
    )
    .expect("seals")
}

fn opens(client_id: i64, version: i64, api_username: &str, sealed: &str) -> Option<Vec<u8>> {
    use paybook::core::sealing::{Binding, Keyring, SealingKey};
    let ring = Keyring {
        current: SealingKey::new(CREDENTIALS_KEY).expect("key"),
        previous: None,
    };
    let binding = Binding {
        client_id,
        version,
        api_username,
    };
    ring.open(binding, sealed).ok()
}

/// Migration 0011 on a database holding what 0010 stored: each client's
/// credentials versions become his PayPal receiving account's (the current
/// one with its status, the older ones replaced), their sealed values still
/// open for (client, version, public reference), the clients' and orders'
/// rows survive their tables' rebuild with foreign keys on, as D1 applies a
/// migration (one transaction), and the worker's own queries read them.
#[test]
fn migration_0011_turns_each_clients_credentials_into_his_paypal_receiving_account() {
    let files = migration_files();
    let (before, rest) = files.split_at(10);
    assert!(rest[0].ends_with("0011_providers.sql"), "{:?}", rest[0]);
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch("PRAGMA foreign_keys = ON;").expect("fk");
    for file in before {
        let sql = std::fs::read_to_string(file).expect("readable");
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    // Alice changed her credentials once, and PayPal refused the new ones
    // since; Bob has his first. Alice sold to Bob with her version 1.
    let (a1, a2, b1) = (
        sealed(1, 1, "alice_api1.example.org"),
        sealed(1, 2, "alice_api2.example.org"),
        sealed(2, 1, "bob_api1.example.org"),
    );
    conn.execute(
        "INSERT INTO clients (id, email, password_hash, language, psp_environment, api_username, \
         credentials_version, credentials_status, created_at) VALUES \
         (1, 'alice@example.org', 'h', 'en', 'emulator', 'alice_api2.example.org', 2, 'refused', \
          '2026-01-01T00:00:00Z'), \
         (2, 'bob@example.org', 'h', 'fr', 'sandbox', 'bob_api1.example.org', 1, 'ok', \
          '2026-01-02T00:00:00Z')",
        [],
    )
    .expect("clients");
    conn.execute(
        "INSERT INTO client_credentials (client_id, version, api_username, sealed_secret, created_at) \
         VALUES (1, 1, 'alice_api1.example.org', ?1, '2026-01-01T00:00:00Z'), \
         (1, 2, 'alice_api2.example.org', ?2, '2026-03-01T00:00:00Z'), \
         (2, 1, 'bob_api1.example.org', ?3, '2026-01-02T00:00:00Z')",
        [&a1, &a2, &b1],
    )
    .expect("credentials");
    conn.execute_batch(
        "INSERT INTO sessions VALUES ('bob-session', 2, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z');
         INSERT INTO isins VALUES ('ZZ0000000001', '2026-01-01T00:00:00Z');
         INSERT INTO titles (id, isin, value_cents, currency, holder_id, issued_at, issued_by, updated_at)
             VALUES (1, 'ZZ0000000001', 100, 'EUR', 1, '2026-01-01T00:00:00Z', 'initiation', '2026-01-01T00:00:00Z');
         INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
             amount_cents, currency, profit_rate, new_value_cents, substate, psp_environment,
             seller_credentials_version, buyer_language, psp_token, psp_transaction_id, created_at, updated_at)
             VALUES ('o1', 2, 1, 1, 'ZZ0000000001', 1, 100, 110, 'EUR', 10, 110, 'confirming', 'emulator',
             1, 'fr', 'EC-1', 'TXN1', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z');
         INSERT INTO psp_traces (order_id, client_id, psp, method, ack, error_codes, correlation_id, at, request, response)
             VALUES ('o1', NULL, 'paypal', 'DoExpressCheckoutPayment', 'Success', NULL, 'c0ffee',
             '2026-02-01T00:00:00Z', '{}', '{}');
         INSERT INTO psp_notifications (psp, txn_id, payment_status, order_id, received_at, body, outcome)
             VALUES ('paypal', 'TXN1', 'Completed', 'o1', '2026-02-01T00:00:00Z', 'txn_id=TXN1', 'received');",
    )
    .expect("rows");

    // As D1 applies it: one transaction, foreign keys on.
    let sql = std::fs::read_to_string(&rest[0]).expect("readable");
    conn.execute_batch(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .expect("0011 applies with foreign keys on");

    assert_eq!(
        lines(
            &conn,
            "SELECT client_id, provider, version, public_ref, status, created_at, replaced_at \
             FROM psp_accounts ORDER BY client_id, version",
            &[]
        ),
        [
            "Integer(1) | Text(\"paypal\") | Integer(1) | Text(\"alice_api1.example.org\") | Text(\"ok\") \
             | Text(\"2026-01-01T00:00:00Z\") | Text(\"2026-03-01T00:00:00Z\")",
            "Integer(1) | Text(\"paypal\") | Integer(2) | Text(\"alice_api2.example.org\") | Text(\"refused\") \
             | Text(\"2026-03-01T00:00:00Z\") | Null",
            "Integer(2) | Text(\"paypal\") | Integer(1) | Text(\"bob_api1.example.org\") | Text(\"ok\") \
             | Text(\"2026-01-02T00:00:00Z\") | Null",
        ]
    );
    let mut st = conn
        .prepare("SELECT client_id, version, public_ref, sealed_secret FROM psp_accounts")
        .expect("accounts");
    let accounts: Vec<(i64, i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(accounts.len(), 3);
    for (client, version, public_ref, sealed) in &accounts {
        assert_eq!(
            opens(*client, *version, public_ref, sealed),
            Some(format!("{{\"password\":\"{public_ref}-{version}\"}}").into_bytes()),
            "client {client} version {version} still opens"
        );
    }
    assert!(lines(&conn, "PRAGMA foreign_key_check", &[]).is_empty());
    assert_eq!(
        lines(
            &conn,
            "SELECT id, email, language, psp_environment FROM clients ORDER BY id",
            &[]
        ),
        [
            "Integer(1) | Text(\"alice@example.org\") | Text(\"en\") | Text(\"emulator\")",
            "Integer(2) | Text(\"bob@example.org\") | Text(\"fr\") | Text(\"sandbox\")",
        ]
    );
    assert_eq!(
        lines(
            &conn,
            "SELECT id, psp, psp_token, psp_transaction_id FROM orders",
            &[]
        ),
        ["Text(\"o1\") | Text(\"paypal\") | Text(\"EC-1\") | Text(\"TXN1\")"]
    );
    assert_eq!(
        lines(
            &conn,
            "SELECT provider, operation, outcome, provider_ref, request_wire FROM psp_traces",
            &[]
        ),
        ["Text(\"paypal\") | Text(\"DoExpressCheckoutPayment\") | Text(\"Success\") | Text(\"c0ffee\") | Null"]
    );
    assert_eq!(
        lines(
            &conn,
            "SELECT provider, transaction_id, status, outcome FROM psp_notifications",
            &[]
        ),
        ["Text(\"paypal\") | Text(\"TXN1\") | Text(\"Completed\") | Text(\"received\")"]
    );

    // The worker's reads: Bob's session, Alice's title for sale (her
    // current, refused version) and the order (her version 1).
    use paybook::core::sql::sessions;
    let session = run_stmt(
        &conn,
        &sessions::lookup(
            "bob-session",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ),
    );
    assert_eq!(session.len(), 1);
    assert!(
        session[0].ends_with("Text(\"bob_api1.example.org\") | Integer(1) | Text(\"ok\")"),
        "{session:?}"
    );
    let holder = run_stmt(
        &conn,
        &paybook::core::purchase::title_for_sale(
            "ZZ0000000001",
            None,
            &paybook::core::psp::ProviderId::ALL,
        ),
    );
    assert_eq!(holder.len(), 1);
    // A refused account is still the holder's (so the buyer is told why).
    assert!(
        holder[0].contains(&format!(
            "Text(\"refused\") | Integer(2) | Text(\"alice_api2.example.org\") | Text({a2:?})"
        )),
        "{holder:?}"
    );
}

/// A provider's checkout token and transaction id are unique for that
/// provider, not across providers.
#[test]
fn a_transaction_id_is_unique_per_provider() {
    let conn = fresh();
    conn.execute_batch(
        "INSERT INTO clients (id, email, password_hash, language, psp_environment, created_at)
             VALUES (1, 'a@example.org', 'h', 'en', 'emulator', 't');
         INSERT INTO isins VALUES ('ZZ0000000001', 't');
         INSERT INTO titles (id, isin, value_cents, currency, holder_id, issued_at, issued_by, updated_at)
             VALUES (1, 'ZZ0000000001', 100, 'EUR', 1, 't', 'initiation', 't');",
    )
    .expect("rows");
    let order = |id: &str, psp: &str, token: &str, txn: &str| {
        conn.execute(
            "INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, \
             title_value_cents, amount_cents, currency, profit_rate, new_value_cents, substate, psp, \
             psp_environment, seller_credentials_version, buyer_language, psp_token, \
             psp_transaction_id, created_at, updated_at) VALUES (?1, 1, 1, 1, 'ZZ0000000001', 1, \
             100, 110, 'EUR', 10, 110, 'done', ?2, 'emulator', 1, 'en', ?3, ?4, 't', 't')",
            [id, psp, token, txn],
        )
    };
    order("o1", "paypal", "EC-1", "T1").expect("first");
    assert!(
        order("o2", "paypal", "EC-2", "T1").is_err(),
        "same provider, same transaction"
    );
    assert!(
        order("o3", "paypal", "EC-1", "T3").is_err(),
        "same provider, same token"
    );
    order("o4", "sips", "EC-1", "T1").expect("another provider may use the same references");
}
