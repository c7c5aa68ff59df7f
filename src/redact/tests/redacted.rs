//! Examples of every rule: what is typed, and what is stored.

/// (text, as stored): at least one example per rule.
pub(super) const REDACTED: &[(&str, &str)] = &[
    // Key blocks.
    (
        "cat <<EOF > id\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nEOF",
        "cat <<EOF > id\n[REDACTED:private-key]\nEOF",
    ),
    (
        "gpg --import <<'K'\n-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGV\n-----END PGP PRIVATE KEY BLOCK-----\nK",
        "gpg --import <<'K'\n[REDACTED:private-key]\nK",
    ),
    (
        "echo AGE-SECRET-KEY-1EXAMPLE0KEY2EXAMPLE0KEY2EXAMPLE0KEY2EXAMPLE0KEY2EXAMPLE0KE > k",
        "echo [REDACTED:age-secret-key] > k",
    ),
    // Tokens by their prefix.
    (
        "aws s3 ls --profile x AKIAIOSFODNN7EXAMPLE",
        "aws s3 ls --profile x [REDACTED:aws-access-key]",
    ),
    ("echo ASIAY34FZKBOKMUTVV7A", "echo [REDACTED:aws-access-key]"),
    (
        "git clone https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/o/r",
        "git clone https://[REDACTED:github-token]@github.com/o/r",
    ),
    (
        "gh auth status -t gho_EXAMPLE0token1EXAMPLE0token1EXAMPLE0",
        "gh auth status -t [REDACTED:github-token]",
    ),
    (
        "echo github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "echo [REDACTED:github-token]",
    ),
    (
        "curl -H 'PRIVATE-TOKEN: glpat-abcdefghij0123456789' api",
        "curl -H 'PRIVATE-TOKEN: [REDACTED:gitlab-token]' api",
    ),
    (
        "git clone https://deploy:gldt-FLZDe1f8rESQedUStPKR@gitlab.com/o/r",
        "git clone https://deploy:[REDACTED:gitlab-token]@gitlab.com/o/r",
    ),
    (
        "SLACK=xoxb-123456789012-abcdefghijkl ./post",
        "SLACK=[REDACTED:slack-token] ./post",
    ),
    (
        "run xapp-1-A0EXAMPLE0-1234567890123-0123456789abcdef0123456789abcdef",
        "run [REDACTED:slack-token]",
    ),
    (
        "curl -d @msg.json https://hooks.slack.com/services/T0EXAMPLE/B0EXAMPLE/EXAMPLEexample0123456789",
        "curl -d @msg.json https://hooks.slack.com/services/[REDACTED:slack-webhook]",
    ),
    (
        "stripe charges list --api-key sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "stripe charges list --api-key [REDACTED:stripe-key]",
    ),
    (
        "stripe listen --secret whsec_EXAMPLEsecret0EXAMPLEsecret0EXAM",
        "stripe listen --secret [REDACTED:stripe-key]",
    ),
    (
        "npm config set //registry/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "npm config set //registry/:_authToken=[REDACTED:npm-token]",
    ),
    (
        "twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmcEXAMPLE-token_0EXAMPLE-token_0EXAMPLE-token_0EXAMPLE-token_0 dist/*",
        "twine upload -u __token__ -p [REDACTED:pypi-token] dist/*",
    ),
    (
        "export ANTHROPIC_API_KEY=sk-ant-api03-EXAMPLE_key-0EXAMPLE_key-0EXAMPLE_key-0EXAMPLE_key-0EXAA",
        "export ANTHROPIC_API_KEY=[REDACTED:anthropic-key]",
    ),
    (
        "llm keys set openai --value sk-proj-EXAMPLEkey0EXAMPLEkey0EXAMPLEkey0EXAMPLE",
        "llm keys set openai --value [REDACTED:openai-key]",
    ),
    (
        "use sk-EXAMPLEkey0EXAMPLEkey0EXAMPLEkey0EXAMPLEkey0EXAM please",
        "use [REDACTED:openai-key] please",
    ),
    (
        "curl 'https://maps.googleapis.com/maps/api/geocode/json?key=AIzaSyEXAMPLE-key_0SyEXAMPLE-key_0SyEXA'",
        "curl 'https://maps.googleapis.com/maps/api/geocode/json?key=[REDACTED:google-api-key]'",
    ),
    (
        "huggingface-cli login --token hf_EXAMPLEtokenEXAMPLEtokenEXAMPLEtok",
        "huggingface-cli login --token [REDACTED:huggingface-token]",
    ),
    (
        "twilio api:core:messages:list --api-key SK0123456789abcdef0123456789abcdef",
        "twilio api:core:messages:list --api-key [REDACTED:twilio-key]",
    ),
    (
        "echo SG.EXAMPLEkey0EXAMPLEkey0.EXAMPLEsecret1EXAMPLEsecret1EXAMPLEsecret1E | send",
        "echo [REDACTED:sendgrid-key] | send",
    ),
    (
        "doctl auth init -t dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "doctl auth init -t [REDACTED:digitalocean-token]",
    ),
    (
        "VAULT_TOKEN=hvs.EXAMPLEtoken0EXAMPLEtoken0EXAMPLEtoken vault kv get secret/x",
        "VAULT_TOKEN=[REDACTED:vault-token] vault kv get secret/x",
    ),
    (
        "curl -d token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x",
        "curl -d token=[REDACTED:jwt] x",
    ),
    // Secrets known by what stands before them.
    (
        "az storage blob list --connection-string 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=EXAMPLE+key/0EXAMPLE+key/0EXAMPLE+key/0==;EndpointSuffix=core.windows.net'",
        "az storage blob list --connection-string 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED:azure-key];EndpointSuffix=core.windows.net'",
    ),
    (
        "curl 'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=AbC%2Bdef123%3D'",
        "curl 'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=[REDACTED:url-signature]'",
    ),
    (
        "http :8080 'Authorization: Bearer abc.def.ghi123'",
        "http :8080 'Authorization: Bearer [REDACTED:authorization]'",
    ),
    (
        "curl -H \"authorization: token 0123456789abcdef\" x",
        "curl -H \"authorization: token [REDACTED:authorization]\" x",
    ),
    (
        "curl -H 'X-Api-Key: 0123abcd4567' https://api.example.com",
        "curl -H 'X-Api-Key: [REDACTED:api-key-header]' https://api.example.com",
    ),
    (
        "wscat -H 'bearer   0123456789abcdef' host",
        "wscat -H 'bearer   [REDACTED:bearer]' host",
    ),
    (
        "psql postgres://admin:hunter22@db:5432/app",
        "psql postgres://admin:[REDACTED:url-password]@db:5432/app",
    ),
    (
        "redis-cli -u redis://:hunter22@cache:6379 ping",
        "redis-cli -u redis://:[REDACTED:url-password]@cache:6379 ping",
    ),
    (
        "curl -u admin:hunter2 https://x",
        "curl -u admin:[REDACTED:curl-user] https://x",
    ),
    (
        "curl -s --user 'bob:pa ss' https://x",
        "curl -s --user 'bob:[REDACTED:curl-user]' https://x",
    ),
    (
        "curl -X POST -u\"ci:t0k3n\" https://x",
        "curl -X POST -u\"ci:[REDACTED:curl-user]\" https://x",
    ),
    (
        "http -a me:hunter2 example.org",
        "http -a me:[REDACTED:curl-user] example.org",
    ),
    // Flags.
    (
        "deploy --password=s3cr3t --env prod",
        "deploy --password=[REDACTED:password-flag] --env prod",
    ),
    (
        "login --token abc123def",
        "login --token [REDACTED:password-flag]",
    ),
    (
        "gpg --batch --passphrase hunter2 -c notes.txt",
        "gpg --batch --passphrase [REDACTED:password-flag] -c notes.txt",
    ),
    (
        "gpg --passphrase=hunter2 -d notes.gpg",
        "gpg --passphrase=[REDACTED:password-flag] -d notes.gpg",
    ),
    (
        "gpg --pinentry-mode loopback --passphrase 'two words' -d f",
        "gpg --pinentry-mode loopback --passphrase [REDACTED:password-flag] -d f",
    ),
    (
        "app --db-password \"p w\" --client-secret=abc --API-KEY k1",
        "app --db-password [REDACTED:password-flag] --client-secret=[REDACTED:password-flag] --API-KEY [REDACTED:password-flag]",
    ),
    (
        "wget --http-password=hunter2 https://x",
        "wget --http-password=[REDACTED:password-flag] https://x",
    ),
    (
        "server -password hunter2 -port 80",
        "server -password [REDACTED:password-flag] -port 80",
    ),
    (
        "keytool -importkeystore -srcstorepass changeit -deststorepass hunter2",
        "keytool -importkeystore -srcstorepass [REDACTED:password-flag] -deststorepass [REDACTED:password-flag]",
    ),
    (
        "openssl enc -aes256 -pass pass:hunter2 -in f",
        "openssl enc -aes256 -pass pass:[REDACTED:password-flag] -in f",
    ),
    (
        "sshpass -p hunter2 ssh -p 2222 host",
        "sshpass -p [REDACTED:sshpass] ssh -p 2222 host",
    ),
    (
        "sshpass -v -p'two words' scp -P 22 a host:",
        "sshpass -v -p[REDACTED:sshpass] scp -P 22 a host:",
    ),
    (
        "docker login -u me -p hunter2 registry.io",
        "docker login -u me -p [REDACTED:login-password] registry.io",
    ),
    (
        "podman login -p=hunter2 quay.io",
        "podman login -p=[REDACTED:login-password] quay.io",
    ),
    (
        "helm registry login reg.io -u me -p hunter2",
        "helm registry login reg.io -u me -p [REDACTED:login-password]",
    ),
    (
        "oras login reg.io -u me --password hunter2",
        "oras login reg.io -u me --password [REDACTED:password-flag]",
    ),
    (
        "mysql -u root -phunter2 app",
        "mysql -u root -p[REDACTED:mysql-password] app",
    ),
    (
        "mysqldump -uroot -p'two words' db > db.sql",
        "mysqldump -uroot -p[REDACTED:mysql-password] db > db.sql",
    ),
    (
        "redis-cli -h cache -a hunter2 ping",
        "redis-cli -h cache -a [REDACTED:cli-password] ping",
    ),
    (
        "sqlcmd -S db -U sa -P hunter2 -Q 'select 1'",
        "sqlcmd -S db -U sa -P [REDACTED:cli-password] -Q 'select 1'",
    ),
    // Variables and fields.
    (
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "export AWS_SECRET_ACCESS_KEY=[REDACTED:secret-variable]",
    ),
    (
        "GITHUB_TOKEN=abc123 make release",
        "GITHUB_TOKEN=[REDACTED:secret-variable] make release",
    ),
    (
        "DB_PASSWORD='p a s s' ./run",
        "DB_PASSWORD=[REDACTED:secret-variable] ./run",
    ),
    (
        "export STRIPE_SECRET=\"x y\"",
        "export STRIPE_SECRET=[REDACTED:secret-variable]",
    ),
    (
        "PGPASSWORD=hunter2 psql -h db",
        "PGPASSWORD=[REDACTED:secret-variable] psql -h db",
    ),
    (
        "psql \"host=db user=app password=hunter2\"",
        "psql \"host=db user=app password=[REDACTED:secret-variable]\"",
    ),
    (
        "docker run -e REDIS_PASS=hunter2 redis",
        "docker run -e REDIS_PASS=[REDACTED:secret-variable] redis",
    ),
    (
        "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws configure set aws_secret_access_key [REDACTED:aws-secret-key]",
    ),
    (
        "{\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\", \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",",
        "{\"AccessKeyId\": \"[REDACTED:aws-access-key]\", \"SecretAccessKey\": \"[REDACTED:aws-secret-key]\",",
    ),
    (
        "\"SessionToken\": \"EXAMPLE/session+token0EXAMPLE/session+token0EXAMPLE/session+token0EXAMPLE/session+token0EXAMPLE/session+token0\"",
        "\"SessionToken\": \"[REDACTED:aws-session-token]\"",
    ),
    (
        "{\"username\": \"me\", \"password\": \"hunter2\"}",
        "{\"username\": \"me\", \"password\": \"[REDACTED:secret-field]\"}",
    ),
    (
        "config.api_key = 'abc123'",
        "config.api_key = '[REDACTED:secret-field]'",
    ),
];
