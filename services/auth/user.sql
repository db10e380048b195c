-- The password hash of an API user and whether the account is active; no row when the
-- username is unknown. (users.username is UNIQUE: one probe of its index.)
SELECT password_hash, is_active FROM users WHERE username = $1;
