package assistants

import (
	"encoding/json"
	"maps"
)

// RunLease is the execution state a worker keeps on a run: who executes
// it, until when, and the ids of the objects the current turn writes.
// It is stored with the run, as the member "r2kit_lease" of the run's
// object in the bucket, so that a conditional write of the run is also
// conditional on its lease: a worker writes its results with a run
// Update that first checks that Owner and Claims are still its own.
//
// The lease is never part of the API's run object: Run.MarshalJSON
// leaves it out, and Run.UnmarshalJSON takes the stored member into
// Run.Lease (never into Extra). Only the RunStore writes it.
type RunLease struct {
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

// runLeaseMember is the member of a stored run that holds its lease.
const runLeaseMember = "r2kit_lease"

// Validate checks the lease's owner and ids.
func (l *RunLease) Validate() error {
	if l == nil {
		return nil
	}
	return firstErr(
		checkRequired("r2kit_lease.owner", l.Owner),
		optID("r2kit_lease.step_id", PrefixStep, l.StepID),
		optID("r2kit_lease.message_id", PrefixMessage, l.MessageID),
	)
}

func optID(field, prefix, id string) error {
	if id == "" {
		return nil
	}
	return checkID(field, prefix, id)
}

// takeLease moves the stored lease member out of extra into a RunLease.
func takeLease(extra Extra) (*RunLease, Extra, error) {
	raw, ok := extra[runLeaseMember]
	if !ok {
		return nil, extra, nil
	}
	extra = maps.Clone(extra)
	delete(extra, runLeaseMember)
	if len(extra) == 0 {
		extra = nil
	}
	if isNull(raw) {
		return nil, extra, nil
	}
	var l RunLease
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, extra, &FieldError{Path: runLeaseMember, Reason: err.Error(), Err: err}
	}
	return &l, extra, nil
}

// withoutLease returns extra without a lease member.
func withoutLease(extra Extra) Extra {
	if _, ok := extra[runLeaseMember]; !ok {
		return extra
	}
	extra = maps.Clone(extra)
	delete(extra, runLeaseMember)
	return extra
}

// storedRun is a run as the bucket holds it: the API's run object plus
// the lease member. The RunStore writes runs in this form.
type storedRun struct{ Run }

// MarshalJSON writes the run object with its lease member.
func (s storedRun) MarshalJSON() ([]byte, error) {
	w := runJSON(s.Run)
	w.Object = orDefault(w.Object, ObjectRun)
	w.Tools = orEmpty(w.Tools)
	extra := withoutLease(s.Extra)
	if s.Lease != nil {
		b, err := json.Marshal(s.Lease)
		if err != nil {
			return nil, err
		}
		extra = maps.Clone(extra)
		if extra == nil {
			extra = Extra{}
		}
		extra[runLeaseMember] = b
	}
	return marshalObject(&w, extra)
}

// UnmarshalJSON reads a stored run (see Run.UnmarshalJSON).
func (s *storedRun) UnmarshalJSON(data []byte) error { return s.Run.UnmarshalJSON(data) }

// Validate checks the run and its lease.
func (s *storedRun) Validate() error {
	return firstErr(s.Run.Validate(), s.Lease.Validate())
}
