//! What the application reads in a request's text: category suggestions from the
//! classifier, possible duplicates, and the one training set the classifier learns from.

pub mod duplicates;
pub mod suggest;
pub mod training_set;
