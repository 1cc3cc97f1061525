"""Fupin registry: Division tree, households and members (建档立卡), poverty standards, registration status and history, bulk import and exports."""
