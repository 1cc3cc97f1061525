"""Token signing and verification, the Actor, and the jurisdiction check every service uses."""
