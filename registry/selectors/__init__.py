"""The registry's reads, one module per part: who is a member and the IP figures (``members``), the IP review
(``ip_reviews``), the directory (``directory``)."""
