package store

import (
	"bytes"
	"encoding/json"
	"maps"

	"github.com/r2kit/r2kit/assistants"
)

// Lease is the execution state a worker keeps on a run: who executes
// it, until when, and the ids of the objects the current turn writes.
// It is a store document, not part of the API's run object: it is
// stored with the run, as the member "r2kit_lease" of the run's object
// in the bucket, so that a conditional write of the run is also
// conditional on its lease. A worker writes its results with
// Runs.UpdateLeased, whose function first checks that Owner and Claims
// are still its own.
//
// Runs.Get, Runs.List and every other read hand out the run without its
// lease; Runs.GetLeased and Runs.UpdateLeased show it. The zero Lease
// (Owner "") is no lease.
type Lease struct {
	// Owner is the id of the worker that claimed the run.
	Owner string `json:"owner"`
	// Until is when the lease lapses unless renewed, in Unix
	// milliseconds. Past it, another worker may claim the run.
	Until int64 `json:"until_ms"`
	// Claims counts the claims ever made on the run: each claim
	// increments it, so it fences the writes of an earlier holder.
	Claims int64 `json:"claims"`
	// Turn counts the model turns of the run; a claim of a queued run
	// starts a new one.
	Turn int64 `json:"turn"`
	// StepID and MessageID are the ids of the run step and of the
	// assistant message the current turn writes, chosen when the turn
	// started: every worker that executes the turn writes these ids,
	// with create-only writes, so a turn writes at most one of each.
	StepID    string `json:"step_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

// Held reports whether l names a worker.
func (l Lease) Held() bool { return l.Owner != "" }

// leaseMember is the member of a stored run that holds its lease.
const leaseMember = "r2kit_lease"

// validate checks a held lease's owner and ids.
func (l Lease) validate() error {
	if !l.Held() {
		return nil
	}
	if l.StepID != "" {
		if err := assistants.CheckID(leaseMember+".step_id", assistants.PrefixStep, l.StepID); err != nil {
			return err
		}
	}
	if l.MessageID != "" {
		return assistants.CheckID(leaseMember+".message_id", assistants.PrefixMessage, l.MessageID)
	}
	return nil
}

// storedRun is a run as the bucket holds it: the API's run object plus
// the lease member. The Runs store reads and writes runs in this form.
type storedRun struct {
	assistants.Run
	Lease Lease
}

// MarshalJSON writes the run object with its lease member (none for
// the zero Lease).
func (s storedRun) MarshalJSON() ([]byte, error) {
	r := s.Run
	r.Extra = maps.Clone(r.Extra)
	delete(r.Extra, leaseMember)
	if s.Lease.Held() {
		b, err := json.Marshal(s.Lease)
		if err != nil {
			return nil, err
		}
		if r.Extra == nil {
			r.Extra = assistants.Extra{}
		}
		r.Extra[leaseMember] = b
	}
	return json.Marshal(r)
}

// UnmarshalJSON reads a stored run: the lease member goes to Lease,
// never into the run's Extra.
func (s *storedRun) UnmarshalJSON(data []byte) error {
	var r assistants.Run
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	s.Lease = Lease{}
	if raw, ok := r.Extra[leaseMember]; ok {
		r.Extra = maps.Clone(r.Extra)
		delete(r.Extra, leaseMember)
		if len(r.Extra) == 0 {
			r.Extra = nil
		}
		if !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			if err := json.Unmarshal(raw, &s.Lease); err != nil {
				return &assistants.FieldError{Path: leaseMember, Reason: err.Error(), Err: err}
			}
		}
	}
	s.Run = r
	return nil
}

// Validate checks the run and its lease.
func (s *storedRun) Validate() error {
	if err := s.Run.Validate(); err != nil {
		return err
	}
	return s.Lease.validate()
}

// activeRunLock is the document at ActiveRunLockKey: it names the run
// that holds the thread's one active-run slot. It is created with a
// conditional create (so of two racing run creations one wins) and
// deleted when the run reaches a terminal status.
type activeRunLock struct {
	ThreadID  string `json:"thread_id"`
	RunID     string `json:"run_id"`
	CreatedAt int64  `json:"created_at"`
}

// Validate checks the lock's ids.
func (l *activeRunLock) Validate() error {
	if err := assistants.CheckID("thread_id", assistants.PrefixThread, l.ThreadID); err != nil {
		return err
	}
	if err := assistants.CheckID("run_id", assistants.PrefixRun, l.RunID); err != nil {
		return err
	}
	if l.CreatedAt < 0 {
		return &assistants.FieldError{Path: "created_at", Reason: "negative; timestamps are Unix seconds"}
	}
	return nil
}
