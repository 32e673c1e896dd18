//! Sellers paid by permission (issue 20) in the random histories. In half
//! the histories (a draw of their own, so that the other half replays
//! exactly as before; none with `SIM_PERMISSION=0`) the deployment has a
//! platform PayPal account, and each seller is, with odds of 3 in 5,
//! stored as a seller who granted it every permission: his e-mail as
//! public name, no secret. The production flows then call PayPal with the
//! platform's credentials and `SUBJECT` (the emulator's own rules decide).
//! Now and then such a seller revokes a permission (Express Checkout, or
//! all of them) at any point of the history: the next SetExpressCheckout
//! or DoExpressCheckoutPayment for him is refused (10007 or 10002), which
//! must fail the order with no money moved and mark his account refused;
//! every invariant of `checks.rs` still holds. Before quiescence he grants
//! them again (PayBook can only learn what became of a payment it could
//! not read by asking once it may), so that the final checks hold too.

use paybook::core::psp::paypal::nvp::Credentials;
use paybook::core::psp::paypal::permission::Scope;
use paybook::core::sql::emulator::{self, grants};
use paybook::core::sql::{Param, Stmt};

use super::rng::Rng;
use super::world::{at, World};

/// The platform's emulated PayPal account.
pub const PLATFORM_USERNAME: &str = "platform_api1.paybook.sim";
const PLATFORM_EMAIL: &str = "platform@paybook.sim";

/// The permission side of a history.
#[derive(Default)]
pub struct PermissionSide {
    /// Its own draws; `None` in a history without permission sellers.
    rng: Option<Rng>,
    /// Indexes in `World::clients` of the sellers paid by permission.
    pub sellers: Vec<usize>,
    /// (client index, scopes) revoked and not granted again yet.
    revoked: Vec<(usize, Vec<Scope>)>,
    pub revocations: u64,
}

pub fn platform() -> Credentials {
    Credentials {
        username: PLATFORM_USERNAME.into(),
        password: "the simulation's platform password".into(),
        signature: "the simulation's platform signature".into(),
        subject: None,
    }
}

impl World {
    /// Draws whether this history has sellers paid by permission, and
    /// stores them so (the platform's account made, their grants given).
    pub fn permission_world(&mut self, seed: u64) {
        let off = std::env::var("SIM_PERMISSION").is_ok_and(|v| v.trim() == "0");
        let mut rng = Rng::new(seed ^ 0x5045_524D_4953_5349);
        if off || !rng.chance(500) {
            return;
        }
        let now = at(super::fx::START);
        let p = platform();
        let mut emulator_batch = vec![emulator::create(&emulator::NewAccount {
            email: PLATFORM_EMAIL,
            payer_id: "PLATFORMSIM01",
            api_username: &p.username,
            api_password: &p.password,
            api_signature: &p.signature,
            balance_cents: 0,
            currency: "EUR",
            now: &now,
        })];
        let mut platform_batch = Vec::new();
        let mut sellers = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            if c.buyer || !rng.chance(600) {
                continue;
            }
            for scope in Scope::ALL {
                emulator_batch.push(grants::grant(
                    c.account,
                    PLATFORM_USERNAME,
                    scope.as_str(),
                    &now,
                ));
            }
            platform_batch.push(Stmt::new(
                "UPDATE psp_accounts SET public_ref = ?2, sealed_secret = '' \
                 WHERE client_id = ?1 AND provider = 'paypal'",
                vec![Param::Int(c.id), Param::from(c.email.as_str())],
            ));
            sellers.push(i);
        }
        self.sim
            .run_now(&emulator_batch)
            .expect("the platform's account and the grants");
        self.sim
            .run_now(&platform_batch)
            .expect("sellers by permission");
        self.sim.dirty.set(false);
        let _ = self.dep.paypal_platform.set(p);
        let names: Vec<String> = sellers
            .iter()
            .map(|i| self.clients[*i].email.clone())
            .collect();
        self.say("sim", || format!("paid by permission: {names:?}"));
        self.permission = PermissionSide {
            rng: Some(rng),
            sellers,
            ..PermissionSide::default()
        };
    }

    /// Now and then a seller by permission revokes some (one in 25 steps).
    pub fn maybe_revoke(&mut self) {
        let Some(rng) = self.permission.rng.as_mut() else {
            return;
        };
        if self.permission.sellers.is_empty() || !rng.chance(40) {
            return;
        }
        let i = self.permission.sellers[rng.below(self.permission.sellers.len())];
        let scopes = if rng.chance(500) {
            vec![Scope::ExpressCheckout]
        } else {
            Scope::ALL.to_vec()
        };
        let c = &self.clients[i];
        let batch = scopes
            .iter()
            .map(|s| grants::revoke(c.account, PLATFORM_USERNAME, s.as_str()))
            .collect();
        self.sim.run_now(&batch).expect("revoked");
        let (email, names) = (
            c.email.clone(),
            scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        );
        self.say("paypal", || format!("{email} revokes {names:?}"));
        self.permission.revocations += 1;
        self.permission.revoked.push((i, scopes));
    }

    /// Every revoked permission granted again (before quiescence).
    pub fn grant_again(&mut self) {
        let revoked = std::mem::take(&mut self.permission.revoked);
        let now = at(self.now());
        for (i, scopes) in revoked {
            let c = &self.clients[i];
            let batch = scopes
                .iter()
                .map(|s| grants::grant(c.account, PLATFORM_USERNAME, s.as_str(), &now))
                .collect();
            self.sim.run_now(&batch).expect("granted again");
        }
    }

    /// What the permission side did, for the summary.
    pub fn permission_stats(&self, stats: &mut super::ledger::Stats) {
        stats.permission_sellers = self.permission.sellers.len() as u64;
        stats.revocations = self.permission.revocations;
        if self.permission.sellers.is_empty() {
            return;
        }
        stats.permission_refusals = self.sim.db.read_i64(
            "SELECT COUNT(*) FROM orders WHERE psp_error_code IN ('10002', '10007')",
            vec![],
        ) as u64;
        stats.permission_accounts_refused = self.sim.db.read_i64(
            "SELECT COUNT(*) FROM psp_accounts WHERE status = 'refused' AND sealed_secret = ''",
            vec![],
        ) as u64;
    }
}
