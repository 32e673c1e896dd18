//! The idempotency decision of a spend with a `spend_id` (api.md §3): the
//! store's guarded insert either took the id (first use) or found the
//! spend stored under it; this module says what that means. Pure: the
//! shell runs the one batch (insert + read) and passes its outcome here.

use serde::Deserialize;
use serde_json::Value;

/// How long a `spend_id` taken by a request that has not finished stays
/// its (4002 to a repetition). A spend's provider call gives up after 20 s
/// (`Patience::Default`), so past this the request died before writing
/// its order (the order and its stored answer are written in one batch),
/// and the same spend takes the id over.
pub const SPEND_LEASE_SECONDS: i64 = 600;

/// How long a spend is kept under its `spend_id` (api.md §3: at least 30
/// days); the cron forgets older ones.
pub const SPEND_IDS_KEPT_DAYS: i64 = 30;

/// A spend stored under its `spend_id`, as read back in the same batch.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct StoredSpend {
    /// `started` (its order is being made) or `done`.
    pub state: String,
    /// The fingerprint (`SpendRequest::fingerprint`) as JSON text.
    pub fields: String,
    pub order_id: Option<String>,
    /// The first answer as JSON text, once `done`.
    pub answer: Option<String>,
}

/// What a spend with a `spend_id` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The id is new: make the spend, then store its answer.
    FirstUse,
    /// The same spend again: answer the stored answer, make nothing.
    Replay { answer: String },
    /// The id was used for another spend: 4001 naming these fields.
    Conflict { fields: Vec<String> },
    /// The first spend is still under way: 4002, retry.
    InProgress,
    /// A zero spend of a used id: answer that spend's current state.
    Probe { order_id: Option<String> },
}

/// The fields whose values differ between two fingerprints, in name order.
pub fn differing_fields(stored: &Value, asked: &Value) -> Vec<String> {
    let (Some(stored), Some(asked)) = (stored.as_object(), asked.as_object()) else {
        return vec!["spend_id".into()];
    };
    let mut names: Vec<&String> = stored.keys().chain(asked.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| stored.get(*n).unwrap_or(&Value::Null) != asked.get(*n).unwrap_or(&Value::Null))
        .cloned()
        .collect()
}

/// Decides from the batch's outcome: `inserted` (the guarded insert
/// changed a row: it took the id, or took over a stale one) and the row
/// read after it.
pub fn decide(inserted: bool, stored: Option<&StoredSpend>, asked: &Value, zero: bool) -> Decision {
    if inserted {
        return Decision::FirstUse;
    }
    // Read after the insert in the same batch: absent only if the first
    // spend failed and let its id go in between; retrying is safe.
    let Some(stored) = stored else {
        return Decision::InProgress;
    };
    let stored_fields: Value = serde_json::from_str(&stored.fields).unwrap_or(Value::Null);
    let differing = differing_fields(&stored_fields, asked);
    let done = stored.state == "done";
    match (differing.is_empty(), zero, done, &stored.answer) {
        (true, _, true, Some(answer)) => Decision::Replay {
            answer: answer.clone(),
        },
        (true, _, _, _) => Decision::InProgress,
        (false, true, true, _) => Decision::Probe {
            order_id: stored.order_id.clone(),
        },
        (false, true, false, _) => Decision::InProgress,
        (false, false, _, _) => Decision::Conflict { fields: differing },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(state: &str, amount: &str) -> StoredSpend {
        StoredSpend {
            state: state.into(),
            fields: json!({"amount": amount, "isin": "ZZ1"}).to_string(),
            order_id: Some("o1".into()),
            answer: (state == "done").then(|| "{\"spend_id\":\"s\"}".to_string()),
        }
    }

    #[test]
    fn a_new_id_is_a_first_use() {
        assert_eq!(decide(true, None, &json!({}), false), Decision::FirstUse);
    }

    #[test]
    fn the_same_spend_again_replays_the_stored_answer() {
        let asked = json!({"amount": "12.5", "isin": "ZZ1"});
        assert_eq!(
            decide(false, Some(&stored("done", "12.5")), &asked, false),
            Decision::Replay {
                answer: "{\"spend_id\":\"s\"}".into()
            }
        );
    }

    #[test]
    fn another_amount_under_a_used_id_is_a_conflict_naming_the_amount() {
        let asked = json!({"amount": "13", "isin": "ZZ1"});
        assert_eq!(
            decide(false, Some(&stored("done", "12.5")), &asked, false),
            Decision::Conflict {
                fields: vec!["amount".into()]
            }
        );
        let asked = json!({"amount": "13", "isin": "ZZ2"});
        assert_eq!(
            decide(false, Some(&stored("started", "12.5")), &asked, false),
            Decision::Conflict {
                fields: vec!["amount".into(), "isin".into()]
            }
        );
    }

    #[test]
    fn a_spend_still_under_way_answers_in_progress() {
        let asked = json!({"amount": "12.5", "isin": "ZZ1"});
        assert_eq!(
            decide(false, Some(&stored("started", "12.5")), &asked, false),
            Decision::InProgress
        );
        assert_eq!(decide(false, None, &asked, false), Decision::InProgress);
    }

    #[test]
    fn a_zero_spend_of_a_used_id_probes_its_state() {
        let asked = json!({"amount": "0", "isin": "ZZ1"});
        assert_eq!(
            decide(false, Some(&stored("done", "12.5")), &asked, true),
            Decision::Probe {
                order_id: Some("o1".into())
            }
        );
        // A zero spend repeated is a replay of itself.
        let zero = stored("done", "0");
        assert!(matches!(
            decide(false, Some(&zero), &asked, true),
            Decision::Replay { .. }
        ));
    }
}
