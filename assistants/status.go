package assistants

import "slices"

// RunStatus is a run's status.
type RunStatus string

// Run statuses.
const (
	RunQueued         RunStatus = "queued"
	RunInProgress     RunStatus = "in_progress"
	RunRequiresAction RunStatus = "requires_action"
	RunCancelling     RunStatus = "cancelling"
	RunCancelled      RunStatus = "cancelled"
	RunFailed         RunStatus = "failed"
	RunCompleted      RunStatus = "completed"
	RunIncomplete     RunStatus = "incomplete"
	RunExpired        RunStatus = "expired"
)

var runStatusNames = []string{
	string(RunQueued), string(RunInProgress), string(RunRequiresAction), string(RunCancelling),
	string(RunCancelled), string(RunFailed), string(RunCompleted), string(RunIncomplete), string(RunExpired),
}

// runTransitions is the v2 run state machine (see CanTransition).
var runTransitions = map[RunStatus][]RunStatus{
	RunQueued:         {RunInProgress, RunCancelling, RunCancelled, RunFailed, RunExpired},
	RunInProgress:     {RunRequiresAction, RunCancelling, RunCompleted, RunFailed, RunIncomplete, RunExpired},
	RunRequiresAction: {RunQueued, RunInProgress, RunCancelling, RunFailed, RunExpired},
	RunCancelling:     {RunCancelled, RunCompleted, RunFailed, RunIncomplete, RunExpired},
}

// Valid reports whether s is one of the nine run statuses.
func (s RunStatus) Valid() bool { return slices.Contains(runStatusNames, string(s)) }

// IsTerminal reports whether s is final: cancelled, failed, completed,
// incomplete or expired.
func (s RunStatus) IsTerminal() bool {
	switch s {
	case RunCancelled, RunFailed, RunCompleted, RunIncomplete, RunExpired:
		return true
	}
	return false
}

// IsActive reports whether a run in status s holds its thread's active
// run slot: queued, in_progress, requires_action or cancelling.
func (s RunStatus) IsActive() bool { return s.Valid() && !s.IsTerminal() }

// IsTerminal reports whether s is final. It is the function form of
// RunStatus.IsTerminal.
func IsTerminal(s RunStatus) bool { return s.IsTerminal() }

// CanTransition reports whether a run may change from status from to
// status to, along the v2 run state machine:
//
//	queued          -> in_progress, cancelling, cancelled, failed, expired
//	in_progress     -> requires_action, cancelling, completed, failed, incomplete, expired
//	requires_action -> queued, in_progress (outputs submitted), cancelling, failed, expired
//	cancelling      -> cancelled, and completed, failed, incomplete, expired
//	                   (the run finished before the cancellation took effect)
//	cancelled, failed, completed, incomplete, expired: terminal
//
// A queued run may be cancelled at once (there is nothing to
// interrupt). After tool outputs are submitted the API answers with the
// run queued again (the spec's example) or in progress; both are
// allowed. A status never transitions to itself, an unknown status goes
// nowhere, and terminal statuses are final.
func CanTransition(from, to RunStatus) bool {
	return slices.Contains(runTransitions[from], to)
}

// Transition changes r's status to to at Unix time now, or returns a
// *TransitionError (matching ErrInvalidTransition) if the state machine
// forbids it. It keeps the run's other members consistent:
//   - in_progress sets started_at the first time;
//   - cancelled, failed and completed set cancelled_at, failed_at and
//     completed_at; every terminal status clears expires_at, as the
//     API's terminal runs show;
//   - leaving requires_action clears required_action (entering it is
//     the caller's job: set RequiredAction before or after, then
//     Validate).
func (r *Run) Transition(to RunStatus, now int64) error {
	if !CanTransition(r.Status, to) {
		return &TransitionError{Object: "run", ID: r.ID, From: string(r.Status), To: string(to)}
	}
	if r.Status == RunRequiresAction {
		r.RequiredAction = nil
	}
	r.Status = to
	switch to {
	case RunInProgress:
		if r.StartedAt == nil {
			r.StartedAt = Ptr(now)
		}
	case RunCancelled:
		r.CancelledAt = Ptr(now)
	case RunFailed:
		r.FailedAt = Ptr(now)
	case RunCompleted:
		r.CompletedAt = Ptr(now)
	}
	if to.IsTerminal() {
		r.ExpiresAt = nil
	}
	return nil
}

// StepStatus is a run step's status.
type StepStatus string

// Run step statuses.
const (
	StepInProgress StepStatus = "in_progress"
	StepCancelled  StepStatus = "cancelled"
	StepFailed     StepStatus = "failed"
	StepCompleted  StepStatus = "completed"
	StepExpired    StepStatus = "expired"
)

var stepStatusNames = []string{
	string(StepInProgress), string(StepCancelled), string(StepFailed), string(StepCompleted), string(StepExpired),
}

// IsTerminal reports whether s is final (every status but in_progress).
func (s StepStatus) IsTerminal() bool {
	return s != StepInProgress && slices.Contains(stepStatusNames, string(s))
}

// CanTransitionStep reports whether a run step may change from status
// from to status to: only in_progress moves, to any terminal status.
func CanTransitionStep(from, to StepStatus) bool {
	return from == StepInProgress && to.IsTerminal()
}

// Transition changes s's status to to at Unix time now, setting the
// matching timestamp (cancelled_at, failed_at, completed_at or
// expired_at), or returns a *TransitionError.
func (s *RunStep) Transition(to StepStatus, now int64) error {
	if !CanTransitionStep(s.Status, to) {
		return &TransitionError{Object: "run step", ID: s.ID, From: string(s.Status), To: string(to)}
	}
	s.Status = to
	switch to {
	case StepCancelled:
		s.CancelledAt = Ptr(now)
	case StepFailed:
		s.FailedAt = Ptr(now)
	case StepCompleted:
		s.CompletedAt = Ptr(now)
	case StepExpired:
		s.ExpiredAt = Ptr(now)
	}
	return nil
}

// CanTransitionMessage reports whether a message may change from status
// from to status to: in_progress to completed or incomplete.
func CanTransitionMessage(from, to string) bool {
	return from == MessageInProgress && (to == MessageCompleted || to == MessageIncomplete)
}
