//! An account's firmographics, and how well it fits the seller's ideal
//! customer profile. Fit drives who buys, so an ICP score computed from these
//! columns has something real to find.

use super::names::{COMPANY_A, COMPANY_B, COUNTRIES, INDUSTRIES};
use super::rng::{Draw, Rng};

#[derive(Debug, Clone)]
pub struct Firm {
    pub index: u64,
    pub id: String,
    pub name: String,
    pub domain: String,
    pub industry: &'static str,
    pub employees: i64,
    /// Annual revenue in dollars.
    pub revenue: i64,
    pub country: &'static str,
    /// 0..1: how much the account looks like the seller's best customers.
    pub fit: f64,
}

/// How common each industry is among the accounts (same order as INDUSTRIES).
const PREVALENCE: [u32; 11] = [18, 10, 14, 10, 12, 6, 7, 9, 6, 4, 4];

/// Distinct company names before domains need a number.
const NAME_SPACE: u64 = (COMPANY_A.len() * COMPANY_B.len() * 8) as u64;
/// Coprime with NAME_SPACE (2^13 * 3), so index -> name is a bijection.
const NAME_STRIDE: u64 = 7919;

impl Firm {
    pub fn draw(r: &mut Rng, index: u64, name_offset: u64) -> Firm {
        let weights: Vec<(usize, u32)> = PREVALENCE.iter().copied().enumerate().collect();
        let ind = *r.weighted(&weights);
        let (industry, industry_fit, revenue_per_head, words) = &INDUSTRIES[ind];
        let weights: Vec<(usize, u32)> = COUNTRIES.iter().map(|c| c.3).enumerate().collect();
        let (country, country_fit, tld, _, suffixes) = COUNTRIES[*r.weighted(&weights)];
        // Log-uniform from 5 to 50,000 people, skewed towards small firms.
        let employees = (5f64.ln() + r.unit().powf(1.3) * (10_000f64).ln()).exp() as i64;
        let revenue = employees * revenue_per_head * 1000 * r.between(60, 150) / 100;
        let revenue = (revenue / 10_000).max(1) * 10_000;
        let size_fit = match employees {
            ..50 => 0.2,
            50..200 => 0.6,
            200..5000 => 1.0,
            5000..20000 => 0.7,
            _ => 0.45,
        };
        let fit =
            (0.45 * industry_fit + 0.35 * size_fit + 0.2 * country_fit + (r.unit() - 0.5) * 0.2)
                .clamp(0.0, 1.0);

        let p = (index % NAME_SPACE * NAME_STRIDE + name_offset % NAME_SPACE) % NAME_SPACE;
        let a = COMPANY_A[(p % 64) as usize];
        let b = COMPANY_B[(p / 64 % 48) as usize];
        let c = words[(p / (64 * 48)) as usize];
        let generation = index / NAME_SPACE;
        let base = format!("{a} {b} {c}");
        let name = if r.chance(0.45) {
            base
        } else {
            let suffix = r.pick(suffixes);
            if suffix.starts_with(',') {
                format!("{base}{suffix}")
            } else {
                format!("{base} {suffix}")
            }
        };
        let slug: String = format!("{a}{b}{c}")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|ch| ch.to_ascii_lowercase())
            .collect();
        let domain = if generation == 0 {
            format!("{slug}{tld}")
        } else {
            format!("{slug}{}{tld}", generation + 1)
        };
        Firm {
            index,
            id: format!("A{index:06}"),
            name,
            domain,
            industry,
            employees,
            revenue,
            country,
            fit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::rng::{Purpose, stream};

    #[test]
    fn domains_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..NAME_SPACE + 500 {
            let firm = Firm::draw(&mut stream(3, Purpose::Account, i), i, 12345);
            assert!(seen.insert(firm.domain.clone()), "{} repeats", firm.domain);
        }
    }
}
