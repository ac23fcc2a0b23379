//! [`LabRedactor`]: masks the secrets of every phone of a lab run (each phone's
//! credentials, and the authorization headers) in every report written.

use crate::device::Credentials;
use crate::report::redact::Redactor;

/// Masks the secrets of every phone of a lab run.
#[derive(Debug, Clone, Default)]
pub struct LabRedactor(Vec<Redactor>);

impl LabRedactor {
    pub fn new<'a>(credentials: impl IntoIterator<Item = &'a Credentials>) -> LabRedactor {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for c in credentials {
            if seen.insert((c.username.clone(), c.password.clone())) {
                out.push(Redactor::new(&c.username, &c.password));
            }
        }
        if out.is_empty() {
            out.push(Redactor::headers_only());
        }
        LabRedactor(out)
    }

    pub fn redact(&self, text: &str) -> String {
        let mut s = text.to_string();
        for r in &self.0 {
            s = r.redact(&s);
        }
        s
    }
}
