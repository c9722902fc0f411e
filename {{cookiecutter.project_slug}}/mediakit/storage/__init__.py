"""Media storage, in two layers that the folders keep apart.

- configuration/: storage DSNs and environment variables in, STORAGES entries out (pure, no I/O).
- operations/: what talks to the live storages (the inventory, the summary, the network probe).
- backends.py: the S3 storage class that STORAGES names.
- s3.py: the one door to S3 for the whole app: the client, keys, write and read parameters, a storage's
  credentials, "not found", and the one masker that keeps credentials out of any text.
"""
