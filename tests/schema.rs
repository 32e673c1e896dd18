//! The schema's two forms agree: applying every file of `migrations/` in
//! order gives exactly `schema.sql`, and the worker expects as many
//! migrations as there are files.

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

/// Every schema object, normalised: (type, name, sql without extra blanks).
fn objects(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        .expect("sqlite_master");
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .expect("query");
    rows.map(|r| {
        let (t, n, sql) = r.expect("row");
        (t, n, sql.split_whitespace().collect::<Vec<_>>().join(" "))
    })
    .collect()
}

#[test]
fn migrations_applied_in_order_give_exactly_schema_sql() {
    let migrated = Connection::open_in_memory().expect("db");
    for file in migration_files() {
        let sql = std::fs::read_to_string(&file).expect("readable");
        migrated
            .execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    let fresh = Connection::open_in_memory().expect("db");
    let schema = std::fs::read_to_string(root().join("schema.sql")).expect("schema.sql");
    fresh.execute_batch(&schema).expect("schema.sql applies");
    let (a, b) = (objects(&migrated), objects(&fresh));
    assert!(!a.is_empty());
    for (x, y) in a.iter().zip(b.iter()) {
        assert_eq!(x, y);
    }
    assert_eq!(a.len(), b.len(), "same number of schema objects");
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
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(&std::fs::read_to_string(root().join("schema.sql")).expect("schema"))
        .expect("applies");
    for (kind, name, sql) in objects(&conn) {
        if kind == "table" {
            assert!(sql.ends_with("STRICT"), "table {name} is not STRICT");
        }
    }
}
