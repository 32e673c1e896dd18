//! What the back office's order and titles pages share: database rows shown
//! as tables (operators see every column), and an action's result as a
//! message, a status and a JSON object.

use serde_json::{json, Value};

use crate::core::backoffice::order::{Stay, Verdict};
use crate::core::flow::backoffice::Done;
use crate::core::i18n::admin_orders::AdminOrderTexts;
use crate::core::sql::Row;

/// One section of a page: a heading and its rows as a table.
pub struct Section {
    pub id: &'static str,
    pub heading: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A cell as text: strings as they are, null as nothing.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

pub fn section(id: &'static str, heading: &'static str, rows: &[Row]) -> Section {
    let columns: Vec<String> = rows
        .first()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    let rows = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.get(c).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Section {
        id,
        heading,
        columns,
        rows,
    }
}

/// An action's result, for the page (HTML message or JSON `result`).
pub struct Outcome {
    pub status: u16,
    pub code: &'static str,
    pub text: &'static str,
    pub said: String,
}

impl Outcome {
    pub fn refused(code: &'static str, text: &'static str) -> Outcome {
        Outcome {
            status: 422,
            code,
            text,
            said: String::new(),
        }
    }

    pub fn json(&self) -> Value {
        json!({ "status": self.code, "message": self.text, "provider_said": self.said })
    }
}

fn stay_text(t: &'static AdminOrderTexts, why: Stay) -> &'static str {
    match why {
        Stay::NotInReview => t.stay_not_in_review,
        Stay::StillPending => t.stay_still_pending,
        Stay::AmountDiffers => t.stay_amount_differs,
        Stay::PartlyRefunded => t.stay_partly_refunded,
        Stay::NotPaidYet => t.stay_not_paid_yet,
        Stay::NoAnswer => t.stay_no_answer,
        Stay::NotThisOrder => t.stay_not_this_order,
        Stay::Unrecognised => t.stay_unrecognised,
        Stay::TitleNotHeld => t.stay_title_not_held,
    }
}

/// The page's words for what an action did. A refusal is 409: nothing
/// changed, and the message says why.
pub fn outcome(t: &'static AdminOrderTexts, done: Done) -> Outcome {
    let ok = |code, text, said| Outcome {
        status: 200,
        code,
        text,
        said,
    };
    match done {
        Done::Rechecked {
            said,
            changed: true,
        } => ok("rechecked", t.rechecked_changed, said),
        Done::Rechecked {
            said,
            changed: false,
        } => ok("rechecked", t.rechecked_unchanged, said),
        Done::Resolved {
            verdict: Verdict::Paid,
            said,
        } => ok("processed", t.resolved_paid, said),
        Done::Resolved {
            verdict: Verdict::Unpaid,
            said,
        } => ok("failed", t.resolved_unpaid, said),
        Done::Resolved {
            verdict: Verdict::Stays(why),
            said,
        } => Outcome {
            status: 409,
            code: why.as_str(),
            text: stay_text(t, why),
            said,
        },
        Done::Kept => ok("kept", t.kept, String::new()),
        Done::Undone => ok("undone", t.undone, String::new()),
        Done::Disputed => ok("disputed", t.disputed, String::new()),
        Done::Cleared => ok("cleared", t.cleared, String::new()),
        Done::Refused(why) => Outcome {
            status: 409,
            code: why.as_str(),
            text: stay_text(t, why),
            said: String::new(),
        },
        Done::NotFound => Outcome {
            status: 404,
            code: "not_found",
            text: t.not_found,
            said: String::new(),
        },
    }
}
