from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """argon2id with OWASP's parameters (m=19 MiB, t=2, p=1).

    Django's own defaults (m=100 MiB, t=2, p=8) cost about six times as much per login on the
    machines we measured (bench/README.md), without a security gain that OWASP asks for.
    """

    algorithm = "argon2"  # same prefix: hashes stay verifiable by Django's hasher and vice versa
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


class ClientSecretHasher(PBKDF2PasswordHasher):
    """For the secrets of OpenID Connect clients, never for people's passwords.

    Client secrets are 128 random characters (register-app refuses given secrets under 32):
    a slow hash adds no protection to them, but at argon2id's cost it was most of the time of
    every token and introspection request (bench/README.md). Hashed anyway, so that a database
    dump yields no usable secret.
    """

    algorithm = "pbkdf2_sha256_client"
    iterations = 1
