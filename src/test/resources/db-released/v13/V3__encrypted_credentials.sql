-- Credential secrets are stored sealed with AES-256-GCM: the key id, the 96-bit nonce and the
-- ciphertext (tag included). The plaintext column stays only for rows written before encryption;
-- `rotate-keys` seals those.
ALTER TABLE webhook_credentials ALTER COLUMN data DROP NOT NULL;
ALTER TABLE webhook_credentials ADD COLUMN key_id text;
ALTER TABLE webhook_credentials ADD COLUMN nonce bytea;
ALTER TABLE webhook_credentials ADD COLUMN ciphertext bytea;
ALTER TABLE webhook_credentials ADD CONSTRAINT webhook_credentials_sealed_check
    CHECK ((data IS NOT NULL) <> (ciphertext IS NOT NULL AND nonce IS NOT NULL AND key_id IS NOT NULL));

ALTER TABLE webhook_credentials DROP CONSTRAINT webhook_credentials_type_check;
ALTER TABLE webhook_credentials ADD CONSTRAINT webhook_credentials_type_check
    CHECK (type IN ('bearer_token', 'api_key', 'basic_auth', 'custom_header', 'standard_webhooks'));
