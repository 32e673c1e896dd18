//! `POST /api/v1/orders/{id}/refund` (`refund/1`): the seller's full
//! refund, as the order page's form (core::flow::refund), by the key's
//! client. A repeat answers the existing refund as it stands (200), so a
//! program that lost the answer just asks again; a refund the rules refuse
//! is 3009, someone else's order 1007.

use crate::core::api::error::{ApiError, ErrorKind};
use crate::core::api::{self, Format};
use crate::core::flow::refund::{self as flow, Asked};
use crate::core::i18n::Lang;
use crate::core::refund::{self, Refusal, Shown};
use crate::shell::effects::site;
use crate::shell::web::{row_at, Ctx, WebError};

use super::{Answer, Key};

pub(super) async fn post(
    ctx: &Ctx,
    key: &Key,
    id: &str,
    format: Format,
) -> Result<Answer, ApiError> {
    let (who, _) = key.read(ctx, Vec::new()).await?;
    let base = ctx.base_url();
    let asked = flow::request(ctx, &site(ctx, &base), id, who.client_id)
        .await
        .map_err(WebError::from)?;
    match asked {
        Asked::NotFound => Err(ApiError::new(ErrorKind::NotFound)),
        Asked::Refused(Refusal::AlreadyRequested(_)) | Asked::Done(_) => {
            let results = ctx.run(&vec![refund::shown(id)]).await?;
            let shown: Shown = row_at(&results, 0)?.unwrap_or_default();
            Ok(Answer::new(
                200,
                api::render(format, "refund", "refund", shown.json(id)),
            ))
        }
        // Every API message is English, as the others.
        Asked::Refused(refusal) => Err(ApiError::new(ErrorKind::NotRefundable)
            .with_message(refusal.text(Lang::En).to_string())),
    }
}
