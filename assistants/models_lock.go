package assistants

// ActiveRunLock is the document at ActiveRunLockKey: it names the run
// that holds the thread's one active-run slot. It is created with a
// conditional create (so of two racing run creations one wins) and
// deleted when the run reaches a terminal status.
type ActiveRunLock struct {
	ThreadID  string `json:"thread_id"`
	RunID     string `json:"run_id"`
	CreatedAt int64  `json:"created_at"`
}

// Validate checks the lock's ids.
func (l *ActiveRunLock) Validate() error {
	return firstErr(
		checkID("thread_id", PrefixThread, l.ThreadID),
		checkID("run_id", PrefixRun, l.RunID),
		checkTimestamp("created_at", l.CreatedAt),
	)
}
