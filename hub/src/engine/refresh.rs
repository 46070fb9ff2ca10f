//! Refreshing the desired state without ever losing it: repositories are
//! fetched (failures retried with exponential backoff), every root is
//! evaluated on its own, and a root that cannot be read or parsed keeps its
//! last good evaluation, its apps marked with a warning that says what
//! failed. Nothing is taken away because an input broke.

use super::cache::RenderCache;
use super::evaluate::{Evaluation, evaluate};
use super::{Condition, Plan, plan};
use crate::config::HubConfig;
use crate::inventory::Cluster;
use crate::repo::configured::ConfiguredRepos;
use crate::repo::local::normalize_url;
use std::collections::HashMap;
use std::time::Duration;

/// Retry delays after consecutive failures: 5 s, 10 s, 20 s ... capped at
/// five minutes; back to the poll interval after a success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    pub failures: u32,
}

impl Backoff {
    const FIRST: Duration = Duration::from_secs(5);
    const CAP: Duration = Duration::from_secs(300);

    pub fn next_delay(&self, poll_interval: Duration) -> Duration {
        match self.failures {
            0 => poll_interval,
            n => Self::FIRST.saturating_mul(1 << (n - 1).min(16)).min(Self::CAP),
        }
    }

    pub fn record(&mut self, ok: bool) {
        self.failures = if ok { 0 } else { self.failures.saturating_add(1) };
    }
}

/// Keeps the last good state of every root between refreshes.
pub struct Refresher {
    config: HubConfig,
    repos: ConfiguredRepos,
    last_good: HashMap<usize, Evaluation>,
    backoff: HashMap<String, (Backoff, String)>,
}

impl Refresher {
    pub fn new(config: HubConfig) -> Result<Refresher, String> {
        let repos = ConfiguredRepos::new(&config)?;
        Ok(Refresher { config, repos, last_good: HashMap::new(), backoff: HashMap::new() })
    }

    pub fn repos(&self) -> &ConfiguredRepos {
        &self.repos
    }

    /// When each repository should be fetched next.
    pub fn next_delay(&self, repo_url: &str) -> Duration {
        let poll = self
            .config
            .repositories
            .iter()
            .find(|r| normalize_url(&r.url) == normalize_url(repo_url))
            .map_or(Duration::from_secs(30), |r| Duration::from_millis(r.poll_interval_ms));
        self.backoff.get(&normalize_url(repo_url)).map_or(poll, |(b, _)| b.next_delay(poll))
    }

    /// Fetches, evaluates every root and plans for `clusters`.
    pub fn refresh(&mut self, clusters: &[Cluster]) -> Plan {
        let failed: HashMap<String, String> =
            self.repos.refresh().into_iter().map(|e| (normalize_url(&e.repo), e.message)).collect();
        for r in &self.config.repositories {
            let key = normalize_url(&r.url);
            let entry = self.backoff.entry(key.clone()).or_default();
            entry.0.record(!failed.contains_key(&key));
            entry.1 = failed.get(&key).cloned().unwrap_or_default();
        }
        let cache = RenderCache::default();
        let mut merged = Evaluation::default();
        for (i, root) in self.config.roots.iter().enumerate() {
            let mut evaluation = evaluate(std::slice::from_ref(root), &self.repos, clusters, &cache);
            if !evaluation.errors.is_empty()
                && let Some(previous) = self.last_good.get(&i)
            {
                // Whatever failed to evaluate keeps its last good apps.
                let why = evaluation.errors.join("; ");
                for app in &previous.apps {
                    if !evaluation.apps.iter().any(|a| a.app.name == app.app.name) {
                        let mut kept = app.clone();
                        kept.conditions.push(Condition::new(
                            "StaleSourceWarning",
                            format!("{why}; keeping the last good state (revision {})", app.revision),
                        ));
                        evaluation.apps.push(kept);
                    }
                }
                for (name, project) in &previous.projects {
                    evaluation.projects.entry(name.clone()).or_insert_with(|| project.clone());
                }
            }
            self.last_good.insert(i, clone_evaluation(&evaluation));
            merged.apps.extend(evaluation.apps);
            merged.errors.extend(evaluation.errors);
            for (name, project) in evaluation.projects {
                merged.projects.entry(name).or_insert(project);
            }
        }
        for app in &mut merged.apps {
            for source in &app.app.sources {
                if let Some(message) = failed.get(&normalize_url(&source.repo_url)) {
                    app.conditions.push(Condition::new(
                        "StaleSourceWarning",
                        format!("fetching {} failed: {message}; using the last fetched revision", source.repo_url),
                    ));
                }
            }
        }
        let mut result = plan(&merged, clusters, self.config.in_cluster.as_deref());
        result.errors.splice(0..0, failed.iter().map(|(repo, m)| format!("fetch {repo}: {m}")));
        result
    }
}

fn clone_evaluation(e: &Evaluation) -> Evaluation {
    Evaluation { apps: e.apps.clone(), projects: e.projects.clone(), errors: e.errors.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_and_resets() {
        let poll = Duration::from_secs(30);
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(poll), poll);
        let delays: Vec<u64> = (0..9)
            .map(|_| {
                b.record(false);
                b.next_delay(poll).as_secs()
            })
            .collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        b.record(true);
        assert_eq!(b.next_delay(poll), poll);
    }
}
