"""The public notice (公开公示) of each village: its wording, and the A4 signboard drawn from it."""
