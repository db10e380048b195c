-- One row when the user still exists and is active (a refresh token outlives nothing else).
SELECT 1 FROM users WHERE username = $1 AND is_active;
