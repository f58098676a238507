"""Local records of Dodo objects (customers, sync state, webhook events)."""
