//! Minhu's application layer: the use cases every front end shares (the JSON API, the pages,
//! Open311, imports, the command line) and the background jobs. It knows the domain and the
//! store, and nothing of HTTP: its errors carry a code and the data to explain it, and each
//! front end turns them into its own answer.
