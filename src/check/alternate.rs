//! The printed form: a phone that serves an endpoint only in a form the manual prints by
//! mistake (the path `/api/v1/callctrl/holdCal`, E01; the member `State`, E35).
//!
//! The runner finds such a phone out (it sends the printed form once when the documented
//! one is refused in the way the erratum explains) and lets the case go on with it; this
//! judge grades that by the erratum's level: NON-STRICT for an ambiguous decision, INFO for
//! a silent one, never FAIL, since the phone follows the manual's own letter.

use super::context::Context;
use super::context::erratum_level;
use super::finding::Finding;

/// The finding of a step that reached its endpoint only through the printed form.
pub fn finding(ctx: &Context, step: &str, section: &str, erratum: &str, how: &str) -> Finding {
    let manual_text = ctx.errata.iter().find(|e| e.id == erratum).map(|e| e.text.clone()).unwrap_or_default();
    Finding {
        family: ctx.case.spec.family,
        verdict: erratum_level(ctx, erratum).miss(),
        section: section.to_string(),
        requirement: manual_text,
        expected: vec!["the endpoint served in its documented form".into()],
        actual: how.to_string(),
        step: step.to_string(),
        details: vec![format!("{erratum}: the manual prints this form too; the case went on with it")],
        errata: vec![erratum.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;
    use crate::verdict::Verdict;

    #[test]
    fn the_printed_form_is_graded_by_its_erratum_never_fail() {
        let w = World::new();
        let f = finding(&w.ctx(), "hold", "WebCallControl.HoldCall", "E07", "served only at the printed path /x");
        assert_eq!(f.verdict, Verdict::NonStrict, "E07 is ambiguous in the test errata");
        assert_eq!(f.errata, vec!["E07"]);
        let f = finding(&w.ctx(), "hold", "WebCallControl.HoldCall", "E48", "x");
        assert_eq!(f.verdict, Verdict::Info);
    }
}
