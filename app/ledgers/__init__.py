"""The plan's ledgers: 附件1 (each village's service ledger) and 附件2 (the township's quarterly ledger)."""
