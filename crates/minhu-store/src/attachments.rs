//! What is attached to a request: photos (bytes in a folder beside an SQLite file, or in
//! the database) and the media Open311 clients send (a URL or an uploaded file).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::Utc;

use crate::{Result, Store, on_pool};

/// A stored photo's description.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub hash: String,
    pub mime: String,
    pub size: i64,
    pub exif_lat: Option<f64>,
    pub exif_lon: Option<f64>,
}

impl Store {
    /// Where photo bytes go: a folder beside the SQLite file, or the database itself.
    pub(crate) fn attachment_path(&self, hash: &str) -> Option<PathBuf> {
        self.files
            .as_ref()
            .map(|dir| dir.join(&hash[..2]).join(hash))
    }

    /// Writes a photo's bytes to the folder (synced, before any row names them) and answers
    /// what the `attachments.bytes` column keeps: nothing on disk, the bytes in the database.
    pub(crate) fn photo_bytes_for_row<'a>(
        &self,
        hash: &str,
        bytes: &'a [u8],
    ) -> Result<Option<&'a [u8]>> {
        Ok(match self.attachment_path(hash) {
            Some(path) => {
                if !path.exists() {
                    let Some(dir) = path.parent() else {
                        return Err(crate::StoreError::Corrupt(format!(
                            "no folder for {}",
                            path.display()
                        )));
                    };
                    std::fs::create_dir_all(dir)?;
                    let tmp = dir.join(format!("{hash}.tmp"));
                    {
                        use std::io::Write;
                        let mut f = std::fs::File::create(&tmp)?;
                        f.write_all(bytes)?;
                        f.sync_all()?;
                    }
                    std::fs::rename(&tmp, &path)?;
                }
                None
            }
            None => Some(bytes),
        })
    }

    /// Stores a photo under the SHA-256 `hash` of `bytes` (idempotent) with no request:
    /// the evidence of an action item, the photo of a posted 公示 sheet.
    pub async fn keep_photo(
        &self,
        hash: &str,
        mime: &str,
        bytes: &[u8],
        exif: Option<(f64, f64)>,
    ) -> Result<()> {
        let in_db = self.photo_bytes_for_row(hash, bytes)?;
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO attachments (hash, mime, size, bytes, exif_lat, exif_lon, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(hash)
            .bind(mime)
            .bind(bytes.len() as i64)
            .bind(in_db)
            .bind(exif.map(|e| e.0))
            .bind(exif.map(|e| e.1))
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Stores a photo under the SHA-256 `hash` of `bytes` (idempotent) and links it to a
    /// request. On disk the file is written and synced before the row that names it.
    pub async fn attach(
        &self,
        request_id: i64,
        hash: &str,
        mime: &str,
        bytes: &[u8],
        exif: Option<(f64, f64)>,
        name: Option<&str>,
    ) -> Result<()> {
        let in_db = self.photo_bytes_for_row(hash, bytes)?;
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO attachments (hash, mime, size, bytes, exif_lat, exif_lon, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(hash)
            .bind(mime)
            .bind(bytes.len() as i64)
            .bind(in_db)
            .bind(exif.map(|e| e.0))
            .bind(exif.map(|e| e.1))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO request_attachments (request_id, hash, name) VALUES ($1, $2, $3)
                 ON CONFLICT (request_id, hash) DO NOTHING",
            )
            .bind(request_id)
            .bind(hash)
            .bind(name)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn attachments_of(&self, request_id: i64) -> Result<Vec<Attachment>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT a.hash, a.mime, a.size, a.exif_lat, a.exif_lon
                 FROM request_attachments r JOIN attachments a ON a.hash = r.hash
                 WHERE r.request_id = $1 ORDER BY a.created_at, a.hash",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// A photo's type and bytes, if it is attached to this request.
    pub async fn attachment_bytes(
        &self,
        request_id: i64,
        hash: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Option<Vec<u8>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT a.mime, a.bytes FROM request_attachments r JOIN attachments a ON a.hash = r.hash
                 WHERE r.request_id = $1 AND r.hash = $2",
            )
            .bind(request_id)
            .bind(hash)
            .fetch_optional(pool)
            .await?
        });
        self.photo_of_row(hash, row)
    }

    /// A kept photo's type and bytes by its hash, linked to a request or not (an action
    /// item's evidence): the caller has checked the reader may see what cites it.
    pub async fn photo_bytes(&self, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Option<Vec<u8>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT mime, bytes FROM attachments WHERE hash = $1")
                .bind(hash)
                .fetch_optional(pool)
                .await?
        });
        self.photo_of_row(hash, row)
    }

    /// The bytes of an attachments row: in the row, or in the photo folder.
    fn photo_of_row(
        &self,
        hash: &str,
        row: Option<(String, Option<Vec<u8>>)>,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let Some((mime, bytes)) = row else {
            return Ok(None);
        };
        let bytes = match (bytes, self.attachment_path(hash)) {
            (Some(b), _) => b,
            (None, Some(path)) => std::fs::read(path)?,
            (None, None) => return Ok(None),
        };
        Ok(Some((mime, bytes)))
    }

    /// Records a media item of a request: a URL the client gave, or an uploaded file. A
    /// file gets a random public id (128 bits, hex): its URL names that, never the row.
    pub async fn add_open311_media(
        &self,
        request_id: i64,
        url: Option<&str>,
        file: Option<(&str, &str, &[u8])>,
    ) -> Result<i64> {
        let now = Utc::now();
        let (filename, content_type, data) = match file {
            Some((f, c, d)) => (Some(f), Some(c), Some(d)),
            None => (None, None, None),
        };
        let public_id = file.map(|_| format!("{:032x}", rand::random::<u128>()));
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO open311_media (request_id, url, filename, content_type, data, created_at, public_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(request_id)
            .bind(url)
            .bind(filename)
            .bind(content_type)
            .bind(data)
            .bind(now)
            .bind(public_id.as_deref())
            .fetch_one(pool)
            .await?
        }))
    }

    /// An uploaded file by its public id: (content type, bytes), unless the request is
    /// confidential.
    pub async fn open311_media_file(&self, public_id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as(
                "SELECT m.content_type, m.data FROM open311_media m JOIN requests r ON r.id = m.request_id
                 WHERE m.public_id = $1 AND r.confidential = FALSE",
            )
            .bind(public_id)
            .fetch_optional(pool)
            .await?
            }
        );
        Ok(match row {
            Some((Some(ct), Some(data))) => Some((ct, data)),
            _ => None,
        })
    }

    /// The media of several requests, oldest first: (an uploaded file's public id, the
    /// client's URL if any).
    pub async fn open311_media_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<(String, Option<String>)>>> {
        let mut out: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, Option<String>, Option<String>)> = on_pool!(
                &self.backend,
                read,
                |pool, DB| {
                    let mut qb = sqlx::QueryBuilder::<DB>::new(
                        "SELECT request_id, public_id, url FROM open311_media WHERE request_id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(") ORDER BY request_id, id");
                    qb.build_query_as().fetch_all(pool).await?
                }
            );
            for (rid, public_id, url) in rows {
                out.entry(rid)
                    .or_default()
                    .push((public_id.unwrap_or_default(), url));
            }
        }
        Ok(out)
    }
}
