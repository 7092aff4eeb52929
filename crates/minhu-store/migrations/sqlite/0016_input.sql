-- Uploaded Open311 media are served by an unguessable id, never by their sequential one.
ALTER TABLE open311_media ADD COLUMN public_id TEXT;
UPDATE open311_media SET public_id = lower(hex(randomblob(16))) WHERE data IS NOT NULL;
CREATE UNIQUE INDEX open311_media_public_id ON open311_media (public_id);

-- Staff login attempts, counted per key (account × client address, client address) in a
-- fixed window, shared by every server on the database. An attempt is reserved here before
-- the password hash is checked.
CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts     BIGINT NOT NULL
);
