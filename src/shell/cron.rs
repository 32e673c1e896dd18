//! The scheduled handler (cron trigger). A Rust scheduled handler cannot
//! report failure, so every run is idempotent and simply does what is due.

use worker::Env;

use super::{app, db};
use crate::core::sql::{Param, Stmt};

/// One cron run: records that it ran (`last_cron_at`).
pub async fn run(env: &Env) {
    let app = match app::get(env).await {
        Ok(app) => app,
        Err(why) => {
            worker::console_warn!("cron: cannot run: {why:?}");
            return;
        }
    };
    let Ok(database) = app::database(env) else {
        return;
    };
    let now = app.now().to_string();
    let batch = vec![Stmt::new(
        "INSERT INTO settings (key, value) VALUES ('last_cron_at', ?1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![Param::from(now)],
    )];
    if let Err(e) = db::run(&database, &batch).await {
        worker::console_error!("cron: {e}");
    }
}
