"""县 / 乡镇（街道） / 村（社区）: the region tree that routing, scoping and ledgers hang on."""
