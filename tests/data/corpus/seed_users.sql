-- Fixture accounts for the staging database.
INSERT INTO users (email, password_hash) VALUES ('ana@acme.io', '$argon2id$v=19$m=19456,t=2,p=1$38mrvMUWzFPwH1t53sQfnQ$Psj6KhPB8j4dJsglSUeXoHxthxDJcvD0l7+6e5KtLGg');
INSERT INTO users (email, password_hash) VALUES ('bo@acme.io', '$2a$10$ZXqQs3IVJpL2QUgDt7iqlOO4r1N6P/3jaP3dCBTXvoStbVlR854y2');
INSERT INTO users (email, password_hash) VALUES ('cy@acme.io', '$argon2id$v=19$m=19456,t=2,p=1$5HA9yqPS8fr84gkoqxpa5g$w5q/0j/R2gGnNxI4RU+HgsDb3aR/B2dt2dSHIfemH/Q');
-- Hashes are checked with crypt('$2a$', ...) and '$argon2id$' prefixes; the column holds up to 60 characters of '$2b$12$'.
SELECT id FROM users WHERE password_hash LIKE '$2_$%' OR password_hash LIKE '$argon2%';
