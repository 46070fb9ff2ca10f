//! The CA's ledger: every certificate issued and every revocation, in redb.
//!
//! redb holds an exclusive lock while a database is open, and both the hub
//! (reading revocations) and the `certs` CLI (writing them) use this file, so
//! every user opens it briefly and retries for a few seconds if the other
//! holds it.

use crate::CertsError;
use redb::{Database, DatabaseError, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const ISSUED: TableDefinition<&str, &[u8]> = TableDefinition::new("issued");
const REVOKED: TableDefinition<&str, &[u8]> = TableDefinition::new("revoked");
const OPEN_PATIENCE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Hub,
    Agent,
}

/// One issued certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecord {
    /// The cluster name for agents, the served names for the hub.
    pub subject: String,
    pub role: Role,
    pub issued_at: i64,
    pub not_after: i64,
}

impl IssuedRecord {
    pub fn new(subject: String, role: Role, not_after: OffsetDateTime) -> IssuedRecord {
        IssuedRecord {
            subject,
            role,
            issued_at: OffsetDateTime::now_utc().unix_timestamp(),
            not_after: not_after.unix_timestamp(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedRecord {
    pub subject: String,
    pub revoked_at: i64,
}

/// An open ledger; drop it promptly so others can open the file.
pub struct Ledger {
    db: Database,
    path: PathBuf,
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger, CertsError> {
        let db = with_patience(path, OPEN_PATIENCE, || Database::create(path))?;
        Ok(Ledger { db, path: path.to_owned() })
    }

    fn err(&self, e: impl std::fmt::Display) -> CertsError {
        CertsError::Ledger { path: self.path.clone(), detail: e.to_string() }
    }

    pub fn record_issued(&self, serial_hex: &str, record: &IssuedRecord) -> Result<(), CertsError> {
        let bytes = postcard::to_stdvec(record).map_err(|e| self.err(e))?;
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut t = txn.open_table(ISSUED).map_err(|e| self.err(e))?;
            t.insert(serial_hex, bytes.as_slice()).map_err(|e| self.err(e))?;
            txn.open_table(REVOKED).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Revokes all agent certificates of `subject` not revoked yet, in one
    /// transaction; returns the newly revoked serials.
    pub fn revoke_subject(&self, subject: &str) -> Result<Vec<String>, CertsError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let mut revoked_now = Vec::new();
        {
            let issued = txn.open_table(ISSUED).map_err(|e| self.err(e))?;
            let mut revoked = txn.open_table(REVOKED).map_err(|e| self.err(e))?;
            for entry in issued.iter().map_err(|e| self.err(e))? {
                let (serial, bytes) = entry.map_err(|e| self.err(e))?;
                let record: IssuedRecord = postcard::from_bytes(bytes.value()).map_err(|e| self.err(e))?;
                if record.role != Role::Agent || record.subject != subject {
                    continue;
                }
                if revoked.get(serial.value()).map_err(|e| self.err(e))?.is_some() {
                    continue;
                }
                revoked_now.push(serial.value().to_string());
            }
            let rec = postcard::to_stdvec(&RevokedRecord { subject: subject.to_string(), revoked_at: now })
                .map_err(|e| self.err(e))?;
            for serial in &revoked_now {
                revoked.insert(serial.as_str(), rec.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        Ok(revoked_now)
    }

    /// Every issued certificate, by serial.
    pub fn issued(&self) -> Result<Vec<(String, IssuedRecord)>, CertsError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = match txn.open_table(ISSUED) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.err(e)),
        };
        let mut out = Vec::new();
        for entry in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = entry.map_err(|e| self.err(e))?;
            out.push((k.value().to_string(), postcard::from_bytes(v.value()).map_err(|e| self.err(e))?));
        }
        Ok(out)
    }

    /// The revoked serials, read without taking the write lock for long.
    /// A missing ledger has no revocations.
    pub fn read_revoked(path: &Path) -> Result<HashSet<String>, CertsError> {
        Ledger::read_revoked_within(path, OPEN_PATIENCE)
    }

    /// As [`Ledger::read_revoked`], waiting at most `patience` for the lock.
    pub fn read_revoked_within(path: &Path, patience: Duration) -> Result<HashSet<String>, CertsError> {
        if !path.exists() {
            return Ok(HashSet::new());
        }
        let err = |e: &dyn std::fmt::Display| CertsError::Ledger { path: path.to_owned(), detail: e.to_string() };
        let db = with_patience(path, patience, || redb::ReadOnlyDatabase::open(path))?;
        let txn = db.begin_read().map_err(|e| err(&e))?;
        let t = match txn.open_table(REVOKED) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(HashSet::new()),
            Err(e) => return Err(err(&e)),
        };
        let mut out = HashSet::new();
        for entry in t.iter().map_err(|e| err(&e))? {
            let (k, _) = entry.map_err(|e| err(&e))?;
            out.insert(k.value().to_string());
        }
        Ok(out)
    }
}

fn with_patience<T>(
    path: &Path,
    patience: Duration,
    mut open: impl FnMut() -> Result<T, DatabaseError>,
) -> Result<T, CertsError> {
    let deadline = Instant::now() + patience;
    loop {
        match open() {
            Ok(db) => return Ok(db),
            Err(DatabaseError::DatabaseAlreadyOpen) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(CertsError::Ledger { path: path.to_owned(), detail: e.to_string() }),
        }
    }
}
