"""The backend's own PostgreSQL tables: transactions, transfer results, logins."""
