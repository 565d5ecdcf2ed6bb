//! What the HTTP methods report about the instance, and how calls change it.

use std::time::{Duration, Instant};

/// The phone getWaSettings reports until a pairing code names another.
pub const DEFAULT_PHONE: &str = "79001234567";

/// The instance's state as getStateInstance and getWaSettings report it.
#[derive(Debug)]
pub(crate) struct Instance {
    state: String,
    phone: String,
    /// When an issued pairing code counts as entered on the phone.
    authorize_at: Option<Instant>,
}

impl Instance {
    pub fn new(state: String) -> Instance {
        Instance { state, phone: DEFAULT_PHONE.to_string(), authorize_at: None }
    }

    /// The state at `now`: `authorized` once a pending pairing code's time has come.
    pub fn state(&mut self, now: Instant) -> &str {
        if self.authorize_at.is_some_and(|at| now >= at) {
            self.authorize_at = None;
            self.state = "authorized".to_string();
        }
        &self.state
    }

    /// A login or logout: it also cancels a pending pairing code.
    pub fn set_state(&mut self, state: &str) {
        self.state = state.to_string();
        self.authorize_at = None;
    }

    /// A pairing code was issued for `phone`: the instance is authorized `after` from `now`.
    pub fn pair(&mut self, phone: u64, now: Instant, after: Duration) {
        self.phone = phone.to_string();
        self.authorize_at = Some(now + after);
    }

    pub fn phone(&self) -> &str {
        &self.phone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_code_authorizes_later_unless_logged_out() {
        let t0 = Instant::now();
        let mut instance = Instance::new("notAuthorized".into());
        instance.pair(79_001_112_233, t0, Duration::from_secs(3));
        assert_eq!(instance.phone(), "79001112233");
        assert_eq!(instance.state(t0 + Duration::from_secs(2)), "notAuthorized");
        assert_eq!(instance.state(t0 + Duration::from_secs(3)), "authorized");
        instance.pair(1, t0, Duration::from_secs(3));
        instance.set_state("notAuthorized");
        assert_eq!(instance.state(t0 + Duration::from_secs(9)), "notAuthorized");
    }
}
