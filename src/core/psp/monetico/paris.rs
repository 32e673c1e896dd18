//! Europe/Paris civil time, which Monetico's dates are written in (the
//! bank's "heure locale"): UTC+1, and UTC+2 from the last Sunday of March
//! 01:00 UTC to the last Sunday of October 01:00 UTC (the EU rule since
//! 1996). No timezone database: the rule is all Paris needs. Also the three
//! date layouts of the wire.

use crate::core::time::UtcTime;

/// Paris's offset from UTC at `at`, in seconds.
pub fn offset_seconds(at: UtcTime) -> i64 {
    let (year, ..) = at.parts();
    let t = at.unix_seconds();
    match (last_sunday_one_utc(year, 3), last_sunday_one_utc(year, 10)) {
        (Some(start), Some(end)) if start <= t && t < end => SUMMER,
        // A year `UtcTime` cannot write (beyond 9999) is taken as winter.
        (Some(_) | None, Some(_) | None) => WINTER,
    }
}

const WINTER: i64 = 3_600;
const SUMMER: i64 = 7_200;

/// 01:00 UTC on the last Sunday of `month` (March or October: 31 days).
fn last_sunday_one_utc(year: i64, month: i64) -> Option<i64> {
    let last_day = UtcTime::parse(&format!("{year:04}-{month:02}-31T01:00:00Z"))?.unix_seconds();
    // Day 3 of the epoch (1970-01-04) was a Sunday.
    let days_after_sunday = (last_day.div_euclid(86_400) - 3).rem_euclid(7);
    Some(last_day - days_after_sunday * 86_400)
}

/// (year, month, day, hour, minute, second) in Paris.
fn paris_parts(at: UtcTime) -> (i64, i64, i64, i64, i64, i64) {
    at.plus_seconds(offset_seconds(at)).parts()
}

/// `dd/mm/yyyy:hh:mm:ss` in Paris time: the form's and the capture's
/// `date`.
pub fn request_date(at: UtcTime) -> String {
    let (y, mo, d, h, mi, s) = paris_parts(at);
    format!("{d:02}/{mo:02}/{y:04}:{h:02}:{mi:02}:{s:02}")
}

/// `dd/mm/yyyy` in Paris time: `date_commande`, `date_remise`.
pub fn day(at: UtcTime) -> String {
    let (y, mo, d, ..) = paris_parts(at);
    format!("{d:02}/{mo:02}/{y:04}")
}

/// `dd/mm/yyyy_a_hh:mm:ss` in Paris time: the notification's `date` (the
/// emulator writes it).
pub fn notification_date(at: UtcTime) -> String {
    let (y, mo, d, h, mi, s) = paris_parts(at);
    format!("{d:02}/{mo:02}/{y:04}_a_{h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> UtcTime {
        UtcTime::parse(text).expect("utc")
    }

    #[test]
    fn winter_is_utc_plus_one_and_summer_utc_plus_two() {
        assert_eq!(
            request_date(utc("2026-01-15T12:00:00Z")),
            "15/01/2026:13:00:00"
        );
        assert_eq!(
            request_date(utc("2026-07-14T22:30:05Z")),
            "15/07/2026:00:30:05"
        );
        assert_eq!(offset_seconds(utc("2026-12-31T23:59:59Z")), 3_600);
    }

    #[test]
    fn summer_time_starts_at_one_utc_on_the_last_sunday_of_march() {
        // 2026-03-29 is the last Sunday: 02:00 Paris does not exist.
        assert_eq!(
            request_date(utc("2026-03-29T00:59:59Z")),
            "29/03/2026:01:59:59"
        );
        assert_eq!(
            request_date(utc("2026-03-29T01:00:00Z")),
            "29/03/2026:03:00:00"
        );
        assert_eq!(offset_seconds(utc("2026-03-22T01:00:00Z")), 3_600);
        // 2024: the 31st is itself the last Sunday.
        assert_eq!(offset_seconds(utc("2024-03-31T00:59:59Z")), 3_600);
        assert_eq!(offset_seconds(utc("2024-03-31T01:00:00Z")), 7_200);
    }

    #[test]
    fn summer_time_ends_at_one_utc_on_the_last_sunday_of_october() {
        // 2026-10-25: 02:00 to 03:00 Paris happens twice.
        assert_eq!(
            request_date(utc("2026-10-25T00:59:59Z")),
            "25/10/2026:02:59:59"
        );
        assert_eq!(
            request_date(utc("2026-10-25T01:00:00Z")),
            "25/10/2026:02:00:00"
        );
        assert_eq!(offset_seconds(utc("2026-10-18T01:00:00Z")), 7_200);
        assert_eq!(offset_seconds(utc("2025-10-26T00:59:59Z")), 7_200);
        assert_eq!(offset_seconds(utc("2025-10-26T01:00:00Z")), 3_600);
    }

    #[test]
    fn the_paris_day_and_the_notification_layout() {
        assert_eq!(day(utc("2026-12-31T23:30:00Z")), "01/01/2027");
        assert_eq!(
            notification_date(utc("2006-12-05T10:55:23Z")),
            "05/12/2006_a_11:55:23"
        );
    }
}
