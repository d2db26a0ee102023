"""The coalition (issue 16): partnerships between merchants of one deployment, the certificate
offers a business lets its partners hand out, the certificates customers hold in /wallet, and
their redemption at the till. db/models/coalition.py says what each table holds."""
