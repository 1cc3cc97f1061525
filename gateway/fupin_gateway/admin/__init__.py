"""The scoped admin API: an admin manages accounts only inside its own jurisdiction, never above its tier."""
