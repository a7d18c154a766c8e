"""The books for auditors: beancount export and statements, read from the ledger."""
