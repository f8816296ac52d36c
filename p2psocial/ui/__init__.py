"""The desktop app (PySide6). Shows state and sends intents; no SQL, no libp2p."""
