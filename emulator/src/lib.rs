//! Stub: the emulator helper replaces this.
