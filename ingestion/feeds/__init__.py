"""One module per feed; each defines ``FEED`` and the registry collects them."""
