"""The registry's use cases, one module per part: the assets and licence requests (``assets``), the IP review, the
member directory, the relay."""
