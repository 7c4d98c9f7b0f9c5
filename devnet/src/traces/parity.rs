//! Parity's traces (`trace_*`) over a [`Subject`], from revm-inspectors' parity builder; the
//! `stateDiff` is read off the move set.
