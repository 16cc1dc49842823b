package assistants

import (
	"errors"
	"testing"
)

var allRunStatuses = []RunStatus{
	RunQueued, RunInProgress, RunRequiresAction, RunCancelling,
	RunCancelled, RunFailed, RunCompleted, RunIncomplete, RunExpired,
}

func TestCanTransitionTable(t *testing.T) {
	allowed := map[[2]RunStatus]bool{}
	for from, tos := range map[RunStatus][]RunStatus{
		RunQueued:         {RunInProgress, RunCancelling, RunCancelled, RunFailed, RunExpired},
		RunInProgress:     {RunRequiresAction, RunCancelling, RunCompleted, RunFailed, RunIncomplete, RunExpired},
		RunRequiresAction: {RunQueued, RunInProgress, RunCancelling, RunFailed, RunExpired},
		RunCancelling:     {RunCancelled, RunCompleted, RunFailed, RunIncomplete, RunExpired},
	} {
		for _, to := range tos {
			allowed[[2]RunStatus{from, to}] = true
		}
	}
	for _, from := range append(allRunStatuses, "", "bogus") {
		for _, to := range append(allRunStatuses, "", "bogus") {
			want := allowed[[2]RunStatus{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%q, %q) = %v; want %v", from, to, got, want)
			}
		}
	}
}

func TestTerminalStatuses(t *testing.T) {
	terminal := map[RunStatus]bool{RunCancelled: true, RunFailed: true, RunCompleted: true, RunIncomplete: true, RunExpired: true}
	for _, s := range allRunStatuses {
		if s.IsTerminal() != terminal[s] || IsTerminal(s) != terminal[s] {
			t.Errorf("IsTerminal(%s) = %v", s, s.IsTerminal())
		}
		if s.IsActive() == terminal[s] {
			t.Errorf("IsActive(%s) = %v", s, s.IsActive())
		}
		if !s.Valid() {
			t.Errorf("%s not Valid", s)
		}
		if terminal[s] {
			for _, to := range allRunStatuses {
				if CanTransition(s, to) {
					t.Errorf("terminal %s can go to %s", s, to)
				}
			}
		}
	}
	if RunStatus("bogus").IsActive() || RunStatus("").Valid() {
		t.Error("unknown statuses count as active or valid")
	}
}

// TestEveryStatusReachable walks the machine from queued: every status
// is reachable and every non-terminal status can reach a terminal one.
func TestEveryStatusReachable(t *testing.T) {
	seen := map[RunStatus]bool{RunQueued: true}
	queue := []RunStatus{RunQueued}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, to := range allRunStatuses {
			if CanTransition(s, to) && !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range allRunStatuses {
		if !seen[s] {
			t.Errorf("%s is unreachable from queued", s)
		}
	}
}

func TestRunTransition(t *testing.T) {
	r := validRun()
	r.ExpiresAt = Ptr(int64(601))
	steps := []struct {
		to    RunStatus
		check func() bool
	}{
		{RunInProgress, func() bool { return *r.StartedAt == 10 }},
		{RunRequiresAction, func() bool { return r.Status == RunRequiresAction }},
		{RunQueued, func() bool { return r.RequiredAction == nil }},
		{RunInProgress, func() bool { return *r.StartedAt == 10 }}, // started_at is kept
		{RunCompleted, func() bool { return *r.CompletedAt == 14 && r.ExpiresAt == nil }},
	}
	for i, s := range steps {
		if s.to == RunQueued {
			// entering requires_action is the caller's job
			r.RequiredAction = &RequiredAction{}
		}
		if err := r.Transition(s.to, int64(10+i)); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !s.check() {
			t.Fatalf("step %d to %s: %+v", i, s.to, r)
		}
	}
	err := r.Transition(RunInProgress, 20)
	if !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("completed -> in_progress: %v", err)
	}
	if want := "run run_abc123: cannot change status from completed to in_progress"; err.Error() != want {
		t.Errorf("error %q; want %q", err, want)
	}
	if r.Status != RunCompleted {
		t.Errorf("a refused transition changed the status to %s", r.Status)
	}
}

func TestRunTransitionTimestamps(t *testing.T) {
	for _, tc := range []struct {
		path []RunStatus
		get  func(*Run) *int64
	}{
		{[]RunStatus{RunCancelling, RunCancelled}, func(r *Run) *int64 { return r.CancelledAt }},
		{[]RunStatus{RunFailed}, func(r *Run) *int64 { return r.FailedAt }},
		{[]RunStatus{RunInProgress, RunIncomplete}, func(r *Run) *int64 { return r.ExpiresAt }},
	} {
		r := validRun()
		r.ExpiresAt = Ptr(int64(600))
		for _, to := range tc.path {
			if err := r.Transition(to, 7); err != nil {
				t.Fatal(err)
			}
		}
		got := tc.get(r)
		last := tc.path[len(tc.path)-1]
		if last == RunIncomplete {
			if got != nil {
				t.Errorf("%s kept expires_at", last)
			}
		} else if got == nil || *got != 7 {
			t.Errorf("%s: timestamp %v", last, got)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("after %v: %v", tc.path, err)
		}
	}
}

func TestStepTransitions(t *testing.T) {
	for _, to := range []StepStatus{StepCancelled, StepFailed, StepCompleted, StepExpired} {
		s := validStep()
		if err := s.Transition(to, 9); err != nil {
			t.Fatalf("in_progress -> %s: %v", to, err)
		}
		var ts *int64
		switch to {
		case StepCancelled:
			ts = s.CancelledAt
		case StepFailed:
			ts = s.FailedAt
		case StepCompleted:
			ts = s.CompletedAt
		case StepExpired:
			ts = s.ExpiredAt
		}
		if ts == nil || *ts != 9 {
			t.Errorf("%s: timestamp not set", to)
		}
		if err := s.Transition(StepInProgress, 10); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s -> in_progress: %v", to, err)
		}
	}
	if CanTransitionStep(StepInProgress, StepInProgress) || CanTransitionStep(StepInProgress, "bogus") {
		t.Error("bad step transitions allowed")
	}
}

func TestMessageTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{MessageInProgress, MessageCompleted, true},
		{MessageInProgress, MessageIncomplete, true},
		{MessageCompleted, MessageInProgress, false},
		{MessageIncomplete, MessageCompleted, false},
		{MessageInProgress, MessageInProgress, false},
	} {
		if got := CanTransitionMessage(tc.from, tc.to); got != tc.ok {
			t.Errorf("CanTransitionMessage(%s, %s) = %v", tc.from, tc.to, got)
		}
	}
}
