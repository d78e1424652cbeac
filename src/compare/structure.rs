//! The block-share transform (docs/compare.md, "The block-share transform"; MODEL.md, Structure
//! comparison): the same expected commissioner spend, split differently between blocks and
//! outcome tariffs.
//!
//! "Commissioner lines" at a site are the tariffs and blocks a party with role `commissioner` pays
//! to the site's provider. At block share b:
//! 1. I_s, the base's expected payment on the commissioner lines at site s, is measured on the
//!    base run (every commissioner line at s is booked to one accounting rule,
//!    [`income_rule`], so `payments.by_rule.<that>` is the site's commissioner income).
//! 2. The commissioner blocks to providers are removed (blocks on account included) and each site
//!    gets one block paying b × I_s in equal instalments in advance on the chosen schedule over
//!    the site's months.
//! 3. Each commissioner c's tariffs to providers are multiplied by one scale s_c, solved
//!    (`compare::evaluate`) so that c's expected net spend (paid − received) equals the base's on the same
//!    trials. A site whose commissioner pays its provider no tariff gets one, flat, on the outcome
//!    event, priced I_s ÷ the base's expected count of that event at the site before scaling.
//! 4. Money caps covering only scaled tariffs scale with them (unless `scale_caps = false`); event
//!    caps and thresholds do not.

use crate::scenario::{Block, Event, Lag, Limit, Model, Pricing, Role, TariffLine};
use crate::Month;

/// How the new blocks are paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// One instalment each month of the site's term.
    Monthly,
    /// One instalment every three months.
    Quarterly,
    /// One instalment every twelve months.
    Annual,
}

impl Schedule {
    /// The schedule a name denotes: `monthly`, `quarterly` or `annual`.
    pub fn parse(s: &str) -> Option<Schedule> {
        Some(match s {
            "monthly" => Schedule::Monthly,
            "quarterly" => Schedule::Quarterly,
            "annual" => Schedule::Annual,
            _ => return None,
        })
    }
    fn step(self) -> u32 {
        match self {
            Schedule::Monthly => 1,
            Schedule::Quarterly => 3,
            Schedule::Annual => 12,
        }
    }
}

/// The settings of a block-share transform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Structure {
    /// The block share b, 0–1.
    pub block_share: f64,
    /// How the new blocks are paid.
    pub schedule: Schedule,
    /// The event of a tariff added where a commissioner pays its provider none.
    pub outcome_event: Event,
    /// Whether money caps covering only scaled tariffs scale with them.
    pub scale_caps: bool,
}

/// The accounting rule every commissioner line at `site` is booked to.
pub fn income_rule(site: &str) -> String {
    format!("structure.{site}.commissioner_to_provider")
}

/// Whether tariff line `t` is a commissioner line.
pub fn is_commissioner_tariff(model: &Model, t: &TariffLine) -> bool {
    model.parties[t.payer].role == Role::Commissioner && t.payee == model.sites[t.site].provider
}

/// Whether block `b` is a commissioner line.
pub fn is_commissioner_block(model: &Model, b: &Block) -> bool {
    model.parties[b.payer].role == Role::Commissioner && b.payee == model.sites[b.site].provider
}

/// `model` with every commissioner line at each site booked to that site's [`income_rule`]
/// (payments unchanged; only `payments.by_rule` is regrouped).
pub fn with_income_accounts(model: &Model) -> Model {
    let mut m = model.clone();
    let first = m.rules.len();
    for s in &model.sites {
        m.rules.push(income_rule(&s.id));
    }
    for i in 0..m.tariffs.len() {
        if is_commissioner_tariff(model, &model.tariffs[i]) {
            m.tariffs[i].rule = first + m.tariffs[i].site;
        }
    }
    for i in 0..m.blocks.len() {
        if is_commissioner_block(model, &model.blocks[i]) {
            m.blocks[i].rule = first + m.blocks[i].site;
        }
    }
    m
}

/// The commissioners (party indices) with a site, in party order.
pub fn commissioners(model: &Model) -> Vec<usize> {
    let mut v: Vec<usize> = model.sites.iter().map(|s| s.commissioner).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What the base run says the transform needs: per site, the expected commissioner income I_s and
/// the expected count of the outcome event (to price an added tariff).
#[derive(Debug, Clone)]
pub struct BaseIncome {
    /// Per site: the base's expected commissioner income I_s, £.
    pub income: Vec<f64>,
    /// Per site: the base's expected count of the outcome event.
    pub events: Vec<f64>,
}

/// The transformed model at tariff `scales` and block `block_scales` (one each per entry of
/// [`commissioners`]; the block scale multiplies b × I_s, and is 1 but at block share 1, where the
/// blocks carry the whole equal-spend solve), from `model` already carrying
/// [`with_income_accounts`].
pub fn transform(
    model: &Model,
    st: &Structure,
    base: &BaseIncome,
    scales: &[f64],
    block_scales: &[f64],
) -> Model {
    let mut m = model.clone();
    let comms = commissioners(model);
    let scale_of = |party: usize| {
        comms
            .iter()
            .position(|&c| c == party)
            .map_or(1.0, |k| scales[k])
    };
    let block_scale_of = |party: usize| {
        comms
            .iter()
            .position(|&c| c == party)
            .map_or(1.0, |k| block_scales[k])
    };
    let income_rules: Vec<usize> = model
        .sites
        .iter()
        .map(|s| {
            model
                .rules
                .iter()
                .position(|r| *r == income_rule(&s.id))
                .expect("model carries income accounts")
        })
        .collect();
    // 2. Blocks: drop the commissioner's, add the new schedule.
    m.blocks.retain(|b| !is_commissioner_block(model, b));
    for (s, site) in model.sites.iter().enumerate() {
        let total = st.block_share * base.income[s] * block_scale_of(site.commissioner);
        if total <= 0.0 {
            continue;
        }
        let months: Vec<Month> = (site.start..=site.end)
            .step_by(st.schedule.step() as usize)
            .collect();
        let each = total / months.len() as f64;
        // One block per rule set in force at the site in its months, so that the block is paid
        // whatever variation the site follows.
        let mut sets: Vec<usize> = months.iter().map(|&mo| model.rule_set_at(s, mo)).collect();
        sets.sort_unstable();
        sets.dedup();
        for set in sets {
            let ms: Vec<Month> = months
                .iter()
                .copied()
                .filter(|&mo| model.rule_set_at(s, mo) == set)
                .collect();
            m.blocks.push(Block {
                rule: income_rules[s],
                site: s,
                payer: site.commissioner,
                payee: site.provider,
                amount: each,
                months: ms,
                on_account: None,
                rule_set: set,
            });
        }
    }
    // 3. Tariffs: scale the commissioner's; add one where a site has none.
    let mut scaled = vec![false; m.tariffs.len()];
    for (i, t) in m.tariffs.iter_mut().enumerate() {
        if is_commissioner_tariff(model, &model.tariffs[i]) {
            let k = scale_of(t.payer);
            match &mut t.pricing {
                Pricing::Flat(a) => *a *= k,
                Pricing::Tiers(tiers) => tiers.iter_mut().for_each(|(_, a)| *a *= k),
            }
            scaled[i] = true;
        }
    }
    if st.block_share < 1.0 {
        for (s, site) in model.sites.iter().enumerate() {
            let has = model
                .tariffs
                .iter()
                .any(|t| t.site == s && is_commissioner_tariff(model, t));
            if has || base.events[s] <= 0.0 {
                continue;
            }
            let price = base.income[s] / base.events[s] * scale_of(site.commissioner);
            let mut sets: Vec<usize> = (site.start..=site.end)
                .map(|mo| model.rule_set_at(s, mo))
                .collect();
            sets.sort_unstable();
            sets.dedup();
            for set in sets {
                m.tariffs.push(TariffLine {
                    rule: income_rules[s],
                    site: s,
                    payer: site.commissioner,
                    payee: site.provider,
                    event: st.outcome_event,
                    band: None,
                    pricing: Pricing::Flat(price),
                    threshold: 0,
                    from: site.start,
                    to: site.end,
                    lag: Lag::None,
                    pass_through: None,
                    rule_set: set,
                    caps: Vec::new(),
                });
                scaled.push(true);
            }
        }
    }
    // 4. Money caps covering only scaled lines scale with them (one scale: the lines' payer's).
    if st.scale_caps {
        for (c, cap) in m.caps.iter_mut().enumerate() {
            let lines: Vec<usize> = (0..model.tariffs.len())
                .filter(|&i| model.tariffs[i].caps.contains(&c))
                .collect();
            let Some(&first) = lines.first() else {
                continue;
            };
            let payer = model.tariffs[first].payer;
            let all_scaled = lines
                .iter()
                .all(|&i| scaled[i] && model.tariffs[i].payer == payer);
            if let (true, Limit::Money(x)) = (all_scaled, cap.limit) {
                cap.limit = Limit::Money(x * scale_of(payer));
            }
        }
    }
    m
}

/// The default outcome event for added tariffs: the event of the commissioner tariffs elsewhere
/// in the scenario if they all agree, else job starts.
pub fn default_outcome_event(model: &Model) -> Event {
    let mut events = model
        .tariffs
        .iter()
        .filter(|t| is_commissioner_tariff(model, t))
        .map(|t| t.event);
    match events.next() {
        Some(e) if events.all(|x| x == e) => e,
        _ => Event::JobStart,
    }
}
