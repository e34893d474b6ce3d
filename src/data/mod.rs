//! Reading and writing the files of the reference pipeline and of our own runs.
//!
//! * [`generations`]: generation JSONL (every key variant of the reference's readers),
//!   streamed, deduplicated on (task, input_id), tolerant of a torn last line.

pub mod generations;
